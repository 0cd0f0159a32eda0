// What the views, the CLI and the exported API ask of the history: pages of migrations newest
// first (filtered by state and text, by datacenter, by VM), one migration with its timeline,
// keyset pages (`page()`, a cursor instead of an offset) and the cursor-walked pages an export
// streams. Arguments are checked; SQL is bound, never built from input. The SQL of each seed
// query comes from `seedQuerySql`, which the schema test EXPLAINs: what it checks is what runs.
// A text filter is answered by TextSearch (in memory, kept current) rather than a LIKE scan.

import type { SqlValue } from 'sql.js';
import type { Migration, PhaseTransition } from '../../model/migration';
import { sortTimeline } from '../../model/phase-order';
import { planIdProblem } from '../../model/plan-id';
import { lifecycleOf } from '../../sources/cluster-kinds';
import { HistoryError } from '../history-error';
import { COLUMNS, toMigration } from './migration-rows';
import { ACTIVE_STATES_SQL, FINAL_STATES_SQL } from './schema';
import type { RowChanges } from './row-changes';
import type { SqlSession } from './sql-session';
import { TextSearch } from './text-search';
import { ActiveMigrations } from './active-migrations';
import type { BoundSql, ExportCursor, HistoryFilter } from './listing-order';

export type { BoundSql, ExportCursor, HistoryFilter } from './listing-order';

export interface PageQuery {
  /** At most this many rows (default 500). */
  limit?: number;
  offset?: number;
}

export interface ListQuery extends PageQuery {
  filter?: HistoryFilter;
  /** Case-insensitive substring of the VM, either node, the cluster, the namespace or the migration's name. */
  text?: string;
  /** Only the migrations this plan started (Migration.planId): a range of the plan index. */
  planId?: string;
  /** Only this cluster's migrations (with sourceNode and targetNode: one flow of the history charts). */
  cluster?: string;
  sourceNode?: string;
  targetNode?: string;
}

export interface VmQuery extends PageQuery {
  cluster?: string;
  namespace?: string;
}

export interface HistoryEntry {
  migration: Migration;
  /** Oldest first. */
  transitions: PhaseTransition[];
}

export type PageCursor = ExportCursor;

export interface KeysetQuery extends Omit<ListQuery, 'offset'> {
  /** The page after this one: the `next` of the previous page. Undefined for the first page. */
  after?: PageCursor;
}

export interface KeysetPage {
  migrations: Migration[];
  /** Where the next page starts; undefined when this page is the last. */
  next?: PageCursor;
}


/** A csvPage row: these columns, then CSV_TEXT_COLUMNS as one string, then the timeline string. */
export const CSV_NUMBER_COLUMNS = ['seq', 'created_at', 'started_at', 'ended_at', 'duration_ms', 'downtime_ms'] as const;
/**
 * The text columns a CSV export writes, read as one string — each NULL as '', joined by US — so a
 * row is two strings out of sql.js instead of fifteen (decoding them was a third of the export).
 */
export const CSV_TEXT_COLUMNS = ['id', 'cluster', 'kind', 'datacenter', 'namespace', 'vm', 'name', 'source_node', 'target_node', 'mode', 'origin', 'state', 'phase', 'failure_reason', 'plan_id'] as const;
const CSV_TEXT_SQL = CSV_TEXT_COLUMNS.map((c) => `ifnull(${c}, '')`).join(' || char(31) || ');

/** A migration's transitions as one string: "count US phase US at RS phase US at…", in key order (see splitTimeline). */
export const TIMELINE_SQL = '(SELECT count(*) || char(31) || group_concat(phase || char(31) || at, char(30)) FROM transitions WHERE migration_seq = migrations.seq)';

export const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 1_000_000;
const NEWEST_FIRST = 'ORDER BY created_at DESC, seq DESC';

/**
 * The SQL each seed query runs, for the queries below and for the test that EXPLAINs them (each
 * must be a range scan of an index in the listing order, never a scan of the table or a sort).
 */
