// Per-cluster figures for the history panel: how many migrations, how many active, succeeded,
// failed and cancelled, the success rate and the p50/p95 durations of successful ones.
// A full scan, so the result is cached until the data changes.

import type { ClusterSummary } from '../../model/cluster-summary';
import { ACTIVE_STATES_SQL } from './schema';
import type { SqlSession } from './sql-session';

export class ClusterSummaries {
  private cache: { at: number; value: ClusterSummary[] } | undefined;

  /** `changes` counts every change to the data, so the cache knows when it is stale. */
  constructor(
    private readonly sql: SqlSession,
    private readonly changes: () => number,
  ) {}

  get(): ClusterSummary[] {
    const at = this.changes();
    if (this.cache?.at !== at) this.cache = { at, value: this.compute() };
    return this.cache.value.map((s) => ({ ...s }));
  }

  private compute(): ClusterSummary[] {
    const totals = this.sql.rows(
      `SELECT cluster, count(*), sum(state = 'succeeded'), sum(state = 'failed'), sum(state = 'cancelled'), sum(state IN ${ACTIVE_STATES_SQL})
       FROM migrations GROUP BY cluster ORDER BY cluster`,
      [],
    );
    return totals.map((r) => {
      const cluster = String(r[0]);
      const succeeded = Number(r[2]);
      const failed = Number(r[3]);
      const cancelled = Number(r[4]);
      const decided = succeeded + failed;
      const timed = Number(this.sql.first(`SELECT count(*) FROM migrations WHERE cluster = ? AND state = 'succeeded' AND duration_ms IS NOT NULL`, [cluster])?.[0] ?? 0);
      return {
        cluster,
        count: Number(r[1]),
        active: Number(r[5]),
        succeeded,
        failed,
        cancelled,
        successRate: decided > 0 ? succeeded / decided : null,
        p50DurationMs: this.durationAtRank(cluster, timed, 50),
        p95DurationMs: this.durationAtRank(cluster, timed, 95),
      };
    });
  }

  private durationAtRank(cluster: string, timed: number, percentile: number): number | null {
    if (timed === 0) return null;
    const rank = Math.max(1, Math.ceil((percentile / 100) * timed));
    const row = this.sql.first(
      `SELECT duration_ms FROM migrations WHERE cluster = ? AND state = 'succeeded' AND duration_ms IS NOT NULL ORDER BY duration_ms LIMIT 1 OFFSET ?`,
      [cluster, rank - 1],
    );
    return row ? Number(row[0]) : null;
  }
}
