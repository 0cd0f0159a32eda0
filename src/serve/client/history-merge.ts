// How the team history (a history server's migrations) and this machine's history become one
// list: one entry per migration id, the server's copy for a migration that has ended (it watched
// the whole way, and its record is the team's), this window's own for one still running (the
// local watcher's view is the freshest); newest first, as every history list is.

import type { ClusterSummary } from '../../model/cluster-summary';
import { isFinal, type Migration } from '../../model/migration';
import type { HistoryEntry, HistoryFilter } from '../../history';

/** The copy to show of one migration both histories hold. */
export function preferredCopy<T extends { migration: Migration }>(server: T, local: T | undefined): T {
  if (!local || isFinal(server.migration.state)) return server;
  return isFinal(local.migration.state) || local.migration.createdAt >= server.migration.createdAt ? local : server;
}

/** Newest first by creation, then by id (a stable order for pages). */
export function newestFirst(a: Migration, b: Migration): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The two lists as one, each id once, newest first. */
export function mergeMigrations(server: readonly Migration[], local: readonly Migration[]): Migration[] {
  const byId = new Map<string, Migration>();
  for (const m of local) byId.set(m.id, m);
  for (const m of server) byId.set(m.id, preferredCopy({ migration: m }, byId.has(m.id) ? { migration: byId.get(m.id)! } : undefined).migration);
  return [...byId.values()].sort(newestFirst);
}

export interface MigrationMatch {
  filter?: HistoryFilter;
  text?: string;
  planId?: string;
}

/** The history's own ListQuery rule, applied to a migration held in memory. */
export function matches(m: Migration, query: MigrationMatch): boolean {
  const filter = query.filter ?? 'all';
  if (filter === 'active' && isFinal(m.state)) return false;
  if (filter === 'completed' && !isFinal(m.state)) return false;
  if (query.planId !== undefined && m.planId !== query.planId) return false;
  const text = query.text?.trim().toLowerCase();
  if (!text) return true;
  return [m.vm, m.sourceNode, m.targetNode, m.cluster, m.namespace, m.name].some((field) => field?.toLowerCase().includes(text));
}

/** Per-cluster figures of migrations held in memory, as the history's summaryByCluster() words them. */
export function summarize(entries: Iterable<HistoryEntry>): ClusterSummary[] {
  const byCluster = new Map<string, Migration[]>();
  for (const { migration } of entries) {
    const list = byCluster.get(migration.cluster) ?? [];
    list.push(migration);
    byCluster.set(migration.cluster, list);
  }
  return [...byCluster.entries()].map(([cluster, list]) => {
    const succeeded = list.filter((m) => m.state === 'succeeded');
    const failed = list.filter((m) => m.state === 'failed').length;
    const durations = succeeded
      .map((m) => m.durationMs)
      .filter((d): d is number => typeof d === 'number')
      .sort((a, b) => a - b);
    const rank = (p: number) => (durations.length === 0 ? null : durations[Math.max(0, Math.ceil(p * durations.length) - 1)]);
    return {
      cluster,
      count: list.length,
      active: list.filter((m) => !isFinal(m.state)).length,
      succeeded: succeeded.length,
      failed,
      cancelled: list.filter((m) => m.state === 'cancelled').length,
      successRate: succeeded.length + failed === 0 ? null : succeeded.length / (succeeded.length + failed),
      p50DurationMs: rank(0.5),
      p95DurationMs: rank(0.95),
    };
  });
}
