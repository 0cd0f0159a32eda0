// The durable migration history: sql.js in memory, every write journaled first (group commit),
// snapshots written atomically in the background, one writer per history with the others
// following it. See README.md beside this file for the file layout and the guarantees.

import { lstatSync, renameSync, unlinkSync, createWriteStream } from 'node:fs';
import path from 'node:path';
import type { SqlJsStatic } from 'sql.js';
import type { Migration, PhaseTransition } from '../model/migration';
import { Emitter, type Disposable, type Event } from '../base/event';
import { HistoryDatabase, type ClusterSummary, type HistoryEntry, type ListQuery, type PageQuery, type VmQuery } from './history-database';
import { HistoryError } from './history-error';
import { silentLogger, type Logger } from '../base/logger';
import { LogOnce } from '../base/log-once';
import { loadSqlJs } from './sqljs-loader';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from './durable-file';
import { checkDatabaseFolder, preparePrivateFolder } from './private-folder';
import { historyPaths, inboxFile, listInboxes, listSegments, readJournalChunk, segmentFile, type HistoryPaths } from './journal-files';
import { decodeEntries, encodeEntry, type JournalEntry, type RecordEntry } from './journal-codec';
import { JournalAppender, type GroupCommitOptions } from './journal-appender';
import { JournalFollower, type FollowNotices } from './journal-follower';
import { checkSnapshotPaths, COVERED_SEGMENT_KEY, loadBase, snapshotFingerprint, writeSnapshot, type LoadedBase } from './snapshot-files';
import { describeHistoryDamage, type HistoryDamage } from './history-damage';
import { WriterLock } from './writer-lock';
import { findRecordProblem, isUsableRecordEntry, toRecordEntry } from './record-validation';
import { isInboxOwnerGone, newInboxTag } from './inbox-owner';
import { exportChunks, type ExportFormat, type ExportQuery } from './history-export';

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
}

export type HistoryRole = 'writer' | 'follower' | 'read-only';

export type HistoryChange =
  | { kind: 'recorded'; migrationIds: string[] }
  | { kind: 'deleted'; migrationIds: string[] }
  /** The whole view was reloaded (opened, took over, caught up after a snapshot): refresh everything. */
  | { kind: 'reloaded' };

export interface HistoryStats {
  role: HistoryRole;
  migrations: number;
  transitions: number;
  /** The journal segment being written (writer) or read (follower). */
  segment: number;
  /** Journal bytes not yet in a snapshot (writer). */
  unsnapshottedBytes: number;
}

interface ResolvedOptions {
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
  retention: RetentionPolicy;
  retentionIntervalMs: number;
  retentionFirstRunMs: number;
  retentionBatchSize: number;
}

interface WriterState {
  lock: WriterLock;
  segment: number;
  appender: JournalAppender;
  unsnapshottedBytes: number;
  lastSnapshotBytes: number;
  /** Covered segment of the current database file, if one exists. */
  currentCovered: number | undefined;
  /** Covered segment of the previous-generation file, when known. */
  prevCovered: number;
  snapshotting: Promise<void> | undefined;
  snapshotQueued: boolean;
  pollTimer: NodeJS.Timeout;
  retentionTimer: NodeJS.Timeout | undefined;
}

const FOLLOW_BUDGET_BYTES = 4 << 20;
/** 100,000 migrations take about 64 MB; sql.js needs the whole file, and more, in memory. */
const DEFAULT_MAX_SNAPSHOT_BYTES = 1 << 30;
const RELOAD_ATTEMPTS = 3;

export class HistoryStore implements Disposable {
  private database: HistoryDatabase;
  private currentRole: HistoryRole = 'read-only';
  private writer: WriterState | undefined;
  private follower: JournalFollower | undefined;
  private followerTimer: NodeJS.Timeout | undefined;
  private followerNeedsReload = false;
  private polling = false;
  private inbox: JournalAppender | undefined;
  private inboxTag: string | undefined;
  private readonly retiredInboxes = new Set<string>();
  private transition: Promise<void> | undefined;
  private deferred: RecordEntry[] = [];
  private retentionRun: Promise<number> | undefined;
  private closed = false;
  private quiet = 0;
  private pendingChanged = new Set<string>();
  private changeFlush: NodeJS.Immediate | undefined;
  private readonly reported = new LogOnce();
  private damageReport: HistoryDamage | undefined;
  /** The damaged snapshot files as last seen, so a follower notices when the writer replaces them. */
  private damageFingerprint: string | undefined;

