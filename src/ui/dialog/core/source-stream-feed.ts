// A MigrationFeed read straight from the sources' migration streams, for as long as no shared
// MigrationWatcher is available. It subscribes to a source only while some panel follows it.

import { Emitter } from '../../../base/event';
import { type IDisposable } from '../../../base/lifecycle';
import { isFinal, type Migration, type MigrationObservation, type PhaseTransition } from '../../../model/migration';
import type { ClusterSource } from '../../../sources/cluster-source';
import type { SourceStatusEvent } from '../../../watch/migration-watcher';
import { StreamOutages } from '../../../watch/stream-outages';
import type { FeedOutage, MigrationFeed, MigrationSnapshot } from './migration-feed';

/** Final migrations kept for late readers; older ones are dropped first. Active ones are never dropped. */
const MAX_FINAL_KEPT = 500;

interface Following {
  count: number;
  subscription: IDisposable;
}

export class SourceStreamFeed implements MigrationFeed, IDisposable {
  private readonly snapshots = new Map<string, MigrationSnapshot>();
  private readonly listeners = new Map<string, Set<(s: MigrationSnapshot) => void>>();
  private readonly following = new Map<ClusterSource, Following>();
  private readonly statusEvents = new Emitter<SourceStatusEvent>();
  /** The same account of outages the watcher keeps, over the followed sources' own connection states. */
  private readonly outages = new StreamOutages(this.statusEvents.event);

  follow(source: ClusterSource): IDisposable {
    let entry = this.following.get(source);
    if (!entry) {
      const subscription = source.onMigrationEvent((event) => {
        if (event.type === 'observation') this.ingest(event.observation);
        else if (event.type === 'connection') this.statusEvents.fire({ sourceId: source.id, state: event.state });
      });
      entry = { count: 0, subscription };
      this.following.set(source, entry);
    }
    entry.count++;
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        const current = this.following.get(source);
        if (current && --current.count === 0) {
          current.subscription.dispose();
          this.following.delete(source);
          this.statusEvents.fire({ sourceId: source.id, state: undefined });
          this.forgetCluster(source.id);
        }
      },
    };
  }

  current(migrationId: string): MigrationSnapshot | undefined {
    return this.snapshots.get(migrationId);
  }

  onDidChange(migrationId: string, listener: (snapshot: MigrationSnapshot) => void): IDisposable {
    let set = this.listeners.get(migrationId);
    if (!set) this.listeners.set(migrationId, (set = new Set()));
    set.add(listener);
    return {
      dispose: () => {
        set.delete(listener);
        if (set.size === 0 && this.listeners.get(migrationId) === set) this.listeners.delete(migrationId);
      },
    };
  }

  outage(clusterId: string): FeedOutage | undefined {
    const outage = this.outages.of(clusterId);
    return outage && { since: outage.since, reason: outage.reason };
  }

  onDidChangeOutage(clusterId: string, listener: () => void): IDisposable {
    return this.outages.onDidChange((e) => {
      if ((e.type === 'down' || e.type === 'reason' ? e.outage.sourceId : e.sourceId) === clusterId) listener();
    });
  }

  activeForVm(clusterId: string, vmName: string, namespace?: string): Migration | undefined {
    for (const { migration } of this.snapshots.values()) {
      if (migration.cluster === clusterId && migration.vm === vmName && (migration.namespace ?? undefined) === namespace && !isFinal(migration.state)) {
        return migration;
      }
    }
    return undefined;
  }

  async reconcile(source: ClusterSource, migrationId: string): Promise<void> {
    if (!source.getMigration) return;
    const observation = await source.getMigration(migrationId);
    if (observation) this.ingest(observation);
  }

  /** Merges one observation; sources may repeat themselves, and phases are kept at their first time. */
  ingest(observation: MigrationObservation): void {
    const { migration } = observation;
    const previous = this.snapshots.get(migration.id);
    // An update that arrives after the final state (a delete event, a replayed snapshot) must not undo it.
    if (previous && isFinal(previous.migration.state) && !isFinal(migration.state)) return;
    const phases = mergePhases(previous?.phases ?? [], observation.phases);
    const snapshot: MigrationSnapshot = { migration, phases };
    this.snapshots.delete(migration.id); // re-insert so Map order is last-updated order
    this.snapshots.set(migration.id, snapshot);
    this.evictOldFinal();
    for (const listener of [...(this.listeners.get(migration.id) ?? [])]) {
      try {
        listener(snapshot);
      } catch {
        // one panel's failure must not keep the update from the others
      }
    }
  }

  private evictOldFinal(): void {
    let finals = 0;
    for (const s of this.snapshots.values()) if (isFinal(s.migration.state)) finals++;
    if (finals <= MAX_FINAL_KEPT) return;
    for (const [id, s] of this.snapshots) {
      if (finals <= MAX_FINAL_KEPT) break;
      if (isFinal(s.migration.state) && !this.listeners.has(id)) {
        this.snapshots.delete(id);
        finals--;
      }
    }
  }

  private forgetCluster(clusterId: string): void {
    for (const [id, s] of this.snapshots) if (s.migration.cluster === clusterId && !this.listeners.has(id)) this.snapshots.delete(id);
  }

  dispose(): void {
    for (const entry of this.following.values()) entry.subscription.dispose();
    this.following.clear();
    this.outages.dispose();
    this.statusEvents.dispose();
    this.listeners.clear();
    this.snapshots.clear();
  }
}

function mergePhases(known: readonly PhaseTransition[], incoming: readonly PhaseTransition[]): PhaseTransition[] {
  const byPhase = new Map<string, PhaseTransition>();
  for (const t of [...known, ...incoming]) {
    const seen = byPhase.get(t.phase);
    if (!seen || t.at < seen.at) byPhase.set(t.phase, t);
  }
  return [...byPhase.values()].sort((a, b) => a.at - b.at);
}
