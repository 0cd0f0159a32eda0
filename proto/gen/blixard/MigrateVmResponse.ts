// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { MigrationStatus as _blixard_MigrationStatus, MigrationStatus__Output as _blixard_MigrationStatus__Output } from '../blixard/MigrationStatus';
import type { Long } from '@grpc/proto-loader';

export interface MigrateVmResponse {
  'success'?: (boolean);
  'message'?: (string);
  'sourceNodeId'?: (number | string | Long);
  'targetNodeId'?: (number | string | Long);
  'status'?: (_blixard_MigrationStatus);
  'durationMs'?: (number | string | Long);
  'migrationId'?: (string);
}

export interface MigrateVmResponse__Output {
  'success': (boolean);
  'message': (string);
  'sourceNodeId': (string);
  'targetNodeId': (string);
  'status': (_blixard_MigrationStatus__Output);
  'durationMs': (string);
  'migrationId': (string);
}
