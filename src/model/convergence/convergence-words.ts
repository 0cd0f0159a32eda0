// How the convergence verdict reads: every sentence and every piece of advice, worded once, with
// sizes, rates and durations through the one vocabulary (model/vocabulary.ts), so the dialog's
// verdict line, its screen-reader text and any other surface say the same thing.

import { formatBytes, formatDuration, formatPercent, formatRate, formatTimeLeft } from '../vocabulary';
import type { MigrationTuning } from './convergence-input';
import type { ConvergenceState, ConvergenceVerdict, EtaTrend } from './verdict-types';

const left = (ms: number, bound: boolean): string => (bound ? `at most ${formatTimeLeft(ms)} left` : `about ${formatTimeLeft(ms)} left`);

export const verdictWords = {
  noFigures: 'No progress figures yet',
  noRate: 'Measuring the transfer rate…',
  switchingOver: 'Converged: switching over',
  stale: (ageMs: number) => `No new figures for ${formatDuration(ageMs)}: not live`,
  stalled: (ms: number) => `Stalled: nothing sent for ${formatDuration(ms)}`,
  converging: (etaMs: number, bound: boolean) => `Converging, ${left(etaMs, bound)}`,
  slow: (rate: number, dirty: number | undefined, etaMs: number, bound: boolean) =>
    dirty !== undefined && dirty > 0
      ? `Slow: the guest dirties ${formatRate(dirty)} of a ${formatRate(rate)} link, ${left(etaMs, bound)}`
      : `Slow: ${left(etaMs, bound)} at ${formatRate(rate)}`,
  notConverging: (dirtyWins: boolean) =>
    dirtyWins ? 'Will not converge: the guest dirties memory faster than the link sends it' : 'Will not converge: each pre-copy round leaves as much to send as the last',
  rates: (rate: number, dirty: number | undefined) =>
    dirty === undefined ? `the link sends ${formatRate(rate)}; the dirty rate is not reported` : `the link sends ${formatRate(rate)}, the guest dirties ${formatRate(dirty)}`,
};

const TREND_WORDS: Readonly<Record<EtaTrend, string>> = {
  sooner: 'finishing sooner than it looked',
  later: 'finishing later than it looked',
  steady: 'holding steady',
};

export function etaTrendWord(trend: EtaTrend): string {
  return TREND_WORDS[trend];
}

/**
 * What would help, from what the cluster offers: the bandwidth limit when the link runs at it,
 * auto-converge and post-copy where the cluster can and they are off, cold as the last resort.
 * A stall is not the guest's doing: only a look at the link and the nodes helps.
 */
export function adviceFor(state: ConvergenceState, v: Pick<ConvergenceVerdict, 'transferRate'>, tuning: MigrationTuning): string[] {
  if (state === 'stalled') return ['check the link between the nodes and the target node'];
  if (state !== 'slow' && state !== 'not-converging') return [];
  const advice: string[] = [];
  const limit = tuning.bandwidthLimitBytesPerSec;
  if (limit !== undefined && limit > 0 && Number.isFinite(limit) && (v.transferRate === undefined || v.transferRate >= 0.85 * limit)) {
    advice.push(`a higher bandwidth limit (now ${formatRate(limit)})`);
  } else if (!limit && state === 'not-converging') {
    advice.push('a faster migration link');
  }
  if (tuning.canAutoConverge && !tuning.autoConverge) advice.push('auto-converge (slows the guest until the copy catches up)');
  if (tuning.canPostCopy && !tuning.postCopy) advice.push('post-copy (the guest runs on the target while its memory follows)');
  if (tuning.canMigrateCold) advice.push('migrating cold (the VM stops while it moves)');
  return advice;
}

/** "Would help: a, b or c." — or undefined when there is nothing to say. */
export function adviceSentence(advice: readonly string[]): string | undefined {
  if (advice.length === 0) return undefined;
  const list = advice.length === 1 ? advice[0] : `${advice.slice(0, -1).join(', ')} or ${advice[advice.length - 1]}`;
  return `Would help: ${list}.`;
}

/** Progress as two figures that never run backwards: "round 3: 45% of 300 MiB" and "2.3 GiB sent in all". */
export function roundProgressText(v: Pick<ConvergenceVerdict, 'round' | 'roundFraction' | 'roundBytes'>): string | undefined {
  if (v.roundFraction === undefined) return undefined;
  const of = v.roundBytes !== undefined ? ` of ${formatBytes(v.roundBytes)}` : '';
  return `round ${v.round ?? 1}: ${formatPercent(v.roundFraction)}${of}`;
}

export function sentText(v: Pick<ConvergenceVerdict, 'sentBytes' | 'totalBytes'>): string | undefined {
  if (v.sentBytes === undefined) return undefined;
  const share = v.totalBytes && v.sentBytes > v.totalBytes * 1.05 ? ` (${(v.sentBytes / v.totalBytes).toFixed(1)}× the memory)` : '';
  return `${formatBytes(v.sentBytes)} sent in all${share}`;
}

/** The whole verdict as text, for a screen reader and a copy: headline, reason, trend, advice. */
export function verdictText(v: ConvergenceVerdict): string {
  const parts = [v.headline];
  if (v.reason) parts.push(v.reason.charAt(0).toUpperCase() + v.reason.slice(1));
  if (v.etaTrend && v.etaMs !== undefined && v.etaMs > 0) parts.push(`ETA ${etaTrendWord(v.etaTrend)}`);
  const advice = adviceSentence(v.advice);
  if (advice) parts.push(advice.slice(0, -1));
  return `${parts.join('. ')}.`;
}
