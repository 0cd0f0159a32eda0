// Compares two polls of a Blixard cluster and names only what changed, so the tree refreshes
// single elements instead of everything.

import type { ChangedScope } from '../../model/cluster';
import type { WireClusterStatusResponse, WireVmInfo } from './blixard-wire';

function nodeOf(vm: WireVmInfo): string | undefined {
  return vm.nodeId && vm.nodeId !== '0' ? vm.nodeId : undefined;
}

/** Scopes for the differences between two VM lists (keyed by VM name), without repeats. */
export function diffVmLists(before: ReadonlyMap<string, WireVmInfo>, after: readonly WireVmInfo[]): ChangedScope[] {
  const scopes = new ScopeSet();
  const seen = new Set<string>();
  for (const vm of after) {
    seen.add(vm.name);
    const old = before.get(vm.name);
    const node = nodeOf(vm);
    if (!old) {
      if (node) scopes.add({ scope: 'node', nodeId: node });
      continue;
    }
    const oldNode = nodeOf(old);
    if (oldNode !== node) {
      if (oldNode) scopes.add({ scope: 'node', nodeId: oldNode });
      if (node) scopes.add({ scope: 'node', nodeId: node });
      continue;
    }
    // A new reason under the same state (a VM failed again, otherwise) is redrawn too.
    if (old.state !== vm.state || old.vcpus !== vm.vcpus || old.memoryMb !== vm.memoryMb || old.ipAddress !== vm.ipAddress || (old.stateMessage ?? '') !== (vm.stateMessage ?? '')) {
      scopes.add({ scope: 'vm', vmId: vm.name, nodeId: node });
      // Running or not changes what the node has in use, which its description shows.
      const wasRunning = old.state === 'VM_STATE_RUNNING';
      const isRunning = vm.state === 'VM_STATE_RUNNING';
      if (node && (wasRunning !== isRunning || old.vcpus !== vm.vcpus || old.memoryMb !== vm.memoryMb)) scopes.add({ scope: 'node', nodeId: node });
    }
  }
  for (const [name, old] of before) {
    if (seen.has(name)) continue;
    const oldNode = nodeOf(old);
    if (oldNode) scopes.add({ scope: 'node', nodeId: oldNode });
  }
  return scopes.values();
}

/** True when membership, node states, maintenance or the leader differ. */
export function nodeStatusChanged(before: WireClusterStatusResponse | undefined, after: WireClusterStatusResponse): boolean {
  if (!before) return false;
  const key = (s: WireClusterStatusResponse) =>
    `${s.leaderId}|` +
    [...(s.nodes ?? [])]
      .map((n) => `${n.id}:${n.state}:${n.address}:${n.maintenance === true}:${n.maintenanceReason ?? ''}`)
      .sort()
      .join(',');
  return key(before) !== key(after);
}

class ScopeSet {
  private readonly map = new Map<string, ChangedScope>();
  add(scope: ChangedScope): void {
    const key = scope.scope === 'vm' ? `vm:${scope.vmId}` : scope.scope === 'node' ? `node:${scope.nodeId}` : scope.scope;
    if (!this.map.has(key)) this.map.set(key, scope);
  }
  values(): ChangedScope[] {
    return [...this.map.values()];
  }
}
