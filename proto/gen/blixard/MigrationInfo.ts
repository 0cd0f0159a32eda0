// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { MigrationStatus as _blixard_MigrationStatus, MigrationStatus__Output as _blixard_MigrationStatus__Output } from '../blixard/MigrationStatus';
import type { MigrationProgress as _blixard_MigrationProgress, MigrationProgress__Output as _blixard_MigrationProgress__Output } from '../blixard/MigrationProgress';
import type { MigrationPhaseTime as _blixard_MigrationPhaseTime, MigrationPhaseTime__Output as _blixard_MigrationPhaseTime__Output } from '../blixard/MigrationPhaseTime';
import type { Long } from '@grpc/proto-loader';

export interface MigrationInfo {
  'id'?: (string);
  'vmName'?: (string);
  'sourceNodeId'?: (number | string | Long);
  'targetNodeId'?: (number | string | Long);
  'liveMigration'?: (boolean);
  'force'?: (boolean);
  'status'?: (_blixard_MigrationStatus);
  /**
   * failure or cancellation reason
   */
  'message'?: (string);
  'createdAtUnixMs'?: (number | string | Long);
  'updatedAtUnixMs'?: (number | string | Long);
  /**
   * 0 while not final
   */
  'endedAtUnixMs'?: (number | string | Long);
  /**
   * live migrations only
   */
  'progress'?: (_blixard_MigrationProgress | null);
  'phases'?: (_blixard_MigrationPhaseTime)[];
  /**
   * store revision of this update; increases per migration
   */
  'revision'?: (number | string | Long);
  /**
   * Live, completed: how long the guest was paused at switchover, as the hypervisor measured it
   * (QEMU's query-migrate `downtime`); 0 when not measured (the simulated runtime).
   */
  'downtimeMs'?: (number);
  /**
   * This project's extension: the plan that started it (MigrateVmRequest.plan_id); empty when none.
   */
  'planId'?: (string);
}

export interface MigrationInfo__Output {
  'id': (string);
  'vmName': (string);
  'sourceNodeId': (string);
  'targetNodeId': (string);
  'liveMigration': (boolean);
  'force': (boolean);
  'status': (_blixard_MigrationStatus__Output);
  /**
   * failure or cancellation reason
   */
  'message': (string);
  'createdAtUnixMs': (string);
  'updatedAtUnixMs': (string);
  /**
   * 0 while not final
   */
  'endedAtUnixMs': (string);
  /**
   * live migrations only
   */
  'progress': (_blixard_MigrationProgress__Output | null);
  'phases': (_blixard_MigrationPhaseTime__Output)[];
  /**
   * store revision of this update; increases per migration
   */
  'revision': (string);
  /**
   * Live, completed: how long the guest was paused at switchover, as the hypervisor measured it
   * (QEMU's query-migrate `downtime`); 0 when not measured (the simulated runtime).
   */
  'downtimeMs': (number);
  /**
   * This project's extension: the plan that started it (MigrateVmRequest.plan_id); empty when none.
   */
  'planId': (string);
}
