// The dialog's MigrationFeed read from the shared MigrationWatcher: a migration started in the
// dialog is followed exactly like one started from a terminal (DESIGN.md: one path, not two).

import type { Disposable } from '../model/event';
import type { Migration } from '../model/migration';
import type { ClusterSource } from '../sources/cluster-source';
import type { MigrationWatcher } from '../watch/migration-watcher';
import type { MigrationFeed, MigrationSnapshot } from './migration-feed';

export class WatcherMigrationFeed implements MigrationFeed {
  constructor(private readonly watcher: MigrationWatcher) {}

  follow(source: ClusterSource): Disposable {
    // The watcher follows every configured cluster; one it has not attached yet (the dialog opened
    // before the watcher started) is attached now rather than followed on a second path.
    if (!this.watcher.sourceIds().includes(source.id)) this.watcher.addSource(source);
    return { dispose() {} };
  }

  current(migrationId: string): MigrationSnapshot | undefined {
    const migration = this.watcher.get(migrationId);
    return migration ? { migration, phases: this.watcher.phasesOf(migrationId) } : undefined;
  }

  onDidChange(migrationId: string, listener: (snapshot: MigrationSnapshot) => void): Disposable {
    return this.watcher.onDidUpdate((e) => {
      if (e.migration.id !== migrationId) return;
      listener({ migration: e.migration, phases: this.watcher.phasesOf(migrationId) });
    });
  }

  activeForVm(clusterId: string, vmName: string, namespace?: string): Migration | undefined {
    return this.watcher.active().find((m) => m.cluster === clusterId && m.vm === vmName && (m.namespace ?? undefined) === namespace);
  }

  async reconcile(): Promise<void> {
    // The watcher reconciles by itself after every reconnect (ClusterSource.getMigration); asking
    // here as well would be the second path this feed exists to avoid.
  }
}
