// Retention: finished migrations that ended too long ago, then the oldest finished ones beyond
// the cap, removed a batch at a time with a turn of the event loop between batches, each batch
// journaled as a deletion so followers and a replay remove them too. Active migrations stay.

import type { JournalEntry } from './journal/journal-codec';
import type { HistoryReplica } from './replication/replica';
import type { RetentionPolicy } from './store-options';

export function hasRetention(policy: RetentionPolicy): boolean {
  return policy.retentionDays !== undefined || policy.maxMigrations !== undefined;
}

export interface RetentionWriter {
  /** False once this store no longer writes (stepped down, closing): removal stops between batches. */
  stillWriting(): boolean;
  journal(entry: JournalEntry): void;
}

/** Applies `policy`; returns how many migrations were removed. */
export async function applyRetentionPolicy(replica: HistoryReplica, policy: RetentionPolicy, writer: RetentionWriter): Promise<number> {
  const { retentionDays, maxMigrations } = policy;
  const batch = replica.options.retentionBatchSize;
  let removed = 0;
  const step = (ids: string[]): boolean => {
    if (!writer.stillWriting() || ids.length === 0) return false;
    const database = replica.database;
    const deleted = database.transaction(() => database.deleteMigrations(ids));
    if (deleted.length === 0) return false;
    writer.journal({ t: 'd', ids: deleted });
    removed += deleted.length;
    replica.changes.deleted(deleted);
    return true;
  };
  if (retentionDays !== undefined && retentionDays >= 0) {
    const cutoff = Date.now() - retentionDays * 86_400_000;
    while (step(writer.stillWriting() ? replica.database.finishedBefore(cutoff, batch) : [])) await yieldToEventLoop();
  }
  if (maxMigrations !== undefined && maxMigrations >= 0) {
    for (;;) {
      if (!writer.stillWriting()) break;
      const excess = replica.database.countMigrations() - maxMigrations;
      if (excess <= 0 || !step(replica.database.oldestFinished(Math.min(batch, excess)))) break;
      await yieldToEventLoop();
    }
  }
  if (removed > 0) replica.logger.info(`History: retention removed ${removed} finished migration(s).`);
  return removed;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
