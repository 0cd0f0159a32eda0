// One cluster's migration statistics as the history keeps them: counts by outcome, the success
// rate and duration percentiles. A model type: the history computes it, the history panel's
// protocol carries it to the webview.

export interface ClusterSummary {
  cluster: string;
  count: number;
  active: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** succeeded / (succeeded + failed): a cancellation someone asked for is not a failure. Null while nothing has succeeded or failed. */
  successRate: number | null;
  /** Nearest-rank percentiles of the durations of succeeded migrations; null when there are none. */
  p50DurationMs: number | null;
  p95DurationMs: number | null;
}
