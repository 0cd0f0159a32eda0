// What the HistoryStore asks of the role it is in (writer, follower or read-only); each role is
// an object that owns its files and timers, and the store switches from one to the next.

import type { JournalAppender } from '../journal/journal-appender';
import type { RecordEntry } from '../journal/journal-codec';

export type HistoryRole = 'writer' | 'follower' | 'read-only';

export interface StoreRole {
  readonly name: HistoryRole;
  /** Applies a validated record and sends it where this role's records go (journal or inbox). */
  record(entry: RecordEntry): void;
  /** The file this role's records are appended to, for flush(); undefined when there is none (yet). */
  readonly sink: JournalAppender | undefined;
  /** The journal segment being written (writer) or read (follower). */
  readonly segment: number;
  /** Journal bytes not yet in a snapshot (writer; 0 otherwise). */
  readonly unsnapshottedBytes: number;
  /** Stops the role's timers and closes its files; the writer writes a last snapshot and releases the lock. */
  close(): Promise<void>;
}
