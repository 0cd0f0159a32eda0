// What the in-memory figures beside the database (text-search.ts, cluster-summaries.ts and, by seq
// alone, active-migrations.ts) learn of each change to `migrations`: the row as it was and as it
// is, from TEMP triggers that call back into JavaScript. Triggers see every write path — the
// upsert, a reused name moving aside, deletions by retention or a replayed journal — with the old
// values for free, where a hook in each caller would need a read before every write. They are created on the first subscription
// (the history panel's first question), so ingest pays nothing until someone asks; TEMP, so the
// file on disk never holds them (another SQLite tool opening it has no such functions to call).

import type { Database, SqlValue } from 'sql.js';
import { ACTIVE_STATES_SQL } from './schema';

/** The columns a subscriber sees, in this order (the trigger arguments). */
export interface ChangedRow {
  seq: number;
  createdAt: number;
  cluster: string;
  state: string;
  durationMs: number | null;
  vm: string;
  sourceNode: string | null;
  targetNode: string | null;
  namespace: string | null;
  name: string;
}

export interface RowSubscriber {
  added(row: ChangedRow): void;
  removed(row: ChangedRow): void;
}

const COLUMNS = ['seq', 'created_at', 'cluster', 'state', 'duration_ms', 'vm', 'source_node', 'target_node', 'namespace', 'name'] as const;

/** The columns to SELECT for toChangedRow. */
export const CHANGED_ROW_SQL_COLUMNS = COLUMNS.join(', ');

const ADDED = 'history_row_added';
const REMOVED = 'history_row_removed';
const args = (prefix: string) => COLUMNS.map((c) => `${prefix}.${c}`).join(', ');
// An update touches a subscriber only when a column it sees changes: most upserts of a running
// migration change its phase and progress alone, and cost no call into JavaScript.
const TRIGGERS = `
CREATE TEMP TRIGGER IF NOT EXISTS history_rows_inserted AFTER INSERT ON main.migrations
BEGIN SELECT ${ADDED}(${args('NEW')}); END;
CREATE TEMP TRIGGER IF NOT EXISTS history_rows_deleted AFTER DELETE ON main.migrations
BEGIN SELECT ${REMOVED}(${args('OLD')}); END;
CREATE TEMP TRIGGER IF NOT EXISTS history_rows_updated AFTER UPDATE ON main.migrations
WHEN ${COLUMNS.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ')}
BEGIN SELECT ${REMOVED}(${args('OLD')}); SELECT ${ADDED}(${args('NEW')}); END;
`;

const ACTIVE_TOUCHED = 'history_active_touched';
// Any write to a row that is or was active — a running migration's phase and progress included,
// which the triggers above skip — names the row (its seq) for the active set (active-migrations.ts).
const ACTIVE_TRIGGERS = `
CREATE TEMP TRIGGER IF NOT EXISTS history_active_inserted AFTER INSERT ON main.migrations
WHEN NEW.state IN ${ACTIVE_STATES_SQL} BEGIN SELECT ${ACTIVE_TOUCHED}(NEW.seq); END;
CREATE TEMP TRIGGER IF NOT EXISTS history_active_deleted AFTER DELETE ON main.migrations
WHEN OLD.state IN ${ACTIVE_STATES_SQL} BEGIN SELECT ${ACTIVE_TOUCHED}(OLD.seq); END;
CREATE TEMP TRIGGER IF NOT EXISTS history_active_updated AFTER UPDATE ON main.migrations
WHEN OLD.state IN ${ACTIVE_STATES_SQL} OR NEW.state IN ${ACTIVE_STATES_SQL}
BEGIN SELECT ${ACTIVE_TOUCHED}(OLD.seq); SELECT ${ACTIVE_TOUCHED}(NEW.seq) WHERE NEW.seq IS NOT OLD.seq; END;
`;

export function toChangedRow(r: readonly SqlValue[]): ChangedRow {
  return {
    seq: Number(r[0]),
    createdAt: Number(r[1]),
    cluster: String(r[2]),
    state: String(r[3]),
    durationMs: r[4] === null ? null : Number(r[4]),
    vm: String(r[5]),
    sourceNode: r[6] === null ? null : String(r[6]),
    targetNode: r[7] === null ? null : String(r[7]),
    namespace: r[8] === null ? null : String(r[8]),
    name: String(r[9]),
  };
}

export class RowChanges {
  private readonly subscribers: RowSubscriber[] = [];
  private installed = false;
  private readonly activeTouched: Array<(seq: number) => void> = [];

  constructor(private readonly db: Database) {}

  /**
   * Starts telling `subscriber` of every change from now on and hands it the rows `initialSql`
   * selects now (the columns it needs), in the same synchronous turn: no write can fall in between.
   */
  subscribe(subscriber: RowSubscriber, initialSql: string, initial: (row: SqlValue[]) => void): void {
    this.install();
    this.subscribers.push(subscriber);
    const s = this.db.prepare(initialSql);
    try {
      while (s.step()) initial(s.get());
    } finally {
      s.free();
    }
  }

  /**
   * Calls `touched` with the seq of every row written that is or was active (pending, running)
   * before the write, from now on. Installed on first use, like the triggers above.
   */
  onActiveTouched(touched: (seq: number) => void): void {
    if (this.activeTouched.length === 0) {
      this.db.create_function(ACTIVE_TOUCHED, (seq: SqlValue): null => {
        for (const t of this.activeTouched) t(Number(seq));
        return null;
      });
      this.db.exec(ACTIVE_TRIGGERS);
    }
    this.activeTouched.push(touched);
  }

  private install(): void {
    if (this.installed) return;
    // sql.js passes a function's arguments one by one and reads its arity from `length`.
    const collect =
      (notify: (s: RowSubscriber, row: ChangedRow) => void) =>
      (a: SqlValue, b: SqlValue, c: SqlValue, d: SqlValue, e: SqlValue, f: SqlValue, g: SqlValue, h: SqlValue, i: SqlValue, j: SqlValue): null => {
        const row = toChangedRow([a, b, c, d, e, f, g, h, i, j]);
        for (const s of this.subscribers) notify(s, row);
        return null;
      };
    this.db.create_function(ADDED, collect((s, row) => s.added(row)));
    this.db.create_function(REMOVED, collect((s, row) => s.removed(row)));
    this.db.exec(TRIGGERS);
    this.installed = true;
  }
}
