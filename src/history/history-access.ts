// What the watcher, the views, the history panel and the CLI ask of the history, whichever
// thread answers: HistoryStore answers in this thread (the CLI's one-shot reads, tests), the
// worker client (worker/history-worker-client.ts) from a worker thread, so that sql.js's work —
// a snapshot's export() of the whole file above all — never blocks the extension host. Queries
// may therefore answer later: callers await them.

import type { Event } from '../base/event';
import type { IDisposable } from '../base/lifecycle';
import type { Migration, PhaseTransition } from '../model/migration';
import type { ChartQuery, HistoryCharts, ClusterSummary, EntryPage, EntryPageQuery, HistoryEntry, KeysetPage, KeysetQuery, ListQuery, PageQuery, VmQuery } from './database/history-database';
import type { HistoryChange } from './history-changes';
import type { PlanRunQuery, PlanRunRecord } from './plan-runs';
import type { HistoryDamage } from './history-damage';
import type { ExportFormat, ExportQuery } from './history-export';
import type { HistoryPaths } from './journal/journal-files';
import type { HistoryRole } from './replication/store-role';
import type { RetentionPolicy } from './store-options';

/** A value now or later: HistoryStore answers at once, the worker client later. */
export type Awaitable<T> = T | Promise<T>;

export interface HistoryStats {
  role: HistoryRole;
  migrations: number;
  transitions: number;
  /** The journal segment being written (writer) or read (follower). */
  segment: number;
  /** Journal bytes not yet in a snapshot (writer). */
  unsnapshottedBytes: number;
}

export interface HistoryAccess extends IDisposable {
  readonly paths: HistoryPaths;
  readonly role: HistoryRole;
  /** Set while the database file this view was loaded from is damaged (see HistoryStore.damage). */
  readonly damage: HistoryDamage | undefined;
  /** Fires after records are applied (coalesced), deleted, or the whole view reloaded. */
  readonly onDidChange: Event<HistoryChange>;
  readonly onDidChangeRole: Event<HistoryRole>;

  /** Records a migration's latest view and its transitions; throws a HistoryError at once for one that is malformed or on a read-only history. */
  record(migration: Migration, transitions?: readonly PhaseTransition[]): void;
  /** Resolves when every record passed to record() before this call is on disk. */
  flush(): Promise<void>;
  snapshot(): Promise<void>;
  setRetention(policy: RetentionPolicy): void;
  applyRetention(): Promise<number>;

  all(query?: ListQuery): Awaitable<Migration[]>;
  /** A page newest first from a cursor (the `next` of the page before): no rows skipped to reach it, however deep. */
  page(query?: KeysetQuery): Awaitable<KeysetPage>;
  count(query?: Omit<ListQuery, 'limit' | 'offset'>): Awaitable<number>;
  /** A keyset page of entries with their timelines, filtered by state, cluster, VM, datacenter and creation time (the HTTP API's lists). */
  entryPage(query?: EntryPageQuery): Awaitable<EntryPage>;
  active(): Awaitable<Migration[]>;
  byId(id: string): Awaitable<HistoryEntry | undefined>;
  byDatacenter(datacenter: string, query?: PageQuery): Awaitable<Migration[]>;
  byVm(vm: string, query?: VmQuery): Awaitable<Migration[]>;
  transitions(id: string): Awaitable<PhaseTransition[]>;
  /** Keeps a plan's run state; resolves once it is on disk (rejects with HistoryError 'read-only' where this history is not the writer). */
  recordPlanRun(run: PlanRunRecord): Promise<void>;
  planRun(planId: string): Awaitable<PlanRunRecord | undefined>;
  /** The plans the history knows, most recently changed first. */
  planRuns(query?: PlanRunQuery): Awaitable<PlanRunRecord[]>;
  summaryByCluster(): Awaitable<ClusterSummary[]>;
  /** The history panel's charts (per day by outcome, duration percentiles, flows), aggregated in SQL under the panel's filters. */
  charts(query?: ChartQuery): Awaitable<HistoryCharts>;
  /** Streams the export to `file` (created readable by the user alone); returns the bytes written. */
  exportToFile(file: string, format: ExportFormat, query?: ExportQuery): Promise<number>;
  stats(): Awaitable<HistoryStats>;

  /** Flushes, writes a final snapshot (writer), releases the lock and frees the database. */
  close(): Promise<void>;
}