export const seedQuerySql = {
  all(query: ListQuery = {}): BoundSql {
    const { where, params } = listConditions(query);
    const { limit, offset } = page(query);
    return { sql: `SELECT ${COLUMNS} FROM migrations ${where} ${NEWEST_FIRST} LIMIT ? OFFSET ?`, params: [...params, limit, offset] };
  },
  page(query: KeysetQuery = {}): BoundSql {
    const { where, params } = listConditions(query, query.after ? [AFTER_CURSOR] : []);
    const { limit } = page(query);
    // One more than asked: whether it comes says whether there is a next page.
    return { sql: `SELECT ${COLUMNS} FROM migrations ${where} ${NEWEST_FIRST} LIMIT ?`, params: [...params, ...cursorParams(query.after), limit + 1] };
  },
  active(): BoundSql {
    return { sql: `SELECT ${COLUMNS} FROM migrations WHERE state IN ${ACTIVE_STATES_SQL} ${NEWEST_FIRST}`, params: [] };
  },
  /** The row of `seq` if it is active (what active-migrations.ts reads again when a write touched it). */
  activeBySeq(seq: number): BoundSql {
    return { sql: `SELECT ${COLUMNS} FROM migrations WHERE seq = ? AND state IN ${ACTIVE_STATES_SQL}`, params: [seq] };
  },
  byId(id: string): BoundSql {
    return { sql: `SELECT ${COLUMNS} FROM migrations WHERE id = ?`, params: [id] };
  },
  byDatacenter(datacenter: string, query: PageQuery = {}): BoundSql {
    const { limit, offset } = page(query);
    return { sql: `SELECT ${COLUMNS} FROM migrations WHERE datacenter = ? ${NEWEST_FIRST} LIMIT ? OFFSET ?`, params: [datacenter, limit, offset] };
  },
  byVm(vm: string, query: VmQuery = {}): BoundSql {
    const { limit, offset } = page(query);
    const conditions = ['vm = ?'];
    const params: SqlValue[] = [vm];
    if (query.cluster !== undefined) {
      conditions.push('cluster = ?');
      params.push(query.cluster);
    }
    if (query.namespace !== undefined) {
      conditions.push('namespace = ?');
      params.push(query.namespace);
    }
    return { sql: `SELECT ${COLUMNS} FROM migrations WHERE ${conditions.join(' AND ')} ${NEWEST_FIRST} LIMIT ? OFFSET ?`, params: [...params, limit, offset] };
  },
  /** In key order (by phase name); put in time order in JavaScript: a sort in SQLite built a temporary B-tree per query. */
  transitions(seq: number): BoundSql {
    return { sql: 'SELECT phase, at FROM transitions WHERE migration_seq = ?', params: [seq] };
  },
  /**
   * A page of an export: the rows after the cursor, each with its transitions as one string
   * ("count US phase US at RS phase US at…", in key order; see parseTimeline). One row per
   * migration: reading its ten transitions as ten rows (a second query per page) cost more than
   * the rest of the export.
   */
  exportPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number): BoundSql {
    const { where, params } = listConditions(query, after ? [AFTER_CURSOR] : []);
    return {
      sql: `SELECT ${COLUMNS}, ${TIMELINE_SQL} FROM migrations ${where} ${NEWEST_FIRST} LIMIT ?`,
      params: [...params, ...cursorParams(after), size],
    };
  },
  /**
   * A page of a CSV export: only the columns the CSV writes (CSV_NUMBER_COLUMNS, CSV_TEXT_COLUMNS),
   * then the timeline string as exportPage gives it — no Migration objects on the way (reading
   * and building them was most of an export's time).
   */
  csvPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number): BoundSql {
    const { where, params } = listConditions(query, after ? [AFTER_CURSOR] : []);
    return {
      sql: `SELECT ${CSV_NUMBER_COLUMNS.join(', ')}, ${CSV_TEXT_SQL}, ${TIMELINE_SQL} FROM migrations ${where} ${NEWEST_FIRST} LIMIT ?`,
      params: [...params, ...cursorParams(after), size],
    };
  },
  /** Rows by seq in the listing order (a text filter's matches). */
  bySeqs(seqs: readonly number[]): BoundSql {
    return { sql: `SELECT ${COLUMNS} FROM migrations WHERE seq IN (SELECT value FROM json_each(?)) ${NEWEST_FIRST}`, params: [JSON.stringify(seqs)] };
  },
};

const AFTER_CURSOR = '(created_at, seq) < (?, ?)';
/** Where exportPage's timeline string is in its row (after COLUMNS), and how it is cut. */
const TIMELINE_COLUMN = COLUMNS.split(', ').length;
const ITEM_SEPARATOR = '\u001e';
const FIELD_SEPARATOR = '\u001f';

function cursorParams(after: PageCursor | undefined): SqlValue[] {
  if (!after) return [];
  if (!Number.isFinite(after.createdAt) || !Number.isInteger(after.seq)) throw new HistoryError('invalid-argument', 'after must be a page cursor ({ createdAt, seq }) from a previous page.');
  return [after.createdAt, after.seq];
}

export class HistoryQueries {
  private readonly search: TextSearch;
  private readonly activeSet: ActiveMigrations;

  constructor(
    private readonly sql: SqlSession,
    rowChanges: RowChanges,
  ) {
    this.search = new TextSearch(rowChanges);
    this.activeSet = new ActiveMigrations(sql, rowChanges, seedQuerySql.active, seedQuerySql.activeBySeq);
  }

  all(query: ListQuery = {}): Migration[] {
    const text = searchableText(query);
    if (text !== undefined) {
      const { limit, offset } = page(query);
      return this.bySeqs(this.search.find(text, filterOf(query), offset, limit));
    }
    return this.run(seedQuerySql.all(query)).map(toMigration);
  }

