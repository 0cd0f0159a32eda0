// Small cluster snapshots for the plans tests: nodes with capacity, VMs on them, in-flight
// migrations, as a source would report them.

import type { ClusterNode, Vm } from '../../../src/model/cluster';
import type { ClusterSnapshot } from '../../../src/plans/plan-types';

export function node(id: string, vcpus = 16, memoryMb = 32768, extra: Partial<ClusterNode> = {}): ClusterNode {
  return { id, name: `node-${id}`, status: 'follower', schedulable: true, capacity: { vcpus, memoryMb }, ...extra };
}

export function vm(id: string, nodeId: string, vcpus = 2, memoryMb = 2048, extra: Partial<Vm> = {}): Vm {
  return { id, name: id, nodeId, state: 'running', phase: 'VM_STATE_RUNNING', vcpus, memoryMb, ...extra };
}

export function snapshot(nodes: ClusterNode[], vms: Vm[], traits: Partial<ClusterSnapshot['traits']> = {}): ClusterSnapshot {
  return { cluster: 'dev', nodes, vms, traits: { anyNode: false, live: 'choice', ...traits } };
}
