// The protobuf messages of proto/blixard.proto as @grpc/proto-loader hands them to us with the
// options in grpc-runtime.ts: camelCase fields, 64-bit integers as decimal strings, enums as
// their names, defaults filled in (absent sub-messages are null).

export type WireNodeState = 'NODE_STATE_UNKNOWN' | 'NODE_STATE_FOLLOWER' | 'NODE_STATE_CANDIDATE' | 'NODE_STATE_LEADER';

export type WireVmState =
  | 'VM_STATE_UNKNOWN'
  | 'VM_STATE_CREATED'
  | 'VM_STATE_STARTING'
  | 'VM_STATE_RUNNING'
  | 'VM_STATE_STOPPING'
  | 'VM_STATE_STOPPED'
  | 'VM_STATE_FAILED';

export type WireMigrationStatus =
  | 'MIGRATION_STATUS_UNKNOWN'
  | 'MIGRATION_STATUS_PREPARING'
  | 'MIGRATION_STATUS_TRANSFERRING'
  | 'MIGRATION_STATUS_SWITCHING'
  | 'MIGRATION_STATUS_COMPLETED'
  | 'MIGRATION_STATUS_FAILED'
  | 'MIGRATION_STATUS_CANCELLED';

export interface WireNodeInfo {
  id: string;
  address: string;
  state: WireNodeState;
}

export interface WireClusterStatusResponse {
  leaderId: string;
  nodes: WireNodeInfo[];
  term: string;
}

export interface WireWorkerCapabilities {
  cpuCores: number;
  memoryMb: string;
  diskGb: string;
  features: string[];
}

export interface WireNodeResourceUsage {
  nodeId: string;
  capabilities: WireWorkerCapabilities | null;
  usedVcpus: number;
  usedMemoryMb: string;
  usedDiskGb: string;
  runningVms: number;
}

export interface WireClusterResourceSummaryResponse {
  success: boolean;
  message: string;
  summary: { nodes: WireNodeResourceUsage[] } | null;
}

export interface WireVmInfo {
  name: string;
  state: WireVmState;
  nodeId: string;
  vcpus: number;
  memoryMb: number;
  ipAddress: string;
}

export interface WireListVmsResponse {
  vms: WireVmInfo[];
}

export interface WireSuccessResponse {
  success: boolean;
  message: string;
}

export interface WireMigrateVmRequest {
  vmName: string;
  targetNodeId: string;
  liveMigration: boolean;
  force: boolean;
  migrationId: string;
}

export interface WireMigrateVmResponse extends WireSuccessResponse {
  sourceNodeId: string;
  targetNodeId: string;
  status: WireMigrationStatus;
  durationMs: string;
  migrationId: string;
}

export interface WireMigrationProgress {
  totalBytes: string;
  transferredBytes: string;
  remainingBytes: string;
  dirtyRateBytesPerSec: string;
  bandwidthBytesPerSec: string;
  precopyRound: number;
}

export interface WireMigrationPhaseTime {
  status: WireMigrationStatus;
  atUnixMs: string;
}

export interface WireMigrationInfo {
  id: string;
  vmName: string;
  sourceNodeId: string;
  targetNodeId: string;
  liveMigration: boolean;
  force: boolean;
  status: WireMigrationStatus;
  message: string;
  createdAtUnixMs: string;
  updatedAtUnixMs: string;
  endedAtUnixMs: string;
  progress: WireMigrationProgress | null;
  phases: WireMigrationPhaseTime[];
  revision: string;
}

export type WireMigrationEventType = 'TYPE_UNKNOWN' | 'TYPE_SNAPSHOT' | 'TYPE_SNAPSHOT_END' | 'TYPE_UPDATE';

export interface WireMigrationEvent {
  type: WireMigrationEventType;
  migration: WireMigrationInfo | null;
}

export interface WireListMigrationsRequest {
  activeOnly?: boolean;
  vmName?: string;
  nodeId?: string;
  limit?: number;
}

export interface WireListMigrationsResponse {
  migrations: WireMigrationInfo[];
}

export interface WireGetMigrationResponse {
  found: boolean;
  migration: WireMigrationInfo | null;
}

export const FINAL_MIGRATION_STATUSES: ReadonlySet<WireMigrationStatus> = new Set([
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
