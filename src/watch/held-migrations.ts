// The migrations the watcher holds in memory, one MigrationTrack each: created on first sight
// with what the history already recorded of them (so nothing is emitted twice across restarts),
// seeded with the history's active ones when a cluster is attached (so its first list can end
// those that ended meanwhile), and ended ones forgotten oldest first beyond `maxEndedHeld`.

import { describeError } from '../model/errors';
import { isLaterIncarnation, type Migration, type PhaseTransition } from '../model/migration';
import type { Lifecycle } from '../model/phase-order';
import type { Logger } from '../base/logger';
import type { ClusterSource } from '../sources/cluster-source';
import { MigrationTrack } from './migration-track';
import type { RecordedMigrations } from './recorded-migrations';

export class HeldMigrations {
  private readonly tracks = new Map<string, MigrationTrack>();
  /** Ended tracks in the order they ended (oldest first), for eviction. */
  private readonly endedOrder = new EvictionOrder();

  constructor(
    private readonly recorded: RecordedMigrations | undefined,
    private readonly maxEndedHeld: number,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly warnOnce: (key: string, message: string) => void,
  ) {}

  get(migrationId: string): MigrationTrack | undefined {
    return this.tracks.get(migrationId);
  }

  /** Every held track (a copy: the caller may end or forget tracks while it walks them). */
  all(): MigrationTrack[] {
    return [...this.tracks.values()];
  }

  /** The track of `incoming`, created with the history's transitions of it the first time. */
  trackOf(source: ClusterSource, incoming: Migration): MigrationTrack {
    let track = this.tracks.get(incoming.id);
    if (!track) {
      track = new MigrationTrack(incoming.id, this.recordedTransitionsFor(source, incoming), undefined, source.traits.lifecycle);
      this.tracks.set(incoming.id, track);
    }
    return track;
  }

  /** After an observation was applied: an ended track joins the eviction order, a revived one leaves it. */
  noteApplied(track: MigrationTrack): void {
    if (track.active) this.endedOrder.delete(track.id);
    else this.noteEnded(track.id);
  }

  /** Every migration held as not final, oldest first. */
  active(): Migration[] {
    const out: Migration[] = [];
    for (const t of this.tracks.values()) if (t.active) out.push(t.migration!);
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The `limit` most recently ended migrations held, newest end first. */
  recent(limit: number): Migration[] {
    const ended: Migration[] = [];
    for (const t of this.tracks.values()) if (t.migration && !t.active) ended.push(t.migration);
    return ended.sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0)).slice(0, Math.max(0, limit));
  }

  /** Holds the history's not-final migrations of a cluster now watched under `clusterId`. */
  holdRecordedActive(clusterId: string, lifecycle: Lifecycle): void {
    let recorded: ReturnType<NonNullable<RecordedMigrations['activeOf']>> = [];
    try {
      recorded = this.recorded?.activeOf?.(clusterId) ?? [];
    } catch (err) {
      this.log.warn(`history: cannot read active migrations of ${clusterId}: ${describeError(err)}`);
    }
    for (const r of recorded) {
      if (this.tracks.has(r.migration.id) || r.migration.cluster !== clusterId) continue;
      this.tracks.set(r.migration.id, new MigrationTrack(r.migration.id, r.transitions, r.migration, lifecycle));
    }
  }

  /** No source reaches the cluster any more: its migrations are let go. */
  forgetCluster(clusterId: string): void {
    for (const [id, track] of this.tracks) {
      if (track.migration?.cluster === clusterId) {
        this.tracks.delete(id);
        this.endedOrder.delete(id);
      }
    }
  }

  warnNameReused(source: ClusterSource, migrationId: string): void {
    this.log.warn(`${source.label}: migration ${migrationId} was created again under a name used before; the history keeps the earlier one apart`);
  }

  /**
   * What the history holds of this migration, to emit only the phases it lacks. Not when the
   * history's record is an earlier migration under the same name (a KubeVirt VMIM name used
   * again after a restart of this process): those phases are not this migration's.
   */
  private recordedTransitionsFor(source: ClusterSource, incoming: Migration): readonly PhaseTransition[] {
    const recorded = this.recorded;
    try {
      if (!recorded?.recordOf) return recorded?.transitionsOf(incoming.id) ?? [];
      const record = recorded.recordOf(incoming.id);
      if (record && isLaterIncarnation(record.migration, incoming)) {
        this.warnNameReused(source, incoming.id);
        return [];
      }
      return record?.transitions ?? [];
    } catch (err) {
      this.warnOnce(`history:${incoming.id}`, `history: cannot read recorded phases of ${incoming.id}: ${describeError(err)}`);
      return [];
    }
  }

  private noteEnded(id: string): void {
    if (this.endedOrder.has(id)) return;
    this.endedOrder.add(id);
    while (this.endedOrder.size > this.maxEndedHeld) this.tracks.delete(this.endedOrder.takeOldest()!);
  }
}

/**
 * Ids in the order they were added, oldest taken first, any one removable. Not a Set's insertion
 * order: V8 leaves a deleted entry as a hole that every later `values().next()` walks past, so
 * evicting oldest-first from a Set costs time growing with all evictions so far (2 s for 140,000
 * ended migrations against a bound of 10,000). A queue with a generation per id, compacted as it
 * is consumed, takes the oldest in constant time.
 */
class EvictionOrder {
  private readonly generation = new Map<string, number>();
  private queue: Array<{ id: string; generation: number }> = [];
  private head = 0;
  private nextGeneration = 0;

  get size(): number {
    return this.generation.size;
  }

  has(id: string): boolean {
    return this.generation.has(id);
  }

  add(id: string): void {
    const generation = this.nextGeneration++;
    this.generation.set(id, generation);
    this.queue.push({ id, generation });
    // Entries of deleted ids pile up when few are taken (ended migrations that start again): drop them.
    if (this.queue.length - this.head > 2 * this.generation.size + 1024) {
      this.queue = this.queue.slice(this.head).filter((e) => this.generation.get(e.id) === e.generation);
      this.head = 0;
    }
  }

  delete(id: string): void {
    // Its queue entry stays, and is skipped when reached: its generation no longer matches.
    this.generation.delete(id);
  }

  takeOldest(): string | undefined {
    while (this.head < this.queue.length) {
      const { id, generation } = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (this.generation.get(id) === generation) {
        this.generation.delete(id);
        return id;
      }
    }
    return undefined;
  }
}
