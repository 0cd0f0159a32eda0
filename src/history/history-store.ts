// The durable migration history: sql.js in memory, every write journaled first (group commit),
// snapshots written atomically in the background, one writer per history with the others
// following it. The store is the face callers use; what it does depends on its role — a
// WriterRole, FollowerRole or ReadOnlyRole (replication/) — and it switches between them when the
// lock changes hands, holding records back while it does. See README.md beside this file.

import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { Migration, PhaseTransition } from '../model/migration';
import { Emitter, type Event } from '../base/event';
import { silentLogger } from '../base/logger';
import type { ChartQuery, HistoryCharts, ClusterSummary, EntryPage, EntryPageQuery, HistoryEntry, KeysetPage, KeysetQuery, ListQuery, PageQuery, VmQuery } from './database/history-database';
import type { HistoryDatabase } from './database/history-database';
import { HistoryError } from './history-error';
import { loadSqlJs } from './database/sqljs-loader';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './durable-file';
import { checkDatabaseFolder, preparePrivateFolder } from './private-folder';
import { historyPaths, type HistoryPaths } from './journal/journal-files';
import type { RecordEntry } from './journal/journal-codec';
import { checkSnapshotPaths } from './snapshots/snapshot-files';
import type { HistoryDamage } from './history-damage';
import { WriterLock } from './replication/writer-lock';
import { findRecordProblem, toRecordEntry } from './record-validation';
import { foldRecords, type PendingRecord } from './record-coalescing';
import { findPlanRunProblem, plainPlanRun, serialisedState, type PlanRunQuery, type PlanRunRecord } from './plan-runs';
import { exportByteChunks, exportChunks, type ExportFormat, type ExportQuery } from './history-export';
import type { HistoryChange } from './history-changes';
import { resolveOptions, type HistoryStoreOptions, type RetentionPolicy } from './store-options';
import { HistoryReplica } from './replication/replica';
import type { HistoryAccess, HistoryStats } from './history-access';
import type { HistoryRole, StoreRole } from './replication/store-role';
import { WriterRole } from './replication/writer-role';
import { FollowerRole } from './replication/follower-role';
import { ReadOnlyRole } from './replication/read-only-role';

export type { HistoryStoreOptions, RetentionPolicy } from './store-options';
export type { HistoryRole } from './replication/store-role';
export type { HistoryChange } from './history-changes';
export type { HistoryStats } from './history-access';

export class HistoryStore implements HistoryAccess {
  private current: StoreRole;
  /** A change of role (or a follower's reload) in progress: records wait in `deferred` until it ends. */
  private transition: Promise<void> | undefined;
  private deferred: RecordEntry[] = [];
  private closed = false;
  /** True once close() was called: every query then throws HistoryError('closed'). */
  get isClosed(): boolean { return this.closed; }
  private readonly roleEmitter = new Emitter<HistoryRole>();
  /** Fires after records are applied (coalesced per turn of the event loop), deleted, or the view reloaded. */
  readonly onDidChange: Event<HistoryChange>;
  readonly onDidChangeRole: Event<HistoryRole> = this.roleEmitter.event;

  private constructor(private readonly replica: HistoryReplica) {
    this.onDidChange = replica.changes.event;
    this.current = new ReadOnlyRole(replica, this.readerHooks);
  }

  static async open(options: HistoryStoreOptions): Promise<HistoryStore> {
    const resolved = resolveOptions(options);
    const paths = historyPaths(options.path);
    const logger = options.logger ?? silentLogger;
    // Refused before anything is read: folders someone else owns or can write (their records
    // would be replayed as fact) and links in place of the history's own folders.
    const writable = resolved.mode === 'auto';
    checkSnapshotPaths(paths, { maxBytes: resolved.maxSnapshotBytes, ownerUid: process.getuid?.() });
    if (writable) ensurePrivateDir(path.dirname(paths.db));
    checkDatabaseFolder(path.dirname(paths.db));
    preparePrivateFolder(paths.journalDir, 'the journal folder', writable);
    preparePrivateFolder(paths.inboxDir, 'the inbox folder', writable);
    const SQL = await loadSqlJs(options.wasmPath);
    const store = new HistoryStore(new HistoryReplica(SQL, paths, resolved, logger));
    try {
      const lock = resolved.mode === 'auto' ? WriterLock.tryAcquire(paths.lock, paths.lockBreak, resolved.staleLockMs, logger, resolved.reclaimLockTokens) : undefined;
      if (lock) await store.becomeWriter(lock);
      else await store.startReading(resolved.mode === 'read-only' ? new ReadOnlyRole(store.replica, store.readerHooks) : store.newFollower());
    } catch (err) {
      store.closed = true;
      store.replica.dispose();
      throw err;
    }
    return store;
  }

