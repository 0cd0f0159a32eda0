// What the MigrationWatcher tells its subscribers: a transition, an update of a held snapshot, an
// end, and a cluster's stream state. Apart from the watcher so that its parts (stream outages)
// and its readers name these without importing the watcher itself.

import type { ConnectionState } from '../model/cluster';
import type { Migration, PhaseTransition } from '../model/migration';
import type { EndCause } from './migration-track';

export interface MigrationTransitionEvent {
  /** The migration as held after the observation that produced this transition. */
  migration: Migration;
  transition: PhaseTransition;
  /** The phase this one follows in time, if any is known (recorded or seen). */
  previousPhase?: string;
}

export interface MigrationUpdateEvent {
  /** The migration as now held. Fired after any change, including ones that also produced transitions. */
  migration: Migration;
  /** The snapshot held before; undefined when the watcher first learns of the migration. */
  previous?: Migration;
}

export interface MigrationEndEvent {
  migration: Migration;
  /** 'phase': its own final phase; 'deleted': removed before it finished (→ cancelled);
   *  'vanished': missing after a reconnect and not fetchable (→ ended with a failureReason). */
  cause: EndCause;
  /** False when the end came without a final transition (deleted, vanished): a log should say so itself. */
  viaTransition: boolean;
}

export interface SourceStatusEvent {
  /** The cluster's id (clusterOf(): the first attached source of those that reach it). */
  sourceId: string;
  /** Undefined once the source has been removed from the watcher. */
  state: ConnectionState | undefined;
}
