// A follower: another store writes the history. It reads like a read-only store, forwards its
// own records to the writer through its inbox, and looks at the lock on every poll: when the
// writer goes (closed, killed, heartbeat stale) it takes the lock and the store becomes the writer.

import type { JournalAppender } from '../journal/journal-appender';
import type { RecordEntry } from '../journal/journal-codec';
import { WriterLock } from './writer-lock';
import { InboxForwarder } from './inbox';
import { ReadOnlyRole, type ReaderHooks } from './read-only-role';
import type { HistoryReplica } from './replica';
import type { HistoryRole } from './store-role';

export interface FollowerHooks extends ReaderHooks {
  /** This store now holds the lock: the store becomes the writer (and resolves when it has, or has gone on following). */
  lockTaken(lock: WriterLock): Promise<void>;
}

export class FollowerRole extends ReadOnlyRole {
  override readonly name: HistoryRole = 'follower';
  private readonly inbox: InboxForwarder;

  constructor(
    replica: HistoryReplica,
    protected override readonly hooks: FollowerHooks,
  ) {
    super(replica, hooks);
    this.inbox = new InboxForwarder(replica);
  }

  override get sink(): JournalAppender | undefined {
    return this.inbox.sink;
  }

  override record(entry: RecordEntry): void {
    if (this.replica.applyRecord(entry)) this.inbox.forward(entry);
  }

  /** Closes this follower's inbox for good (it becomes the writer); returns the records not yet in it. */
  handOverInbox(): Promise<RecordEntry[]> {
    return this.inbox.retire();
  }

  override async close(): Promise<void> {
    this.retire();
    await this.inbox.close();
  }

  /** A follower always polls, if only to take over when the writer goes. */
  protected override keepsUp(): boolean {
    return true;
  }

  protected override async tookOver(): Promise<boolean> {
    const { paths, options, logger } = this.replica;
    const lock = WriterLock.tryAcquire(paths.lock, paths.lockBreak, options.staleLockMs, logger, options.reclaimLockTokens);
    if (!lock) return false;
    await this.hooks.lockTaken(lock);
    return true;
  }
}
