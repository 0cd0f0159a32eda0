// What the tree shows of a KubeVirt cluster, kept from the Node and VMI informers: nodes, VMs
// indexed by node (with each node's requested CPU and memory summed from its VMs), which VMIMs
// migrate which VMI, and for every event the smallest change scope that covers it — a node's
// heartbeat changes nothing shown, a VM's own change refreshes that VM, new figures its node.
// The tree's bookkeeping for VMI and VMIM events waits until the event loop has read its I/O
// (setImmediate), or until the tree is read: KubeVirt writes a VMI just before each VMIM change,
// and the migration stream must not wait behind the tree (issue 13). The informers' caches are
// current at once; only this index and its change events follow a turn later.

import type { ChangedScope, ClusterNode, Vm } from '../../model/cluster';
import { SourceError } from '../../model/errors';
import type { KubeNode, KubeVmi, KubeVmim } from './kube-objects';
import { objectKey } from './kube-objects';
import type { KubevirtInformers } from './kubevirt-informers';
import { parseNode } from './node-parsing';
import { bytesToMb } from './quantity';
import { parseVmi, vmiRequests } from './vmi-parsing';
import { HOSTNAME_LABEL, isFinalKubevirtPhase, kubevirtMigrationId } from './vmim-parsing';

interface VmEntry {
  vm: Vm;
  usage?: { vcpus: number; memoryBytes: number };
}

/** Logs a problem with an object once per key, at warn unless said otherwise. */
export type ProblemLog = (key: string, message: string, level?: 'warn' | 'debug') => void;

export interface InventoryHooks {
  changed(scope: ChangedScope): void;
  /** A VMI's migration state or node moved: the VMIMs that migrate it may read differently now. */
  migrationStateMoved(vmimKeys: Iterable<string>): void;
  logProblem: ProblemLog;
}

export class ClusterInventory {
  private readonly nodes = new Map<string, ClusterNode>();
  private readonly vms = new Map<string, VmEntry>();
  private readonly vmsByNode = new Map<string, Set<string>>();
  /** "namespace/vmiName" → keys of the VMIMs that migrate it. */
  private readonly vmimsByVmi = new Map<string, Set<string>>();
  /** "namespace/vmiName" → its in-flight migration as the tree last showed it (JSON), to refresh the VM only when that moves. */
  private readonly shownMigrations = new Map<string, string>();
  /** Bookkeeping not yet done, in event order (see the file comment). */
  private pending: Array<() => void> = [];
  private settleScheduled = false;
  private informers: KubevirtInformers | undefined;

  constructor(
    private readonly sourceId: string,
    private readonly label: string,
    private readonly hooks: InventoryHooks,
  ) {}

  /** Follows the node and VMI informers (VMIM events come through migrationChanged()). */
  follow(informers: KubevirtInformers): void {
    this.informers = informers;
    informers.nodes.listen({
      onAdd: (obj) => {
        if (this.upsertNode(obj)) this.hooks.changed({ scope: 'nodes' });
      },
      onUpdate: (obj) => {
        const before = obj.metadata?.name ? this.nodes.get(obj.metadata.name) : undefined;
        const after = this.upsertNode(obj);
        // Nodes update their heartbeat constantly: only what the tree shows counts as a change.
        if (after && JSON.stringify(before) !== JSON.stringify(after)) this.hooks.changed({ scope: 'node', nodeId: after.id });
      },
      onDelete: (obj) => {
        if (obj.metadata?.name && this.nodes.delete(obj.metadata.name)) this.hooks.changed({ scope: 'nodes' });
      },
    });
    informers.vmis.listen({
      onAdd: (obj) => this.defer(() => this.vmiChanged(obj, undefined)),
      onUpdate: (obj, previous) => this.defer(() => this.vmiChanged(obj, previous)),
      onDelete: (obj) => this.defer(() => this.vmiRemoved(obj)),
    });
  }

  /** Does the bookkeeping still waiting, in order: before any read, and on the turn after the events. */
  settle(): void {
    this.settleScheduled = false;
    while (this.pending.length > 0) {
      const work = this.pending;
      this.pending = [];
      for (const step of work) step();
    }
  }

