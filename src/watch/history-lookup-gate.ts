// When the history answers from another thread (a worker), the watcher cannot ask it
// synchronously what it already recorded of a migration it sees for the first time. This gate
// holds that source's stream events back — all of them, so their order holds — while the history
// looks the migration up, and lets them through once it has answered. A migration the history
// certainly does not hold (RecordedMigrations.ready) passes at once: the first sight of a new
// migration never waits. Other sources are not held up.

import { describeError } from '../model/errors';
import type { MigrationStreamEvent } from '../model/migration';
import type { RecordedMigrations } from './recorded-migrations';
import type { AttachedSource } from './source-groups';

interface HeldEvents {
  events: MigrationStreamEvent[];
  ids: Set<string>;
  asked: boolean;
}

export class HistoryLookupGate {
  private readonly held = new Map<AttachedSource, HeldEvents>();
  private disposed = false;

  constructor(
    private readonly recorded: Required<Pick<RecordedMigrations, 'ready' | 'load'>>,
    /** The id of the migration `event` shows for the first time, when the history must be asked about it first. */
    private readonly firstSightOf: (attached: AttachedSource, event: MigrationStreamEvent) => string | undefined,
    private readonly deliver: (attached: AttachedSource, event: MigrationStreamEvent) => void,
    private readonly warn: (message: string) => void,
  ) {}

  accept(attached: AttachedSource, event: MigrationStreamEvent): void {
    const waiting = this.held.get(attached);
    if (waiting) {
      waiting.events.push(event);
      const id = waiting.asked ? undefined : this.needsLookup(attached, event);
      if (id !== undefined) waiting.ids.add(id);
      return;
    }
    const id = this.needsLookup(attached, event);
    if (id === undefined) {
      this.deliver(attached, event);
      return;
    }
    const gate: HeldEvents = { events: [event], ids: new Set([id]), asked: false };
    this.held.set(attached, gate);
    // Asked on the next turn, so the many first sights of a relist make one lookup.
    setImmediate(() => {
      if (this.held.get(attached) !== gate) return;
      gate.asked = true;
      this.recorded.load([...gate.ids]).then(
        () => this.release(attached, gate, true),
        (err: unknown) => {
          this.warn(`history: cannot look up what is recorded of ${[...gate.ids].slice(0, 3).join(', ')}${gate.ids.size > 3 ? '…' : ''} (${describeError(err)}); taking them as new`);
          this.release(attached, gate, false);
        },
      );
    });
  }

  /** Whether any source's events are held back, waiting for the history. */
  get holding(): boolean {
    return this.held.size > 0;
  }

  dispose(): void {
    this.disposed = true;
    this.held.clear();
  }

  private needsLookup(attached: AttachedSource, event: MigrationStreamEvent): string | undefined {
    const id = this.firstSightOf(attached, event);
    return id !== undefined && !this.recorded.ready(id) ? id : undefined;
  }

  private release(attached: AttachedSource, gate: HeldEvents, answered: boolean): void {
    if (this.disposed || this.held.get(attached) !== gate) return;
    this.held.delete(attached);
    // A lookup held up a busy stream: thousands of events may wait. They go on a slice per turn
    // (in one go they blocked this thread for a second); what comes meanwhile queues behind them.
    const now = gate.events.slice(0, RELEASE_PER_TURN);
    const later = gate.events.slice(RELEASE_PER_TURN);
    for (const event of now) {
      // An event that came after the lookup was asked may show another new migration: it holds the rest again.
      // Unanswered, they go through as new: holding them again would wait on the same failure.
      if (answered) this.accept(attached, event);
      else this.deliver(attached, event);
    }
    if (later.length === 0) return;
    const holding = this.held.get(attached);
    if (holding) {
      // One of them holds the stream again: the rest wait behind it, and are looked at with it.
      for (const event of later) this.accept(attached, event);
      return;
    }
    const rest: HeldEvents = { events: later, ids: new Set(), asked: true };
    this.held.set(attached, rest);
    setImmediate(() => this.release(attached, rest, answered));
  }
}

/** Held events let through per turn of the event loop once the history answered. */
const RELEASE_PER_TURN = 500;
