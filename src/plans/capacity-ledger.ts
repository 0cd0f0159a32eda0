// What each node holds and has promised while a plan runs. A migration reserves the VM's size on
// its target from the moment it starts, and the source frees it only at the end: so a target's
// peak counts every incoming migration (in flight or planned) and credits none of its outgoing
// ones. Checking fits against that peak keeps every node within capacity in any order the
// runner starts the entries, not just at the end of the plan.

import type { ClusterNode, Resources, Vm, VmState } from '../model/cluster';
import { formatMemoryMb } from '../model/vocabulary';

/** States in which a VM holds its node's resources (the rest is defined but not running). */
const HOLDING: ReadonlySet<VmState> = new Set<VmState>(['running', 'starting', 'stopping', 'pending', 'unknown']);

/** True when the VM holds its node's resources now: only then does moving it away free room there. */
export function holdsResources(vm: Pick<Vm, 'state'>): boolean {
  return HOLDING.has(vm.state);
}

export function vmSize(vm: Vm): Resources {
  return { vcpus: vm.vcpus ?? 0, memoryMb: vm.memoryMb ?? 0 };
}

const add = (a: Resources, b: Resources, sign = 1): Resources => ({ vcpus: a.vcpus + sign * b.vcpus, memoryMb: a.memoryMb + sign * b.memoryMb });
const ZERO: Resources = { vcpus: 0, memoryMb: 0 };

/** A node's use as a fraction of its capacity, per resource (0 where the capacity is unknown). */
export interface UseFraction {
  cpu: number;
  memory: number;
}

export function useFraction(used: Resources, capacity: Resources | undefined): UseFraction {
  return {
    cpu: capacity && capacity.vcpus > 0 ? used.vcpus / capacity.vcpus : 0,
    memory: capacity && capacity.memoryMb > 0 ? used.memoryMb / capacity.memoryMb : 0,
  };
}

interface NodeBook {
  node: ClusterNode;
  /** What the node holds now. */
  used: Resources;
  /** Reserved by migrations in flight or planned towards it. */
  incoming: Resources;
  /** Held now and freed at the end of migrations in flight or planned away from it. */
  outgoing: Resources;
}

export class CapacityLedger {
  private readonly books = new Map<string, NodeBook>();

  constructor(nodes: readonly ClusterNode[], vms: readonly Vm[]) {
    const held = new Map<string, Resources>();
    for (const vm of vms) {
      if (vm.nodeId === undefined || !holdsResources(vm)) continue;
      held.set(vm.nodeId, add(held.get(vm.nodeId) ?? ZERO, vmSize(vm)));
    }
    for (const node of nodes) {
      const used = node.used ? { vcpus: node.used.vcpus, memoryMb: node.used.memoryMb } : (held.get(node.id) ?? ZERO);
      this.books.set(node.id, { node, used, incoming: ZERO, outgoing: ZERO });
    }
    // Migrations already in flight hold room on their targets until they end.
    for (const vm of vms) {
      if (!vm.migration) continue;
      this.reserveMove(vm, vm.migration.targetNodeId);
    }
  }

  has(nodeId: string): boolean {
    return this.books.has(nodeId);
  }

  node(nodeId: string): ClusterNode | undefined {
    return this.books.get(nodeId)?.node;
  }

  capacity(nodeId: string): Resources | undefined {
    return this.books.get(nodeId)?.node.capacity;
  }

  used(nodeId: string): Resources {
    return this.books.get(nodeId)?.used ?? ZERO;
  }

  /** The most the node may hold at once while everything reserved runs: used + every incoming. */
  peak(nodeId: string): Resources {
    const book = this.books.get(nodeId);
    return book ? add(book.used, book.incoming) : ZERO;
  }

  /** What the node holds once everything reserved has ended. */
  after(nodeId: string): Resources {
    const book = this.books.get(nodeId);
    return book ? add(add(book.used, book.incoming), book.outgoing, -1) : ZERO;
  }

  /**
   * Undefined when `size` fits on the node on top of its peak, else why not with the figures
   * ("needs 4 vCPU, 2 GiB; node-3 has 2 vCPU, 8 GiB free of 16 vCPU, 32 GiB"). A node
   * whose capacity is unknown takes anything (the cluster checks when the migration starts).
   */
  misfit(nodeId: string, size: Resources): string | undefined {
    const book = this.books.get(nodeId);
    if (!book) return `node ${nodeId} is not in the cluster`;
    const capacity = book.node.capacity;
    if (!capacity) return undefined;
    const peak = this.peak(nodeId);
    const free = { vcpus: capacity.vcpus - peak.vcpus, memoryMb: capacity.memoryMb - peak.memoryMb };
    if (size.vcpus <= free.vcpus && size.memoryMb <= free.memoryMb) return undefined;
    return (
      `needs ${formatResources(size)}; ${book.node.name} has ${formatResources({ vcpus: Math.max(0, free.vcpus), memoryMb: Math.max(0, free.memoryMb) })} free ` +
      `of ${formatResources(capacity)} (counting migrations in flight and planned towards it)`
    );
  }

  /** Books a migration of `size` from `from` to `to` (either may be unknown: the cluster's choice). */
  reserve(from: string | undefined, to: string | undefined, size: Resources): void {
    const target = to === undefined ? undefined : this.books.get(to);
    if (target) target.incoming = add(target.incoming, size);
    const source = from === undefined ? undefined : this.books.get(from);
    if (source) source.outgoing = add(source.outgoing, size);
  }

  /**
   * Books moving `vm` to `to`: its size on the target (a stopped VM too, so it can start there
   * after), and as freed on its source only when it holds room there — a stopped VM's move frees
   * nothing, or the source would end below zero.
   */
  reserveMove(vm: Vm, to: string | undefined): void {
    this.reserve(holdsResources(vm) ? vm.nodeId : undefined, to, vmSize(vm));
  }

  nodeIds(): string[] {
    return [...this.books.keys()];
  }
}

export function formatResources(r: Resources): string {
  return `${r.vcpus} vCPU, ${formatMemoryMb(r.memoryMb)}`;
}
