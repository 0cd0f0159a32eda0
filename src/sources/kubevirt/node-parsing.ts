// core/v1 Node → ClusterNode. Usage (VMI requests) is added by the source, which knows the VMIs.

import type { ClusterNode, NodeStatus, Resources } from '../../model/cluster';
import type { KubeNode } from './kube-objects';
import { bytesToMb, parseCpuCores, parseMemoryBytes } from './quantity';

export function parseNode(node: KubeNode): ClusterNode | undefined {
  const name = node.metadata?.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const result: ClusterNode = {
    id: name,
    name,
    status: nodeStatus(node),
    schedulable: node.spec?.unschedulable !== true,
  };
  const address = nodeAddress(node);
  if (address) result.address = address;
  // Allocatable is what VMs can actually get; capacity includes what the kubelet keeps for itself.
  const capacity = resources(node.status?.allocatable) ?? resources(node.status?.capacity);
  if (capacity) result.capacity = capacity;
  return result;
}

function nodeStatus(node: KubeNode): NodeStatus {
  const ready = node.status?.conditions?.find((c) => c?.type === 'Ready');
  if (!ready) return 'unknown';
  return ready.status === 'True' ? 'ready' : 'not-ready';
}

function nodeAddress(node: KubeNode): string | undefined {
  const addresses = Array.isArray(node.status?.addresses) ? node.status!.addresses! : [];
  for (const type of ['InternalIP', 'ExternalIP', 'Hostname']) {
    const found = addresses.find((a) => a?.type === type && typeof a.address === 'string' && a.address !== '');
    if (found) return found.address;
  }
  return undefined;
}

function resources(map: Record<string, unknown> | undefined): Resources | undefined {
  if (!map || typeof map !== 'object') return undefined;
  const vcpus = parseCpuCores(map.cpu);
  const memory = parseMemoryBytes(map.memory);
  if (vcpus === undefined && memory === undefined) return undefined;
  return { vcpus: vcpus ?? 0, memoryMb: memory === undefined ? 0 : bytesToMb(memory) };
}
