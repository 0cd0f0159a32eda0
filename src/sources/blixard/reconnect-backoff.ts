// Delays between reconnection attempts: doubling from `initialMs` up to `maxMs`, with jitter
// so that many windows watching one cluster do not reconnect in lockstep after it restarts.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Share of each delay that is random, 0..1. */
  jitter: number;
  random?: () => number;
}

export class ReconnectBackoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; each call lengthens the following one. */
  next(): number {
    const base = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const random = this.options.random ?? Math.random;
    const jitter = Math.max(0, Math.min(1, this.options.jitter));
    return Math.round(base * (1 - jitter) + base * jitter * random());
  }

  /** After a healthy connection, start again from the shortest delay. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
