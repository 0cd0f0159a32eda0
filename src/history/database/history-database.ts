// The history's tables in one sql.js database: applying records (idempotently, a reused name as
// another migration), deleting, the bookkeeping the store keeps beside the data (covered
// segment, inbox offsets), and the queries (history-queries.ts, cluster-summaries.ts).
// Synchronous and file-free: the store around it decides when bytes come from or go to disk.

import type { SqlJsStatic, SqlValue } from 'sql.js';
import type { Migration, PhaseTransition } from '../../model/migration';
import type { ClusterSummary } from '../../model/cluster-summary';
import type { RecordEntry } from '../journal/journal-codec';
import { FINAL_STATES_SQL, ensureSchema, type SchemaOutcome } from './schema';
import { SqlSession } from './sql-session';
import { HELD_ROW, heldIncarnation, INSERT_ROW, rowUpdate, upsertParams } from './migration-rows';
import { placeIncarnation } from './incarnations';
import { HistoryQueries, type ExportCursor, type HistoryEntry, type KeysetPage, type KeysetQuery, type ListQuery, type PageQuery, type VmQuery } from './history-queries';
import { ClusterSummaries } from './cluster-summaries';
import { historyCharts, type ChartQuery, type HistoryCharts } from './history-charts';
import { readEntryPage, type EntryPage, type EntryPageQuery } from './entry-pages';
import { RowChanges } from './row-changes';
import { planRunById, planRuns, upsertPlanRun } from './plan-run-rows';
import { findPlanRunProblem, serialisedState, type PlanRunQuery, type PlanRunRecord } from '../plan-runs';

export type { ClusterSummary };
export type { ExportCursor, HistoryEntry, HistoryFilter, KeysetPage, KeysetQuery, ListQuery, PageCursor, PageQuery, VmQuery } from './history-queries';
export { incarnationId } from './incarnations';
export type { EntryPage, EntryPageQuery, EntryStateFilter } from './entry-pages';
export type { ChartQuery, HistoryCharts } from './history-charts';

export class HistoryDatabase {
  private readonly queries: HistoryQueries;
  private readonly summaries: ClusterSummaries;

  private constructor(
    private readonly sql: SqlSession,
    rowChanges: RowChanges,
  ) {
    this.queries = new HistoryQueries(sql, rowChanges);
    this.summaries = new ClusterSummaries(rowChanges);
  }

