// What the convergence verdict says (convergence-verdict.ts computes it, convergence-words.ts words
// it): a type of its own so the two need not import each other.

export type ConvergenceState = 'converging' | 'slow' | 'not-converging' | 'stalled' | 'unknown' | 'stale';
/** How the expected finish moved over the last few seconds. */
export type EtaTrend = 'sooner' | 'later' | 'steady';

export interface ConvergenceVerdict {
  state: ConvergenceState;
  /** One line: "Converging, about 40s left", "Will not converge: the guest dirties memory faster than the link sends it". */
  headline: string;
  /** The figures it is judged by: "the link sends 900 MiB/s, the guest dirties 700 MiB/s". */
  reason?: string;
  /** What would help, each a short phrase ("a higher bandwidth limit (now 112 MiB/s)"); empty when nothing needs to. */
  advice: string[];
  etaMs?: number;
  /** The ETA is a bound, not an estimate (remaining may cross faster than its size says). */
  etaIsUpperBound?: boolean;
  etaTrend?: EtaTrend;
  round?: number;
  /** The current round's share sent, 0..1; never falls within a round. */
  roundFraction?: number;
  /** What the current round set out to send (the remaining bytes when it began). */
  roundBytes?: number;
  /** Everything sent so far, re-sent pages included; never falls. */
  sentBytes?: number;
  remainingBytes?: number;
  totalBytes?: number;
  /** Smoothed rates the verdict used, bytes/s. */
  transferRate?: number;
  dirtyRate?: number;
  /** Time of the newest figures, and how old they were at `now`. */
  asOf?: number;
  ageMs?: number;
}