  count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): number {
    const text = searchableText(query);
    if (text !== undefined) return this.search.count(text, filterOf(query));
    const { where, params } = listConditions(query);
    return Number(this.sql.first(`SELECT count(*) FROM migrations ${where}`, params)?.[0] ?? 0);
  }

  /** A keyset page: like all(), but continued from a cursor, which stays right while rows are added or removed before it. */
  page(query: KeysetQuery = {}): KeysetPage {
    const { limit } = page(query);
    const text = searchableText(query);
    let rows: SqlValue[][];
    if (text !== undefined) {
      cursorParams(query.after);
      rows = this.rowsBySeqs(this.search.find(text, filterOf(query), 0, limit + 1, query.after));
    } else {
      rows = this.run(seedQuerySql.page(query));
    }
    const more = rows.length > limit;
    if (more) rows = rows.slice(0, limit);
    const migrations = rows.map(toMigration);
    const last = rows[rows.length - 1];
    return more && last ? { migrations, next: { createdAt: Number(last[14]), seq: Number(last[0]) } } : { migrations };
  }

  /** Kept in memory, current from the database's triggers (active-migrations.ts). */
  active(): Migration[] {
    return this.activeSet.get();
  }

  byId(id: string): HistoryEntry | undefined {
    const row = this.sql.first(seedQuerySql.byId(id).sql, [id]);
    if (!row) return undefined;
    const migration = toMigration(row);
    return { migration, transitions: sortTimeline(lifecycleOf(migration.kind), this.transitionsOfSeq(Number(row[0]), migration.id)) };
  }

  byDatacenter(datacenter: string, query: PageQuery = {}): Migration[] {
    return this.run(seedQuerySql.byDatacenter(datacenter, query)).map(toMigration);
  }

  byVm(vm: string, query: VmQuery = {}): Migration[] {
    return this.run(seedQuerySql.byVm(vm, query)).map(toMigration);
  }

  /**
   * One page of migrations strictly after the cursor in the listing order (newest first), with
   * their cursor, for exports that walk the whole history without holding it in memory.
   */
  exportPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number): Array<{ cursor: ExportCursor; entry: HistoryEntry }> {
    const { sql, params } = seedQuerySql.exportPage(query, after, size);
    return this.sql.rows(sql, params).map((row) => {
      const migration = toMigration(row);
      const seq = Number(row[0]);
      const timeline = row[TIMELINE_COLUMN];
      const transitions = typeof timeline === 'string' ? (parseTimeline(timeline, migration.id) ?? this.transitionsOfSeq(seq, migration.id)) : [];
      return { cursor: { createdAt: migration.createdAt, seq }, entry: { migration, transitions: timelineOrder(migration.kind, transitions) } };
    });
  }

  /** Hands each of csvPage's rows to `fn` as it is read (none held: a page of held rows outlived the young generation); returns how many. */
  csvPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number, fn: (row: SqlValue[]) => void): number {
    const { sql, params } = seedQuerySql.csvPage(query, after, size);
    let n = 0;
    this.sql.each(sql, params, (row) => {
      n++;
      fn(row);
    });
    return n;
  }

  /** In time order, then by name; phases entered in the same instant (KubeVirt times are whole seconds) are ordered by the caller. */
  private transitionsOfSeq(seq: number, migrationId: string): PhaseTransition[] {
    const { sql, params } = seedQuerySql.transitions(seq);
    return byTime(
      this.sql.rows(sql, params).map((r) => ({
        migrationId,
        phase: String(r[0]),
        at: Number(r[1]),
      })),
    );
  }

  private run({ sql, params }: BoundSql): SqlValue[][] {
    return this.sql.rows(sql, params);
  }

  private rowsBySeqs(seqs: number[]): SqlValue[][] {
    return seqs.length === 0 ? [] : this.run(seedQuerySql.bySeqs(seqs));
  }

  private bySeqs(seqs: number[]): Migration[] {
    return this.rowsBySeqs(seqs).map(toMigration);
  }
}

/** ORDER BY at, phase — done here, on a migration's few transitions, instead of by SQLite on a page's thousands. */
function byTime<T extends Pick<PhaseTransition, 'phase' | 'at'>>(list: T[]): T[] {
  return list.sort((a, b) => a.at - b.at || (a.phase < b.phase ? -1 : a.phase > b.phase ? 1 : 0));
}

/** A timeline in the order the phases happened, from transitions in key order (by phase name): by time, ties by the kind's lifecycle, then by name. */
export function timelineOrder<T extends Pick<PhaseTransition, 'phase' | 'at'>>(kind: Migration['kind'], inKeyOrder: T[]): T[] {
  return sortTimeline(lifecycleOf(kind), byTime(inKeyOrder));
}

