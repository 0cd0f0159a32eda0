// One sql.js database as the history uses it: prepared statements cached by their SQL text, and
// writes batched into one transaction per turn of the event loop — an SQLite commit per record
// costs several times the record itself, and the durability comes from the journal, not SQLite.

import type { Database, SqlValue, Statement } from 'sql.js';

export class SqlSession {
  private readonly statements = new Map<string, Statement>();
  private inTransaction = false;
  private commitTimer: NodeJS.Immediate | undefined;

  constructor(private readonly db: Database) {}

  /**
   * Runs `fn` inside the open write transaction, starting one if needed. The transaction is
   * committed on the next turn of the event loop (or by commit()), so a burst of records shares
   * one commit.
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

  /** The database file's bytes. */
  export(): Uint8Array {
    this.commit();
    return this.db.export();
  }

  close(): void {
    this.commit();
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
    this.db.close();
  }

  run(sql: string, params: SqlValue[]): void {
    const s = this.statement(sql);
    try {
      s.bind(params);
      s.step();
    } finally {
      s.reset();
    }
  }

  /** Rows changed by the last statement run. */
  rowsModified(): number {
    return this.db.getRowsModified();
  }

  rows(sql: string, params: SqlValue[]): SqlValue[][] {
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

  /** Calls `fn` with each row in turn, holding none of them (for a walk over every row). */
  each(sql: string, params: SqlValue[], fn: (row: SqlValue[]) => void): void {
    const s = this.statement(sql);
    try {
      s.bind(params);
      while (s.step()) fn(s.get());
    } finally {
      s.reset();
    }
  }

  first(sql: string, params: SqlValue[]): SqlValue[] | undefined {
    const s = this.statement(sql);
    try {
      s.bind(params);
      return s.step() ? s.get() : undefined;
    } finally {
      s.reset();
    }
  }

  private statement(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
