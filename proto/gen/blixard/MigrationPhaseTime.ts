// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { MigrationStatus as _blixard_MigrationStatus, MigrationStatus__Output as _blixard_MigrationStatus__Output } from '../blixard/MigrationStatus';
import type { Long } from '@grpc/proto-loader';

/**
 * When the migration entered a status (unix milliseconds).
 */
export interface MigrationPhaseTime {
  'status'?: (_blixard_MigrationStatus);
  'atUnixMs'?: (number | string | Long);
}

/**
 * When the migration entered a status (unix milliseconds).
 */
export interface MigrationPhaseTime__Output {
  'status': (_blixard_MigrationStatus__Output);
  'atUnixMs': (string);
}
