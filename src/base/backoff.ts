// Delays between retries: doubling from `initialMs` up to `maxMs`, with jitter so that many
// clients cut off together (windows watching one cluster, informers of one source) do not
// return in lockstep.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Share of each delay that is random, 0..1. Default 0.5 ("equal jitter": a random half). */
  jitter?: number;
  random?: () => number;
}

/** Delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const step = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(Math.max(0, attempt), 30));
  const jitter = Math.max(0, Math.min(1, options.jitter ?? 0.5));
  const random = options.random ?? Math.random;
  return Math.round(step * (1 - jitter) + step * jitter * random());
}

/** A backoff that counts its own attempts: `next()` after each failure, `reset()` after a healthy spell. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call lengthens the following one. */
  next(): number {
    return backoffDelay(this.attempt++, this.options);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
