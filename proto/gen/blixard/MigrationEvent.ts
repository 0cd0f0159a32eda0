// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { MigrationInfo as _blixard_MigrationInfo, MigrationInfo__Output as _blixard_MigrationInfo__Output } from '../blixard/MigrationInfo';

// Original file: proto/blixard.proto

export const _blixard_MigrationEvent_Type = {
  TYPE_UNKNOWN: 'TYPE_UNKNOWN',
  /**
   * part of the initial snapshot of non-final migrations
   */
  TYPE_SNAPSHOT: 'TYPE_SNAPSHOT',
  /**
   * the snapshot is complete; no migration attached
   */
  TYPE_SNAPSHOT_END: 'TYPE_SNAPSHOT_END',
  /**
   * a committed change
   */
  TYPE_UPDATE: 'TYPE_UPDATE',
} as const;

export type _blixard_MigrationEvent_Type =
  | 'TYPE_UNKNOWN'
  | 0
  /**
   * part of the initial snapshot of non-final migrations
   */
  | 'TYPE_SNAPSHOT'
  | 1
  /**
   * the snapshot is complete; no migration attached
   */
  | 'TYPE_SNAPSHOT_END'
  | 2
  /**
   * a committed change
   */
  | 'TYPE_UPDATE'
  | 3

export type _blixard_MigrationEvent_Type__Output = typeof _blixard_MigrationEvent_Type[keyof typeof _blixard_MigrationEvent_Type]

export interface MigrationEvent {
  'type'?: (_blixard_MigrationEvent_Type);
  'migration'?: (_blixard_MigrationInfo | null);
}

export interface MigrationEvent__Output {
  'type': (_blixard_MigrationEvent_Type__Output);
  'migration': (_blixard_MigrationInfo__Output | null);
}
