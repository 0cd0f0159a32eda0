// When and how the writer snapshots: once the journal since the last snapshot outgrows
// max(snapshotMinJournalBytes, snapshotJournalRatio × the snapshot's size), one at a time,
// rotating the journal first; the segments a snapshot makes redundant are deleted a generation
// later, so the previous snapshot plus the journal can still rebuild a damaged newest one.

import { unlinkSync } from 'node:fs';
import { listSegments, segmentFile } from '../journal/journal-files';
import { COVERED_SEGMENT_KEY, writeSnapshot, type LoadedBase } from './snapshot-files';
import type { WriterLock } from '../replication/writer-lock';
import type { HistoryReplica } from '../replication/replica';
import type { WriterJournal } from '../replication/writer-journal';

export class SnapshotWriter {
  private lastSnapshotBytes: number;
  /** Covered segment of the current database file, if one exists. */
  private currentCovered: number | undefined;
  /** Covered segment of the previous-generation file, when known. */
  private prevCovered: number;
  private running: Promise<void> | undefined;
  private queued = false;
  private stopped = false;

  constructor(
    private readonly replica: HistoryReplica,
    private readonly journal: WriterJournal,
    private readonly lock: WriterLock,
    loaded: LoadedBase,
  ) {
    this.lastSnapshotBytes = loaded.bytes;
    this.currentCovered = loaded.source === 'db' ? loaded.covered : undefined;
    this.prevCovered = loaded.source === 'prev' ? loaded.covered : 0;
  }

  /** A snapshot is being written. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  get due(): boolean {
    const { snapshotMinJournalBytes, snapshotJournalRatio } = this.replica.options;
    return this.journal.unsnapshottedBytes >= Math.max(snapshotMinJournalBytes, snapshotJournalRatio * this.lastSnapshotBytes);
  }

  /** Snapshots on the next turn of the event loop, unless one is running or queued. */
  schedule(): void {
    if (this.running || this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      if (this.stopped || this.replica.closed) return;
      this.snapshot().catch((err) => this.replica.report('snapshot', `History: snapshot failed (the journal keeps every record): ${(err as Error).message}`, 'error'));
    });
  }

  /** Rotates the journal and snapshots everything up to the segment just completed. */
  async snapshot(): Promise<void> {
    await this.idle();
    if (this.stopped) return;
    this.running = this.rotateAndWrite().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once no snapshot is being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }

  /** The snapshot on close: covers the segment being written, so nothing is left to replay. */
  writeFinal(): Promise<void> {
    return this.writeCovering(this.journal.segment);
  }

  /** This store no longer writes: a queued or later snapshot does nothing. */
  stop(): void {
    this.stopped = true;
  }

  private async rotateAndWrite(): Promise<void> {
    const covered = await this.journal.rotate();
    await this.writeCovering(covered);
  }

  private async writeCovering(covered: number): Promise<void> {
    const { database, paths } = this.replica;
    database.setMeta(COVERED_SEGMENT_KEY, String(covered));
    const bytes = database.export();
    // Never replace the file of a writer that has taken over from us.
    if (!this.lock.stillOwned()) return;
    const hadCurrent = await writeSnapshot(paths, bytes);
    let retireThrough: number;
    if (hadCurrent && this.currentCovered !== undefined) {
      retireThrough = this.currentCovered;
      this.prevCovered = this.currentCovered;
    } else {
      retireThrough = this.prevCovered;
    }
    this.currentCovered = covered;
    this.lastSnapshotBytes = bytes.length;
    for (const s of listSegments(paths.journalDir)) {
      if (s > retireThrough) break;
      try {
        unlinkSync(segmentFile(paths.journalDir, s));
      } catch {
        // already gone; a leftover is skipped on replay anyway
      }
    }
  }
}
