// The history's tables in one sql.js database: applying records (idempotently), deleting,
// and every query the views, the CLI and the exported API ask. Synchronous and file-free: the
// store around it decides when bytes come from or go to disk.

import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import type { Migration, PhaseTransition } from '../model/migration';
import type { RecordEntry } from './journal-codec';
import { ACTIVE_STATES_SQL, FINAL_STATES_SQL, ensureSchema, type SchemaOutcome } from './schema';
import { HistoryError } from './history-error';
import { sortTimeline } from '../model/phase-order';
import { clusterKindTraits, lifecycleOf } from '../sources/cluster-kinds';

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

import type { ClusterSummary } from '../model/cluster-summary';
export type { ClusterSummary };

export const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 1_000_000;

const COLUMNS =
  'seq, id, kind, cluster, datacenter, namespace, vm, name, source_node, target_node, mode, origin, phase, state, created_at, started_at, ended_at, duration_ms, failure_reason, progress, labels, uid';
const WRITABLE = COLUMNS.split(', ').slice(1);

// A final view is never replaced by a non-final one (a stale replay or a late duplicate must not
// bring a finished migration back to life); otherwise the latest record wins. The row is only
// touched when something differs, so "changed" means changed.
const UPSERT = `INSERT INTO migrations (${WRITABLE.join(', ')}) VALUES (${WRITABLE.map(() => '?').join(', ')})
ON CONFLICT(id) DO UPDATE SET ${WRITABLE.slice(1)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}
WHERE NOT (migrations.state IN ${FINAL_STATES_SQL} AND excluded.state NOT IN ${FINAL_STATES_SQL})
  AND (${WRITABLE.slice(1)
    .map((c) => `migrations.${c} IS NOT excluded.${c}`)
    .join(' OR ')})
RETURNING seq`;

export class HistoryDatabase {
  private readonly statements = new Map<string, Statement>();
  private inTransaction = false;
  /** Bumped by every change, so derived figures can be cached until the data moves. */
  private changes = 0;
  private summaryCache: { at: number; value: ClusterSummary[] } | undefined;
  private commitTimer: NodeJS.Immediate | undefined;

