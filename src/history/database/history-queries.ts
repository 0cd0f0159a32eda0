// What the views, the CLI and the exported API ask of the history: pages of migrations newest
// first (filtered by state and text, by datacenter, by VM), one migration with its timeline,
// and the cursor-walked pages an export streams. Arguments are checked; SQL is bound, never built from input.

import type { SqlValue } from 'sql.js';
import type { Migration, PhaseTransition } from '../../model/migration';
import { sortTimeline } from '../../model/phase-order';
import { lifecycleOf } from '../../sources/cluster-kinds';
import { HistoryError } from '../history-error';
import { COLUMNS, toMigration } from './migration-rows';
import { ACTIVE_STATES_SQL, FINAL_STATES_SQL } from './schema';
import type { SqlSession } from './sql-session';

export type HistoryFilter = 'active' | 'completed' | 'all';

export interface PageQuery {
  /** At most this many rows (default 500). */
  limit?: number;
  offset?: number;
}

export interface ListQuery extends PageQuery {
  filter?: HistoryFilter;
  /** Case-insensitive substring of the VM, either node, the cluster, the namespace or the migration's name. */
  text?: string;
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

export interface ExportCursor {
  createdAt: number;
  seq: number;
}

export const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 1_000_000;
const NEWEST_FIRST = 'ORDER BY created_at DESC, seq DESC';

export class HistoryQueries {
  constructor(private readonly sql: SqlSession) {}

  all(query: ListQuery = {}): Migration[] {
    const { where, params } = listConditions(query);
    const { limit, offset } = page(query);
    return this.sql.rows(`SELECT ${COLUMNS} FROM migrations ${where} ${NEWEST_FIRST} LIMIT ? OFFSET ?`, [...params, limit, offset]).map(toMigration);
  }

  count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): number {
    const { where, params } = listConditions(query);
    return Number(this.sql.first(`SELECT count(*) FROM migrations ${where}`, params)?.[0] ?? 0);
  }

  active(): Migration[] {
    return this.sql.rows(`SELECT ${COLUMNS} FROM migrations WHERE state IN ${ACTIVE_STATES_SQL} ${NEWEST_FIRST}`, []).map(toMigration);
  }

  byId(id: string): HistoryEntry | undefined {
    const row = this.sql.first(`SELECT ${COLUMNS} FROM migrations WHERE id = ?`, [id]);
    if (!row) return undefined;
    const migration = toMigration(row);
    return { migration, transitions: sortTimeline(lifecycleOf(migration.kind), this.transitionsOfSeq(Number(row[0]), migration.id)) };
  }

  byDatacenter(datacenter: string, query: PageQuery = {}): Migration[] {
    const { limit, offset } = page(query);
    return this.sql.rows(`SELECT ${COLUMNS} FROM migrations WHERE datacenter = ? ${NEWEST_FIRST} LIMIT ? OFFSET ?`, [datacenter, limit, offset]).map(toMigration);
  }

  byVm(vm: string, query: VmQuery = {}): Migration[] {
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
    return this.sql.rows(`SELECT ${COLUMNS} FROM migrations WHERE ${conditions.join(' AND ')} ${NEWEST_FIRST} LIMIT ? OFFSET ?`, [...params, limit, offset]).map(toMigration);
  }

  /**
   * One page of migrations strictly after the cursor in the listing order (newest first), with
   * their cursor, for exports that walk the whole history without holding it in memory.
   */
  exportPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number): Array<{ cursor: ExportCursor; entry: HistoryEntry }> {
    const { where, params } = listConditions(query, after ? ['(created_at, seq) < (?, ?)'] : []);
    const all = after ? [...params, after.createdAt, after.seq] : params;
    const rows = this.sql.rows(`SELECT ${COLUMNS} FROM migrations ${where} ${NEWEST_FIRST} LIMIT ?`, [...all, size]);
    // One query for the whole page's transitions: a query per migration costs several times more.
    const bySeq = new Map<number, PhaseTransition[]>();
    const ids = new Map<number, string>(rows.map((r) => [Number(r[0]), String(r[1])]));
    if (rows.length > 0) {
      const seqs = JSON.stringify([...ids.keys()]);
      for (const [seq, phase, at] of this.sql.rows('SELECT migration_seq, phase, at FROM transitions WHERE migration_seq IN (SELECT value FROM json_each(?)) ORDER BY migration_seq, at, phase', [seqs])) {
        const key = Number(seq);
        let list = bySeq.get(key);
        if (!list) bySeq.set(key, (list = []));
        list.push({ migrationId: ids.get(key)!, phase: String(phase), at: Number(at) });
      }
    }
    return rows.map((row) => {
      const migration = toMigration(row);
      const seq = Number(row[0]);
      return { cursor: { createdAt: migration.createdAt, seq }, entry: { migration, transitions: sortTimeline(lifecycleOf(migration.kind), bySeq.get(seq) ?? []) } };
    });
  }

  /** In time order; phases entered in the same instant (KubeVirt times are whole seconds) are ordered by the caller. */
  private transitionsOfSeq(seq: number, migrationId: string): PhaseTransition[] {
    return this.sql.rows('SELECT phase, at FROM transitions WHERE migration_seq = ? ORDER BY at, phase', [seq]).map((r) => ({
      migrationId,
      phase: String(r[0]),
      at: Number(r[1]),
    }));
  }
}

function page(query: PageQuery): { limit: number; offset: number } {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  const offset = query.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) throw new HistoryError('invalid-argument', `limit must be an integer from 0 to ${MAX_PAGE_SIZE}.`);
  if (!Number.isInteger(offset) || offset < 0) throw new HistoryError('invalid-argument', 'offset must be a non-negative integer.');
  return { limit, offset };
}

function listConditions(query: Omit<ListQuery, 'limit' | 'offset'>, extra: string[] = []): { where: string; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const filter = query.filter ?? 'all';
  if (filter === 'active') conditions.push(`state IN ${ACTIVE_STATES_SQL}`);
  else if (filter === 'completed') conditions.push(`state IN ${FINAL_STATES_SQL}`);
  else if (filter !== 'all') throw new HistoryError('invalid-argument', `filter must be active, completed or all (got "${String(filter)}").`);
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
