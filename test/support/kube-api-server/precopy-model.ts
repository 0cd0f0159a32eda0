// The figures libvirt's job info gives virt-handler during a pre-copy live migration, as a
// function of time: round one sends all of the guest's memory, each later round re-sends what
// the guest dirtied during the one before, so `remaining` falls within a round and jumps back up
// when the next begins, while `processed` only grows (and ends above the guest's size). Pure, so
// the stand-in's /metrics and the tests that check what reached the dialog agree on every figure.

export interface GuestWorkload {
  /** Guest memory, bytes (libvirt's dataTotal). */
  memoryBytes: number;
  /** Dirty rate over transfer rate: below 1 pre-copy converges, at or above it never does. */
  dirtyRatio: number;
}

export interface PrecopyFigures {
  totalBytes: number;
  processedBytes: number;
  remainingBytes: number;
  dirtyRateBytesPerSec: number;
  transferRateBytesPerSec: number;
  /** 1 for the first pass over memory, 2 for the first re-send, … */
  round: number;
}

/** A round smaller than this share of memory is sent with the guest paused (the switchover). */
const SWITCHOVER_SHARE = 0.01;
/** A migration that does not converge is modelled over this many full passes. */
const ROUNDS_WITHOUT_CONVERGENCE = 4;

/** Round sizes, bytes, until the switchover (converging) or a fixed number of passes (not converging). */
export function precopyRounds(workload: GuestWorkload): number[] {
  const rounds = [workload.memoryBytes];
  if (workload.dirtyRatio >= 1) {
    while (rounds.length < ROUNDS_WITHOUT_CONVERGENCE) rounds.push(workload.memoryBytes);
    return rounds;
  }
  while (rounds[rounds.length - 1] * workload.dirtyRatio >= workload.memoryBytes * SWITCHOVER_SHARE && rounds.length < 50) {
    rounds.push(rounds[rounds.length - 1] * workload.dirtyRatio);
  }
  return rounds;
}

/**
 * The link rate at which the pre-copy of `workload` takes `durationMs` (the stand-in's Running
 * phase), so the figures reach the switchover as the migration succeeds.
 */
export function transferRateFor(workload: GuestWorkload, durationMs: number): number {
  const bytes = precopyRounds(workload).reduce((sum, size) => sum + size, 0);
  return bytes / Math.max(0.001, durationMs / 1000);
}

/** The figures `elapsedMs` into the Running phase of a migration whose pre-copy takes `durationMs`. */
export function precopyFigures(workload: GuestWorkload, durationMs: number, elapsedMs: number): PrecopyFigures {
  const rate = transferRateFor(workload, durationMs);
  const rounds = precopyRounds(workload);
  let budget = (Math.max(0, elapsedMs) / 1000) * rate;
  let processed = 0;
  for (let i = 0; i < rounds.length; i++) {
    const size = rounds[i];
    if (budget < size) {
      processed += budget;
      return figures(workload, rate, processed, size - budget, i + 1);
    }
    budget -= size;
    processed += size;
  }
  return figures(workload, rate, processed, 0, rounds.length);
}

function figures(workload: GuestWorkload, rate: number, processed: number, remaining: number, round: number): PrecopyFigures {
  return {
    totalBytes: Math.round(workload.memoryBytes),
    processedBytes: Math.round(processed),
    remainingBytes: Math.round(remaining),
    dirtyRateBytesPerSec: Math.round(rate * workload.dirtyRatio),
    transferRateBytesPerSec: Math.round(rate),
    round,
  };
}