  private constructor(private readonly db: Database) {}

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
      // Pragmas reset whenever sql.js reopens the file; they only matter for speed here (the
      // durability comes from our journal, not SQLite's).
      db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY');
      return { database: new HistoryDatabase(db), schema };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.commit();
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
    this.db.close();
  }

  /** The database file's bytes, for a snapshot. */
  export(): Uint8Array {
    this.commit();
    return this.db.export();
  }

  /**
   * Runs `fn` inside the open write transaction, starting one if needed. The transaction is
   * committed on the next turn of the event loop (or by commit()), so a burst of records shares
   * one commit: an SQLite commit per record costs several times the record itself, and the
   * durability comes from the journal, not from SQLite.
   */
  transaction<T>(fn: () => T): T {
    if (!this.inTransaction) {
      this.db.exec('BEGIN');
      this.inTransaction = true;
      this.commitTimer = setImmediate(() => {
        this.commitTimer = undefined;
        try {
          this.commit();
        } catch {
          // Left open: the next export() or close() commits again and its caller sees the error.
        }
      });
    }
    return fn();
  }

  /** Commits the open write transaction, if any (before an export, a close, or on its own timer). */
  commit(): void {
    if (this.commitTimer) clearImmediate(this.commitTimer);
    this.commitTimer = undefined;
    if (!this.inTransaction) return;
    this.db.exec('COMMIT');
    this.inTransaction = false;
  }

  // ---- writes ----

  /** Upserts the migration and inserts its transitions; true when anything changed. */
  applyRecord(entry: RecordEntry): boolean {
    const m = entry.m;
    const { id, archived } = this.placeIncarnation(m);
    const inserted = this.first(UPSERT, [
      id,
      m.kind,
      m.cluster,
      m.datacenter ?? null,
      m.namespace ?? null,
      m.vm,
      m.name,
      m.sourceNode ?? null,
      m.targetNode ?? null,
      m.mode,
      m.origin,
      m.phase,
      m.state,
      m.createdAt,
      m.startedAt ?? null,
      m.endedAt ?? null,
      m.durationMs ?? null,
      m.failureReason ?? null,
      m.progress ? JSON.stringify(m.progress) : null,
      JSON.stringify(m.labels ?? {}),
      m.uid ?? null,
    ]);
    // RETURNING yields the row only when it was inserted or actually updated.
    let changed = inserted !== undefined || archived;
    const seq = inserted ? Number(inserted[0]) : this.seqOf(id);
    if (seq === undefined) return changed;
    for (const [phase, at] of entry.p) {
      this.run('INSERT OR IGNORE INTO transitions (migration_seq, phase, at) VALUES (?, ?, ?)', [seq, phase, at]);
      if (this.db.getRowsModified() > 0) changed = true;
    }
    if (changed) this.changes++;
    return changed;
  }

  /**
   * Where a record goes when its id names more than one migration. A KubeVirt VMIM name can be
   * used again once the old one is deleted (the docs' own example is `migration-job`); its uid,
   * or for records written before uids were kept its creationTimestamp, tells the two apart. The
   * plain id holds the newest; an earlier one is kept under `<id>@<its creation time>`, with its
   * phases, so neither overwrites the other. The decision depends only on what the database
   * holds, so a journal replay makes it again.
   */
  private placeIncarnation(m: Migration): { id: string; archived: boolean } {
    // Only a kind that gives names out again has incarnations; an unknown kind is taken not to.
    if (!clusterKindTraits(m.kind)?.namesReused) return { id: m.id, archived: false };
    const held = this.incarnationAt(m.id);
    if (!held || sameIncarnation(held, m)) return { id: m.id, archived: false };
    if (!isNewerIncarnation(m, held)) return { id: this.incarnationSlot(m.id, m), archived: false };
    this.run('UPDATE migrations SET id = ? WHERE seq = ?', [this.incarnationSlot(m.id, held), held.seq]);
    this.changes++;
    return { id: m.id, archived: true };
  }

  private incarnationAt(id: string): (Incarnation & { seq: number; final: boolean }) | undefined {
    const row = this.first(`SELECT seq, created_at, uid, state IN ${FINAL_STATES_SQL} FROM migrations WHERE id = ?`, [id]);
    if (!row) return undefined;
    return { seq: Number(row[0]), createdAt: Number(row[1]), uid: row[2] === null ? undefined : String(row[2]), final: Number(row[3]) === 1 };
  }

  /** The archive id of an earlier incarnation: its own row if it has one, else a free one. */
  private incarnationSlot(id: string, incarnation: Incarnation): string {
    const base = incarnationId(id, incarnation.createdAt);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}#${n}`;
      const holder = this.incarnationAt(candidate);
      if (!holder || sameIncarnation(holder, incarnation)) return candidate;
    }
  }

  /** Removes migrations and their transitions; returns the ids that existed. */
  deleteMigrations(ids: readonly string[]): string[] {
    const deleted: string[] = [];
    for (const id of ids) {
      const seq = this.seqOf(id);
      if (seq === undefined) continue;
      this.run('DELETE FROM transitions WHERE migration_seq = ?', [seq]);
      this.run('DELETE FROM migrations WHERE seq = ?', [seq]);
      this.changes++;
      deleted.push(id);
    }
    return deleted;
  }

  getMeta(key: string): string | undefined {
    const row = this.first('SELECT value FROM meta WHERE key = ?', [key]);
    return row ? String(row[0]) : undefined;
  }

  setMeta(key: string, value: string): void {
    this.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  inboxOffset(file: string): number {
    const row = this.first('SELECT offset FROM inbox_offsets WHERE file = ?', [file]);
    return row ? Number(row[0]) : 0;
  }

  setInboxOffset(file: string, offset: number): void {
    this.run('INSERT INTO inbox_offsets (file, offset) VALUES (?, ?) ON CONFLICT(file) DO UPDATE SET offset = max(offset, excluded.offset)', [file, offset]);
  }

  inboxNames(): string[] {
    return this.rows('SELECT file FROM inbox_offsets', []).map((r) => String(r[0]));
  }

  forgetInbox(file: string): void {
    this.run('DELETE FROM inbox_offsets WHERE file = ?', [file]);
  }

  /** Up to `limit` finished migrations that ended (or, lacking an end, were created) before `cutoff`. */
  finishedBefore(cutoff: number, limit: number): string[] {
    return this.rows(
      `SELECT id FROM migrations WHERE state IN ${FINAL_STATES_SQL} AND coalesce(ended_at, created_at) < ? ORDER BY coalesce(ended_at, created_at) LIMIT ?`,
      [cutoff, limit],
    ).map((r) => String(r[0]));
  }

  /** The `limit` oldest finished migrations (by creation). */
  oldestFinished(limit: number): string[] {
    return this.rows(`SELECT id FROM migrations WHERE state IN ${FINAL_STATES_SQL} ORDER BY created_at, seq LIMIT ?`, [limit]).map((r) => String(r[0]));
  }

  countMigrations(): number {
    return Number(this.first('SELECT count(*) FROM migrations', [])?.[0] ?? 0);
  }

  countTransitions(): number {
    return Number(this.first('SELECT count(*) FROM transitions', [])?.[0] ?? 0);
  }

  // ---- queries ----

  all(query: ListQuery = {}): Migration[] {
    const { where, params } = listConditions(query);
    const { limit, offset } = page(query);
    return this.rows(`SELECT ${COLUMNS} FROM migrations ${where} ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`, [...params, limit, offset]).map(toMigration);
  }

  count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): number {
    const { where, params } = listConditions(query);
    return Number(this.first(`SELECT count(*) FROM migrations ${where}`, params)?.[0] ?? 0);
  }

  active(): Migration[] {
    return this.rows(`SELECT ${COLUMNS} FROM migrations WHERE state IN ${ACTIVE_STATES_SQL} ORDER BY created_at DESC, seq DESC`, []).map(toMigration);
  }

  byId(id: string): HistoryEntry | undefined {
    const row = this.first(`SELECT ${COLUMNS} FROM migrations WHERE id = ?`, [id]);
    if (!row) return undefined;
    const migration = toMigration(row);
    return { migration, transitions: sortTimeline(lifecycleOf(migration.kind), this.transitionsOfSeq(Number(row[0]), migration.id)) };
  }

  transitions(id: string): PhaseTransition[] {
    return this.byId(id)?.transitions ?? [];
  }

  byDatacenter(datacenter: string, query: PageQuery = {}): Migration[] {
    const { limit, offset } = page(query);
    return this.rows(`SELECT ${COLUMNS} FROM migrations WHERE datacenter = ? ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`, [datacenter, limit, offset]).map(toMigration);
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
    return this.rows(`SELECT ${COLUMNS} FROM migrations WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, seq DESC LIMIT ? OFFSET ?`, [...params, limit, offset]).map(toMigration);
  }

  /** Cached until the next change: the history panel asks on every refresh, and it is a full scan. */
  summaryByCluster(): ClusterSummary[] {
    if (this.summaryCache?.at !== this.changes) this.summaryCache = { at: this.changes, value: this.computeSummary() };
    return this.summaryCache.value.map((s) => ({ ...s }));
  }

  private computeSummary(): ClusterSummary[] {
    const totals = this.rows(
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
      const timed = Number(this.first(`SELECT count(*) FROM migrations WHERE cluster = ? AND state = 'succeeded' AND duration_ms IS NOT NULL`, [cluster])?.[0] ?? 0);
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

  /**
   * One page of migrations strictly after the cursor in the listing order (newest first), with
   * their cursor, for exports that walk the whole history without holding it in memory.
   */
  exportPage(query: Omit<ListQuery, 'limit' | 'offset'>, after: ExportCursor | undefined, size: number): Array<{ cursor: ExportCursor; entry: HistoryEntry }> {
    const { where, params } = listConditions(query, after ? ['(created_at, seq) < (?, ?)'] : []);
    const all = after ? [...params, after.createdAt, after.seq] : params;
    const rows = this.rows(`SELECT ${COLUMNS} FROM migrations ${where} ORDER BY created_at DESC, seq DESC LIMIT ?`, [...all, size]);
    // One query for the whole page's transitions: a query per migration costs several times more.
    const bySeq = new Map<number, PhaseTransition[]>();
    const ids = new Map<number, string>(rows.map((r) => [Number(r[0]), String(r[1])]));
    if (rows.length > 0) {
      const seqs = JSON.stringify([...ids.keys()]);
      for (const [seq, phase, at] of this.rows('SELECT migration_seq, phase, at FROM transitions WHERE migration_seq IN (SELECT value FROM json_each(?)) ORDER BY migration_seq, at, phase', [seqs])) {
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

  private durationAtRank(cluster: string, timed: number, percentile: number): number | null {
    if (timed === 0) return null;
    const rank = Math.max(1, Math.ceil((percentile / 100) * timed));
    const row = this.first(
      `SELECT duration_ms FROM migrations WHERE cluster = ? AND state = 'succeeded' AND duration_ms IS NOT NULL ORDER BY duration_ms LIMIT 1 OFFSET ?`,
      [cluster, rank - 1],
    );
    return row ? Number(row[0]) : null;
  }

  /** In time order; phases entered in the same instant (KubeVirt times are whole seconds) are ordered by the caller. */
  private transitionsOfSeq(seq: number, migrationId: string): PhaseTransition[] {
    return this.rows('SELECT phase, at FROM transitions WHERE migration_seq = ? ORDER BY at, phase', [seq]).map((r) => ({
      migrationId,
      phase: String(r[0]),
      at: Number(r[1]),
    }));
  }

  private seqOf(id: string): number | undefined {
    const row = this.first('SELECT seq FROM migrations WHERE id = ?', [id]);
    return row ? Number(row[0]) : undefined;
  }

  // ---- statement plumbing ----

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private run(sql: string, params: SqlValue[]): void {
    const s = this.statement(sql);
    try {
      s.bind(params);
      s.step();
    } finally {
      s.reset();
    }
  }

  private rows(sql: string, params: SqlValue[]): SqlValue[][] {
    const s = this.statement(sql);
    const out: SqlValue[][] = [];
    try {
      s.bind(params);
      while (s.step()) out.push(s.get());
    } finally {
      s.reset();
    }
    return out;
  }

  private first(sql: string, params: SqlValue[]): SqlValue[] | undefined {
    const s = this.statement(sql);
    try {
      s.bind(params);
      return s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
  }
}

export interface ExportCursor {
  createdAt: number;
  seq: number;
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

function toMigration(r: SqlValue[]): Migration {
  const m: Migration = {
    id: String(r[1]),
    kind: String(r[2]) as Migration['kind'],
    cluster: String(r[3]),
    vm: String(r[6]),
    name: String(r[7]),
    mode: String(r[10]) as Migration['mode'],
    origin: String(r[11]) as Migration['origin'],
    phase: String(r[12]),
    state: String(r[13]) as Migration['state'],
    createdAt: Number(r[14]),
    labels: JSON.parse(String(r[20] ?? '{}')) as Record<string, string>,
  };
  if (r[4] !== null) m.datacenter = String(r[4]);
  if (r[5] !== null) m.namespace = String(r[5]);
  if (r[8] !== null) m.sourceNode = String(r[8]);
  if (r[9] !== null) m.targetNode = String(r[9]);
  if (r[15] !== null) m.startedAt = Number(r[15]);
  if (r[16] !== null) m.endedAt = Number(r[16]);
  if (r[17] !== null) m.durationMs = Number(r[17]);
  if (r[18] !== null) m.failureReason = String(r[18]);
  if (r[19] !== null) m.progress = JSON.parse(String(r[19])) as Migration['progress'];
  if (r[21] !== null && r[21] !== undefined) m.uid = String(r[21]);
  return m;
}

/** The id an earlier migration under a reused name is kept under: `<id>@<creation time, ISO 8601>`. */
export function incarnationId(id: string, createdAt: number): string {
  return `${id}@${new Date(createdAt).toISOString().replace('.000Z', 'Z')}`;
}

interface Incarnation {
  createdAt: number;
  uid?: string;
}

function sameIncarnation(a: Incarnation, b: Incarnation): boolean {
  if (a.uid && b.uid) return a.uid === b.uid;
  return !(a.createdAt > 0 && b.createdAt > 0) || a.createdAt === b.createdAt;
}

/**
 * Whether `incoming` came after `held`. Creation times decide; within one second (KubeVirt's
 * resolution) a name is only reused once the holder is deleted, which for a finished VMIM is
 * at once: a held final migration is the earlier one.
 */
function isNewerIncarnation(incoming: Incarnation, held: Incarnation & { final: boolean }): boolean {
  if (incoming.createdAt !== held.createdAt) return incoming.createdAt > held.createdAt;
  return held.final;
}
