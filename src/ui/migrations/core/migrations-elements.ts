// The elements of the Migrations view. They hold identity only (which group, migration, phase);
// what they show is read from the view model when VS Code asks, so firing a change for an element
// redraws it with fresh data. A migration's id includes its group: when it ends it leaves Active
// and a new element appears in Recent.

import type { MigrationGroup } from './migrations-view-model';

export interface MigrationGroupElement {
  readonly type: 'group';
  readonly id: string;
  readonly group: MigrationGroup;
}

export interface MigrationElement {
  readonly type: 'migration';
  readonly id: string;
  readonly group: MigrationGroup;
  readonly migrationId: string;
}

export interface MigrationPhaseElement {
  readonly type: 'phase';
  readonly id: string;
  readonly group: MigrationGroup;
  readonly migrationId: string;
  readonly index: number;
}

/** A cluster whose migration stream is down. */
export interface StreamDownElement {
  readonly type: 'stream';
  readonly id: string;
  readonly clusterId: string;
}

/** The team history server is set but does not answer (or answers wrongly): one line, above the groups. */
export interface HistorySourceElement {
  readonly type: 'history-source';
  readonly id: string;
}

/** "Show all in History…" at the end of Recent. */
export interface MoreHistoryElement {
  readonly type: 'more';
  readonly id: string;
}

export type MigrationsElement = MigrationGroupElement | MigrationElement | MigrationPhaseElement | StreamDownElement | HistorySourceElement | MoreHistoryElement;

export const migrationsElementIds = {
  group: (group: MigrationGroup) => `group:${group}`,
  migration: (group: MigrationGroup, migrationId: string) => `migration:${group}:${migrationId}`,
  phase: (group: MigrationGroup, migrationId: string, index: number) => `phase:${group}:${migrationId}:${index}`,
  stream: (clusterId: string) => `stream:${clusterId}`,
  more: () => 'more:history',
  historySource: () => 'history-source',
};