  listNodes(): ClusterNode[] {
    this.settle();
    const result: ClusterNode[] = [];
    for (const node of this.nodes.values()) {
      let vcpus = 0;
      let memoryBytes = 0;
      let running = 0;
      for (const key of this.vmsByNode.get(node.id) ?? []) {
        const entry = this.vms.get(key);
        if (!entry) continue;
        if (entry.usage) {
          vcpus += entry.usage.vcpus;
          memoryBytes += entry.usage.memoryBytes;
        }
        if (entry.vm.state === 'running') running++;
      }
      result.push({ ...node, used: { vcpus: Math.round(vcpus * 1000) / 1000, memoryMb: bytesToMb(memoryBytes) }, runningVms: running });
    }
    return result.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  listVms(nodeId?: string): Vm[] {
    this.settle();
    const keys = nodeId === undefined ? this.vms.keys() : (this.vmsByNode.get(nodeId) ?? new Set<string>()).values();
    const result: Vm[] = [];
    for (const key of keys) {
      const entry = this.vms.get(key);
      if (entry) result.push(this.withMigration(entry.vm));
    }
    return result.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The dialog validates too; these checks give the TUI's messages before a round trip. */
  checkMigration(vmiKey: string, target: string | undefined): void {
    this.settle();
    const informers = this.informers;
    if (!informers?.vmis.hasSynced) return;
    const entry = this.vms.get(vmiKey);
    if (!entry) throw new SourceError('not-found', `VM ${vmiKey} not found in ${this.label}`);
    if (target && entry.vm.nodeId === target) throw new SourceError('failed-precondition', 'Target node must be different from source node');
    if (target && informers.nodes.hasSynced && !this.nodes.has(target)) throw new SourceError('failed-precondition', `Node ${target} not found in cluster`);
    // KubeVirt would leave such a VMIM unschedulable until it times out; say why now.
    if (target && this.nodes.get(target)?.schedulable === false) throw new SourceError('failed-precondition', `Node ${target} is cordoned: it takes no new VMs; choose another node`);
  }

  /**
   * A VMIM came, changed or went: `observe` says its news on the migration stream at once; the
   * VMIM → VMI index follows with the rest of the bookkeeping, and the VM is refreshed when what
   * the tree shows of its migration moved.
   */
  migrationChanged(vmim: KubeVmim, key: string, deleted: boolean, observe: () => void): void {
    observe();
    this.defer(() => this.indexMigration(vmim, key, deleted));
  }

  private indexMigration(vmim: KubeVmim, key: string, deleted: boolean): void {
    const vmiName = vmim.spec?.vmiName;
    if (typeof vmiName !== 'string' || vmiName === '' || !vmim.metadata?.namespace) return;
    const vmiKey = `${vmim.metadata.namespace}/${vmiName}`;
    if (deleted) {
      const keys = this.vmimsByVmi.get(vmiKey);
      keys?.delete(key);
      if (keys?.size === 0) this.vmimsByVmi.delete(vmiKey);
    } else {
      let keys = this.vmimsByVmi.get(vmiKey);
      if (!keys) this.vmimsByVmi.set(vmiKey, (keys = new Set()));
      keys.add(key);
    }
    const shown = this.inFlightMigration(vmiKey);
    const now = shown ? JSON.stringify(shown) : undefined;
    if (now === this.shownMigrations.get(vmiKey)) return;
    if (now === undefined) this.shownMigrations.delete(vmiKey);
    else this.shownMigrations.set(vmiKey, now);
    const vm = this.vms.get(vmiKey)?.vm;
    if (vm) this.hooks.changed(vmScope(vm));
  }

  private defer(step: () => void): void {
    this.pending.push(step);
    if (this.settleScheduled) return;
    this.settleScheduled = true;
    setImmediate(() => {
      if (this.settleScheduled) this.settle();
    });
  }

  private upsertNode(obj: KubeNode): ClusterNode | undefined {
    const node = parseNode(obj);
    if (!node) this.hooks.logProblem(`node:${JSON.stringify(obj?.metadata ?? null).slice(0, 80)}`, 'a node without a name; skipped');
    else this.nodes.set(node.id, node);
    return node;
  }

  private vmiChanged(obj: KubeVmi, previous: KubeVmi | undefined): void {
    const key = objectKey(obj);
    const vm = parseVmi(obj);
    if (!key || !vm) {
      this.hooks.logProblem(`vmi:${key ?? JSON.stringify(obj?.metadata ?? null).slice(0, 80)}`, `a VMI without a name or namespace (${key ?? '?'}); skipped`);
      return;
    }
    const before = this.vms.get(key);
    const usage = vmiRequests(obj);
    const entry: VmEntry = usage ? { vm, usage } : { vm };
    this.vms.set(key, entry);
    const oldNode = before?.vm.nodeId;
    // KubeVirt keeps a running migration's state on the VMI: its migrations may have moved on.
    // Said first: the migration stream goes before the tree.
    if (previous === undefined || oldNode !== vm.nodeId || JSON.stringify(previous.status?.migrationState) !== JSON.stringify(obj.status?.migrationState)) {
      this.hooks.migrationStateMoved(this.vmimsByVmi.get(key) ?? []);
    }
    if (oldNode !== vm.nodeId) {
      if (oldNode) this.vmsByNode.get(oldNode)?.delete(key);
      if (vm.nodeId) {
        let keys = this.vmsByNode.get(vm.nodeId);
        if (!keys) this.vmsByNode.set(vm.nodeId, (keys = new Set()));
        keys.add(key);
      }
    }
    // A node refresh covers its VMs; a VM refresh alone suffices when the node's figures stay.
    const nodeFiguresChanged =
      !before ||
      oldNode !== vm.nodeId ||
      JSON.stringify(before.usage) !== JSON.stringify(entry.usage) ||
      (before.vm.state === 'running') !== (vm.state === 'running');
    if (nodeFiguresChanged) {
      if (oldNode && oldNode !== vm.nodeId) this.hooks.changed({ scope: 'node', nodeId: oldNode });
      if (vm.nodeId) this.hooks.changed({ scope: 'node', nodeId: vm.nodeId });
    } else if (JSON.stringify(before.vm) !== JSON.stringify(vm)) {
      this.hooks.changed(vmScope(vm));
    }
  }

  private vmiRemoved(obj: KubeVmi): void {
    const key = objectKey(obj);
    if (!key) return;
    const before = this.vms.get(key);
    if (!before) return;
    this.vms.delete(key);
    this.shownMigrations.delete(key);
    const node = before.vm.nodeId;
    if (node) {
      this.vmsByNode.get(node)?.delete(key);
      this.hooks.changed({ scope: 'node', nodeId: node });
    }
  }

  private withMigration(vm: Vm): Vm {
    const migration = this.inFlightMigration(vm.id);
    return migration ? { ...vm, migration } : { ...vm };
  }

  /** The VMI's newest migration that has not ended, as the tree shows it ("→ target"). */
  private inFlightMigration(vmiKey: string): Vm['migration'] | undefined {
    const keys = this.vmimsByVmi.get(vmiKey);
    const store = this.informers?.vmims.items;
    if (!keys || !store) return undefined;
    let newest: KubeVmim | undefined;
    for (const key of keys) {
      const vmim = store.get(key);
      if (!vmim || isFinalKubevirtPhase(vmim.status?.phase)) continue;
      if (!newest || (vmim.metadata?.creationTimestamp ?? '') > (newest.metadata?.creationTimestamp ?? '')) newest = vmim;
    }
    if (!newest?.metadata?.name || !newest.metadata.namespace) return undefined;
    const vmiState = this.informers?.vmis.items.get(vmiKey)?.status?.migrationState;
    const ownState = vmiState && vmiState.migrationUid === newest.metadata.uid ? vmiState : undefined;
    const target = ownState?.targetNode || newest.spec?.addedNodeSelector?.[HOSTNAME_LABEL];
    const migration: NonNullable<Vm['migration']> = {
      id: kubevirtMigrationId(this.sourceId, newest.metadata.namespace, newest.metadata.name),
      name: newest.metadata.name,
      phase: newest.status?.phase || 'Pending',
    };
    if (target) migration.targetNodeId = target;
    return migration;
  }
}

function vmScope(vm: Vm): ChangedScope {
  return vm.nodeId ? { scope: 'vm', vmId: vm.id, nodeId: vm.nodeId } : { scope: 'vm', vmId: vm.id };
}
