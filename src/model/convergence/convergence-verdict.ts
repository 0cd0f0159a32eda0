// Will this live migration finish, and when? Reads a migration's progress samples (source-neutral,
// see convergence-input.ts) and says one of: converging (with the time left), slow, will not
// converge, stalled, or that it cannot tell (no figures yet, or figures too old to be live) — with
// the rates it judged by, what would help, and progress as the current round and overall sent
// apart, so no figure ever runs backwards when a pre-copy round re-sends dirtied pages.
//
// Pre-copy gains on the guest at (link rate − dirty rate): each round sends what the last one
// left while the guest dirties more, so what remains shrinks like a geometric series and the time
// left is remaining / (rate − dirty). Where the remaining bytes are seen falling faster than that
// (QEMU sends untouched pages almost free), the fall observed is the better pace. Rates are
// smoothed with a time-aware EWMA, so one late update neither halves nor doubles the ETA.

import { cleanSample, type ConvergenceSample, type MigrationTuning } from './convergence-input';
import { adviceFor, verdictWords } from './convergence-words';
import type { ConvergenceVerdict, EtaTrend } from './verdict-types';

export type { ConvergenceState, ConvergenceVerdict, EtaTrend } from './verdict-types';

export interface ConvergenceOptions {
  /** Figures older than this are not shown as live. */
  staleAfterMs?: number;
  /** Nothing sent for this long (with figures still arriving) is a stall. */
  stallAfterMs?: number;
  /** The rates' EWMA time constant. */
  smoothingMs?: number;
}

const STALE_AFTER_MS = 5_000;
const STALL_AFTER_MS = 10_000;
const SMOOTHING_MS = 3_000;
/** How far back the ETA's trend looks. */
const TREND_WINDOW_MS = 5_000;
/** Above this share of the link dirtied, or this long left, a converging copy is called slow. */
const SLOW_DIRTY_SHARE = 0.5;
const SLOW_ETA_MS = 5 * 60_000;
/** Remaining rising by more than this share of the memory, without a round counter, starts a new round. */
const NEW_ROUND_RISE = 0.01;

/** One smoothed value, weighted by the time between updates. */
class Ewma {
  value?: number;
  constructor(private readonly tauMs: number) {}
  add(x: number, dtMs: number): void {
    if (this.value === undefined) this.value = x;
    else this.value += (1 - Math.exp(-Math.max(dtMs, 1) / this.tauMs)) * (x - this.value);
  }
  reset(): void {
    this.value = undefined;
  }
}

interface Walk {
  last: ConvergenceSample;
  round: number;
  roundsKnown: boolean;
  roundBytes?: number;
  roundFraction?: number;
  /** Sent bytes when the current round began. */
  roundSentFrom?: number;
  /** The size each round set out with, in order: a dirty set that stops shrinking will not converge. */
  roundStarts: number[];
  sent?: number;
  total?: number;
  rate?: number;
  dirty?: number;
  fall?: number;
  /** Projected finish time at each sample, for the trend. */
  finishes: { at: number; finish: number }[];
  /** When the sent bytes (or, without them, the remaining) last moved. */
  lastMovedAt: number;
  firstAt: number;
}

/** The pace at which what remains is falling, bytes/s: seen falling, or the rate net of dirtying. */
function pace(w: Pick<Walk, 'rate' | 'dirty' | 'fall'>): { perSecond?: number; observed: boolean } {
  if (w.fall !== undefined && w.fall > 0) return { perSecond: w.fall, observed: true };
  if (w.rate !== undefined) {
    const net = w.rate - (w.dirty ?? 0);
    if (net > 0) return { perSecond: net, observed: false };
  }
  return { observed: false };
}

