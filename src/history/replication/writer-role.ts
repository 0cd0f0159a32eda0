// The writer: the one store holding the lock. It loads the newest snapshot and replays the
// journal, then journals every record that changes something, consumes the followers' inboxes,
// snapshots and applies retention. It owns its timers (inbox poll, lock heartbeat, retention)
// and says when the lock is no longer its own, so the store can step down to following.

import { lstatSync, renameSync } from 'node:fs';
import { decodeEntries, type JournalEntry, type PlanRunJournalEntry, type RecordEntry } from '../journal/journal-codec';
import { JournalFollower } from '../journal/journal-follower';
import { listSegments, segmentFile } from '../journal/journal-files';
import type { JournalAppender } from '../journal/journal-appender';
import { applyRetentionPolicy, hasRetention } from '../retention';
import type { WriterLock } from './writer-lock';
import { consumeInboxes, forgetVanishedInboxes, type InboxJournal } from './inbox';
import type { HistoryReplica } from './replica';
import { SnapshotWriter } from '../snapshots/snapshot-writer';
import type { StoreRole } from './store-role';
import { WriterJournal } from './writer-journal';

export interface WriterHooks {
  /** The lock went to another store (taken over, or its file replaced): this one must step down. */
  lockLost(reason: string): void;
}

const LOCK_TAKEN_OVER = 'the lock was taken over';

export class WriterRole implements StoreRole {
  readonly name = 'writer';
  private pollTimer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private retentionRun: Promise<number> | undefined;
  /** Stepped down or closed: timers stopped, nothing more is started. */
  private retired = false;
  private readonly inboxJournal: InboxJournal = {
    append: (entry) => this.journalEntry(entry),
    settled: () => !this.journal.hasUnflushed && !this.snapshots.busy,
  };

  private constructor(
    private readonly replica: HistoryReplica,
    readonly lock: WriterLock,
    private readonly journal: WriterJournal,
    private readonly snapshots: SnapshotWriter,
    private readonly hooks: WriterHooks,
    /** The loaded file had an older schema: snapshot it in the new one soon. */
    private readonly upgraded: boolean,
  ) {}

  /**
   * Loads the newest sound snapshot (moving damaged files aside) and replays the journal into the
   * replica, starting a new segment first. Nothing runs yet: begin() starts the work.
   * Releases the lock if it fails.
   */
  static async open(replica: HistoryReplica, lock: WriterLock, hooks: WriterHooks): Promise<WriterRole> {
    let journal: WriterJournal | undefined;
    try {
      const base = await replica.loadBase(true, replica.logger);
      replica.replaceDatabase(base.database);
      moveAsideForeignEntries(replica);
      const { journalDir } = replica.paths;
      const segments = listSegments(journalDir);
      const segment = Math.max(base.covered, ...segments) + 1;
      const unsnapshotted = segments.filter((s) => s > base.covered).reduce((sum, s) => sum + fileSize(segmentFile(journalDir, s)), 0);
      // The new segment exists before the replay, so a dead writer's last segment reads as
      // complete and a record it tore while dying is reported and dropped.
      journal = WriterJournal.open(replica, segment, unsnapshotted, lock, () => hooks.lockLost(LOCK_TAKEN_OVER));
      const follower = new JournalFollower(journalDir, base.covered, replica.followNotices());
      replica.changes.quietly(() => {
        const gaps = replica.replayAroundGaps(follower, segment, base.damaged.length === 0);
        replica.noteDamage(base, gaps, segments.length > 0, undefined);
      });
      return new WriterRole(replica, lock, journal, new SnapshotWriter(replica, journal, lock, base), hooks, base.upgraded);
    } catch (err) {
      if (journal) await journal.close().catch(() => {});
      lock.release();
      throw err;
    }
  }

  /** Starts writing: consumes the inboxes, starts the timers, snapshots if due, announces the reload. */
  async begin(): Promise<void> {
    const { options } = this.replica;
    this.pollTimer = setInterval(() => this.poll(), options.pollIntervalMs);
    this.pollTimer.unref();
    try {
      consumeInboxes(this.replica, this.inboxJournal);
      forgetVanishedInboxes(this.replica);
      this.lock.startHeartbeat(options.heartbeatMs, () => this.hooks.lockLost(LOCK_TAKEN_OVER));
      this.scheduleRetention();
      if (this.upgraded || this.snapshots.due) this.snapshots.schedule();
      this.replica.changes.reloaded();
    } catch (err) {
      this.retire();
      await this.journal.close().catch(() => {});
      this.lock.release();
      throw err;
    }
  }

  get sink(): JournalAppender | undefined {
    return this.retired ? undefined : this.journal.sink;
  }

  get segment(): number {
    return this.journal.segment;
  }

  get unsnapshottedBytes(): number {
    return this.journal.unsnapshottedBytes;
  }

