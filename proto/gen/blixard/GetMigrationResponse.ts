// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { MigrationInfo as _blixard_MigrationInfo, MigrationInfo__Output as _blixard_MigrationInfo__Output } from '../blixard/MigrationInfo';

export interface GetMigrationResponse {
  'found'?: (boolean);
  'migration'?: (_blixard_MigrationInfo | null);
}

export interface GetMigrationResponse__Output {
  'found': (boolean);
  'migration': (_blixard_MigrationInfo__Output | null);
}