function walk(samples: readonly ConvergenceSample[], smoothingMs: number): Walk | undefined {
  const rate = new Ewma(smoothingMs);
  const dirty = new Ewma(smoothingMs);
  const fall = new Ewma(smoothingMs);
  let w: Walk | undefined;
  let prev: ConvergenceSample | undefined;
  for (const raw of samples) {
    const s = cleanSample(raw);
    if (!s || (prev && s.at <= prev.at)) continue;
    if (!w) {
      const round = s.round ?? 1;
      const start = round === 1 && s.totalBytes !== undefined ? Math.max(s.totalBytes, s.remainingBytes ?? 0) : s.remainingBytes;
      w = { last: s, round, roundsKnown: s.round !== undefined, roundBytes: start, roundStarts: start !== undefined ? [start] : [], finishes: [], lastMovedAt: s.at, firstAt: s.at };
    }
    const dt = prev ? s.at - prev.at : 0;
    // Sent never falls; a runtime that restarts its counter is not believed.
    const sentBefore = w.sent;
    if (s.transferredBytes !== undefined) w.sent = Math.max(w.sent ?? 0, s.transferredBytes);
    // A new round: counted by the runtime, or read from what remains jumping up.
    const counted = s.round !== undefined && s.round !== w.round;
    const total = s.totalBytes ?? w.total;
    const jumped =
      !w.roundsKnown && prev?.remainingBytes !== undefined && s.remainingBytes !== undefined &&
      s.remainingBytes - prev.remainingBytes > NEW_ROUND_RISE * (total ?? prev.remainingBytes);
    if (prev && (counted || jumped)) {
      w.round = s.round ?? w.round + 1;
      w.roundsKnown ||= s.round !== undefined;
      w.roundBytes = s.remainingBytes;
      w.roundFraction = undefined;
      w.roundSentFrom = w.sent;
      if (s.remainingBytes !== undefined) w.roundStarts.push(s.remainingBytes);
      fall.reset();
    } else if (prev && dt > 0 && prev.remainingBytes !== undefined && s.remainingBytes !== undefined) {
      fall.add(((prev.remainingBytes - s.remainingBytes) * 1000) / dt, dt);
    }
    if (w.roundBytes === undefined && s.remainingBytes !== undefined) w.roundBytes = s.remainingBytes;
    if (w.roundSentFrom === undefined && w.round === 1) w.roundSentFrom = 0;
    // The round's share: what it has sent of what it set out to send, or what of that no longer
    // remains, whichever says more — a guest that dirties pages again keeps the second at zero,
    // QEMU's almost free untouched pages keep the first low.
    if (w.roundBytes !== undefined && w.roundBytes > 0) {
      const byRemaining = s.remainingBytes !== undefined ? 1 - s.remainingBytes / w.roundBytes : 0;
      const bySent = w.sent !== undefined && w.roundSentFrom !== undefined ? (w.sent - w.roundSentFrom) / w.roundBytes : 0;
      w.roundFraction = Math.max(w.roundFraction ?? 0, Math.min(1, Math.max(0, byRemaining, bySent)));
    }
    const moved = w.sent !== undefined ? w.sent > (sentBefore ?? -1) : prev?.remainingBytes !== s.remainingBytes;
    if (moved) w.lastMovedAt = s.at;
    // The link's rate: as measured, else what crossed since the last update.
    let measured = s.transferRateBytesPerSec;
    if (measured === undefined && prev && dt > 0 && sentBefore !== undefined && s.transferredBytes !== undefined) {
      measured = (Math.max(0, s.transferredBytes - sentBefore) * 1000) / dt;
    }
    if (measured !== undefined) rate.add(measured, dt);
    if (s.dirtyRateBytesPerSec !== undefined) dirty.add(s.dirtyRateBytesPerSec, dt);
    w.rate = rate.value;
    w.dirty = dirty.value;
    w.fall = fall.value;
    w.total = total;
    w.last = s;
    const p = pace(w);
    if (p.perSecond !== undefined && s.remainingBytes !== undefined) w.finishes.push({ at: s.at, finish: s.at + (s.remainingBytes / p.perSecond) * 1000 });
    prev = s;
  }
  return w;
}

function trendOf(w: Walk, finish: number): EtaTrend {
  const then = [...w.finishes].reverse().find((f) => f.at <= w.last.at - TREND_WINDOW_MS);
  if (!then) return 'steady';
  const left = Math.max(finish - w.last.at, 1);
  const moved = finish - then.finish;
  const tolerance = Math.max(2_000, 0.1 * left);
  return moved > tolerance ? 'later' : moved < -tolerance ? 'sooner' : 'steady';
}

