// GetClusterStatus + GetClusterResourceSummary (Blixard wire) → ClusterNode[] (model).

import type { ClusterNode, NodeStatus } from '../../model/cluster';
import {
  wireNumber,
  type WireClusterResourceSummary,
  type WireClusterResourceSummaryResponse,
  type WireClusterStatusResponse,
  type WireNodeInfo,
  type WireNodeState,
} from './blixard-wire';

/** GetClusterResourceSummary's answer, of whose summary only the per-node usage is read. */
type ResourceSummaryAnswer = Omit<WireClusterResourceSummaryResponse, 'summary'> & { summary: Pick<WireClusterResourceSummary, 'nodes'> | null };

const NODE_STATUSES: Record<WireNodeState, NodeStatus> = {
  NODE_STATE_UNKNOWN: 'unknown',
  NODE_STATE_FOLLOWER: 'follower',
  NODE_STATE_CANDIDATE: 'candidate',
  NODE_STATE_LEADER: 'leader',
};

/**
 * Nodes in id order, the leader marked. Capacity is added where the summary covers the node;
 * a missing summary (older daemon, failed call) leaves the nodes without it.
 */
export function toClusterNodes(status: WireClusterStatusResponse, summary?: ResourceSummaryAnswer): ClusterNode[] {
  const leaderId = status.leaderId && status.leaderId !== '0' ? status.leaderId : undefined;
  const nodes = new Map<string, ClusterNode>();
  for (const info of status.nodes ?? []) {
    let nodeStatus = NODE_STATUSES[info.state] ?? 'unknown';
    if (leaderId !== undefined) nodeStatus = info.id === leaderId ? 'leader' : nodeStatus === 'leader' ? 'follower' : nodeStatus;
    // Daemons from before maintenance mode (and upstream's) leave the fields at their defaults.
    const node: ClusterNode = { id: info.id, name: `node-${info.id}`, status: nodeStatus, schedulable: info.maintenance !== true };
    if (info.address) node.address = info.address;
    if (info.maintenance === true) node.maintenance = maintenanceOf(info);
    nodes.set(info.id, node);
  }
  for (const usage of summary?.summary?.nodes ?? []) {
    let node = nodes.get(usage.nodeId);
    if (!node) {
      // Known to the scheduler but absent from the membership answer: show it rather than hide capacity.
      node = { id: usage.nodeId, name: `node-${usage.nodeId}`, status: 'unknown', schedulable: true };
      nodes.set(usage.nodeId, node);
    }
    const caps = usage.capabilities;
    if (caps) node.capacity = { vcpus: caps.cpuCores, memoryMb: wireNumber(caps.memoryMb), diskGb: wireNumber(caps.diskGb) };
    node.used = { vcpus: usage.usedVcpus, memoryMb: wireNumber(usage.usedMemoryMb), diskGb: wireNumber(usage.usedDiskGb) };
    node.runningVms = usage.runningVms;
  }
  return [...nodes.values()].sort((a, b) => compareNodeIds(a.id, b.id));
}

function maintenanceOf(info: WireNodeInfo): NonNullable<ClusterNode['maintenance']> {
  const maintenance: NonNullable<ClusterNode['maintenance']> = {};
  const since = wireNumber(info.maintenanceSinceUnixMs);
  if (since > 0) maintenance.since = new Date(since).toISOString();
  if (info.maintenanceReason) maintenance.reason = info.maintenanceReason;
  return maintenance;
}

function compareNodeIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  }
  return a.localeCompare(b);
}
