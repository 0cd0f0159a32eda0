// The history panel's text filter without a scan of the table: each migration's searchable text
// (VM, nodes, cluster, namespace, name) kept in memory in listing order, matched with
// String.includes. Measured at 100,000 migrations: the LIKE over six columns of the table took
// 80 ms at p50; a narrow table of the same text scanned by SQLite (instr) 20 ms; this 2–3 ms.
// sql.js has FTS3/4 but not FTS5 nor a trigram tokenizer: trigrams spelled as FTS4 words took
// 8–10 ms for a VM name and 50–100 ms for a common word ('node-4', 'default'), added 15 MB to a
// 64 MB file, and a contentless FTS4 table cannot delete a row.
//
// The semantics are LIKE's: a substring of any one field, ASCII letters folded (SQLite's LIKE
// folds no others), `%`, `_` and `\` taken literally. Built on the first text query from the
// table, then kept current by RowChanges; about 130 bytes a migration.

import type { ExportCursor, HistoryFilter } from './listing-order';
import { CHANGED_ROW_SQL_COLUMNS, toChangedRow, type ChangedRow, type RowChanges, type RowSubscriber } from './row-changes';

interface Entry {
  seq: number;
  createdAt: number;
  state: string;
  /** The searchable fields, ASCII-lowercased, joined by NUL (which a query cannot contain: see usable()). */
  text: string;
  /** Removed (or replaced by a newer version of the row); dropped at the next compaction. */
  dead: boolean;
}

const ACTIVE = new Set(['pending', 'running']);
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const SEPARATOR = '\u0000';

/** ASCII letters to lower case, and no others, as SQLite's LIKE compares them. */
export function foldAscii(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : text;
}

function searchText(r: ChangedRow): string {
  return foldAscii([r.vm, r.sourceNode ?? '', r.targetNode ?? '', r.cluster, r.namespace ?? '', r.name].join(SEPARATOR));
}

/** Listing order: (created_at, seq) ascending; the listing walks it backwards. */
function before(a: { createdAt: number; seq: number }, b: { createdAt: number; seq: number }): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.seq < b.seq);
}

export class TextSearch implements RowSubscriber {
  private entries: Entry[] = [];
  private readonly bySeq = new Map<number, Entry>();
  private deadCount = 0;
  private built = false;

  constructor(private readonly changes: RowChanges) {}

  /** Whether a (trimmed, non-empty) text can be answered here; a NUL in it goes to the SQL LIKE. */
  static usable(text: string): boolean {
    return !text.includes(SEPARATOR);
  }

  /**
   * The seqs of matching migrations, newest first, strictly after `after` when given, skipping
   * the first `skip` matches and stopping after `take`.
   */
  find(text: string, filter: HistoryFilter, skip: number, take: number, after?: ExportCursor): number[] {
    const out: number[] = [];
    if (take <= 0) return out;
    let skipped = 0;
    this.walk(text, filter, after, (e) => {
      if (skipped < skip) skipped++;
      else out.push(e.seq);
      return out.length < take;
    });
    return out;
  }

  count(text: string, filter: HistoryFilter): number {
    let n = 0;
    this.walk(text, filter, undefined, () => {
      n++;
      return true;
    });
    return n;
  }

  added(row: ChangedRow): void {
    const entry: Entry = { seq: row.seq, createdAt: row.createdAt, state: row.state, text: searchText(row), dead: false };
    const previous = this.bySeq.get(row.seq);
    if (previous) this.kill(previous);
    this.bySeq.set(row.seq, entry);
    const last = this.entries[this.entries.length - 1];
    // New migrations are the newest nearly always: an append. Otherwise find the place.
    if (!last || before(last, entry)) this.entries.push(entry);
    else this.entries.splice(this.firstNotBefore(entry), 0, entry);
  }

  removed(row: ChangedRow): void {
    const entry = this.bySeq.get(row.seq);
    if (!entry) return;
    this.bySeq.delete(row.seq);
    this.kill(entry);
  }

  private walk(text: string, filter: HistoryFilter, after: ExportCursor | undefined, visit: (e: Entry) => boolean): void {
    this.build();
    const needle = foldAscii(text);
    const states = filter === 'active' ? ACTIVE : filter === 'completed' ? FINAL : undefined;
    const entries = this.entries;
    const start = after ? this.firstNotBefore({ createdAt: after.createdAt, seq: after.seq }) - 1 : entries.length - 1;
    for (let i = start; i >= 0; i--) {
      const e = entries[i];
      if (e.dead || (states && !states.has(e.state)) || !e.text.includes(needle)) continue;
      // A match that spans two fields (it would hold the separator) is no match: needles hold none.
      if (!visit(e)) return;
    }
  }

  /** The index of the first entry not before `key` in listing order (binary search). */
  private firstNotBefore(key: { createdAt: number; seq: number }): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entries[mid], key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private kill(entry: Entry): void {
    if (entry.dead) return;
    entry.dead = true;
    // Left in place (a deletion at the front of a long array is a copy of it) until a quarter are dead.
    if (++this.deadCount > 1024 && this.deadCount * 4 > this.entries.length) {
      this.entries = this.entries.filter((e) => !e.dead);
      this.deadCount = 0;
    }
  }

  private build(): void {
    if (this.built) return;
    this.built = true;
    // In the table's order, sorted here: walking the (created_at, seq) index instead looks up
    // every row in the table, twice as slow.
    this.changes.subscribe(this, `SELECT ${CHANGED_ROW_SQL_COLUMNS} FROM migrations`, (r) => {
      const row = toChangedRow(r);
      const entry: Entry = { seq: row.seq, createdAt: row.createdAt, state: row.state, text: searchText(row), dead: false };
      this.bySeq.set(row.seq, entry);
      this.entries.push(entry);
    });
    this.entries.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }
}
