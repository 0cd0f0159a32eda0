// Keyset pages of whole entries (each migration with its timeline) for the HTTP API (src/serve/):
// newest first, filtered by state (active, completed, failed), cluster, VM, datacenter and a
// creation-time floor, continued from a cursor. One row per migration, its transitions read in
// the same statement (exportPage's timeline string), so a page of 100 is one query, not 101.
// The VM and datacenter filters read their own index's range; the rest filter the listing
// index's range as it is read — never a sort (entryPageSql is what the schema test EXPLAINs).

import type { SqlValue } from 'sql.js';
import { HistoryError } from '../history-error';
import { COLUMNS, toMigration } from './migration-rows';
import { ACTIVE_STATES_SQL, FINAL_STATES_SQL } from './schema';
import { parseTimeline, TIMELINE_SQL, timelineOrder, type HistoryEntry, type PageCursor } from './history-queries';
import type { BoundSql } from './listing-order';
import type { SqlSession } from './sql-session';

/** Which migrations by state: 'completed' is every final state (succeeded, failed, cancelled), 'failed' only failed ones. */
export type EntryStateFilter = 'all' | 'active' | 'completed' | 'failed';

export interface EntryPageQuery {
  state?: EntryStateFilter;
  cluster?: string;
  vm?: string;
  datacenter?: string;
  /** Only migrations created at or after this time (epoch ms). */
  since?: number;
  /** At most this many entries (1–1000, default 100). */
  limit?: number;
  /** The `next` of the previous page. */
  after?: PageCursor;
}

export interface EntryPage {
  entries: HistoryEntry[];
  /** Where the next page starts; undefined when this page is the last. */
  next?: PageCursor;
}

export const MAX_ENTRY_PAGE = 1000;
const DEFAULT_ENTRY_PAGE = 100;
const TIMELINE_COLUMN = COLUMNS.split(', ').length;
const CREATED_AT_COLUMN = COLUMNS.split(', ').indexOf('created_at');

/** The statement of one entry page (one row more than asked: whether it comes says whether there is a next page). */
export function entryPageSql(query: EntryPageQuery): BoundSql {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const state = query.state ?? 'all';
  if (state === 'active') conditions.push(`state IN ${ACTIVE_STATES_SQL}`);
  else if (state === 'completed') conditions.push(`state IN ${FINAL_STATES_SQL}`);
  // Unary plus: (cluster, state) has an index (the per-cluster durations) that SQLite would pick, then sort every match.
  else if (state === 'failed') conditions.push(`+state = 'failed'`);
  else if (state !== 'all') throw new HistoryError('invalid-argument', `state must be all, active, completed or failed (got "${String(state)}").`);
  for (const [column, value] of [['cluster', query.cluster], ['vm', query.vm], ['datacenter', query.datacenter]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new HistoryError('invalid-argument', `${column} must be a string.`);
    conditions.push(column === 'cluster' ? '+cluster = ?' : `${column} = ?`);
    params.push(value);
  }
  if (query.since !== undefined) {
    if (!Number.isFinite(query.since)) throw new HistoryError('invalid-argument', 'since must be a time in epoch milliseconds.');
    conditions.push('created_at >= ?');
    params.push(query.since);
  }
  if (query.after) {
    if (!Number.isFinite(query.after.createdAt) || !Number.isInteger(query.after.seq)) throw new HistoryError('invalid-argument', 'after must be a page cursor ({ createdAt, seq }) from a previous page.');
    conditions.push('(created_at, seq) < (?, ?)');
    params.push(query.after.createdAt, query.after.seq);
  }
  const limit = query.limit ?? DEFAULT_ENTRY_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ENTRY_PAGE) throw new HistoryError('invalid-argument', `limit must be an integer from 1 to ${MAX_ENTRY_PAGE}.`);
  const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  return { sql: `SELECT ${COLUMNS}, ${TIMELINE_SQL} FROM migrations ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`, params: [...params, limit + 1] };
}

/** Reads one entry page; `transitionsOf` reads a timeline the row's string cannot carry (a phase holding the separators). */
export function readEntryPage(sql: SqlSession, query: EntryPageQuery, transitionsOf: (id: string) => HistoryEntry['transitions']): EntryPage {
  const { sql: text, params } = entryPageSql(query);
  const limit = query.limit ?? DEFAULT_ENTRY_PAGE;
  const rows = sql.rows(text, params);
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const entries = kept.map((row): HistoryEntry => {
    const migration = toMigration(row);
    const timeline = row[TIMELINE_COLUMN];
    const transitions = typeof timeline === 'string' ? (parseTimeline(timeline, migration.id) ?? transitionsOf(migration.id)) : [];
    return { migration, transitions: timelineOrder(migration.kind, transitions) };
  });
  const last = kept[kept.length - 1];
  return more && last ? { entries, next: { createdAt: Number(last[CREATED_AT_COLUMN]), seq: Number(last[0]) } } : { entries };
}
