// A burst of records folded into one record per migration before it reaches sql.js: the row is
// upserted once, however many phases the migration passed through in the burst. A row upsert
// (six indexes) costs several transition inserts, and a burst — a watcher catching up after a
// reconnect, a storm of migrations — is when ingest speed matters. The fold gives the database
// exactly the state applying the records one by one would (HistoryDatabase.applyRecord's rules),
// so the journal may hold the folded record instead of its parts.

import { isFinal, type Migration, type PhaseTransition } from '../model/migration';

export interface PendingRecord {
  migration: Migration;
  transitions: readonly PhaseTransition[];
}

/** A folded record, and which of the input records it stands for (their indexes, in order). */
export interface FoldedRecord extends PendingRecord {
  sources: number[];
}

/**
 * Folds `records` (in the order they were recorded) into one per migration incarnation, in the
 * order each first appeared. The row is the one sequential upserts would leave: the latest
 * record, except that a final view is never replaced by a later non-final one. Transitions keep
 * their order, so the first record of a phase still wins (INSERT OR IGNORE). Records of a reused
 * name that are another incarnation (another uid or creation time) are not folded together.
 */
export function foldRecords(records: readonly PendingRecord[]): FoldedRecord[] {
  const folded: FoldedRecord[] = [];
  const open = new Map<string, FoldedRecord>();
  for (let i = 0; i < records.length; i++) {
    const { migration, transitions } = records[i];
    const held = open.get(migration.id);
    if (held && sameIncarnation(held.migration, migration)) {
      if (!(isFinal(held.migration.state) && !isFinal(migration.state))) held.migration = migration;
      if (transitions.length > 0) (held.transitions as PhaseTransition[]).push(...transitions);
      held.sources.push(i);
      continue;
    }
    const next: FoldedRecord = { migration, transitions: [...transitions], sources: [i] };
    open.set(migration.id, next);
    folded.push(next);
  }
  return folded;
}

function sameIncarnation(a: Migration, b: Migration): boolean {
  return a.uid === b.uid && a.createdAt === b.createdAt;
}
