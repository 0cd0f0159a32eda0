// The dialog's MigrationFeed read from the shared MigrationWatcher: a migration started in the
// dialog is followed exactly like one started from a terminal (DESIGN.md: one path, not two).

import type { Disposable } from '../model/event';
import { Emitter } from '../model/event';
import type { Migration } from '../model/migration';
import type { ClusterSource } from '../sources/cluster-source';
import type { MigrationWatcher } from '../watch/migration-watcher';
import type { FeedOutage, MigrationFeed, MigrationSnapshot } from './migration-feed';

/** Deadline of the one-off look-up of a migration the watcher does not hold. */
const LOOKUP_TIMEOUT_MS = 15_000;

export class WatcherMigrationFeed implements MigrationFeed {
  /** Migrations that ended before the watcher (re)started — e.g. before a window reload — looked up once. */
  private readonly lookedUp = new Map<string, MigrationSnapshot>();
  private readonly lookups = new Emitter<MigrationSnapshot>();

  constructor(readonly watcher: MigrationWatcher) {}

  follow(source: ClusterSource): Disposable {
    // The watcher follows every configured cluster; one it has not attached yet (the dialog opened
    // before the watcher started) is attached now rather than followed on a second path.
    if (!this.watcher.sourceIds().includes(source.id)) this.watcher.addSource(source);
    return { dispose() {} };
  }

  current(migrationId: string): MigrationSnapshot | undefined {
    const migration = this.watcher.get(migrationId);
    return migration ? { migration, phases: this.watcher.phasesOf(migrationId) } : this.lookedUp.get(migrationId);
  }

  onDidChange(migrationId: string, listener: (snapshot: MigrationSnapshot) => void): Disposable {
    const updates = this.watcher.onDidUpdate((e) => {
      if (e.migration.id !== migrationId) return;
      listener({ migration: e.migration, phases: this.watcher.phasesOf(migrationId) });
    });
    const lookups = this.lookups.event((snapshot) => {
      if (snapshot.migration.id === migrationId) listener(snapshot);
    });
    return { dispose: () => (updates.dispose(), lookups.dispose()) };
  }

  outage(clusterId: string): FeedOutage | undefined {
    const outage = this.watcher.outages.of(clusterId);
    return outage && { since: outage.since, reason: outage.reason };
  }

  onDidChangeOutage(clusterId: string, listener: () => void): Disposable {
    return this.watcher.outages.onDidChange((e) => {
      if ((e.type === 'down' || e.type === 'reason' ? e.outage.sourceId : e.sourceId) === clusterId) listener();
    });
  }

  activeForVm(clusterId: string, vmName: string, namespace?: string): Migration | undefined {
    return this.watcher.active().find((m) => m.cluster === clusterId && m.vm === vmName && (m.namespace ?? undefined) === namespace);
  }

  /**
   * The watcher reconciles its own streams after every reconnect. What it cannot know is a
   * migration that ended before it started (a dialog restored after a window reload): that one
   * is read once from the cluster, and only when the watcher does not hold it.
   */
  async reconcile(source: ClusterSource, migrationId: string): Promise<void> {
    if (this.watcher.get(migrationId) || !source.getMigration) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), LOOKUP_TIMEOUT_MS);
    });
    try {
      const observation = await Promise.race([source.getMigration(migrationId), deadline]);
      if (!observation || this.watcher.get(migrationId)) return;
      const snapshot: MigrationSnapshot = { migration: observation.migration, phases: observation.phases };
      this.lookedUp.set(migrationId, snapshot);
      // One entry per restored dialog; keep the map from growing over a long session.
      if (this.lookedUp.size > 100) this.lookedUp.delete(this.lookedUp.keys().next().value as string);
      this.lookups.fire(snapshot);
    } finally {
      clearTimeout(timer);
    }
  }
}
