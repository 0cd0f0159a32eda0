// What a dialog panel needs to follow one migration. The shared MigrationWatcher provides it once
// it exists (one path for every migration, however started); until then SourceStreamFeed reads the
// sources' own streams. The panel knows only this interface, so swapping is one line where it is built.

import type { IDisposable } from '../../../base/lifecycle';
import type { Migration, PhaseTransition } from '../../../model/migration';
import type { ClusterSource } from '../../../sources/cluster-source';

export interface MigrationSnapshot {
  migration: Migration;
  /** Every phase the migration reached, with the time it entered it. */
  phases: readonly PhaseTransition[];
}

export interface FeedOutage {
  /** When the stream was lost. */
  since: number;
  reason: string;
}

export interface MigrationFeed {
  /** Keep following this cluster while the returned disposable lives (a no-op for a feed that follows every cluster anyway). */
  follow(source: ClusterSource): IDisposable;
  /** The latest known state of one migration (by Migration.id). */
  current(migrationId: string): MigrationSnapshot | undefined;
  /** Called on every change to that migration, in order. */
  onDidChange(migrationId: string, listener: (snapshot: MigrationSnapshot) => void): IDisposable;
  /** A migration of this VM that has not ended, if the feed knows one. */
  activeForVm(clusterId: string, vmName: string, namespace?: string): Migration | undefined;
  /**
   * The outage of this cluster's migration stream while there is one: what the feed holds of its
   * migrations is then as last heard, not live. Undefined while it streams.
   */
  outage(clusterId: string): FeedOutage | undefined;
  /** Called when that cluster's stream goes down, changes reason or comes back. */
  onDidChangeOutage(clusterId: string, listener: () => void): IDisposable;
  /**
   * Ask the cluster once more for a migration whose end the feed may have missed (a stream that
   * connected after it finished). Resolves when the answer, if any, has been delivered.
   */
  reconcile(source: ClusterSource, migrationId: string): Promise<void>;
}
