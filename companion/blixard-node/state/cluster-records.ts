// What the daemons keep in the cluster store: the key layout and the JSON records under it.
// These are the daemon's own persistent format; rpc/wire-format.ts maps them to the proto.

export type VmStateName = 'CREATED' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'FAILED';
export type MigrationStatusName = 'PREPARING' | 'TRANSFERRING' | 'SWITCHING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export const FINAL_MIGRATION_STATUSES: ReadonlySet<MigrationStatusName> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

export function isFinalStatus(status: MigrationStatusName): boolean {
  return FINAL_MIGRATION_STATUSES.has(status);
}

/** VM states that hold vCPUs and memory on their node. */
export const ACTIVE_VM_STATES: ReadonlySet<VmStateName> = new Set(['STARTING', 'RUNNING', 'STOPPING']);

export interface NodeCapacity {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** A live daemon; the key is bound to the daemon's lease, so it vanishes when the daemon dies. */
export interface MemberRecord {
  id: number;
  address: string;
  capacity: NodeCapacity;
  features: string[];
  /** The VM runtime's kind ("simulated", "qemu"): guests move only between nodes of one kind. Absent in records of daemons from before it was declared: simulated. */
  runtime?: string;
  startedAt: number;
  /** Distinguishes a restarted daemon from its previous life under the same id. */
  incarnation: string;
}

export interface VmRecord {
  name: string;
  vcpus: number;
  memoryMb: number;
  configPath: string;
  nodeId: number;
  state: VmStateName;
  ipAddress: string;
  createdAt: number;
  updatedAt: number;
  /** Why the VM is FAILED, when it is. */
  stateMessage?: string;
  /** The migration in flight for this VM; at most one. */
  migrationId?: string;
  /** DeleteVm on a running VM: the owner stops it, then deletes the record. */
  deleteRequested?: boolean;
  /** Key/value metadata given at CreateVm (the migration planner's hints among them); absent when none. */
  metadata?: Record<string, string>;
}

/**
 * A node in maintenance (cordoned): it takes no new VMs. Kept under its own key, not in the
 * member record, because the member key lives on the daemon's lease and a node taken down to be
 * patched must come back still in maintenance.
 */
export interface MaintenanceRecord {
  nodeId: number;
  /** When it entered maintenance (unix ms). */
  since: number;
  /** The operator's words; empty when none were given. */
  reason: string;
  /** The node whose daemon accepted the request. */
  requestedVia: number;
}

export interface ProgressRecord {
  totalBytes: number;
  transferredBytes: number;
  remainingBytes: number;
  dirtyRateBytesPerSec: number;
  bandwidthBytesPerSec: number;
  precopyRound: number;
  /** See TransferProgress.remainingIsUpperBound. */
  remainingIsUpperBound?: boolean;
}

export interface PhaseRecord {
  status: MigrationStatusName;
  at: number;
}

export interface MigrationRecord {
  id: string;
  vmName: string;
  sourceNodeId: number;
  targetNodeId: number;
  live: boolean;
  force: boolean;
  status: MigrationStatusName;
  message: string;
  createdAt: number;
  updatedAt: number;
  endedAt: number;
  progress?: ProgressRecord;
  phases: PhaseRecord[];
  /** The VM's state when the migration began: a cold migration restarts a running VM on the target. */
  vmStateAtStart: VmStateName;
  vcpus: number;
  memoryMb: number;
  /** The node whose daemon accepted the request. */
  requestedVia: number;
  /** Live, with a runtime that needs it: where the target listens for the guest (committed by the target in PREPARING). */
  incoming?: { uri: string };
  /** Live: how long the guest was paused at switchover, as the hypervisor measured it. */
  downtimeMs?: number;
  /** The migration plan that asked for it (MigrateVmRequest.plan_id); absent when none did. */
  planId?: string;
}

export const KEY_PREFIX = {
  member: 'members/',
  vm: 'vms/',
  migration: 'migrations/',
  // One counter per node, bumped by every write that claims capacity on it, so two writes that
  // both fit alone but not together (two migrations to one target) conflict in the transaction.
  placement: 'placements/',
  maintenance: 'maintenance/',
} as const;

export const LEADER_ELECTION = 'leader';

export const keys = {
  member: (id: number) => `${KEY_PREFIX.member}${id}`,
  vm: (name: string) => `${KEY_PREFIX.vm}${name}`,
  migration: (id: string) => `${KEY_PREFIX.migration}${id}`,
  placement: (nodeId: number) => `${KEY_PREFIX.placement}${nodeId}`,
  maintenance: (nodeId: number) => `${KEY_PREFIX.maintenance}${nodeId}`,
};

/** Moves a migration to `status` at `at`, recording the phase time. */
export function withStatus(m: MigrationRecord, status: MigrationStatusName, at: number, message?: string): MigrationRecord {
  const next: MigrationRecord = { ...m, status, updatedAt: at, phases: [...m.phases, { status, at }] };
  if (message !== undefined) next.message = message;
  if (isFinalStatus(status)) next.endedAt = at;
  return next;
}
