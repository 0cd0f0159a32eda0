// A migration plan's run as the history keeps it and the plans layer reads it back: plain data,
// shared by history/ (which stores it, plan-runs.ts) and plans/ (which writes it from the runner
// and resumes from it), neither of which may import the other.

export interface PlanRunRecord {
  /** The plan's id (model/plan-id.ts): the one its migrations carry. */
  planId: string;
  /** The plan document's path, as the runner was given it (absent when run from memory). */
  document?: string;
  cluster: string;
  /** evacuate, rebalance, migrate. */
  kind: string;
  startedAt?: number;
  endedAt?: number;
  /** When this state was written; a replay or a late copy never replaces a newer one. */
  updatedAt: number;
  /** The run's status (pending, waiting-window, running, cancelling, finished, cancelled). */
  status: string;
  /** The serialised run state (plans/plan-run-state.ts' PlanRunState), not interpreted by the history. */
  state: unknown;
}

/** Where plan runs are kept (the history, through HistoryAccess): what plans/ asks of it. */
export interface PlanRunTable {
  /** Resolves once the state is on disk; rejects where it cannot be kept (a read-only or follower history). */
  recordPlanRun(run: PlanRunRecord): Promise<void>;
  planRun(planId: string): PlanRunRecord | undefined | Promise<PlanRunRecord | undefined>;
}