  record(entry: RecordEntry): void {
    if (this.replica.applyRecord(entry)) this.journalEntry(entry);
  }

  /** Keeps a plan's run state and journals it when it changed something (flush() makes it durable). */
  recordPlanRun(entry: PlanRunJournalEntry): void {
    const db = this.replica.database;
    if (db.transaction(() => db.applyPlanRun(entry.run))) this.journalEntry(entry);
  }

  snapshot(): Promise<void> {
    return this.snapshots.snapshot();
  }

  /** Applies the retention policy now (one run at a time); returns how many migrations were removed. */
  applyRetention(): Promise<number> {
    if (this.retired || this.replica.closed) return Promise.resolve(0);
    this.retentionRun ??= applyRetentionPolicy(this.replica, this.replica.options.retention, {
      stillWriting: () => !this.retired && !this.replica.closed,
      journal: (entry) => this.journalEntry(entry),
    }).finally(() => {
      this.retentionRun = undefined;
    });
    return this.retentionRun;
  }

  /**
   * Steps down (the lock was lost): stops the timers at once, then closes the journal and releases
   * the lock; returns the records it had not written, for the next writer.
   */
  async stepDown(): Promise<RecordEntry[]> {
    this.retire();
    const unwritten = await this.journal.close();
    this.lock.release();
    return unwrittenRecords(unwritten);
  }

  /** Flushes, writes a final snapshot covering everything, closes the journal and releases the lock. */
  async close(): Promise<void> {
    this.stopTimers();
    await this.retentionRun?.catch(() => {});
    await this.snapshots.idle();
    try {
      await this.journal.flush();
    } catch (err) {
      this.replica.logger.error(`History: could not flush the journal on close: ${(err as Error).message}`);
    }
    try {
      await this.snapshots.writeFinal();
    } catch (err) {
      this.replica.logger.error(`History: could not write the final snapshot (the journal keeps every record): ${(err as Error).message}`);
    }
    await this.journal.close();
    this.lock.release();
    this.retire();
  }

  private journalEntry(entry: JournalEntry): void {
    this.journal.append(entry);
    if (this.snapshots.due) this.snapshots.schedule();
  }

  private poll(): void {
    if (this.retired || this.replica.closed) return;
    try {
      if (!this.lock.stillOwned()) {
        this.hooks.lockLost(LOCK_TAKEN_OVER);
        return;
      }
      consumeInboxes(this.replica, this.inboxJournal);
    } catch (err) {
      this.replica.report('writer-poll', `History: ${(err as Error).message}`, 'error');
    }
  }

  /** First run `retentionFirstRunMs` after becoming the writer, then every `retentionIntervalMs`. */
  private scheduleRetention(): void {
    const { options } = this.replica;
    if (!hasRetention(options.retention)) return;
    const run = () => {
      if (this.retired || this.replica.closed) return;
      this.applyRetention()
        .catch((err) => this.replica.report('retention', `History: retention failed: ${(err as Error).message}`, 'error'))
        .finally(() => {
          if (this.retired || this.replica.closed) return;
          this.retentionTimer = setTimeout(run, options.retentionIntervalMs);
          this.retentionTimer.unref();
        });
    };
    this.retentionTimer = setTimeout(run, options.retentionFirstRunMs);
    this.retentionTimer.unref();
  }

  private stopTimers(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.retentionTimer) clearTimeout(this.retentionTimer);
  }

  private retire(): void {
    this.retired = true;
    this.stopTimers();
    this.snapshots.stop();
  }
}

/** The records among journal lines not yet written: a writer's own, and those it took from inboxes. */
function unwrittenRecords(lines: Buffer[]): RecordEntry[] {
  const records: RecordEntry[] = [];
  for (const { entry } of decodeEntries(Buffer.concat(lines)).entries) {
    if (entry.t === 'r') records.push(entry);
    else if (entry.t === 'f') records.push(...entry.recs);
  }
  return records;
}

/**
 * Renames entries in the journal folder named like segments that are not regular files (a link —
 * whose target stays untouched —, a FIFO) out of the way, so the segment numbers the writer
 * creates next stay consecutive for its followers.
 */
function moveAsideForeignEntries(replica: HistoryReplica): void {
  const foreign: string[] = [];
  listSegments(replica.paths.journalDir, (file) => foreign.push(file));
  for (const file of foreign) {
    const aside = `${file}.refused-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(file, aside);
      replica.logger.warn(`History: ${file} is not a file the history wrote (a link or special file); moved it to ${aside} without opening it or its target.`);
    } catch (err) {
      replica.report('ignored', `History: ignored ${file} (not a file the history wrote) and could not move it aside: ${(err as Error).message}`, 'warn');
    }
  }
}

function fileSize(file: string): number {
  try {
    return lstatSync(file).size;
  } catch {
    return 0;
  }
}
