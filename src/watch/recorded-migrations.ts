// What the watcher asks the history before it emits anything, so that a restart, a reconnect
// or a relist never records a transition twice: the history is the memory across processes
// and windows, the watcher's own tracks only the memory within one.

import type { Migration, PhaseTransition } from '../model/migration';

export interface RecordedMigration {
  migration: Migration;
  transitions: readonly PhaseTransition[];
}

export interface RecordedMigrations {
  /**
   * Transitions already recorded for one migration, asked the first time this process sees it
   * (and again after it has been evicted from memory). Synchronous: it is on the path of every
   * first observation, and the history answers from memory.
   */
  transitionsOf(migrationId: string): readonly PhaseTransition[] | undefined;
  /**
   * The recorded migration with its transitions, when the history can tell: lets the watcher see
   * that a name has been used again (a newer creation time) before it takes the old migration's
   * phases for the new one's. Falls back to transitionsOf when absent.
   */
  recordOf?(migrationId: string): RecordedMigration | undefined;
  /**
   * Migrations the history holds as not final for one cluster. The watcher holds them as active
   * when the cluster is attached, so its first `synced` reconciles the ones that ended meanwhile.
   */
  activeOf?(clusterId: string): readonly RecordedMigration[];
  /**
   * For a history answered from another thread: whether transitionsOf/recordOf can answer for
   * this id now. Absent: always. When false, the watcher calls load() with the ids and holds the
   * source's events back, in their order, until it settles.
   */
  ready?(migrationId: string): boolean;
  load?(migrationIds: readonly string[]): Promise<void>;
}
