// What the convergence verdict reads, in a shape no cluster kind owns: one sample per progress
// update (a Blixard daemon's MigrationInfo, a KubeVirt virt-handler's Prometheus series, QEMU's
// query-migrate) and the migration's effective tuning where the cluster says it. A source that
// knows only some figures leaves the rest out; the verdict says what it can from what is there.
//
// The contract, for every feeder:
// - `at`: epoch ms on the host's clock when the figures were true (or received).
// - `remainingBytes`: memory still to send in this pre-copy round (pages dirtied again count again).
// - `transferredBytes`: everything sent so far, re-sent pages included: it never falls.
// - `totalBytes`: the guest's memory.
// - `transferRateBytesPerSec`: what the link carries now, as measured (not the configured limit).
// - `dirtyRateBytesPerSec`: how fast the guest writes memory again.
// - `round`: the pre-copy iteration, 1-based, where the runtime counts them; without it a new round
//   is read from `remainingBytes` jumping up.
// - `remainingIsUpperBound`: remaining counts memory that may cross almost free (QEMU's untouched pages).
// Zero, negative, NaN or infinite figures are not figures: cleanSample() drops them.

import type { MigrationProgress } from '../migration';

export interface ConvergenceSample {
  at: number;
  remainingBytes?: number;
  transferredBytes?: number;
  totalBytes?: number;
  transferRateBytesPerSec?: number;
  dirtyRateBytesPerSec?: number;
  round?: number;
  remainingIsUpperBound?: boolean;
}

// The tuning lives with the migration model (Migration.tuning), where a source fills it in.
export type { MigrationTuning } from '../migration';

/** A byte figure or rate: a finite, non-negative number, or nothing. */
function figure(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** A rate: as figure(), but 0 from a runtime that has not measured yet means unknown too. */
function rate(value: unknown): number | undefined {
  const v = figure(value);
  return v !== undefined && v > 0 ? v : undefined;
}

/**
 * The sample with every figure that is not one removed; undefined when its time is not a time.
 * Rates of 0 are dropped (a runtime reports 0 before it measured); a dirty rate of 0 is kept,
 * since a quiet guest truly dirties nothing — except when no transfer rate came with it either.
 */
export function cleanSample(sample: ConvergenceSample): ConvergenceSample | undefined {
  if (typeof sample?.at !== 'number' || !Number.isFinite(sample.at) || sample.at <= 0) return undefined;
  const clean: ConvergenceSample = { at: sample.at };
  const remaining = figure(sample.remainingBytes);
  const transferred = figure(sample.transferredBytes);
  const total = figure(sample.totalBytes);
  const transferRate = rate(sample.transferRateBytesPerSec);
  const dirty = transferRate === undefined ? rate(sample.dirtyRateBytesPerSec) : figure(sample.dirtyRateBytesPerSec);
  const round = figure(sample.round);
  if (remaining !== undefined) clean.remainingBytes = remaining;
  if (transferred !== undefined) clean.transferredBytes = transferred;
  if (total !== undefined && total > 0) clean.totalBytes = total;
  if (transferRate !== undefined) clean.transferRateBytesPerSec = transferRate;
  if (dirty !== undefined) clean.dirtyRateBytesPerSec = dirty;
  if (round !== undefined && round >= 1) clean.round = Math.floor(round);
  if (sample.remainingIsUpperBound === true) clean.remainingIsUpperBound = true;
  return clean;
}

/**
 * A sample from the one migration model every source normalises into: MigrationProgress's
 * `bandwidthBytesPerSec` is the runtime's measured rate, and a round of 0 means "not counted".
 */
export function sampleFromProgress(progress: MigrationProgress, at: number): ConvergenceSample {
  const sample: ConvergenceSample = {
    at,
    remainingBytes: progress.remainingBytes,
    transferredBytes: progress.transferredBytes,
    totalBytes: progress.totalBytes,
    dirtyRateBytesPerSec: progress.dirtyRateBytesPerSec,
  };
  if (progress.bandwidthBytesPerSec !== undefined) sample.transferRateBytesPerSec = progress.bandwidthBytesPerSec;
  if (progress.precopyRound > 0) sample.round = progress.precopyRound;
  if (progress.remainingIsUpperBound) sample.remainingIsUpperBound = true;
  return sample;
}
