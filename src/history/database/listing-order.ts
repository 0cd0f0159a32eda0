// The words the history's queries and the in-memory figures beside them (the text index, the
// active set) share: which migrations a listing holds, a place in its order (newest first), a
// statement with its parameters. Their own file, so the modules need not import each other.

import type { SqlValue } from 'sql.js';

export type HistoryFilter = 'active' | 'completed' | 'all';

/** A place in the listing order (newest first): the migration's creation time and its row's seq. */
export interface ExportCursor {
  createdAt: number;
  seq: number;
}

/** A statement and its parameters. */
export interface BoundSql {
  sql: string;
  params: SqlValue[];
}
