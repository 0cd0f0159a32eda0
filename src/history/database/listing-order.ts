// The words the history's queries and its text index share: which migrations a listing holds,
// and a place in its order (newest first). Their own file, so the two modules need not import
// each other.

export type HistoryFilter = 'active' | 'completed' | 'all';

/** A place in the listing order (newest first): the migration's creation time and its row's seq. */
export interface ExportCursor {
  createdAt: number;
  seq: number;
}