/** The dirty set each round began with has stopped shrinking (over the last two rounds). */
function roundsStopShrinking(w: Walk): boolean {
  const s = w.roundStarts;
  return s.length >= 3 && s[s.length - 1] >= s[s.length - 2] && s[s.length - 2] >= s[s.length - 3] * 0.98;
}

/**
 * The one rule for "the guest dirties memory at least as fast as the link sends it": a pre-copy
 * that cannot finish. The dialog's verdict and the Migrations view's and status bar's few words
 * both read it, so they never disagree about a migration.
 */
export function dirtiesFasterThanSent(transferRate: number | undefined, dirtyRate: number | undefined): boolean {
  return transferRate !== undefined && transferRate > 0 && dirtyRate !== undefined && dirtyRate >= transferRate;
}

/**
 * The verdict at `now` from the samples so far (oldest first). Samples without a usable time, or
 * out of order, are skipped; missing figures narrow what can be said, never break it.
 */
export function convergenceVerdict(samples: readonly ConvergenceSample[], tuning: MigrationTuning = {}, now: number = Date.now(), options: ConvergenceOptions = {}): ConvergenceVerdict {
  const w = walk(samples, options.smoothingMs ?? SMOOTHING_MS);
  if (!w) return { state: 'unknown', headline: verdictWords.noFigures, advice: [] };
  const last = w.last;
  const verdict: ConvergenceVerdict = { state: 'unknown', headline: '', advice: [], asOf: last.at, ageMs: Math.max(0, now - last.at), round: w.round };
  if (w.roundFraction !== undefined) verdict.roundFraction = w.roundFraction;
  if (w.roundBytes !== undefined) verdict.roundBytes = w.roundBytes;
  if (w.sent !== undefined) verdict.sentBytes = w.sent;
  if (last.remainingBytes !== undefined) verdict.remainingBytes = last.remainingBytes;
  if (w.total !== undefined) verdict.totalBytes = w.total;
  if (w.rate !== undefined) verdict.transferRate = w.rate;
  if (w.dirty !== undefined) verdict.dirtyRate = w.dirty;

  // All sent: the copy is over whatever the clock says (the cluster stops reporting figures as it switches over).
  if (last.remainingBytes === 0) return { ...verdict, state: 'converging', headline: verdictWords.switchingOver, etaMs: 0 };
  if (now - last.at > (options.staleAfterMs ?? STALE_AFTER_MS)) {
    return { ...verdict, state: 'stale', headline: verdictWords.stale(now - last.at) };
  }
  const stallMs = last.at - w.lastMovedAt;
  if (stallMs >= (options.stallAfterMs ?? STALL_AFTER_MS)) {
    return { ...verdict, state: 'stalled', headline: verdictWords.stalled(stallMs), advice: adviceFor('stalled', verdict, tuning) };
  }
  if (w.rate === undefined) return { ...verdict, state: 'unknown', headline: verdictWords.noRate };

  const reason = verdictWords.rates(w.rate, w.dirty);
  const dirtyWins = dirtiesFasterThanSent(w.rate, w.dirty);
  if (dirtyWins || roundsStopShrinking(w)) {
    const notConverging: ConvergenceVerdict = { ...verdict, state: 'not-converging', headline: verdictWords.notConverging(dirtyWins), reason };
    return { ...notConverging, advice: adviceFor('not-converging', notConverging, tuning) };
  }
  const p = pace(w);
  if (p.perSecond === undefined || last.remainingBytes === undefined) return { ...verdict, state: 'unknown', headline: verdictWords.noRate, reason };
  const etaMs = (last.remainingBytes / p.perSecond) * 1000;
  const bound = !p.observed && last.remainingIsUpperBound === true;
  const slow = (w.dirty !== undefined && w.dirty >= SLOW_DIRTY_SHARE * w.rate) || etaMs >= SLOW_ETA_MS;
  const result: ConvergenceVerdict = {
    ...verdict,
    state: slow ? 'slow' : 'converging',
    headline: slow ? verdictWords.slow(w.rate, w.dirty, etaMs, bound) : verdictWords.converging(etaMs, bound),
    reason,
    etaMs,
    etaTrend: trendOf(w, last.at + etaMs),
  };
  if (bound) result.etaIsUpperBound = true;
  if (slow) result.advice = adviceFor('slow', result, tuning);
  return result;
}