  get paths(): HistoryPaths {
    return this.replica.paths;
  }

  get role(): HistoryRole {
    return this.current.name;
  }

  /** The writer lock's token while this store writes (a worker's client keeps it, to reclaim the lock should the worker die). */
  get lockToken(): string | undefined {
    return this.writer?.lock.token;
  }

  /**
   * Set while the database file this view was loaded from is damaged: which files, what was read
   * instead and what is known to be missing. A writer has already moved the files aside and
   * rebuilt; a follower or read-only store reads around them (until the writer replaces them).
   */
  get damage(): HistoryDamage | undefined {
    return this.replica.damage;
  }

  // ---- writes ----

  /**
   * Records a migration's latest view and its phase transitions. The writer applies and journals
   * it; a follower applies it to its own view and forwards it to the writer through its inbox.
   * Durable once flush() resolves. A record that changes nothing is not written again.
   */
  record(migration: Migration, transitions: readonly PhaseTransition[] = []): void {
    this.assertOpen();
    if (this.current.name === 'read-only') throw new HistoryError('read-only', 'This history was opened read-only.');
    const problem = findRecordProblem(migration, transitions);
    if (problem) throw new HistoryError('invalid-record', `Not recorded: ${problem}.`);
    const entry = toRecordEntry(migration, transitions);
    if (this.transition) this.deferred.push(entry);
    else this.current.record(entry);
  }

  /**
   * Records a burst at once (the worker's batches): each record is checked as record() checks it,
   * then the burst is folded to one record per migration (record-coalescing.ts), so a migration
   * that passed through several phases in it costs one row upsert. Returns the records refused,
   * by their index in `records`; the others are recorded.
   */
  recordMany(records: readonly PendingRecord[]): { index: number; error: HistoryError }[] {
    this.assertOpen();
    if (this.current.name === 'read-only') throw new HistoryError('read-only', 'This history was opened read-only.');
    const refused: { index: number; error: HistoryError }[] = [];
    const sound: PendingRecord[] = [];
    const soundIndex: number[] = [];
    records.forEach((r, index) => {
      const problem = findRecordProblem(r.migration, r.transitions);
      if (problem) refused.push({ index, error: new HistoryError('invalid-record', `Not recorded: ${problem}.`) });
      else {
        soundIndex.push(index);
        sound.push(r);
      }
    });
    for (const folded of foldRecords(sound)) {
      const entry = toRecordEntry(folded.migration, folded.transitions);
      try {
        if (this.transition) this.deferred.push(entry);
        else this.current.record(entry);
      } catch (err) {
        const error = err instanceof HistoryError ? err : new HistoryError('io', (err as Error).message);
        for (const i of folded.sources) refused.push({ index: soundIndex[i], error });
      }
    }
    return refused;
  }

  /** Keeps a plan's run state (plan-runs.ts); resolves once it is on disk. Only the writer keeps plans (a follower's callers keep their own). */
  async recordPlanRun(run: PlanRunRecord): Promise<void> {
    this.assertOpen();
    const problem = findPlanRunProblem(run) ?? (serialisedState(run) === undefined ? 'its state is too large' : undefined);
    if (problem) throw new HistoryError('invalid-record', `Plan run not kept: ${problem}.`);
    if (this.transition) await this.transition;
    if (!(this.current instanceof WriterRole)) throw new HistoryError('read-only', `Plan runs are kept by the history's writer; this one is ${this.current.name === 'read-only' ? 'read-only' : 'a follower'}.`);
    this.current.recordPlanRun({ t: 'p', run: plainPlanRun(run) });
    await this.flush();
  }

