// Maps the daemon's records to proto messages, typed by the types generated from the proto
// (proto/gen/): plain objects for @grpc/proto-loader with the loader options of
// proto/wire-options.ts — camelCase fields, enums as names. 64-bit integers are given as numbers,
// exact since every id, size and time the daemon keeps is below 2^53; they reach clients as
// decimal strings.

import type { Long } from '@grpc/proto-loader';
import type { ClusterResourceSummary } from '../../../proto/gen/blixard/ClusterResourceSummary';
import type { ClusterStatusResponse } from '../../../proto/gen/blixard/ClusterStatusResponse';
import type { MigrateVmResponse } from '../../../proto/gen/blixard/MigrateVmResponse';
import type { MigrationInfo } from '../../../proto/gen/blixard/MigrationInfo';
import type { NodeInfo } from '../../../proto/gen/blixard/NodeInfo';
import type { NodeResourceUsage } from '../../../proto/gen/blixard/NodeResourceUsage';
import type { VmInfo } from '../../../proto/gen/blixard/VmInfo';
import type { ClusterView } from '../state/cluster-view';
import type { MemberRecord, MigrationRecord, VmRecord } from '../state/cluster-records';

/**
 * A message as the daemon sends it: every field given, in nested messages too, so a field added
 * to the proto has to be filled in here and a renamed one breaks the build. (The generated
 * sender-side types make every field optional.)
 */
export type Complete<T> = T extends Long
  ? T
  : T extends readonly (infer E)[]
    ? Complete<E>[]
    : T extends object
      ? { [K in keyof T]-?: Complete<Exclude<T[K], undefined>> }
      : T;

/** `hostPresent` false: the VM's node left the cluster, so nobody can vouch for its state. */
export function vmInfo(vm: VmRecord, hostPresent = true): Complete<VmInfo> {
  return {
    name: vm.name,
    state: hostPresent ? `VM_STATE_${vm.state}` : 'VM_STATE_UNKNOWN',
    nodeId: vm.nodeId,
    vcpus: vm.vcpus,
    memoryMb: vm.memoryMb,
    ipAddress: vm.ipAddress,
    // Why it is FAILED: the tree shows it, so an operator need not read the daemon's log.
    stateMessage: vm.stateMessage ?? '',
    metadata: { ...(vm.metadata ?? {}) },
  };
}

export function migrationInfo(m: MigrationRecord, revision: number): Complete<MigrationInfo> {
  return {
    id: m.id,
    vmName: m.vmName,
    sourceNodeId: m.sourceNodeId,
    targetNodeId: m.targetNodeId,
    liveMigration: m.live,
    force: m.force,
    status: `MIGRATION_STATUS_${m.status}`,
    message: m.message,
    createdAtUnixMs: m.createdAt,
    updatedAtUnixMs: m.updatedAt,
    endedAtUnixMs: m.endedAt,
    progress: m.progress
      ? {
          totalBytes: m.progress.totalBytes,
          transferredBytes: m.progress.transferredBytes,
          remainingBytes: m.progress.remainingBytes,
          dirtyRateBytesPerSec: m.progress.dirtyRateBytesPerSec,
          bandwidthBytesPerSec: m.progress.bandwidthBytesPerSec,
          precopyRound: m.progress.precopyRound,
          remainingIsUpperBound: m.progress.remainingIsUpperBound === true,
        }
      : null,
    phases: m.phases.map((p) => ({ status: `MIGRATION_STATUS_${p.status}` as const, atUnixMs: p.at })),
    revision,
    downtimeMs: m.downtimeMs ?? 0,
    planId: m.planId ?? '',
  };
}

export function migrateVmResponse(m: MigrationRecord): Complete<MigrateVmResponse> {
  const durationMs = Math.max(0, (m.endedAt || Date.now()) - m.createdAt);
  const completed = m.status === 'COMPLETED';
  return {
    success: completed,
    message: completed
      ? `VM '${m.vmName}' ${m.live ? 'live-' : ''}migrated from node ${m.sourceNodeId} to node ${m.targetNodeId} in ${durationMs} ms`
      : m.message || `migration ${m.status.toLowerCase()}`,
    sourceNodeId: m.sourceNodeId,
    targetNodeId: m.targetNodeId,
    status: `MIGRATION_STATUS_${m.status}`,
    durationMs,
    migrationId: m.id,
  };
}

export function clusterStatus(view: ClusterView): Complete<ClusterStatusResponse> {
  const leader = view.leader;
  const members = [...view.members.values()].map((e) => e.value).sort((a, b) => a.id - b.id);
  return {
    leaderId: leader?.nodeId ?? 0,
    term: leader?.term ?? 0,
    nodes: members.map((m) => nodeInfo(view, m.id)),
  };
}

/** A node as GetClusterStatus lists it; NODE_STATE_UNKNOWN and no address for a node that is not a member now. */
export function nodeInfo(view: ClusterView, nodeId: number): Complete<NodeInfo> {
  const member = view.members.get(nodeId)?.value;
  const maintenance = view.maintenance.get(nodeId)?.value;
  return {
    id: nodeId,
    address: member?.address ?? '',
    state: !member ? 'NODE_STATE_UNKNOWN' : view.leader?.nodeId === nodeId ? 'NODE_STATE_LEADER' : 'NODE_STATE_FOLLOWER',
    maintenance: maintenance !== undefined,
    maintenanceSinceUnixMs: maintenance?.since ?? 0,
    maintenanceReason: maintenance?.reason ?? '',
  };
}

export function resourceSummary(view: ClusterView): Complete<ClusterResourceSummary> {
  const members = [...view.members.values()].map((e) => e.value).sort((a, b) => a.id - b.id);
  const nodes = members.map((m: MemberRecord) => {
    const used = view.usageOf(m.id);
    return {
      nodeId: m.id,
      capabilities: { cpuCores: m.capacity.vcpus, memoryMb: m.capacity.memoryMb, diskGb: m.capacity.diskGb, features: m.features },
      usedVcpus: used.vcpus,
      usedMemoryMb: used.memoryMb,
      usedDiskGb: 0,
      runningVms: used.runningVms,
    } satisfies Complete<NodeResourceUsage>;
  });
  const sum = (f: (n: (typeof nodes)[number]) => number) => nodes.reduce((acc, n) => acc + f(n), 0);
  return {
    totalNodes: nodes.length,
    totalVcpus: sum((n) => n.capabilities.cpuCores),
    usedVcpus: sum((n) => n.usedVcpus),
    totalMemoryMb: sum((n) => n.capabilities.memoryMb),
    usedMemoryMb: sum((n) => n.usedMemoryMb),
    totalDiskGb: sum((n) => n.capabilities.diskGb),
    usedDiskGb: 0,
    totalRunningVms: sum((n) => n.runningVms),
    nodes,
  };
}
