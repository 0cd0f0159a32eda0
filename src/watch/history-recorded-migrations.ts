// Answers the watcher's "what is already recorded?" from the history store's queries, so the
// extension and the CLI seed the watcher the same way.

import type { Migration, PhaseTransition } from '../model/migration';
import type { RecordedMigration, RecordedMigrations } from './recorded-migrations';

/** The queries of HistoryStore this needs. */
export interface HistoryQueries {
  transitions(migrationId: string): PhaseTransition[];
  byId(migrationId: string): RecordedMigration | undefined;
  active(): Migration[];
}

export function recordedMigrationsOf(history: HistoryQueries): Required<Omit<RecordedMigrations, 'ready' | 'load'>> {
  return {
    transitionsOf: (migrationId) => history.transitions(migrationId),
    recordOf: (migrationId) => history.byId(migrationId),
    activeOf: (clusterId): RecordedMigration[] =>
      history
        .active()
        .filter((m) => m.cluster === clusterId)
        .map((migration) => ({ migration, transitions: history.transitions(migration.id) })),
  };
}