  /**
   * Opens `bytes` (a database file's content) or a new empty database, checks its structure
   * when asked, and brings its schema up to date. Throws if the bytes are not a usable history.
   */
  static open(SQL: SqlJsStatic, bytes: Uint8Array | undefined, verify: boolean): { database: HistoryDatabase; schema: SchemaOutcome } {
    const db = new SQL.Database(bytes);
    try {
      if (bytes && verify) {
        const check = db.exec('PRAGMA quick_check')[0]?.values.map((r) => String(r[0])) ?? [];
        if (check.length !== 1 || check[0] !== 'ok') throw new Error(`integrity check failed: ${check.slice(0, 3).join('; ')}`);
      }
      const schema = ensureSchema(db);
      // The pragmas only matter for speed here (the durability comes from our journal, not
      // SQLite's). Exclusive locking: this connection is the only one on its in-memory file, so
      // SQLite may keep its lock and page cache between statements instead of looking for a hot
      // journal (a failing file lookup in sql.js' MEMFS) and re-reading page 1 on every query —
      // byId 15 → 5 µs at 100,000 migrations.
      db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA locking_mode = EXCLUSIVE');
      return { database: new HistoryDatabase(new SqlSession(db), new RowChanges(db)), schema };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.sql.close();
  }

  /** The database file's bytes, for a snapshot. */
  export(): Uint8Array {
    return this.sql.export();
  }

  /** Runs `fn` in the write transaction that is committed on the next turn of the event loop (see SqlSession). */
  transaction<T>(fn: () => T): T {
    return this.sql.transaction(fn);
  }

  commit(): void {
    this.sql.commit();
  }

  // ---- writes ----

  /** Upserts the migration and inserts its transitions; true when anything changed. */
  applyRecord(entry: RecordEntry): boolean {
    const m = entry.m;
    let held = this.sql.first(HELD_ROW, [m.id]);
    const { id, archived } = placeIncarnation(this.sql, m, held && heldIncarnation(held));
    // Archived: the held row moved to its archive id, so `id` is free; another id: an earlier incarnation's slot.
    if (archived) held = undefined;
    else if (id !== m.id) held = this.sql.first(HELD_ROW, [id]);
    const params = upsertParams(id, m);
    let changed = archived;
    let seq: number;
    if (held) {
      seq = Number(held[0]);
      const update = rowUpdate(held, params);
      if (update) {
        this.sql.run(update.sql, update.params);
        changed = true;
      }
    } else {
      seq = Number(this.sql.first(INSERT_ROW, params)![0]);
      changed = true;
    }
    for (const [phase, at] of entry.p) {
      this.sql.run('INSERT OR IGNORE INTO transitions (migration_seq, phase, at) VALUES (?, ?, ?)', [seq, phase, at]);
      if (this.sql.rowsModified() > 0) changed = true;
    }
    return changed;
  }

  /** Keeps a plan's run state (a journal line read back is checked again); true when the row changed. */
  applyPlanRun(run: PlanRunRecord): boolean {
    if (findPlanRunProblem(run) !== undefined) return false;
    const state = serialisedState(run);
    return state !== undefined && upsertPlanRun(this.sql, run, state);
  }

  planRun(planId: string): PlanRunRecord | undefined {
    return planRunById(this.sql, planId);
  }

  planRuns(query: PlanRunQuery = {}): PlanRunRecord[] {
    return planRuns(this.sql, query);
  }

  /** Removes migrations and their transitions; returns the ids that existed. */
  deleteMigrations(ids: readonly string[]): string[] {
    const deleted: string[] = [];
    for (const id of ids) {
      const seq = this.seqOf(id);
      if (seq === undefined) continue;
      this.sql.run('DELETE FROM transitions WHERE migration_seq = ?', [seq]);
      this.sql.run('DELETE FROM migrations WHERE seq = ?', [seq]);
      deleted.push(id);
    }
    return deleted;
  }

  getMeta(key: string): string | undefined {
    const row = this.sql.first('SELECT value FROM meta WHERE key = ?', [key]);
    return row ? String(row[0]) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.sql.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  inboxOffset(file: string): number {
    const row = this.sql.first('SELECT offset FROM inbox_offsets WHERE file = ?', [file]);
    return row ? Number(row[0]) : 0;
  }

  setInboxOffset(file: string, offset: number): void {
    this.sql.run('INSERT INTO inbox_offsets (file, offset) VALUES (?, ?) ON CONFLICT(file) DO UPDATE SET offset = max(offset, excluded.offset)', [file, offset]);
  }

  inboxNames(): string[] {
    return this.sql.rows('SELECT file FROM inbox_offsets', []).map((r) => String(r[0]));
  }

  forgetInbox(file: string): void {
    this.sql.run('DELETE FROM inbox_offsets WHERE file = ?', [file]);
  }

  /** Up to `limit` finished migrations that ended (or, lacking an end, were created) before `cutoff`. */
  finishedBefore(cutoff: number, limit: number): string[] {
    return this.sql
      .rows(`SELECT id FROM migrations WHERE state IN ${FINAL_STATES_SQL} AND coalesce(ended_at, created_at) < ? ORDER BY coalesce(ended_at, created_at) LIMIT ?`, [cutoff, limit])
      .map((r) => String(r[0]));
  }

  /** The `limit` oldest finished migrations (by creation). */
  oldestFinished(limit: number): string[] {
    return this.sql.rows(`SELECT id FROM migrations WHERE state IN ${FINAL_STATES_SQL} ORDER BY created_at, seq LIMIT ?`, [limit]).map((r) => String(r[0]));
  }

  /** Every migration id held, one at a time (the worker's filter of what is recorded). */
  /** Up to `limit` migration ids in row order after row `afterSeq`, and the last row's seq: the whole table a slice at a time. */
  migrationIdsAfter(afterSeq: number, limit: number): { ids: string[]; lastSeq: number } {
    const ids: string[] = [];
    let lastSeq = afterSeq;
    this.sql.each('SELECT seq, id FROM migrations WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit], (r) => {
      lastSeq = Number(r[0]);
      ids.push(String(r[1]));
    });
    return { ids, lastSeq };
  }

  countMigrations(): number {
    return Number(this.sql.first('SELECT count(*) FROM migrations', [])?.[0] ?? 0);
  }

  countTransitions(): number {
    return Number(this.sql.first('SELECT count(*) FROM transitions', [])?.[0] ?? 0);
  }

  // ---- queries ----

  all(query: ListQuery = {}): Migration[] {
    return this.queries.all(query);
  }

  count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): number {
    return this.queries.count(query);
  }

  /** A keyset page of all(): rows and the cursor of the next page. */
  page(query: KeysetQuery = {}): KeysetPage {
    return this.queries.page(query);
  }

  active(): Migration[] {
    return this.queries.active();
  }

  byId(id: string): HistoryEntry | undefined {
    return this.queries.byId(id);
  }

  transitions(id: string): PhaseTransition[] {
    return this.queries.byId(id)?.transitions ?? [];
  }

  /** A keyset page of entries with their timelines, filtered (entry-pages.ts: the HTTP API's lists). */
  entryPage(query: EntryPageQuery = {}): EntryPage {
    return readEntryPage(this.sql, query, (id) => this.transitions(id));
  }

  byDatacenter(datacenter: string, query: PageQuery = {}): Migration[] {
    return this.queries.byDatacenter(datacenter, query);
  }

  byVm(vm: string, query: VmQuery = {}): Migration[] {
    return this.queries.byVm(vm, query);
  }

  /** Counted on the first call, then kept current from each change (cluster-summaries.ts). */
  summaryByCluster(): ClusterSummary[] {
    return this.summaries.get();
  }

  /** The history panel's charts, aggregated in SQL under the panel's filters (history-charts.ts). */
  charts(query: ChartQuery = {}): HistoryCharts {
    return historyCharts(this.sql, query);
  }

  exportPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number): Array<{ cursor: ExportCursor; entry: HistoryEntry }> {
    return this.queries.exportPage(query, after, size);
  }

  /** A page of a CSV export, each row (the columns it writes: history-queries.ts, CSV_NUMBER_COLUMNS) handed to `fn`; returns how many. */
  csvPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number, fn: (row: SqlValue[]) => void): number {
    return this.queries.csvPage(query, after, size, fn);
  }

  private seqOf(id: string): number | undefined {
    const row = this.sql.first('SELECT seq FROM migrations WHERE id = ?', [id]);
    return row ? Number(row[0]) : undefined;
  }
}