  private readonly changeEmitter = new Emitter<HistoryChange>();
  private readonly roleEmitter = new Emitter<HistoryRole>();
  /** Fires after records are applied (coalesced per turn of the event loop), deleted, or the view reloaded. */
  readonly onDidChange: Event<HistoryChange> = this.changeEmitter.event;
  readonly onDidChangeRole: Event<HistoryRole> = this.roleEmitter.event;

  private constructor(
    private readonly SQL: SqlJsStatic,
    readonly paths: HistoryPaths,
    private readonly options: ResolvedOptions,
    private readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {
    this.database = HistoryDatabase.open(SQL, undefined, false).database;
  }

  static async open(options: HistoryStoreOptions): Promise<HistoryStore> {
    const resolved: ResolvedOptions = {
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
    };
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
    const store = new HistoryStore(SQL, paths, resolved, logger);
    try {
      const lock = resolved.mode === 'auto' ? WriterLock.tryAcquire(paths.lock, paths.lockBreak, resolved.staleLockMs, logger) : undefined;
      if (lock) await store.startAsWriter(lock);
      else await store.startAsFollower();
    } catch (err) {
      store.closed = true;
      store.database.close();
      throw err;
    }
    return store;
  }

  get role(): HistoryRole {
    return this.currentRole;
  }

  /**
   * Set while the database file this view was loaded from is damaged: which files, what was read
   * instead and what is known to be missing. A writer has already moved the files aside and
   * rebuilt; a follower or read-only store reads around them (until the writer replaces them).
   */
  get damage(): HistoryDamage | undefined {
    return this.damageReport;
  }

  // ---- writes ----

  /**
   * Records a migration's latest view and its phase transitions. The writer applies and journals
   * it; a follower applies it to its own view and forwards it to the writer through its inbox.
   * Durable once flush() resolves. A record that changes nothing is not written again.
   */
  record(migration: Migration, transitions: readonly PhaseTransition[] = []): void {
    this.assertOpen();
    if (this.currentRole === 'read-only') throw new HistoryError('read-only', 'This history was opened read-only.');
    const problem = findRecordProblem(migration, transitions);
    if (problem) throw new HistoryError('invalid-record', `Not recorded: ${problem}.`);
    const entry = toRecordEntry(migration, transitions);
    if (this.transition) this.deferred.push(entry);
    else this.recordEntry(entry);
  }

  /** Resolves when every record passed to record() before this call is on disk (journal or inbox). */
  async flush(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.transition) await this.transition;
      const writer = this.writer;
      const sink = writer?.appender ?? this.inbox;
      try {
        await sink?.flush();
        if (!this.transition) return;
      } catch (err) {
        // The sink changed under us (lost the lock, took over): the records moved with it.
        const now = this.writer?.appender ?? this.inbox;
        if (now === sink && !this.transition) throw err;
        if (attempt >= 4) throw err;
      }
    }
  }

  /** Writes a snapshot now (writer only; others do nothing). */
  async snapshot(): Promise<void> {
    const w = this.writer;
    if (!w) return;
    while (w.snapshotting) await w.snapshotting.catch(() => {});
    if (this.writer !== w) return;
    w.snapshotting = this.rotateAndSnapshot(w).finally(() => {
      w.snapshotting = undefined;
    });
    return w.snapshotting;
  }

  setRetention(policy: RetentionPolicy): void {
    this.options.retention = { ...policy };
    if (this.writer) void this.applyRetention().catch((err) => this.report('retention', `History: retention failed: ${(err as Error).message}`, 'error'));
  }

  /**
   * Removes finished migrations older than `retentionDays` and the oldest finished ones beyond
   * `maxMigrations`, a batch at a time. Active migrations are never removed. Writer only;
   * returns how many were removed.
   */
  applyRetention(): Promise<number> {
    if (!this.writer || this.closed) return Promise.resolve(0);
    this.retentionRun ??= this.runRetention().finally(() => {
      this.retentionRun = undefined;
    });
    return this.retentionRun;
  }

  // ---- queries ----

  all(query: ListQuery = {}): Migration[] {
    return this.db().all(query);
  }

  count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): number {
    return this.db().count(query);
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

  summaryByCluster(): ClusterSummary[] {
    return this.db().summaryByCluster();
  }

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
    for (const chunk of exportChunks(this.db(), format, query)) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
    }
    await Promise.race([new Promise<void>((r) => out.end(() => r())), failed]);
    return bytes;
  }

  stats(): HistoryStats {
    const db = this.db();
    return {
      role: this.currentRole,
      migrations: db.countMigrations(),
      transitions: db.countTransitions(),
      segment: this.writer?.segment ?? this.follower?.position.segment ?? 0,
      unsnapshottedBytes: this.writer?.unsnapshottedBytes ?? 0,
    };
  }

  // ---- lifecycle ----

  /** Flushes, writes a final snapshot (writer), releases the lock and frees the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.transition) await this.transition.catch(() => {});
    this.stopFollowing();
    await this.retentionRun?.catch(() => {});
    const w = this.writer;
    if (w) {
      this.stopWriterTimers(w);
      while (w.snapshotting) await w.snapshotting.catch(() => {});
      try {
        await w.appender.flush();
      } catch (err) {
        this.logger.error(`History: could not flush the journal on close: ${(err as Error).message}`);
      }
      try {
        await this.writeSnapshotCovering(w, w.segment);
      } catch (err) {
        this.logger.error(`History: could not write the final snapshot (the journal keeps every record): ${(err as Error).message}`);
      }
      await w.appender.close();
      w.lock.release();
      this.writer = undefined;
    }
    if (this.inbox) await this.inbox.close();
    if (this.changeFlush) clearImmediate(this.changeFlush);
    this.database.close();
    this.changeEmitter.dispose();
    this.roleEmitter.dispose();
  }

  dispose(): void {
    this.close().catch((err) => this.logger.error(`History: closing failed: ${(err as Error).message}`));
  }

  // ---- the writer ----

  private async startAsWriter(lock: WriterLock): Promise<void> {
    let appender: JournalAppender | undefined;
    try {
      const base = await loadBase(this.SQL, this.paths, this.loadOptions(true, this.logger));
      this.replaceDatabase(base.database);
      this.moveAsideForeignEntries();
      const segments = listSegments(this.paths.journalDir);
      const segment = Math.max(base.covered, ...segments) + 1;
      // The new segment exists before the replay, so a dead writer's last segment reads as
      // complete and a record it tore while dying is reported and dropped.
      appender = this.openSegment(segment, lock);
      this.quiet++;
      try {
        const gaps = this.replayAroundGaps(new JournalFollower(this.paths.journalDir, base.covered, this.followNotices()), segment, base.damaged.length === 0);
        this.noteDamage(base, gaps, segments.length > 0, undefined);
      } finally {
        this.quiet--;
      }
      const unsnapshotted = segments.filter((s) => s > base.covered).reduce((sum, s) => sum + fileSize(segmentFile(this.paths.journalDir, s)), 0);
      const w: WriterState = {
        lock,
        segment,
        appender,
        unsnapshottedBytes: unsnapshotted,
        lastSnapshotBytes: base.bytes,
        currentCovered: base.source === 'db' ? base.covered : undefined,
        prevCovered: base.source === 'prev' ? base.covered : 0,
        snapshotting: undefined,
        snapshotQueued: false,
        pollTimer: setInterval(() => this.writerPoll(), this.options.pollIntervalMs),
        retentionTimer: undefined,
      };
      w.pollTimer.unref();
      this.writer = w;
      this.setRole('writer');
      this.consumeInboxes(true);
      this.pruneInboxOffsets();
      lock.startHeartbeat(this.options.heartbeatMs, () => void this.demote('the lock was taken over'));
      this.scheduleRetention(w);
      if (base.upgraded || w.unsnapshottedBytes >= this.snapshotThreshold(w)) this.scheduleSnapshot();
      this.fireReloaded();
    } catch (err) {
      if (appender) await appender.close().catch(() => {});
      lock.release();
      throw err;
    }
  }

  private openSegment(segment: number, lock: WriterLock): JournalAppender {
    return JournalAppender.open(segmentFile(this.paths.journalDir, segment), true, this.options.groupCommit, {
      onWriteError: (err) => this.report('journal-write', `History: ${err.message}`, 'error'),
      mayWrite: () => lock.stillOwned(),
      onWriteRefused: () => void this.demote('the lock was taken over'),
    });
  }

  /**
   * Reads the journal to its end (or up to segment `until`), a budget at a time, reading on after
   * segments that are missing (removed by hand, or retired by snapshots a damaged file held);
   * returns those gaps, and logs them when `logGaps` (a damage report names them otherwise).
   */
  private replayAroundGaps(follower: JournalFollower, until: number | undefined, logGaps: boolean): Array<{ from: number; to: number }> {
    const gaps: Array<{ from: number; to: number }> = [];
    for (;;) {
      const outcome = follower.step((entries) => this.applyEntries(entries), FOLLOW_BUDGET_BYTES);
      if (outcome === 'more') continue;
      if (outcome === 'caught-up') return gaps;
      const present = listSegments(this.paths.journalDir);
      const at = follower.position.segment;
      // At a segment read to its end the gap starts after it; at a missing one, there.
      const from = present.includes(at) ? at + 1 : at;
      const next = present.find((s) => s > at);
      if (next === undefined || (until !== undefined && next >= until)) return gaps;
      if (logGaps) this.report('gap', `History: journal segment${next - 1 > from ? `s ${from}–${next - 1} are` : ` ${from} is`} missing; their records cannot be replayed.`, 'warn');
      gaps.push({ from, to: next - 1 });
      follower.skipTo(next);
    }
  }

  /** Remembers (and logs, once) what a damaged snapshot left; clears it when the view loaded from a sound one. */
  private noteDamage(base: LoadedBase, gaps: Array<{ from: number; to: number }>, journalPresent: boolean, fingerprint: string | undefined): void {
    if (base.damaged.length === 0) {
      this.damageReport = undefined;
      this.damageFingerprint = undefined;
      return;
    }
    const damage: HistoryDamage = {
      files: base.damaged,
      recoveredFrom: base.source === 'prev' ? 'previous-snapshot' : journalPresent ? 'journal' : 'nothing',
      migrations: this.database.countMigrations(),
      missingSegments: gaps,
    };
    this.damageReport = damage;
    this.damageFingerprint = fingerprint;
    // A read-only store's caller says it itself (the CLI's `history`, in its own words and exit code).
    if (this.options.mode !== 'read-only') this.report('damage', `History: ${describeHistoryDamage(damage)}.`, damage.recoveredFrom === 'nothing' ? 'error' : 'warn');
  }

  private loadOptions(repair: boolean, logger: Pick<Logger, 'info' | 'warn' | 'error'>) {
    return { repair, verify: this.options.verifyOnLoad, logger, maxBytes: this.options.maxSnapshotBytes, ownerUid: process.getuid?.() };
  }

  private recordEntry(entry: RecordEntry): void {
    const changed = this.database.transaction(() => this.database.applyRecord(entry));
    if (this.writer) {
      if (changed) this.appendJournal(entry);
    } else if (changed) {
      this.forward(entry);
    }
    if (changed) this.noteChanged(entry.m.id);
  }

  private appendJournal(entry: JournalEntry): void {
    const w = this.writer!;
    const line = encodeEntry(entry);
    w.appender.append(line);
    w.unsnapshottedBytes += line.length;
    if (w.unsnapshottedBytes >= this.snapshotThreshold(w)) this.scheduleSnapshot();
  }

  private snapshotThreshold(w: WriterState): number {
    return Math.max(this.options.snapshotMinJournalBytes, this.options.snapshotJournalRatio * w.lastSnapshotBytes);
  }

  private scheduleSnapshot(): void {
    const w = this.writer;
    if (!w || w.snapshotting || w.snapshotQueued) return;
    w.snapshotQueued = true;
    setImmediate(() => {
      w.snapshotQueued = false;
      if (this.writer !== w || this.closed) return;
      this.snapshot().catch((err) => this.report('snapshot', `History: snapshot failed (the journal keeps every record): ${(err as Error).message}`, 'error'));
    });
  }

  /** Moves the journal on to a new segment, then snapshots everything up to the old one and retires what is no longer needed. */
  private async rotateAndSnapshot(w: WriterState): Promise<void> {
    const covered = w.segment;
    await w.appender.rotate(segmentFile(this.paths.journalDir, covered + 1));
    w.segment = covered + 1;
    w.unsnapshottedBytes = w.appender.size;
    await this.writeSnapshotCovering(w, covered);
  }

  private async writeSnapshotCovering(w: WriterState, covered: number): Promise<void> {
    this.database.setMeta(COVERED_SEGMENT_KEY, String(covered));
    const bytes = this.database.export();
    // Never replace the file of a writer that has taken over from us.
    if (!w.lock.stillOwned()) return;
    const hadCurrent = await writeSnapshot(this.paths, bytes);
    let retireThrough: number;
    if (hadCurrent && w.currentCovered !== undefined) {
      retireThrough = w.currentCovered;
      w.prevCovered = w.currentCovered;
    } else {
      retireThrough = w.prevCovered;
    }
    w.currentCovered = covered;
    w.lastSnapshotBytes = bytes.length;
    for (const s of listSegments(this.paths.journalDir)) {
      if (s > retireThrough) break;
      try {
        unlinkSync(segmentFile(this.paths.journalDir, s));
      } catch {
        // already gone; a leftover is skipped on replay anyway
      }
    }
  }

  private writerPoll(): void {
    const w = this.writer;
    if (!w || this.closed || this.transition) return;
    try {
      if (!w.lock.stillOwned()) {
        void this.demote('the lock was taken over');
        return;
      }
      this.consumeInboxes(true);
    } catch (err) {
      this.report('writer-poll', `History: ${(err as Error).message}`, 'error');
    }
  }

  private scheduleRetention(w: WriterState): void {
    const { retentionDays, maxMigrations } = this.options.retention;
    if (retentionDays === undefined && maxMigrations === undefined) return;
    const run = () => {
      if (this.writer !== w || this.closed) return;
      this.applyRetention()
        .catch((err) => this.report('retention', `History: retention failed: ${(err as Error).message}`, 'error'))
        .finally(() => {
          if (this.writer === w && !this.closed) {
            w.retentionTimer = setTimeout(run, this.options.retentionIntervalMs);
            w.retentionTimer.unref();
          }
        });
    };
    w.retentionTimer = setTimeout(run, this.options.retentionFirstRunMs);
    w.retentionTimer.unref();
  }

  private async runRetention(): Promise<number> {
    const { retentionDays, maxMigrations } = this.options.retention;
    const batch = this.options.retentionBatchSize;
    let removed = 0;
    const step = (ids: string[]): boolean => {
      if (!this.writer || this.closed || ids.length === 0) return false;
      const deleted = this.database.transaction(() => this.database.deleteMigrations(ids));
      if (deleted.length === 0) return false;
      this.appendJournal({ t: 'd', ids: deleted });
      removed += deleted.length;
      if (!this.quiet) this.changeEmitter.fire({ kind: 'deleted', migrationIds: deleted });
      return true;
    };
    if (retentionDays !== undefined && retentionDays >= 0) {
      const cutoff = Date.now() - retentionDays * 86_400_000;
      while (step(this.writer && !this.closed ? this.database.finishedBefore(cutoff, batch) : [])) await yieldToEventLoop();
    }
    if (maxMigrations !== undefined && maxMigrations >= 0) {
      for (;;) {
        if (!this.writer || this.closed) break;
        const excess = this.database.countMigrations() - maxMigrations;
        if (excess <= 0 || !step(this.database.oldestFinished(Math.min(batch, excess)))) break;
        await yieldToEventLoop();
      }
    }
    if (removed > 0) this.logger.info(`History: retention removed ${removed} finished migration(s).`);
    return removed;
  }

  private stopWriterTimers(w: WriterState): void {
    clearInterval(w.pollTimer);
    if (w.retentionTimer) clearTimeout(w.retentionTimer);
  }

  /** The lock went to another store: hand what we had not written to it and follow it. */
  private demote(reason: string): Promise<void> {
    const w = this.writer;
    if (!w || this.transition) return this.transition ?? Promise.resolve();
    this.logger.warn(`History: another window now writes the history (${reason}); following it.`);
    this.writer = undefined;
    this.stopWriterTimers(w);
    this.transition = (async () => {
      const unwritten = await w.appender.close();
      w.lock.release();
      this.currentRole = 'follower';
      await this.reloadAsFollower();
      const forward: RecordEntry[] = [];
      for (const { entry } of decodeEntries(Buffer.concat(unwritten)).entries) {
        if (entry.t === 'r') forward.push(entry);
        else if (entry.t === 'f') forward.push(...entry.recs);
      }
      for (const entry of forward) this.recordEntry(entry);
      this.startFollowing();
      this.setRole('follower');
    })().finally(() => this.endTransition());
    return this.transition;
  }

  // ---- followers ----

  private async startAsFollower(): Promise<void> {
    this.currentRole = this.options.mode === 'read-only' ? 'read-only' : 'follower';
    await this.reloadAsFollower();
    this.startFollowing();
    this.roleEmitter.fire(this.currentRole);
  }

  private startFollowing(): void {
    if (!this.options.follow && this.options.mode === 'read-only') return;
    this.followerTimer = setInterval(() => void this.followerPoll(), this.options.pollIntervalMs);
    this.followerTimer.unref();
  }

  private stopFollowing(): void {
    if (this.followerTimer) clearInterval(this.followerTimer);
    this.followerTimer = undefined;
  }

  /**
   * Loads the newest snapshot and reads the journal to its end; retries if a snapshot replaced
   * what it read. With the snapshot damaged, reads the journal around what is missing instead
   * (reloading would find the same damage) and remembers the damage until the file changes.
   */
  private async reloadAsFollower(): Promise<void> {
    this.quiet++;
    try {
      for (let attempt = 0; attempt < RELOAD_ATTEMPTS; attempt++) {
        const fingerprint = snapshotFingerprint(this.paths);
        const base = await loadBase(this.SQL, this.paths, this.loadOptions(false, this.onceLogger()));
        if (this.closed) {
          base.database.close();
          return;
        }
        this.replaceDatabase(base.database);
        const follower = new JournalFollower(this.paths.journalDir, base.covered, this.followNotices());
        this.follower = follower;
        if (base.damaged.length > 0) {
          const journalPresent = listSegments(this.paths.journalDir).length > 0;
          const gaps = this.replayAroundGaps(follower, undefined, false);
          this.followerNeedsReload = false;
          this.noteDamage(base, gaps, journalPresent, fingerprint);
          break;
        }
        this.noteDamage(base, [], true, undefined);
        let outcome;
        do outcome = follower.step((entries) => this.applyEntries(entries), FOLLOW_BUDGET_BYTES);
        while (outcome === 'more');
        this.followerNeedsReload = outcome === 'reload';
        if (!this.followerNeedsReload) break;
      }
      this.consumeInboxes(false);
    } finally {
      this.quiet--;
    }
    this.fireReloaded();
  }

  /** A reload while following: records made meanwhile wait, as during any change of role. */
  private reloadWhileFollowing(): Promise<void> {
    this.transition = this.reloadAsFollower().finally(() => this.endTransition());
    return this.transition;
  }

  private async followerPoll(): Promise<void> {
    if (this.polling || this.transition || this.closed || this.writer) return;
    this.polling = true;
    try {
      if (this.options.mode === 'auto') {
        const lock = WriterLock.tryAcquire(this.paths.lock, this.paths.lockBreak, this.options.staleLockMs, this.logger);
        if (lock) {
          await this.takeOver(lock);
          return;
        }
      }
      // The damaged file we read around was replaced (the writer rebuilt it) or moved aside.
      const damageChanged = this.damageReport !== undefined && this.damageFingerprint !== snapshotFingerprint(this.paths);
      if (this.followerNeedsReload || !this.follower || damageChanged) {
        await this.reloadWhileFollowing();
        return;
      }
      const outcome = this.follower.step((entries) => this.applyEntries(entries), FOLLOW_BUDGET_BYTES);
      if (outcome === 'reload') await this.reloadWhileFollowing();
      else {
        this.consumeInboxes(false);
        if (outcome === 'more') setImmediate(() => void this.followerPoll());
      }
    } catch (err) {
      this.report('follow', `History: following the writer failed: ${(err as Error).message}`, 'warn');
    } finally {
      this.polling = false;
    }
  }

  private takeOver(lock: WriterLock): Promise<void> {
    this.stopFollowing();
    this.transition = (async () => {
      const unwritten: Buffer[] = [];
      if (this.inbox) {
        unwritten.push(...(await this.inbox.close()));
        this.retiredInboxes.add(path.basename(this.inbox.file));
        this.inbox = undefined;
      }
      try {
        await this.startAsWriter(lock);
      } catch (err) {
        this.logger.error(`History: could not take over writing: ${(err as Error).message}`);
        this.startFollowing();
        return;
      }
      this.logger.info('History: this window now writes the history.');
      for (const { entry } of decodeEntries(Buffer.concat(unwritten)).entries) if (entry.t === 'r') this.recordEntry(entry);
    })().finally(() => this.endTransition());
    return this.transition;
  }

  private forward(entry: RecordEntry): void {
    if (!this.inbox) {
      preparePrivateFolder(this.paths.inboxDir, 'the inbox folder', true);
      this.inboxTag = newInboxTag();
      this.inbox = JournalAppender.open(inboxFile(this.paths.inboxDir, this.inboxTag), true, this.options.groupCommit, {
        onWriteError: (err) => this.report('inbox-write', `History: ${err.message}`, 'error'),
      });
    }
    this.inbox.append(encodeEntry(entry));
  }

  // ---- inboxes: followers' forwarded records ----

  /**
   * Applies what followers forwarded. The writer journals the records that changed something
   * (so a follower repeating what the writer saw itself adds nothing) and removes an inbox once
   * it is consumed and its owner is gone; followers only apply, to show them early.
   */
  private consumeInboxes(journal: boolean): void {
    for (const name of listInboxes(this.paths.inboxDir, this.ignoredEntry)) {
      const file = path.join(this.paths.inboxDir, name);
      const offset = this.database.inboxOffset(name);
      const chunk = readJournalChunk(file, offset, FOLLOW_BUDGET_BYTES);
      if (!chunk) continue;
      if (chunk.nextOffset > offset) {
        const changed: RecordEntry[] = [];
        this.database.transaction(() => {
          for (const { entry } of chunk.entries) {
            if (entry.t !== 'r' || !isUsableRecordEntry(entry)) continue;
            if (this.database.applyRecord(entry)) {
              changed.push(entry);
              this.noteChanged(entry.m.id);
            }
          }
          this.database.setInboxOffset(name, chunk.nextOffset);
        });
        if (journal && changed.length > 0) this.appendJournal({ t: 'f', src: name, end: chunk.nextOffset, recs: changed });
        continue;
      }
      const w = this.writer;
      // Removing an inbox is safe only once the journal records taken from it are on disk.
      if (!journal || !w || w.appender.hasUnflushed || w.snapshotting) continue;
      const onlyTornTail = chunk.fileSize - chunk.nextOffset === chunk.partialTail;
      if (onlyTornTail && (this.retiredInboxes.has(name) || isInboxOwnerGone(name, file))) {
        if (chunk.partialTail > 0) this.logger.info(`History: dropped an incomplete record at the end of ${name} (its writer stopped mid-write).`);
        try {
          unlinkSync(file);
        } catch {
          // gone already
        }
        this.database.forgetInbox(name);
      }
    }
  }

  /** Forgets consumption offsets of inbox files that no longer exist. */
  private pruneInboxOffsets(): void {
    const present = new Set(listInboxes(this.paths.inboxDir));
    for (const name of this.database.inboxNames()) if (!present.has(name)) this.database.forgetInbox(name);
  }

  // ---- applying journal entries ----

  private applyEntries(entries: JournalEntry[]): void {
    this.database.transaction(() => {
      for (const entry of entries) this.applyEntry(entry);
    });
  }

  private applyEntry(entry: JournalEntry): void {
    switch (entry.t) {
      case 'r':
        if (isUsableRecordEntry(entry) && this.database.applyRecord(entry)) this.noteChanged(entry.m.id);
        return;
      case 'd': {
        if (!Array.isArray(entry.ids)) return;
        const deleted = this.database.deleteMigrations(entry.ids.filter((id) => typeof id === 'string'));
        if (deleted.length > 0 && !this.quiet) this.changeEmitter.fire({ kind: 'deleted', migrationIds: deleted });
        return;
      }
      case 'f':
        if (!Array.isArray(entry.recs) || typeof entry.src !== 'string') return;
        for (const rec of entry.recs) if (isUsableRecordEntry(rec) && this.database.applyRecord(rec)) this.noteChanged(rec.m.id);
        if (Number.isInteger(entry.end)) this.database.setInboxOffset(entry.src, entry.end);
        return;
      default:
        this.report(`unknown-entry`, 'History: skipped journal records of a kind this version does not know (written by a newer version?).', 'warn');
    }
  }

  private followNotices(): FollowNotices {
    return {
      tornTail: (segment, bytes) =>
        this.logger.info(`History: dropped an incomplete record (${bytes} bytes) at the end of journal segment ${segment}: a write cut off when its writer stopped.`),
      corruptLines: (segment, count) =>
        this.logger.warn(`History: skipped ${count} damaged record(s) in journal segment ${segment} (checksum mismatch).`),
      ignored: this.ignoredEntry,
    };
  }

  /** Says once that an entry named like a journal or inbox file is not one (a link, a FIFO): it is never opened. */
  private readonly ignoredEntry = (file: string, kind: string): void =>
    this.report('ignored', `History: ignored ${file}: it is ${kind}, not a file the history wrote; it is never opened or followed.`, 'warn');

  /**
   * The writer renames entries in its journal folder named like segments that are not regular
   * files (a link — whose target stays untouched —, a FIFO) out of the way, so the segment
   * numbers it creates next stay consecutive for its followers.
   */
  private moveAsideForeignEntries(): void {
    const foreign: string[] = [];
    listSegments(this.paths.journalDir, (file) => foreign.push(file));
    for (const file of foreign) {
      const aside = `${file}.refused-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      try {
        renameSync(file, aside);
        this.logger.warn(`History: ${file} is not a file the history wrote (a link or special file); moved it to ${aside} without opening it or its target.`);
      } catch (err) {
        this.report('ignored', `History: ignored ${file} (not a file the history wrote) and could not move it aside: ${(err as Error).message}`, 'warn');
      }
    }
  }

  // ---- plumbing ----

  private endTransition(): void {
    this.transition = undefined;
    const deferred = this.deferred;
    this.deferred = [];
    for (const entry of deferred) {
      if (this.closed) break;
      this.recordEntry(entry);
    }
  }

  private replaceDatabase(next: HistoryDatabase): void {
    const old = this.database;
    this.database = next;
    old.close();
  }

  private setRole(role: HistoryRole): void {
    if (this.currentRole === role) return;
    this.currentRole = role;
    this.roleEmitter.fire(role);
  }

  private noteChanged(id: string): void {
    if (this.quiet) return;
    this.pendingChanged.add(id);
    this.changeFlush ??= setImmediate(() => {
      this.changeFlush = undefined;
      const ids = [...this.pendingChanged];
      this.pendingChanged.clear();
      if (ids.length > 0 && !this.closed) this.changeEmitter.fire({ kind: 'recorded', migrationIds: ids });
    });
  }

  private fireReloaded(): void {
    if (!this.closed) this.changeEmitter.fire({ kind: 'reloaded' });
  }

  /** Logs a problem once per kind and message, so a repeating failure does not flood the log. */
  private report(kind: string, message: string, level: 'info' | 'warn' | 'error'): void {
    this.reported.log(this.logger, level, `${kind}:${message}`, message);
  }

  /** A logger that says each distinct thing once (followers reload often and would repeat warnings). */
  private onceLogger(): Pick<Logger, 'info' | 'warn' | 'error'> {
    return this.reported.wrap(this.logger, ['info', 'warn', 'error']);
  }

  private db(): HistoryDatabase {
    this.assertOpen();
    return this.database;
  }

  private assertOpen(): void {
    if (this.closed) throw new HistoryError('closed', 'The migration history is closed.');
  }
}

function fileSize(file: string): number {
  try {
    return lstatSync(file).size;
  } catch {
    return 0;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
