// Maps the daemon's records to proto messages (as plain objects for @grpc/proto-loader with
// enums as names; 64-bit integers are given as numbers, exact since every id, size and time the
// daemon keeps is below 2^53, and reach clients as decimal strings).

import type { ClusterView } from '../state/cluster-view';
import type { MemberRecord, MigrationRecord, VmRecord } from '../state/cluster-records';

/** `hostPresent` false: the VM's node left the cluster, so nobody can vouch for its state. */
export function vmInfo(vm: VmRecord, hostPresent = true) {
  return {
    name: vm.name,
    state: hostPresent ? `VM_STATE_${vm.state}` : 'VM_STATE_UNKNOWN',
    node_id: vm.nodeId,
    vcpus: vm.vcpus,
    memory_mb: vm.memoryMb,
    ip_address: vm.ipAddress,
  };
}

export function migrationInfo(m: MigrationRecord, revision: number) {
  return {
    id: m.id,
    vm_name: m.vmName,
    source_node_id: m.sourceNodeId,
    target_node_id: m.targetNodeId,
    live_migration: m.live,
    force: m.force,
    status: `MIGRATION_STATUS_${m.status}`,
    message: m.message,
    created_at_unix_ms: m.createdAt,
    updated_at_unix_ms: m.updatedAt,
    ended_at_unix_ms: m.endedAt,
    progress: m.progress
      ? {
          total_bytes: m.progress.totalBytes,
          transferred_bytes: m.progress.transferredBytes,
          remaining_bytes: m.progress.remainingBytes,
          dirty_rate_bytes_per_sec: m.progress.dirtyRateBytesPerSec,
          bandwidth_bytes_per_sec: m.progress.bandwidthBytesPerSec,
          precopy_round: m.progress.precopyRound,
        }
      : null,
    phases: m.phases.map((p) => ({ status: `MIGRATION_STATUS_${p.status}`, at_unix_ms: p.at })),
    revision,
  };
}

export function migrateVmResponse(m: MigrationRecord) {
  const durationMs = Math.max(0, (m.endedAt || Date.now()) - m.createdAt);
  const completed = m.status === 'COMPLETED';
  return {
    success: completed,
    message: completed
      ? `VM '${m.vmName}' ${m.live ? 'live-' : ''}migrated from node ${m.sourceNodeId} to node ${m.targetNodeId} in ${durationMs} ms`
      : m.message || `migration ${m.status.toLowerCase()}`,
    source_node_id: m.sourceNodeId,
    target_node_id: m.targetNodeId,
    status: `MIGRATION_STATUS_${m.status}`,
    duration_ms: durationMs,
    migration_id: m.id,
  };
}

export function clusterStatus(view: ClusterView) {
  const leader = view.leader;
  const members = [...view.members.values()].map((e) => e.value).sort((a, b) => a.id - b.id);
  return {
    leader_id: leader?.nodeId ?? 0,
    term: leader?.term ?? 0,
    nodes: members.map((m) => ({ id: m.id, address: m.address, state: leader?.nodeId === m.id ? 'NODE_STATE_LEADER' : 'NODE_STATE_FOLLOWER' })),
  };
}

export function resourceSummary(view: ClusterView) {
  const members = [...view.members.values()].map((e) => e.value).sort((a, b) => a.id - b.id);
  const nodes = members.map((m: MemberRecord) => {
    const used = view.usageOf(m.id);
    return {
      node_id: m.id,
      capabilities: { cpu_cores: m.capacity.vcpus, memory_mb: m.capacity.memoryMb, disk_gb: m.capacity.diskGb, features: m.features },
      used_vcpus: used.vcpus,
      used_memory_mb: used.memoryMb,
      used_disk_gb: 0,
      running_vms: used.runningVms,
    };
  });
  const sum = (f: (n: (typeof nodes)[number]) => number) => nodes.reduce((acc, n) => acc + f(n), 0);
  return {
    total_nodes: nodes.length,
    total_vcpus: sum((n) => n.capabilities.cpu_cores),
    used_vcpus: sum((n) => n.used_vcpus),
    total_memory_mb: sum((n) => n.capabilities.memory_mb),
    used_memory_mb: sum((n) => n.used_memory_mb),
    total_disk_gb: sum((n) => n.capabilities.disk_gb),
    used_disk_gb: 0,
    total_running_vms: sum((n) => n.running_vms),
    nodes,
  };
}
