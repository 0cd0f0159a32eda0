// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { Long } from '@grpc/proto-loader';

export interface MigrateVmRequest {
  'vmName'?: (string);
  'targetNodeId'?: (number | string | Long);
  'liveMigration'?: (boolean);
  'force'?: (boolean);
  /**
   * Optional caller-chosen id (a UUID): lets the caller follow the migration on
   * WatchMigrations before MigrateVm returns, and makes a retried request idempotent.
   * Upstream clients leave it empty and the daemon assigns one.
   */
  'migrationId'?: (string);
  /**
   * This project's extension (upstream clients leave it empty): the migration plan that asks for
   * this migration, kept with the migration and given back on MigrationInfo.plan_id. At most 63
   * characters: letters, digits, '-', '_', '.' (a Kubernetes label value's rule).
   */
  'planId'?: (string);
}

export interface MigrateVmRequest__Output {
  'vmName': (string);
  'targetNodeId': (string);
  'liveMigration': (boolean);
  'force': (boolean);
  /**
   * Optional caller-chosen id (a UUID): lets the caller follow the migration on
   * WatchMigrations before MigrateVm returns, and makes a retried request idempotent.
   * Upstream clients leave it empty and the daemon assigns one.
   */
  'migrationId': (string);
  /**
   * This project's extension (upstream clients leave it empty): the migration plan that asks for
   * this migration, kept with the migration and given back on MigrationInfo.plan_id. At most 63
   * characters: letters, digits, '-', '_', '.' (a Kubernetes label value's rule).
   */
  'planId': (string);
}
