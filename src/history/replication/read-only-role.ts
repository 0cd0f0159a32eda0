// A store that only reads: it loads the newest snapshot, replays the journal and, while
// following, tails it every poll interval, reloading when a snapshot retired a segment it had
// not finished or the damaged file it read around was replaced. Never locks, forwards or writes.
// The follower (follower-role.ts) is this plus forwarding its records and taking over the lock.

import type { JournalAppender } from '../journal/journal-appender';
import type { RecordEntry } from '../journal/journal-codec';
import { JournalFollower } from '../journal/journal-follower';
import { listSegments } from '../journal/journal-files';
import { snapshotFingerprint } from '../snapshots/snapshot-files';
import { HistoryError } from '../history-error';
import { consumeInboxes } from './inbox';
import { FOLLOW_BUDGET_BYTES, type HistoryReplica } from './replica';
import type { HistoryRole, StoreRole } from './store-role';

/** Loading again after a snapshot replaced what was read is tried this often before settling. */
const RELOAD_ATTEMPTS = 3;

export interface ReaderHooks {
  /** Runs `work` (a reload) as a change of state: the store defers records made meanwhile. */
  asTransition(work: () => Promise<void>): Promise<void>;
}

export class ReadOnlyRole implements StoreRole {
  readonly name: HistoryRole = 'read-only';
  private follower: JournalFollower | undefined;
  private needsReload = false;
  private polling = false;
  private timer: NodeJS.Timeout | undefined;
  /** Another role took over from this one (or the store closed): its poll does nothing more. */
  protected retired = false;

  constructor(
    protected readonly replica: HistoryReplica,
    protected readonly hooks: ReaderHooks,
  ) {}

  get sink(): JournalAppender | undefined {
    return undefined;
  }

  get segment(): number {
    return this.follower?.position.segment ?? 0;
  }

  get unsnapshottedBytes(): number {
    return 0;
  }

  record(_entry: RecordEntry): void {
    throw new HistoryError('read-only', 'This history was opened read-only.');
  }

  /**
   * Loads the newest snapshot and reads the journal to its end; retries if a snapshot replaced
   * what it read. With the snapshot damaged, reads the journal around what is missing instead
   * (reloading would find the same damage) and remembers the damage until the file changes.
   */
  async load(): Promise<void> {
    const { replica } = this;
    const closed = await replica.changes.quietlyAwaiting(async () => {
      for (let attempt = 0; attempt < RELOAD_ATTEMPTS; attempt++) {
        const fingerprint = snapshotFingerprint(replica.paths);
        const base = await replica.loadBase(false, replica.onceLogger());
        if (replica.closed) {
          base.database.close();
          return true;
        }
        replica.replaceDatabase(base.database);
        const follower = new JournalFollower(replica.paths.journalDir, base.covered, replica.followNotices());
        this.follower = follower;
        if (base.damaged.length > 0) {
          const journalPresent = listSegments(replica.paths.journalDir).length > 0;
          const gaps = replica.replayAroundGaps(follower, undefined, false);
          this.needsReload = false;
          replica.noteDamage(base, gaps, journalPresent, fingerprint);
          break;
        }
        replica.noteDamage(base, [], true, undefined);
        let outcome;
        do outcome = follower.step((entries) => replica.applyEntries(entries), FOLLOW_BUDGET_BYTES);
        while (outcome === 'more');
        this.needsReload = outcome === 'reload';
        if (!this.needsReload) break;
      }
      consumeInboxes(replica);
      return false;
    });
    if (!closed) replica.changes.reloaded();
  }

  /** Tails the journal every poll interval (a read-only store only when asked to follow). */
  startFollowing(): void {
    if (!this.keepsUp()) return;
    this.timer = setInterval(() => void this.poll(), this.replica.options.pollIntervalMs);
    this.timer.unref();
  }

  stopFollowing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Another role takes over from here. */
  retire(): void {
    this.retired = true;
    this.stopFollowing();
  }

  async close(): Promise<void> {
    this.retire();
  }

  protected keepsUp(): boolean {
    return this.replica.options.follow;
  }

  /** Called first on each poll; true when it changed the store's role (the follower took the lock). */
  protected async tookOver(): Promise<boolean> {
    return false;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.retired || this.replica.closed) return;
    this.polling = true;
    try {
      if (await this.tookOver()) return;
      if (this.needsReload || !this.follower || this.replica.damageReplacedOnDisk()) {
        await this.reloadAsTransition();
        return;
      }
      const outcome = this.follower.step((entries) => this.replica.applyEntries(entries), FOLLOW_BUDGET_BYTES);
      if (outcome === 'reload') await this.reloadAsTransition();
      else {
        consumeInboxes(this.replica);
        if (outcome === 'more') setImmediate(() => void this.poll());
      }
    } catch (err) {
      this.replica.report('follow', `History: following the writer failed: ${(err as Error).message}`, 'warn');
    } finally {
      this.polling = false;
    }
  }

  private reloadAsTransition(): Promise<void> {
    return this.hooks.asTransition(() => this.load());
  }
}
