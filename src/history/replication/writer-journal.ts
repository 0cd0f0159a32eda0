// The journal segment the writer appends to: lines group-committed, refused once the lock is no
// longer ours, moved on to the next segment when a snapshot starts, and a count of the bytes
// written since the last snapshot (which decides when the next one is due).

import { JournalAppender } from '../journal/journal-appender';
import { encodeEntry, type JournalEntry } from '../journal/journal-codec';
import { segmentFile } from '../journal/journal-files';
import type { WriterLock } from './writer-lock';
import type { HistoryReplica } from './replica';

export class WriterJournal {
  private constructor(
    private readonly journalDir: string,
    private readonly appender: JournalAppender,
    private current: number,
    private unsnapshotted: number,
  ) {}

  /** Creates segment `segment` (it must not exist); `unsnapshottedBytes` is what earlier segments hold beyond the snapshot. */
  static open(replica: HistoryReplica, segment: number, unsnapshottedBytes: number, lock: WriterLock, onRefused: () => void): WriterJournal {
    const { journalDir } = replica.paths;
    const appender = JournalAppender.open(segmentFile(journalDir, segment), true, replica.options.groupCommit, {
      onWriteError: (err) => replica.report('journal-write', `History: ${err.message}`, 'error'),
      mayWrite: () => lock.stillOwned(),
      onWriteRefused: onRefused,
    });
    return new WriterJournal(journalDir, appender, segment, unsnapshottedBytes);
  }

  get segment(): number {
    return this.current;
  }

  get unsnapshottedBytes(): number {
    return this.unsnapshotted;
  }

  get sink(): JournalAppender {
    return this.appender;
  }

  get hasUnflushed(): boolean {
    return this.appender.hasUnflushed;
  }

  append(entry: JournalEntry): void {
    const line = encodeEntry(entry);
    this.appender.append(line);
    this.unsnapshotted += line.length;
  }

  /** Moves on to the next segment once the current one is on disk; returns the segment now complete. */
  async rotate(): Promise<number> {
    const complete = this.current;
    await this.appender.rotate(segmentFile(this.journalDir, complete + 1));
    this.current = complete + 1;
    this.unsnapshotted = this.appender.size;
    return complete;
  }

  flush(): Promise<void> {
    return this.appender.flush();
  }

  /** Closes the segment; returns the lines it could not write (the lock was lost), to be handed on. */
  close(): Promise<Buffer[]> {
    return this.appender.close();
  }
}