  /** Resolves when every record passed to record() before this call is on disk (journal or inbox). */
  async flush(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.transition) await this.transition;
      const sink = this.current.sink;
      try {
        await sink?.flush();
        if (!this.transition) return;
      } catch (err) {
        // The sink changed under us (lost the lock, took over): the records moved with it.
        if (this.current.sink === sink && !this.transition) throw err;
        if (attempt >= 4) throw err;
      }
    }
  }

  /** Writes a snapshot now (writer only; others do nothing). */
  async snapshot(): Promise<void> {
    return this.writer?.snapshot();
  }

  setRetention(policy: RetentionPolicy): void {
    this.replica.options.retention = { ...policy };
    if (this.writer) void this.applyRetention().catch((err) => this.replica.report('retention', `History: retention failed: ${(err as Error).message}`, 'error'));
  }

  /**
   * Removes finished migrations older than `retentionDays` and the oldest finished ones beyond
   * `maxMigrations`, a batch at a time. Active migrations are never removed. Writer only;
   * returns how many were removed.
   */
  applyRetention(): Promise<number> {
    if (!this.writer || this.closed) return Promise.resolve(0);
    return this.writer.applyRetention();
  }

  // ---- queries ----

  all(query: ListQuery = {}): Migration[] {
    return this.db().all(query);
  }

  count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): number {
    return this.db().count(query);
  }

  /**
   * One page of all() and where the next starts: pass `next` back as `after`. Unlike an offset,
   * the cursor (creation time + row) stays put while migrations are recorded or removed.
   */
  page(query: KeysetQuery = {}): KeysetPage {
    return this.db().page(query);
  }

  /** A keyset page of whole entries (each with its timeline), filtered by state, cluster, VM, datacenter and creation time. */
  entryPage(query: EntryPageQuery = {}): EntryPage {
    return this.db().entryPage(query);
  }

  active(): Migration[] {
    return this.db().active();
  }

  byId(id: string): HistoryEntry | undefined {
    return this.db().byId(id);
  }

  byDatacenter(datacenter: string, query: PageQuery = {}): Migration[] {
    return this.db().byDatacenter(datacenter, query);
  }

  byVm(vm: string, query: VmQuery = {}): Migration[] {
    return this.db().byVm(vm, query);
  }

  transitions(id: string): PhaseTransition[] {
    return this.db().transitions(id);
  }

  planRun(planId: string): PlanRunRecord | undefined {
    return this.db().planRun(planId);
  }

  planRuns(query: PlanRunQuery = {}): PlanRunRecord[] {
    return this.db().planRuns(query);
  }

  summaryByCluster(): ClusterSummary[] { return this.db().summaryByCluster(); }
  /** The history panel's charts, aggregated in SQL (database/history-charts.ts). */
  charts(query: ChartQuery = {}): HistoryCharts { return this.db().charts(query); }

  exportCsv(query: ExportQuery = {}): string {
    return [...exportChunks(this.db(), 'csv', query)].join('');
  }

  exportJson(query: ExportQuery = {}): string {
    return [...exportChunks(this.db(), 'json', query)].join('');
  }

  /** The export in pieces, for streaming (newest migration first). */
  exportChunks(format: ExportFormat, query: ExportQuery = {}): Iterable<string> {
    return exportChunks(this.db(), format, query);
  }

  /** Streams the export to `file` (created readable by the user alone); returns the bytes written. */
  async exportToFile(file: string, format: ExportFormat, query: ExportQuery = {}): Promise<number> {
    const out = createWriteStream(file, { mode: PRIVATE_FILE_MODE });
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    failed.catch(() => {});
    let bytes = 0;
    // Bytes, not strings (no encoding on the way out); each chunk's memory is reused once written.
    const spare: Buffer[] = [];
    for (const chunk of exportByteChunks(this.db(), format, query, spare)) {
      bytes += chunk.length;
      if (!out.write(chunk, () => spare.push(chunk))) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
    }
    await Promise.race([new Promise<void>((r) => out.end(() => r())), failed]);
    return bytes;
  }

  /** Every migration id held, one at a time, without building the rows. */
  /** The migration ids held, a slice at a time in row order (see HistoryDatabase.migrationIdsAfter). */
  migrationIdsAfter(afterSeq: number, limit: number): { ids: string[]; lastSeq: number } {
    return this.db().migrationIdsAfter(afterSeq, limit);
  }

  stats(): HistoryStats {
    const db = this.db();
    return {
      role: this.current.name,
      migrations: db.countMigrations(),
      transitions: db.countTransitions(),
      segment: this.current.segment,
      unsnapshottedBytes: this.current.unsnapshottedBytes,
    };
  }

  // ---- lifecycle ----

  /** Flushes, writes a final snapshot (writer), releases the lock and frees the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.replica.beginClose();
    if (this.transition) await this.transition.catch(() => {});
    await this.current.close();
    this.replica.dispose();
    this.roleEmitter.dispose();
  }

  dispose(): void {
    this.close().catch((err) => this.replica.logger.error(`History: closing failed: ${(err as Error).message}`));
  }

  // ---- switching roles ----

  /** The writer role, while this store is the writer. */
  private get writer(): WriterRole | undefined {
    return this.current instanceof WriterRole ? this.current : undefined;
  }

  private readonly readerHooks = {
    asTransition: (work: () => Promise<void>) => this.runTransition(work),
  };

  private newFollower(): FollowerRole {
    const follower: FollowerRole = new FollowerRole(this.replica, {
      ...this.readerHooks,
      lockTaken: (lock) => this.takeOver(follower, lock),
    });
    return follower;
  }

  private async startReading(role: ReadOnlyRole): Promise<void> {
    this.current = role;
    await role.load();
    role.startFollowing();
  }

  /** Loads and replays as the writer; the role is this store's before the writer starts work. */
  private async becomeWriter(lock: WriterLock): Promise<void> {
    const writer = await WriterRole.open(this.replica, lock, { lockLost: (reason) => void this.demote(reason) });
    this.enter(writer);
    await writer.begin();
  }

  /** The lock went to another store: hand what we had not written to it and follow it. */
  private demote(reason: string): Promise<void> {
    const writer = this.writer;
    if (!writer || this.transition) return this.transition ?? Promise.resolve();
    this.replica.logger.warn(`History: another window now writes the history (${reason}); following it.`);
    const unwritten = writer.stepDown();
    return this.runTransition(async () => {
      const forward = await unwritten;
      const follower = this.newFollower();
      this.current = follower;
      await follower.load();
      for (const entry of forward) follower.record(entry);
      follower.startFollowing();
      this.roleEmitter.fire(follower.name);
    });
  }

  /** The lock came free and this follower took it: become the writer, handing it the inbox's unwritten records. */
  private takeOver(follower: FollowerRole, lock: WriterLock): Promise<void> {
    follower.stopFollowing();
    return this.runTransition(async () => {
      const unwritten = await follower.handOverInbox();
      try {
        await this.becomeWriter(lock);
      } catch (err) {
        this.replica.logger.error(`History: could not take over writing: ${(err as Error).message}`);
        this.enter(follower);
        follower.startFollowing();
        return;
      }
      follower.retire();
      this.replica.logger.info('History: this window now writes the history.');
      for (const entry of unwritten) this.current.record(entry);
    });
  }

  private enter(role: StoreRole): void {
    const changed = this.current.name !== role.name;
    this.current = role;
    if (changed) this.roleEmitter.fire(role.name);
  }

  private runTransition(work: () => Promise<void>): Promise<void> {
    this.transition = work().finally(() => this.endTransition());
    return this.transition;
  }

  private endTransition(): void {
    this.transition = undefined;
    const deferred = this.deferred;
    this.deferred = [];
    for (const entry of deferred) {
      if (this.closed) break;
      this.current.record(entry);
    }
  }

  private db(): HistoryDatabase {
    this.assertOpen();
    return this.replica.database;
  }

  private assertOpen(): void {
    if (this.closed) throw new HistoryError('closed', 'The migration history is closed.');
  }
}
