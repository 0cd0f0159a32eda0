// Figures for the live-migration progress bar: fraction, bytes, rate and time left, worded by the
// one vocabulary (src/model/vocabulary.ts). Pure and free of `vscode`; the webview renders these.

import { formatBytes, formatRate, formatTimeLeft } from '../model/vocabulary';
import type { ProgressView } from './migration-dialog';

export interface ProgressFigures {
  /** 0..1: how much of the guest's memory is on the target (pre-copy re-sends dirtied pages, so bytes sent can exceed the total). */
  fraction: number;
  transferred: string;
  remaining: string;
  total: string;
  /** e.g. "112 MiB/s", or undefined when no rate is known yet. */
  rate?: string;
  /**
   * e.g. "12s": the time left at the pace what remains has been falling; "≤ 37s" when only the
   * link's worst case is known of a runtime whose remaining may cross faster (QEMU); undefined
   * when the rate is unknown or the copy is not converging.
   */
  eta?: string;
  /**
   * The link's worst case ("37s"), when the runtime's remaining may cross faster than the link
   * sends (QEMU) and the pace so far promises much less: the dialog shows "ETA 4s (≤ 37s)".
   */
  etaBound?: string;
  /** The time left before rounding, ms (what `eta` words); undefined with it. */
  etaMs?: number;
  round: number;
}

/** One progress update as it arrived: when, and the figures that move. */
export interface ProgressSample {
  at: number;
  transferredBytes: number;
  remainingBytes: number;
  round: number;
}

/** How long a trend looks back: long enough to smooth out one slow update, short enough to follow a change of pace. */
const TREND_WINDOW_MS = 5000;

/**
 * The last few seconds of progress of one pre-copy round, to read two paces from: how fast bytes
 * cross the link, and how fast what is left falls. They differ on a real hypervisor: QEMU counts
 * an untouched (zero) page in `remaining` but sends it as a few bytes, so a freshly booted guest's
 * remaining bytes fall several times faster than the link's rate, and an ETA from the rate alone
 * said 6× too long (BENCHMARKS.md, qemu). The time left is read from the fall itself.
 */
export class ProgressTrend {
  private samples: ProgressSample[] = [];

  constructor(private readonly windowMs = TREND_WINDOW_MS) {}

  /** Takes an update received at `at`; false when its figures are the ones already held. */
  observe(progress: ProgressView, at: number): boolean {
    const last = this.samples[this.samples.length - 1];
    if (last && last.transferredBytes === progress.transferredBytes && last.remainingBytes === progress.remainingBytes && last.round === progress.precopyRound) return false;
    // A new round (or a remaining that grew: pages dirtied again) has a pace of its own; the old samples say nothing about it.
    if (last && (progress.precopyRound !== last.round || progress.remainingBytes > last.remainingBytes)) this.samples = [];
    this.samples.push({ at, transferredBytes: progress.transferredBytes, remainingBytes: progress.remainingBytes, round: progress.precopyRound });
    while (this.samples.length > 2 && at - this.samples[1].at >= this.windowMs) this.samples.shift();
    return true;
  }

  /** Bytes per second sent over the window; undefined until two updates of this round arrived. */
  sentPerSecond(): number | undefined {
    return this.pace((s) => s.transferredBytes);
  }

  /** Bytes per second by which `remaining` falls over the window; undefined until two updates of this round arrived. */
  remainingFallPerSecond(): number | undefined {
    return this.pace((s) => -s.remainingBytes);
  }

  private pace(value: (s: ProgressSample) => number): number | undefined {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last === first || last.at <= first.at) return undefined;
    const perSecond = ((value(last) - value(first)) * 1000) / (last.at - first.at);
    return perSecond > 0 ? perSecond : undefined;
  }
}

/**
 * The transfer rate: the runtime's measured bandwidth when it reports one, otherwise what the
 * trend saw cross.
 */
export function transferRate(progress: ProgressView, trend?: ProgressTrend): number | undefined {
  if (progress.bandwidthBytesPerSec && progress.bandwidthBytesPerSec > 0) return progress.bandwidthBytesPerSec;
  return trend?.sentPerSecond();
}

/**
 * Time left, ms. Pre-copy converges only while the link outpaces the guest's dirtying: when it
 * does not, no honest ETA exists. Otherwise the time left is what remains over the pace at which
 * it has been falling, and, before a pace is seen (the round's first update), over the rate net
 * of the dirty rate.
 */
/** The rate net of the guest's dirtying: how fast pre-copy gains on what is left; undefined while no rate is known. */
function netRate(progress: ProgressView, trend?: ProgressTrend): number | undefined {
  const rate = transferRate(progress, trend);
  return rate !== undefined ? rate - (progress.dirtyRateBytesPerSec || 0) : undefined;
}

export function timeLeftMs(progress: ProgressView, trend?: ProgressTrend): number | undefined {
  if (progress.remainingBytes === 0) return 0;
  const net = netRate(progress, trend);
  if (net !== undefined && net <= 0) return undefined;
  const fall = trend?.remainingFallPerSecond();
  if (fall !== undefined) return (progress.remainingBytes / fall) * 1000;
  return net !== undefined ? (progress.remainingBytes / net) * 1000 : undefined;
}

/**
 * The longest the copy can take at the current rate, ms: every remaining byte over the rate net
 * of dirtying. A bound only for a runtime whose remaining may cost less than its size to send
 * (QEMU's never-written pages); undefined otherwise, or while no rate is known.
 */
function worstCaseMs(progress: ProgressView, trend?: ProgressTrend): number | undefined {
  if (!progress.remainingIsUpperBound || progress.remainingBytes === 0) return undefined;
  const net = netRate(progress, trend);
  return net !== undefined && net > 0 ? (progress.remainingBytes / net) * 1000 : undefined;
}

export function progressFigures(progress: ProgressView, trend?: ProgressTrend): ProgressFigures {
  const total = progress.totalBytes > 0 ? progress.totalBytes : progress.transferredBytes + progress.remainingBytes;
  const fraction = total > 0 ? Math.min(1, Math.max(0, 1 - progress.remainingBytes / total)) : 0;
  const rate = transferRate(progress, trend);
  const etaMs = timeLeftMs(progress, trend);
  const boundMs = worstCaseMs(progress, trend);
  // QEMU's remaining counts never-written memory that crosses almost free: the pace so far is an
  // estimate, the link's worst case a bound. Shown as the bound alone when they (nearly) agree.
  const estimateOnly = etaMs !== undefined && boundMs !== undefined && etaMs < 0.9 * boundMs;
  const figures: ProgressFigures = {
    fraction,
    transferred: formatBytes(progress.transferredBytes),
    remaining: formatBytes(progress.remainingBytes),
    total: formatBytes(total),
    rate: rate !== undefined ? formatRate(rate) : undefined,
    // Rounded up: "ETA 0s" with a gigabyte still to copy is a promise the transfer will break.
    eta: etaMs === undefined ? undefined : boundMs !== undefined && !estimateOnly ? `≤ ${formatTimeLeft(boundMs)}` : formatTimeLeft(etaMs),
    round: progress.precopyRound,
  };
  if (etaMs !== undefined) figures.etaMs = estimateOnly || boundMs === undefined ? etaMs : boundMs;
  if (estimateOnly) figures.etaBound = formatTimeLeft(boundMs);
  return figures;
}
