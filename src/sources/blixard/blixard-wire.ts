// The protobuf messages of proto/blixard.proto as the client receives them, under the names this
// folder uses. The types are generated from the proto (proto/gen/, `npm run gen:wire`) for the
// loader options of proto/wire-options.ts: camelCase fields, 64-bit integers as decimal strings,
// enums as their names, defaults filled in (absent sub-messages are null). What sits on top of
// them — which statuses are final, reading a wire integer — is written here by hand.

import type { ClusterResourceSummary__Output } from '../../../proto/gen/blixard/ClusterResourceSummary';
import type { ClusterResourceSummaryResponse__Output } from '../../../proto/gen/blixard/ClusterResourceSummaryResponse';
import type { ClusterStatusResponse__Output } from '../../../proto/gen/blixard/ClusterStatusResponse';
import type { GetMigrationResponse__Output } from '../../../proto/gen/blixard/GetMigrationResponse';
import type { ListMigrationsResponse__Output } from '../../../proto/gen/blixard/ListMigrationsResponse';
import type { ListVmsResponse__Output } from '../../../proto/gen/blixard/ListVmsResponse';
import type { MigrateVmRequest } from '../../../proto/gen/blixard/MigrateVmRequest';
import type { MigrateVmResponse__Output } from '../../../proto/gen/blixard/MigrateVmResponse';
import type { _blixard_MigrationEvent_Type__Output, MigrationEvent__Output } from '../../../proto/gen/blixard/MigrationEvent';
import type { MigrationInfo__Output } from '../../../proto/gen/blixard/MigrationInfo';
import type { MigrationPhaseTime__Output } from '../../../proto/gen/blixard/MigrationPhaseTime';
import type { MigrationProgress__Output } from '../../../proto/gen/blixard/MigrationProgress';
import type { MigrationStatus__Output } from '../../../proto/gen/blixard/MigrationStatus';
import type { NodeInfo__Output } from '../../../proto/gen/blixard/NodeInfo';
import type { NodeResourceUsage__Output } from '../../../proto/gen/blixard/NodeResourceUsage';
import type { NodeState__Output } from '../../../proto/gen/blixard/NodeState';
import type { VmInfo__Output } from '../../../proto/gen/blixard/VmInfo';
import type { VmState__Output } from '../../../proto/gen/blixard/VmState';
import type { WorkerCapabilities__Output } from '../../../proto/gen/blixard/WorkerCapabilities';

export type WireNodeState = NodeState__Output;
export type WireVmState = VmState__Output;
export type WireMigrationStatus = MigrationStatus__Output;
export type WireMigrationEventType = _blixard_MigrationEvent_Type__Output;

export type WireNodeInfo = NodeInfo__Output;
export type WireClusterStatusResponse = ClusterStatusResponse__Output;
export type WireWorkerCapabilities = WorkerCapabilities__Output;
export type WireNodeResourceUsage = NodeResourceUsage__Output;
export type WireClusterResourceSummary = ClusterResourceSummary__Output;
export type WireClusterResourceSummaryResponse = ClusterResourceSummaryResponse__Output;
export type WireVmInfo = VmInfo__Output;
export type WireListVmsResponse = ListVmsResponse__Output;
export type WireMigrateVmResponse = MigrateVmResponse__Output;
export type WireMigrationProgress = MigrationProgress__Output;
export type WireMigrationPhaseTime = MigrationPhaseTime__Output;
export type WireMigrationInfo = MigrationInfo__Output;
export type WireMigrationEvent = MigrationEvent__Output;
export type WireListMigrationsResponse = ListMigrationsResponse__Output;
export type WireGetMigrationResponse = GetMigrationResponse__Output;

/** The MigrateVm request as the client builds it: every field given, so a field added to the proto is decided on here. */
export type WireMigrateVmRequest = Required<MigrateVmRequest>;

export const FINAL_MIGRATION_STATUSES: ReadonlySet<WireMigrationStatus> = new Set<WireMigrationStatus>([
  'MIGRATION_STATUS_COMPLETED',
  'MIGRATION_STATUS_FAILED',
  'MIGRATION_STATUS_CANCELLED',
]);

/** A wire integer (decimal string or number) as a JS number; 0 when absent or malformed. */
export function wireNumber(value: string | number | null | undefined): number {
  if (value === null || value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}
