// What the store tells its listeners changed: recorded migrations coalesced per turn of the
// event loop, deletions as they happen, a whole reload as one 'reloaded'. Silent while a role
// loads or replays (one 'reloaded' follows) and once the store is closing.

import { Emitter, type Event } from '../base/event';

export type HistoryChange =
  | { kind: 'recorded'; migrationIds: string[] }
  | { kind: 'deleted'; migrationIds: string[] }
  /** The whole view was reloaded (opened, took over, caught up after a snapshot): refresh everything. */
  | { kind: 'reloaded' };

export class HistoryChanges {
  private readonly emitter = new Emitter<HistoryChange>();
  readonly event: Event<HistoryChange> = this.emitter.event;
  private quiet = 0;
  private stopped = false;
  private readonly pending = new Set<string>();
  private pendingFlush: NodeJS.Immediate | undefined;

  recorded(migrationId: string): void {
    if (this.quiet) return;
    this.pending.add(migrationId);
    this.pendingFlush ??= setImmediate(() => {
      this.pendingFlush = undefined;
      const ids = [...this.pending];
      this.pending.clear();
      if (ids.length > 0 && !this.stopped) this.emitter.fire({ kind: 'recorded', migrationIds: ids });
    });
  }

  deleted(migrationIds: string[]): void {
    if (!this.quiet && !this.stopped) this.emitter.fire({ kind: 'deleted', migrationIds });
  }

  reloaded(): void {
    if (!this.stopped) this.emitter.fire({ kind: 'reloaded' });
  }

  /** Runs `work` without announcing what it changes (the caller says 'reloaded' afterwards). */
  quietly<T>(work: () => T): T {
    this.quiet++;
    try {
      return work();
    } finally {
      this.quiet--;
    }
  }

  async quietlyAwaiting<T>(work: () => Promise<T>): Promise<T> {
    this.quiet++;
    try {
      return await work();
    } finally {
      this.quiet--;
    }
  }

  /** The store is closing: nothing more is announced. */
  stop(): void {
    this.stopped = true;
  }

  dispose(): void {
    this.stopped = true;
    if (this.pendingFlush) clearImmediate(this.pendingFlush);
    this.emitter.dispose();
  }
}
