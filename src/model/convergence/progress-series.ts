// A migration's progress over time, as the dialog carries it: columns of numbers (what a chart
// library draws without copying), bounded in length so that each progress update costs the host
// the same however long the migration has run. null is a figure the source did not report.

import { cleanSample, type ConvergenceSample } from './convergence-input';

export interface ProgressSeries {
  /** Host time of each sample, epoch ms, ascending. */
  at: number[];
  transferred: (number | null)[];
  remaining: (number | null)[];
  /** Measured transfer rate, bytes/s. */
  rate: (number | null)[];
  /** Dirty rate, bytes/s. */
  dirty: (number | null)[];
  /** Pre-copy round, where counted. */
  round: (number | null)[];
  /** The guest's memory, as last reported (one figure, not a column). */
  totalBytes?: number;
  /** remaining counts memory that may cross almost free (see ConvergenceSample). */
  remainingIsUpperBound?: boolean;
}

/** The longest series kept: a point per update for the first minute of a 10 Hz runtime, then thinned. */
export const MAX_SERIES_POINTS = 600;
/** How many of the newest points thinning never touches: the chart's right edge stays sharp. */
const KEEP_NEWEST = 120;
/** Updates closer together than this with the same figures are one point (a runtime that repeats itself). */
const REPEAT_WINDOW_MS = 1000;

export function emptySeries(): ProgressSeries {
  return { at: [], transferred: [], remaining: [], rate: [], dirty: [], round: [] };
}

const orNull = (v: number | undefined): number | null => (v === undefined ? null : v);

/**
 * Adds one update to `series` in place. Returns false when it adds nothing: a time that is not
 * after the last point, a sample without a time, or the same figures again within a second.
 * Amortised O(1): when the series is full, every other point but the newest is dropped at once.
 */
export function appendSample(series: ProgressSeries, raw: ConvergenceSample, maxPoints = MAX_SERIES_POINTS): boolean {
  const s = cleanSample(raw);
  if (!s) return false;
  const n = series.at.length;
  if (n > 0 && s.at <= series.at[n - 1]) return false;
  if (
    n > 0 &&
    s.at - series.at[n - 1] < REPEAT_WINDOW_MS &&
    series.transferred[n - 1] === orNull(s.transferredBytes) &&
    series.remaining[n - 1] === orNull(s.remainingBytes) &&
    series.round[n - 1] === orNull(s.round)
  ) {
    return false;
  }
  if (n >= maxPoints) thin(series, Math.min(KEEP_NEWEST, Math.floor(maxPoints / 4)));
  series.at.push(s.at);
  series.transferred.push(orNull(s.transferredBytes));
  series.remaining.push(orNull(s.remainingBytes));
  series.rate.push(orNull(s.transferRateBytesPerSec));
  series.dirty.push(orNull(s.dirtyRateBytesPerSec));
  series.round.push(orNull(s.round));
  if (s.totalBytes !== undefined) series.totalBytes = s.totalBytes;
  if (s.remainingIsUpperBound) series.remainingIsUpperBound = true;
  return true;
}

const COLUMNS = ['at', 'transferred', 'remaining', 'rate', 'dirty', 'round'] as const;

/**
 * Halves the older part of the series, keeping the first point (where the migration began) and
 * the last point of every round (so a round's start stays visible), and the newest `keep` untouched.
 */
function thin(series: ProgressSeries, keep: number): void {
  const n = series.at.length;
  const cut = n - keep;
  const kept: number[] = [];
  for (let i = 0; i < cut; i++) {
    const roundEnds = series.round[i] !== series.round[i + 1];
    if (i === 0 || i % 2 === 0 || roundEnds) kept.push(i);
  }
  for (let i = cut; i < n; i++) kept.push(i);
  for (const column of COLUMNS) {
    const values = series[column] as (number | null)[];
    (series as unknown as Record<string, (number | null)[]>)[column] = kept.map((i) => values[i]);
  }
}

/** The series as samples, for the verdict. */
export function seriesSamples(series: ProgressSeries): ConvergenceSample[] {
  const samples: ConvergenceSample[] = [];
  for (let i = 0; i < series.at.length; i++) {
    const s: ConvergenceSample = { at: series.at[i] };
    const t = series.transferred[i], r = series.remaining[i], rate = series.rate[i], d = series.dirty[i], round = series.round[i];
    if (t !== null) s.transferredBytes = t;
    if (r !== null) s.remainingBytes = r;
    if (rate !== null) s.transferRateBytesPerSec = rate;
    if (d !== null) s.dirtyRateBytesPerSec = d;
    if (round !== null) s.round = round;
    if (series.totalBytes !== undefined) s.totalBytes = series.totalBytes;
    if (series.remainingIsUpperBound) s.remainingIsUpperBound = true;
    samples.push(s);
  }
  return samples;
}

/** A copy to send (the host keeps appending to its own). */
export function copySeries(series: ProgressSeries): ProgressSeries {
  const copy: ProgressSeries = {
    at: series.at.slice(),
    transferred: series.transferred.slice(),
    remaining: series.remaining.slice(),
    rate: series.rate.slice(),
    dirty: series.dirty.slice(),
    round: series.round.slice(),
  };
  if (series.totalBytes !== undefined) copy.totalBytes = series.totalBytes;
  if (series.remainingIsUpperBound) copy.remainingIsUpperBound = true;
  return copy;
}
