// One migration as the watcher holds it: the latest snapshot plus every phase already emitted
// (or already in the history), so that repeated, reordered and replayed observations yield each
// (migration, phase) transition exactly once, in time order, with the phase's own time.

import { isEarlierIncarnation, isFinal, isLaterIncarnation, type Migration, type MigrationObservation, type PhaseTransition } from '../model/migration';
import { compareSameTimePhases, sortTimeline, type Lifecycle } from '../model/phase-order';

/** How the watcher learnt that a migration is over. */
export type EndCause =
  /** Its own phases say so (Succeeded, Failed, MIGRATION_STATUS_COMPLETED…). */
  | 'phase'
  /** The cluster deleted it before it was final (KubeVirt cancel without a finalizer). */
  | 'deleted'
  /** It was missing from the cluster's list after a reconnect and its fate could not be fetched. */
  | 'vanished';

export interface EmittedTransition {
  transition: PhaseTransition;
  previousPhase?: string;
}

export interface ObservationOutcome {
  transitions: EmittedTransition[];
  /** The held snapshot before this observation (undefined the first time). */
  previous?: Migration;
  /** True when the held snapshot changed in any field. */
  changed: boolean;
  /** Set when this observation ended the migration. */
  ended?: EndCause;
  /** The id belonged to an earlier, finished migration: this is a new one under the same name. */
  reincarnated?: boolean;
}

/** Fields a source may know only for part of a migration's life (KubeVirt reads nodes from the VMI while it runs). */
const STICKY_FIELDS = ['sourceNode', 'targetNode', 'startedAt', 'datacenter', 'namespace'] as const;

export const DELETED_REASON = 'Deleted from the cluster before it finished';

export class MigrationTrack {
  /** phase → time, for every transition already emitted or recorded. */
  private readonly phaseTimes = new Map<string, number>();
  private snapshot: Migration | undefined;
  private endCause: EndCause | undefined;
  /** Uids of earlier migrations under this id (a reused VMIM name), whose late views are ignored. */
  private readonly retiredUids = new Set<string>();

  constructor(
    readonly id: string,
    recorded: Iterable<PhaseTransition> = [],
    seed?: Migration,
    /** The source's lifecycle (ClusterKindTraits.lifecycle): orders phases entered at the same time. */
    private readonly lifecycle?: Lifecycle,
  ) {
    for (const t of sortTimeline(lifecycle, [...recorded])) {
      if (!this.phaseTimes.has(t.phase) && Number.isFinite(t.at)) this.phaseTimes.set(t.phase, t.at);
    }
    if (seed) {
      this.snapshot = { ...seed };
      if (isFinal(seed.state)) this.endCause = 'phase';
    }
  }

  get migration(): Migration | undefined {
    return this.snapshot;
  }

  get ended(): EndCause | undefined {
    return this.endCause;
  }

  get active(): boolean {
    return this.snapshot !== undefined && !isFinal(this.snapshot.state);
  }

  /** Every known phase in time order. */
  phases(): PhaseTransition[] {
    return sortTimeline(
      this.lifecycle,
      [...this.phaseTimes].map(([phase, at]) => ({ migrationId: this.id, phase, at })),
    );
  }

  hasPhase(phase: string): boolean {
    return this.phaseTimes.has(phase);
  }

  /** Applies one (validated) observation; `now` stamps a phase the source gave no time for. */
  apply(observation: MigrationObservation, now: number): ObservationOutcome {
    let previous = this.snapshot;
    const incoming = observation.migration;
    let reincarnated = false;
    if (incoming.uid && (this.retiredUids.has(incoming.uid) || (previous && isEarlierIncarnation(previous, incoming)))) {
      // A late view of a migration that used this name before: it is not this one's news.
      return { transitions: [], previous, changed: false };
    }
    if (previous && isLaterIncarnation(previous, incoming)) {
      if (previous.uid) this.retiredUids.add(previous.uid);
      // The name was used again (a KubeVirt VMIM deleted and created anew with the same name):
      // a new migration whose phases must not be taken for the old one's.
      this.phaseTimes.clear();
      this.snapshot = undefined;
      this.endCause = undefined;
      previous = undefined;
      reincarnated = true;
    }

    // New phases: each phase once, keeping the earliest time if a source lists it twice.
    const fresh = new Map<string, number>();
    for (const p of observation.phases) {
      if (this.phaseTimes.has(p.phase)) continue;
      const seen = fresh.get(p.phase);
      if (seen === undefined || p.at < seen) fresh.set(p.phase, p.at);
    }
    // A source without phase times (older KubeVirt lacks phaseTransitionTimestamps) still
    // reports its current phase: stamp it now rather than lose it.
    if (!this.phaseTimes.has(incoming.phase) && !fresh.has(incoming.phase) && !observation.phases.some((p) => p.phase === incoming.phase)) {
      fresh.set(incoming.phase, Math.max(now, this.latestTime() ?? now));
    }

    const transitions: EmittedTransition[] = [];
    const ordered = sortTimeline(this.lifecycle, [...fresh].map(([phase, at]) => ({ phase, at })));
    for (const { phase, at } of ordered) {
      transitions.push({ transition: { migrationId: this.id, phase, at }, previousPhase: this.phaseBefore(phase, at) });
      this.phaseTimes.set(phase, at);
    }

    const wasFinal = previous !== undefined && isFinal(previous.state);
    let next: Migration;
    if (this.isStale(incoming)) {
      // An older view than the one held (a replay after reconnect, a lagging endpoint): its
      // phases still count, its snapshot does not.
      next = previous!;
    } else {
      next = { ...incoming, labels: { ...incoming.labels } };
      if (previous) {
        for (const field of STICKY_FIELDS) {
          if (next[field] === undefined && previous[field] !== undefined) (next as unknown as Record<string, unknown>)[field] = previous[field];
        }
        if (!(next.createdAt > 0) && previous.createdAt > 0) next.createdAt = previous.createdAt;
      }
    }

    let ended: EndCause | undefined;
    if (observation.deleted && !isFinal(next.state)) {
      next = { ...next, state: 'cancelled', endedAt: now, failureReason: next.failureReason ?? DELETED_REASON };
      ended = 'deleted';
    } else if (isFinal(next.state) && (!wasFinal || this.endCause === 'vanished')) {
      // A migration first seen already final is news only if it brings phases not yet recorded
      // (otherwise it is an old one the cluster still lists, or a reconnect replay).
      if (previous !== undefined || transitions.length > 0 || observation.deleted) ended = 'phase';
      else this.endCause = 'phase';
    }
    if (isFinal(next.state)) next = this.completeEnd(next, now);
    if (ended) this.endCause = ended;
    else if (!isFinal(next.state)) this.endCause = undefined;

    this.snapshot = next;
    return { transitions, previous, changed: previous === undefined || !sameMigration(previous, next), ended, ...(reincarnated ? { reincarnated } : {}) };
  }

