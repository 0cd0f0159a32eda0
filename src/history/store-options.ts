// What a HistoryStore can be told when it opens, and the defaults every part of it runs with
// once resolved (the roles, the snapshot writer and retention all read the resolved form).

import type { GroupCommitOptions } from './journal/journal-appender';
import type { Logger } from '../base/logger';

/** What the writer removes (see retention.ts); setRetention() replaces it. */
export interface RetentionPolicy {
  /** Finished migrations that ended longer ago than this are removed. */
  retentionDays?: number;
  /** At most this many migrations are kept; the oldest finished ones go first. */
  maxMigrations?: number;
}

export interface HistoryStoreOptions {
  /** The database file. The journal, inbox and lock live beside it (`<path>.journal/`, `<path>.inbox/`, `<path>.lock`). */
  path: string;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** sql.js's sql-wasm.wasm; found in node_modules or next to the bundle when omitted. */
  wasmPath?: string;
  /**
   * 'auto' (default): the writer when the lock is free, otherwise a follower that forwards its
   * writes to the writer and takes over when it goes. 'read-only': never writes or locks.
   */
  mode?: 'auto' | 'read-only';
  /** Keep up with the writer's changes after opening (followers, read-only stores). Default true. */
  follow?: boolean;
  /** Longest a record waits before its batch is fsynced. Default 10 ms. */
  commitIntervalMs?: number;
  /** A batch this large is fsynced at once. Default 512. */
  maxBatchRecords?: number;
  /** How often a follower reads new journal records and looks at the lock, and the writer at inboxes. Default 500 ms. */
  pollIntervalMs?: number;
  heartbeatMs?: number;
  /** A lock whose heartbeat is older than this (or whose process is gone) is taken over. Default 15 s. */
  staleLockMs?: number;
  /** The journal is snapshotted once it holds this many bytes… Default 4 MiB. */
  snapshotMinJournalBytes?: number;
  /** …or this fraction of the last snapshot's size, whichever is larger. Default 0.5. */
  snapshotJournalRatio?: number;
  /** Run SQLite's quick_check on a database file when loading it. Default true. */
  verifyOnLoad?: boolean;
  /** A database file larger than this is refused, not loaded (sql.js holds it whole in memory). Default 1 GiB. */
  maxSnapshotBytes?: number;
  retention?: RetentionPolicy;
  /** How often the writer applies retention. Default 1 hour; the first run comes after `retentionFirstRunMs` (default 30 s). */
  retentionIntervalMs?: number;
  retentionFirstRunMs?: number;
  /** Migrations removed per step; the event loop gets a turn between steps. Default 500. */
  retentionBatchSize?: number;
  /**
   * Writer locks this process held through a history worker thread that has since died (their
   * tokens): taken over at once. A lock names its process, which still lives, so without this the
   * worker started in its place would wait `staleLockMs` for the dead one's heartbeat to age.
   */
  reclaimLockTokens?: readonly string[];
}

export interface ResolvedOptions {
  mode: 'auto' | 'read-only';
  follow: boolean;
  groupCommit: GroupCommitOptions;
  pollIntervalMs: number;
  heartbeatMs: number;
  staleLockMs: number;
  snapshotMinJournalBytes: number;
  snapshotJournalRatio: number;
  verifyOnLoad: boolean;
  maxSnapshotBytes: number;
  /** Replaced by setRetention(); the writer reads it at each run. */
  retention: RetentionPolicy;
  retentionIntervalMs: number;
  retentionFirstRunMs: number;
  retentionBatchSize: number;
  reclaimLockTokens: readonly string[];
}

/** 100,000 migrations take about 64 MB; sql.js needs the whole file, and more, in memory. */
const DEFAULT_MAX_SNAPSHOT_BYTES = 1 << 30;

export function resolveOptions(options: HistoryStoreOptions): ResolvedOptions {
  return {
    mode: options.mode ?? 'auto',
    follow: options.follow ?? true,
    groupCommit: { commitIntervalMs: options.commitIntervalMs ?? 10, maxBatchRecords: options.maxBatchRecords ?? 512 },
    pollIntervalMs: options.pollIntervalMs ?? 500,
    heartbeatMs: options.heartbeatMs ?? 2000,
    staleLockMs: options.staleLockMs ?? 15_000,
    snapshotMinJournalBytes: options.snapshotMinJournalBytes ?? 4 << 20,
    snapshotJournalRatio: options.snapshotJournalRatio ?? 0.5,
    verifyOnLoad: options.verifyOnLoad ?? true,
    maxSnapshotBytes: options.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES,
    retention: { ...options.retention },
    retentionIntervalMs: options.retentionIntervalMs ?? 3600_000,
    retentionFirstRunMs: options.retentionFirstRunMs ?? 30_000,
    retentionBatchSize: options.retentionBatchSize ?? 500,
    reclaimLockTokens: [...(options.reclaimLockTokens ?? [])],
  };
}
