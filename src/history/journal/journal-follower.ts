// Reads the writer's journal segments in order from a position, the same way for a writer
// replaying at start-up and for a follower tailing a live writer. A segment is known to be
// complete once a later one exists (the writer only ever appends to its newest); a follower
// whose unread segment has been retired by a snapshot must reload from the snapshot instead.

import { listSegments, readJournalChunk, segmentFile } from './journal-files';
import type { JournalEntry } from './journal-codec';

export type FollowOutcome = 'caught-up' | 'more' | 'reload';

export interface FollowNotices {
  /** A finished segment ended inside a record: a write cut off by a crash, dropped. */
  tornTail(segment: number, bytes: number): void;
  /** Complete lines that failed their checksum. */
  corruptLines(segment: number, count: number): void;
  /** An entry named like a segment that is not a regular file (a link, a FIFO): never opened. */
  ignored(file: string, kind: string): void;
}

export class JournalFollower {
  private segment: number;
  private offset = 0;
  /** A later segment existed before we last read `segment` to its end. */
  private segmentComplete = false;

  constructor(
    private readonly journalDir: string,
    /** The newest segment already in the loaded snapshot. */
    covered: number,
    private readonly notices: FollowNotices,
  ) {
    this.segment = covered + 1;
  }

  /** The segment this follower reads next (or is reading). */
  get position(): { segment: number; offset: number } {
    return { segment: this.segment, offset: this.offset };
  }

  /** Reads at most about `budgetBytes` of new records, handing each to `apply` in order. */
  step(apply: (entries: JournalEntry[]) => void, budgetBytes = Number.MAX_SAFE_INTEGER): FollowOutcome {
    const segments = listSegments(this.journalDir, this.notices.ignored);
    let budget = budgetBytes;
    for (;;) {
      const present = segments.includes(this.segment);
      const later = segments.find((s) => s > this.segment);
      if (!present) {
        if (later === undefined) return 'caught-up'; // the writer has not started this segment yet
        if (this.segmentComplete && later === this.segment + 1) {
          this.advance();
          continue;
        }
        return 'reload';
      }
      const chunk = readJournalChunk(segmentFile(this.journalDir, this.segment), this.offset, budget);
      if (!chunk) {
        // Retired between listing and reading.
        if (this.segmentComplete && later === this.segment + 1) {
          this.advance();
          continue;
        }
        return 'reload';
      }
      if (chunk.entries.length > 0) apply(chunk.entries.map((e) => e.entry));
      if (chunk.corruptLines > 0) this.notices.corruptLines(this.segment, chunk.corruptLines);
      budget -= chunk.nextOffset - this.offset;
      this.offset = chunk.nextOffset;
      const unread = chunk.fileSize - this.offset - chunk.partialTail;
      if (unread > 0) return 'more';
      if (later === undefined) return 'caught-up';
      // A later segment exists, so this one is complete: whatever is left is a torn record.
      if (chunk.partialTail > 0) this.notices.tornTail(this.segment, chunk.partialTail);
      this.segmentComplete = true;
      if (later !== this.segment + 1) return 'reload';
      this.advance();
      if (budget <= 0) return 'more';
    }
  }

  /** Moves on to `segment` (a writer replaying past segments that are missing). */
  skipTo(segment: number): void {
    this.segment = segment;
    this.offset = 0;
    this.segmentComplete = false;
  }

  private advance(): void {
    this.segment++;
    this.offset = 0;
    this.segmentComplete = false;
  }
}