  /** Ends a migration whose fate could not be learnt (missing after a relist, no way to fetch it). */
  vanish(state: 'failed' | 'cancelled', reason: string, now: number): ObservationOutcome | undefined {
    const previous = this.snapshot;
    if (!previous || isFinal(previous.state)) return undefined;
    this.snapshot = this.completeEnd({ ...previous, state, endedAt: now, failureReason: previous.failureReason ?? reason, progress: previous.progress }, now);
    this.endCause = 'vanished';
    return { transitions: [], previous, changed: true, ended: 'vanished' };
  }

  private completeEnd(m: Migration, now: number): Migration {
    if (m.endedAt !== undefined && m.durationMs !== undefined) return m;
    const finalPhaseAt = this.phaseTimes.get(m.phase);
    const endedAt = m.endedAt ?? finalPhaseAt ?? now;
    const begin = m.startedAt ?? m.createdAt;
    return { ...m, endedAt, durationMs: m.durationMs ?? Math.max(0, endedAt - begin) };
  }

  /** Whether `incoming` describes an earlier moment than the held snapshot. */
  private isStale(incoming: Migration): boolean {
    const held = this.snapshot;
    if (!held) return false;
    if (isFinal(held.state) && !isFinal(incoming.state)) return this.endCause !== 'vanished';
    if (incoming.phase === held.phase) return false;
    const heldAt = this.phaseTimes.get(held.phase);
    const incomingAt = this.phaseTimes.get(incoming.phase);
    return heldAt !== undefined && incomingAt !== undefined && incomingAt < heldAt;
  }

  private latestTime(): number | undefined {
    let latest: number | undefined;
    for (const at of this.phaseTimes.values()) if (latest === undefined || at > latest) latest = at;
    return latest;
  }

  /**
   * The phase this one leaves: the latest known phase that came before it — earlier in time, or
   * at the same time and earlier in the lifecycle (or, for phases the lifecycle does not know,
   * known before it).
   */
  private phaseBefore(phase: string, at: number): string | undefined {
    let best: string | undefined;
    let bestAt = -Infinity;
    for (const [known, t] of this.phaseTimes) {
      const before = t < at || (t === at && compareSameTimePhases(this.lifecycle, known, phase) <= 0);
      if (!before) continue;
      if (best === undefined || t > bestAt || (t === bestAt && compareSameTimePhases(this.lifecycle, best, known) <= 0)) {
        best = known;
        bestAt = t;
      }
    }
    return best;
  }
}

/** Field-by-field equality, one level into nested records (labels, progress); key order does not matter. */
function sameMigration(a: Migration, b: Migration): boolean {
  return sameRecord(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>, 1);
}

function sameRecord(a: Record<string, unknown>, b: Record<string, unknown>, depth: number): boolean {
  // Every key of a, then the keys only b has (no union set: this runs for every observation).
  for (const key of Object.keys(a)) {
    const x = a[key];
    const y = b[key];
    if (x === y) continue;
    if (depth > 0 && typeof x === 'object' && typeof y === 'object' && x !== null && y !== null) {
      if (!sameRecord(x as Record<string, unknown>, y as Record<string, unknown>, depth - 1)) return false;
      continue;
    }
    return false;
  }
  for (const key of Object.keys(b)) if (a[key] === undefined && b[key] !== undefined) return false;
  return true;
}