/**
 * exportPage's (and csvPage's) timeline string cut into `phases` and `ats` (emptied first), in key
 * order; false when it cannot be cut apart for sure (a phase holding the separators: the caller
 * then reads that migration's transitions as rows).
 */
export function splitTimeline(timeline: string, phases: string[], ats: number[]): boolean {
  phases.length = 0;
  ats.length = 0;
  const head = timeline.indexOf(FIELD_SEPARATOR);
  const count = Number(timeline.slice(0, head));
  let start = head + 1;
  for (let n = 0; n < count; n++) {
    let end = timeline.indexOf(ITEM_SEPARATOR, start);
    if (end < 0) end = timeline.length;
    // The time is an integer: the last separator is the one before it, whatever the phase holds.
    const cut = timeline.lastIndexOf(FIELD_SEPARATOR, end - 1);
    const at = integerAt(timeline, cut + 1, end);
    if (cut <= start || !Number.isFinite(at)) return false;
    phases.push(timeline.slice(start, cut));
    ats.push(at);
    start = end + 1;
  }
  // Every item read and nothing left over: no phase held an item separator.
  return count > 0 && start === timeline.length + 1;
}

/** Number(text.slice(from, to)) without the slice when it is plain digits (nearly always: times are whole milliseconds). */
function integerAt(text: string, from: number, to: number): number {
  if (to - from < 1 || to - from > 15) return Number(text.slice(from, to));
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number(text.slice(from, to));
    n = n * 10 + d;
  }
  return n;
}

/** exportPage's timeline string as transitions; undefined when splitTimeline cannot cut it. */
export function parseTimeline(timeline: string, migrationId: string): PhaseTransition[] | undefined {
  const phases: string[] = [];
  const ats: number[] = [];
  if (!splitTimeline(timeline, phases, ats)) return undefined;
  return phases.map((phase, i) => ({ migrationId, phase, at: ats[i] }));
}

function filterOf(query: { filter?: HistoryFilter }): HistoryFilter {
  const filter = query.filter ?? 'all';
  if (filter !== 'all' && filter !== 'active' && filter !== 'completed') throw new HistoryError('invalid-argument', `filter must be active, completed or all (got "${String(filter)}").`);
  return filter;
}

/** The text filter when TextSearch answers it; undefined when there is none (or, holding a NUL, LIKE must). */
function searchableText(query: { text?: string; filter?: HistoryFilter; planId?: string; cluster?: string; sourceNode?: string; targetNode?: string }): string | undefined {
  const text = query.text?.trim();
  // Within a plan the plan index's range is small: the LIKE reads it, the text index knows no plans.
  if (!text || !TextSearch.usable(text) || query.planId !== undefined) return undefined;
  // TextSearch knows no clusters or nodes: with a flow the LIKE reads the rows.
  if (query.cluster !== undefined || query.sourceNode !== undefined || query.targetNode !== undefined) return undefined;
  filterOf(query);
  return text;
}

function page(query: PageQuery): { limit: number; offset: number } {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const offset = query.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) throw new HistoryError('invalid-argument', `limit must be an integer from 0 to ${MAX_PAGE_SIZE}.`);
  if (!Number.isInteger(offset) || offset < 0) throw new HistoryError('invalid-argument', 'offset must be a non-negative integer.');
  return { limit, offset };
}

export function listConditions(query: Omit<ListQuery, 'limit' | 'offset'>, extra: string[] = []): { where: string; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const filter = query.filter ?? 'all';
  if (filter === 'active') conditions.push(`state IN ${ACTIVE_STATES_SQL}`);
  else if (filter === 'completed') conditions.push(`state IN ${FINAL_STATES_SQL}`);
  else if (filter !== 'all') throw new HistoryError('invalid-argument', `filter must be active, completed or all (got "${String(filter)}").`);
  if (query.planId !== undefined) {
    const problem = planIdProblem(query.planId);
    if (problem) throw new HistoryError('invalid-argument', `planId: ${problem}.`);
    conditions.push('plan_id = ?');
    params.push(query.planId);
  }
  for (const [column, value] of [['cluster', query.cluster], ['source_node', query.sourceNode], ['target_node', query.targetNode]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new HistoryError('invalid-argument', `${column} must be a string.`);
    conditions.push(`${column} = ?`);
    params.push(value);
  }
  const text = query.text?.trim();
  if (text) {
    // ?N binds the one pattern to every column; numbered so it stays first whatever follows.
    const n = params.length + 1;
    conditions.push(
      `(${['vm', 'source_node', 'target_node', 'cluster', 'namespace', 'name'].map((c) => `${c} LIKE ?${n} ESCAPE '\\'`).join(' OR ')})`,
    );
    params.push(`%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
  }
  conditions.push(...extra);
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}
