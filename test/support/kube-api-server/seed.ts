// A ready-made cluster: N nodes (node01, node02, …) and VMs spread over them, some of them
// not live-migratable and one bare VMI without a VM, so every case of the tree and the
// migration dialog has something to show.
import type { KubeApiServer } from './kube-api-server';

export interface SeedOptions {
  nodes?: number;
  /** VMs (with their running VMIs) per node. */
  vmisPerNode?: number;
  /** Instead of vmisPerNode: this many VMIs in all (the bare one included), spread over the nodes. */
  totalVmis?: number;
  namespace?: string;
  /** Every how-many-th VM is not live-migratable (0: none). Default 5. */
  notMigratableEvery?: number;
  /** Add one VMI that no VirtualMachine owns. Default true. */
  bareVmi?: boolean;
}

export function nodeName(index: number): string {
  return `node${String(index + 1).padStart(2, '0')}`;
}

export function seedCluster(server: KubeApiServer, options: SeedOptions = {}): { nodes: string[]; vmis: string[] } {
  const nodeCount = options.nodes ?? 3;
  const perNode = options.vmisPerNode ?? 2;
  const namespace = options.namespace ?? 'default';
  const every = options.notMigratableEvery ?? 5;
  const nodes: string[] = [];
  const vmis: string[] = [];
  for (let n = 0; n < nodeCount; n++) {
    const name = nodeName(n);
    server.addNode({ name, cpu: 16, memory: '64Gi' });
    nodes.push(name);
  }
  const bare = (options.bareVmi ?? true) && nodes.length > 0 && options.totalVmis !== 0;
  const vmCount = options.totalVmis !== undefined ? Math.max(0, options.totalVmis - (bare ? 1 : 0)) : perNode * nodeCount;
  const width = vmCount >= 1000 ? 4 : 3;
  for (let index = 1; index <= vmCount; index++) {
    // Fill node by node, as evenly as the count allows.
    const node = nodes[Math.floor(((index - 1) * nodeCount) / Math.max(1, vmCount))];
    const name = `vm-${String(index).padStart(width, '0')}`;
    const liveMigratable = every > 0 && index % every === 0 ? false : true;
    server.addVm({ name, namespace, node, cpu: 1 + (index % 4), memory: `${1 + (index % 4)}Gi`, liveMigratable });
    vmis.push(name);
  }
  if (bare) {
    server.addVmi({ name: 'bare-vmi', namespace, node: nodes[0], cpu: 1, memory: '1Gi' });
    vmis.push('bare-vmi');
  }
  return { nodes, vmis };
}
