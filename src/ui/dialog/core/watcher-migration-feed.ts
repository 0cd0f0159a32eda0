// The dialog's MigrationFeed read from the shared MigrationWatcher: a migration started in the
// dialog is followed exactly like one started from a terminal (DESIGN.md: one path, not two).
// The dialog speaks its own source's ids; the watcher holds a cluster reached through several
// contexts under the first one's: ids are translated both ways here, so the dialog never knows.

import type { IDisposable } from '../../../base/lifecycle';
import { Emitter } from '../../../base/event';
import { migrationIdUnder, type Migration } from '../../../model/migration';
import { withDeadlineOr } from '../../../base/deadline';
import type { ClusterSource } from '../../../sources/cluster-source';
import type { MigrationWatcher } from '../../../watch/migration-watcher';
import type { FeedOutage, MigrationFeed, MigrationSnapshot } from './migration-feed';

/** Deadline of the one-off look-up of a migration the watcher does not hold. */
const LOOKUP_TIMEOUT_MS = 15_000;

export class WatcherMigrationFeed implements MigrationFeed {
  /** Migrations that ended before the watcher (re)started — e.g. before a window reload — looked up once. */
  private readonly lookedUp = new Map<string, MigrationSnapshot>();
  private readonly lookups = new Emitter<MigrationSnapshot>();

  constructor(readonly watcher: MigrationWatcher) {}

  follow(source: ClusterSource): IDisposable {
    // The watcher follows every configured cluster; one it has not attached yet (the dialog opened
    // before the watcher started) is attached now rather than followed on a second path.
    if (!this.watcher.sourceIds().includes(source.id)) this.watcher.addSource(source);
    return { dispose() {} };
  }

  current(migrationId: string): MigrationSnapshot | undefined {
    const held = this.watcher.heldMigrationId(migrationId);
    const migration = this.watcher.get(held);
    return migration ? this.asAsked(migrationId, migration) : this.lookedUp.get(migrationId);
  }

  onDidChange(migrationId: string, listener: (snapshot: MigrationSnapshot) => void): IDisposable {
    const held = this.watcher.heldMigrationId(migrationId);
    const updates = this.watcher.onDidUpdate((e) => {
      if (e.migration.id !== held) return;
      listener(this.asAsked(migrationId, e.migration));
    });
    const lookups = this.lookups.event((snapshot) => {
      if (snapshot.migration.id === migrationId) listener(snapshot);
    });
    return { dispose: () => (updates.dispose(), lookups.dispose()) };
  }

  outage(clusterId: string): FeedOutage | undefined {
    const outage = this.watcher.outages.of(this.watcher.clusterOf(clusterId) ?? clusterId);
    return outage && { since: outage.since, reason: outage.reason };
  }

  onDidChangeOutage(clusterId: string, listener: () => void): IDisposable {
    return this.watcher.outages.onDidChange((e) => {
      if ((e.type === 'down' || e.type === 'reason' ? e.outage.sourceId : e.sourceId) === (this.watcher.clusterOf(clusterId) ?? clusterId)) listener();
    });
  }

  activeForVm(clusterId: string, vmName: string, namespace?: string): Migration | undefined {
    const held = this.watcher.clusterOf(clusterId) ?? clusterId;
    const migration = this.watcher.active().find((m) => m.cluster === held && m.vm === vmName && (m.namespace ?? undefined) === namespace);
    return migration && { ...migration, id: migrationIdUnder(migration.id, held, clusterId), cluster: clusterId };
  }

  /**
   * The watcher reconciles its own streams after every reconnect. What it cannot know is a
   * migration that ended before it started (a dialog restored after a window reload): that one
   * is read once from the cluster, and only when the watcher does not hold it.
   */
  async reconcile(source: ClusterSource, migrationId: string): Promise<void> {
    if (this.watcher.get(this.watcher.heldMigrationId(migrationId)) || !source.getMigration) return;
    // No answer in time is no answer: the dialog goes on with what the watcher has.
    const observation = await withDeadlineOr(source.getMigration(migrationId), LOOKUP_TIMEOUT_MS, undefined);
    if (!observation || this.watcher.get(this.watcher.heldMigrationId(migrationId))) return;
    const snapshot: MigrationSnapshot = { migration: observation.migration, phases: observation.phases };
    this.lookedUp.set(migrationId, snapshot);
    // One entry per restored dialog; keep the map from growing over a long session.
    if (this.lookedUp.size > 100) this.lookedUp.delete(this.lookedUp.keys().next().value as string);
    this.lookups.fire(snapshot);
  }

  /** The held migration under the id (and cluster) the dialog asked with. */
  private asAsked(migrationId: string, migration: Migration): MigrationSnapshot {
    const phases = this.watcher.phasesOf(migration.id);
    if (migration.id === migrationId) return { migration, phases };
    const cluster = migrationId.slice(0, migrationId.length - (migration.id.length - migration.cluster.length));
    return { migration: { ...migration, id: migrationId, cluster }, phases: phases.map((p) => ({ ...p, migrationId })) };
  }
}
