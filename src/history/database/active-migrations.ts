// active()'s answer kept in memory: the pending and running migrations as Migration objects in
// listing order (newest first), kept current from TEMP triggers that name each active row a write
// touches (RowChanges.onActiveTouched). Every view asks on each refresh, and reading 1,000 rows
// out of sql.js after any change cost ~4 ms (and made 1,000 objects, labels parsed, each time);
// now a touched row is read again by its seq, a burst touching many re-reads the set, and each
// answer is copies of the kept objects.

import type { Migration } from '../../model/migration';
import { toMigration } from './migration-rows';
import type { RowChanges } from './row-changes';
import type { SqlSession } from './sql-session';
import type { BoundSql } from './listing-order';

interface Held {
  seq: number;
  migration: Migration;
}

/** Past this many touched rows one read of the whole set is cheaper than a read per row. */
const REREAD_ALL_AFTER = 64;

export class ActiveMigrations {
  private readonly bySeq = new Map<number, Held>();
  /** In listing order; undefined when it must be sorted again. */
  private ordered: Held[] | undefined;
  private readonly touched = new Set<number>();
  private built = false;

  /** `all` selects every active row (seedQuerySql.active), `one` the row of a seq if it is active. */
  constructor(
    private readonly sql: SqlSession,
    private readonly rowChanges: RowChanges,
    private readonly all: () => BoundSql,
    private readonly one: (seq: number) => BoundSql,
  ) {}

  /** Fresh objects each time: callers may change what they are given. */
  get(): Migration[] {
    if (!this.built) {
      this.built = true;
      // Subscribed and read in one synchronous turn: no write can fall in between.
      this.rowChanges.onActiveTouched((seq) => this.touched.add(seq));
      this.readAll();
    } else if (this.touched.size > 0) {
      if (this.touched.size > REREAD_ALL_AFTER) this.readAll();
      else for (const seq of this.touched) this.readOne(seq);
    }
    this.touched.clear();
    this.ordered ??= [...this.bySeq.values()].sort(newestFirst);
    return this.ordered.map(({ migration }) => copy(migration));
  }

  private readAll(): void {
    this.bySeq.clear();
    const { sql, params } = this.all();
    this.sql.each(sql, params, (row) => this.bySeq.set(Number(row[0]), { seq: Number(row[0]), migration: toMigration(row) }));
    this.ordered = undefined;
  }

  private readOne(seq: number): void {
    const { sql, params } = this.one(seq);
    const row = this.sql.first(sql, params);
    const before = this.bySeq.get(seq);
    if (row) {
      const held = { seq, migration: toMigration(row) };
      this.bySeq.set(seq, held);
      // Same place in the order (a phase or progress moved): replaced where it stands.
      const i = before && before.migration.createdAt === held.migration.createdAt && this.ordered ? this.ordered.indexOf(before) : -1;
      if (i >= 0) this.ordered![i] = held;
      else this.ordered = undefined;
    } else if (before) {
      this.bySeq.delete(seq);
      this.ordered = undefined;
    }
  }
}

/** ORDER BY created_at DESC, seq DESC. */
function newestFirst(a: Held, b: Held): number {
  return b.migration.createdAt - a.migration.createdAt || b.seq - a.seq;
}

function copy(m: Migration): Migration {
  const out: Migration = { ...m, labels: { ...m.labels } };
  if (m.progress) out.progress = { ...m.progress };
  return out;
}
