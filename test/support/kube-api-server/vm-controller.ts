// VirtualMachines and their instances: the start/stop/restart actions of virt-api's
// subresources.kubevirt.io, the VM controller that creates or deletes the VMI to match the
// runStrategy, a VMI lifecycle (Pending → Scheduling → Scheduled → Running, graceful
// shutdown on delete) and the VM's printableStatus mirrored from its VMI.
import type { KubeCluster } from './cluster';
import type { KubeObject } from './kube-object';
import type { ChangeEvent } from './object-store';
import { NODES, VIRTUAL_MACHINES, VIRTUAL_MACHINE_INSTANCES } from './resource-types';
import type { ControllerTiming } from './controller-timing';
import { buildVmi, isNodeReady, type LiveMigratableInit } from './object-factories';
import { conflict, notFound } from './status-errors';

const VMI_PHASES = ['Pending', 'Scheduling', 'Scheduled', 'Running'];

function key(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

export class VmController {
  /** What addVm said about live migration, applied to every VMI the VM starts. */
  readonly liveMigratable = new Map<string, boolean | LiveMigratableInit>();
  private readonly vmiTimers = new Map<string, NodeJS.Timeout>();
  private readonly dirtyVms = new Set<string>();
  private flushScheduled = false;
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(private readonly cluster: KubeCluster, private readonly timing: ControllerTiming) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.cluster.store.onChange((e) => this.onChange(e));
    for (const vm of this.cluster.store.list(VIRTUAL_MACHINES)) this.markDirty(vm.object.metadata.namespace, vm.object.metadata.name);
    for (const vmi of this.cluster.store.list(VIRTUAL_MACHINE_INSTANCES)) this.scheduleVmi(vmi.object, this.timing.vmiPhaseMs);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const t of this.vmiTimers.values()) clearTimeout(t);
    this.vmiTimers.clear();
  }

  private onChange(event: ChangeEvent): void {
    const o = event.stored.object;
    if (event.resource === VIRTUAL_MACHINES && event.type !== 'DELETED') this.markDirty(o.metadata.namespace, o.metadata.name);
    if (event.resource !== VIRTUAL_MACHINE_INSTANCES) return;
    const owner = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'VirtualMachine');
    if (owner) this.markDirty(o.metadata.namespace, owner.name);
    if (event.type === 'DELETED') {
      const k = key(o.metadata.namespace, o.metadata.name);
      const t = this.vmiTimers.get(k);
      if (t) clearTimeout(t);
      this.vmiTimers.delete(k);
    } else if (o.metadata.deletionTimestamp && !event.previous?.object.metadata.deletionTimestamp) {
      this.scheduleVmi(o, this.timing.vmiStopMs);
    } else if (event.type === 'ADDED') {
      this.scheduleVmi(o, this.timing.vmiPhaseMs);
    }
  }

  // ---- virt-api subresources -------------------------------------------------------------

  startVm(namespace: string, name: string): void {
    const vm = this.cluster.store.get(VIRTUAL_MACHINES, namespace, name)?.object;
    if (!vm) throw notFound('virtualmachines', 'kubevirt.io', name);
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, namespace, name)?.object;
    if (vmi && !vmi.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(vmi.status?.phase)) {
      throw conflict('virtualmachine', 'kubevirt.io', name, 'VM is already running');
    }
    this.cluster.mutate(VIRTUAL_MACHINES, namespace, name, (d) => {
      d.spec.runStrategy = d.spec.runStrategy === 'Manual' ? 'Manual' : 'Always';
      delete d.spec.running;
      if (d.spec.runStrategy === 'Manual') d.status.stateChangeRequests = [{ action: 'Start' }];
    });
    this.markDirty(namespace, name);
  }

  stopVm(namespace: string, name: string): void {
    const vm = this.cluster.store.get(VIRTUAL_MACHINES, namespace, name)?.object;
    if (!vm) throw notFound('virtualmachines', 'kubevirt.io', name);
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, namespace, name)?.object;
    if (!vmi && vm.spec?.runStrategy === 'Halted') throw conflict('virtualmachine', 'kubevirt.io', name, 'VM is not running');
    this.cluster.mutate(VIRTUAL_MACHINES, namespace, name, (d) => {
      d.spec.runStrategy = d.spec.runStrategy === 'Manual' ? 'Manual' : 'Halted';
      delete d.spec.running;
      if (d.spec.runStrategy === 'Manual') d.status.stateChangeRequests = [{ action: 'Stop', uid: vmi?.metadata.uid }];
    });
    if (vmi && !vmi.metadata.deletionTimestamp) this.cluster.delete(VIRTUAL_MACHINE_INSTANCES, namespace, name);
    this.markDirty(namespace, name);
  }

  restartVm(namespace: string, name: string): void {
    const vm = this.cluster.store.get(VIRTUAL_MACHINES, namespace, name)?.object;
    if (!vm) throw notFound('virtualmachines', 'kubevirt.io', name);
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, namespace, name)?.object;
    if (!vmi) throw conflict('virtualmachine', 'kubevirt.io', name, 'VM is not running');
    if (!vmi.metadata.deletionTimestamp) this.cluster.delete(VIRTUAL_MACHINE_INSTANCES, namespace, name);
  }

  // ---- the VM controller -----------------------------------------------------------------

  private markDirty(namespace: string | undefined, name: string | undefined): void {
    this.dirtyVms.add(key(namespace, name));
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.stopped) return;
      const keys = [...this.dirtyVms];
      this.dirtyVms.clear();
      for (const k of keys) {
        const [ns, n] = k.split('/');
        try { this.reconcileVm(ns, n); } catch (error) { process.stderr.write(`[kube-api-server] VM controller: ${k}: ${(error as Error).message}\n`); }
      }
    });
  }

  private wantsRunning(vm: KubeObject, vmi: KubeObject | undefined): boolean {
    const strategy = vm.spec?.runStrategy ?? (vm.spec?.running ? 'Always' : 'Halted');
    if (strategy === 'Always' || strategy === 'RerunOnFailure') return true;
    if (strategy === 'Manual' || strategy === 'Once') {
      const requests: Array<{ action: string }> = vm.status?.stateChangeRequests ?? [];
      return requests.some((r) => r.action === 'Start') || (!!vmi && !vmi.metadata.deletionTimestamp);
    }
    return false;
  }

  private reconcileVm(namespace: string, name: string): void {
    const vm = this.cluster.store.get(VIRTUAL_MACHINES, namespace, name)?.object;
    if (!vm || vm.metadata.deletionTimestamp) {
      if (vm) this.cluster.mutate(VIRTUAL_MACHINES, namespace, name, (d) => { d.metadata.finalizers = []; });
      return;
    }
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, namespace, name)?.object;
    const running = this.wantsRunning(vm, vmi);
    if (running && !vmi) {
      const template = vm.spec?.template?.spec ?? {};
      const created = buildVmi({
        name, namespace, phase: 'Pending',
        cpu: template.domain?.cpu?.cores, memory: template.domain?.memory?.guest,
        nodeSelector: template.nodeSelector, evictionStrategy: template.evictionStrategy,
        labels: vm.spec?.template?.metadata?.labels,
        owner: { name, uid: vm.metadata.uid ?? '' },
        liveMigratable: this.liveMigratable.get(key(namespace, name)),
      });
      created.spec = structuredClone(template);
      this.cluster.store.create(VIRTUAL_MACHINE_INSTANCES, created);
      if (vm.status?.stateChangeRequests) this.cluster.mutate(VIRTUAL_MACHINES, namespace, name, (d) => { delete d.status.stateChangeRequests; });
    } else if (!running && vmi && !vmi.metadata.deletionTimestamp) {
      this.cluster.delete(VIRTUAL_MACHINE_INSTANCES, namespace, name);
    }
    this.mirrorStatus(namespace, name);
  }

  private mirrorStatus(namespace: string, name: string): void {
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, namespace, name)?.object;
    let printable = 'Stopped';
    let ready = false;
    if (vmi) {
      const phase = vmi.status?.phase;
      const state = vmi.status?.migrationState;
      ready = (vmi.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
      if (vmi.metadata.deletionTimestamp) printable = 'Stopping';
      else if (phase === 'Running') printable = state && !state.completed && !state.failed ? 'Migrating' : 'Running';
      else if (phase === 'Succeeded' || phase === 'Failed') printable = 'Stopped';
      else printable = 'Starting';
    }
    this.cluster.mutate(VIRTUAL_MACHINES, namespace, name, (d) => {
      d.status ??= {};
      d.status.printableStatus = printable;
      d.status.runStrategy = d.spec?.runStrategy;
      if (vmi) d.status.created = true; else delete d.status.created;
      if (ready) d.status.ready = true; else delete d.status.ready;
      d.status.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: null, ...(ready ? {} : { reason: vmi ? 'NotReady' : 'VMINotExists', message: vmi ? 'VMI is not ready' : 'VMI does not exist' }) }];
    });
  }

  // ---- the VMI lifecycle (virt-controller + virt-handler) --------------------------------

  private scheduleVmi(vmi: KubeObject, delayMs: number): void {
    if (this.stopped) return;
    const k = key(vmi.metadata.namespace, vmi.metadata.name);
    const existing = this.vmiTimers.get(k);
    if (existing) clearTimeout(existing);
    const phase = vmi.status?.phase ?? '';
    if (!vmi.metadata.deletionTimestamp && phase === 'Running') return;
    this.vmiTimers.set(k, setTimeout(() => {
      this.vmiTimers.delete(k);
      try { this.stepVmi(vmi.metadata.namespace, vmi.metadata.name ?? ''); } catch (error) { process.stderr.write(`[kube-api-server] VMI lifecycle: ${k}: ${(error as Error).message}\n`); }
    }, delayMs));
  }

  private stepVmi(namespace: string | undefined, name: string): void {
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, namespace, name)?.object;
    if (!vmi || this.stopped) return;
    const now = this.cluster.now();
    if (vmi.metadata.deletionTimestamp) {
      // Graceful shutdown, then the finalizers go and the VMI with them.
      this.cluster.mutate(VIRTUAL_MACHINE_INSTANCES, namespace, name, (d) => {
        d.status ??= {};
        d.status.phase = 'Succeeded';
        d.status.conditions = [];
        d.metadata.finalizers = [];
      });
      return;
    }
    const phase: string = vmi.status?.phase ?? '';
    const index = VMI_PHASES.indexOf(phase);
    if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') return;
    const next = VMI_PHASES[index + 1] ?? 'Pending';
    let node: string | undefined = vmi.status?.nodeName;
    if (next === 'Scheduled' && !node) {
      node = this.chooseNode(vmi);
      if (!node) { this.scheduleVmi(vmi, Math.max(50, this.timing.vmiPhaseMs)); return; }
    }
    this.cluster.mutate(VIRTUAL_MACHINE_INSTANCES, namespace, name, (d) => {
      d.status ??= {};
      d.status.phase = next;
      const stamps: Array<{ phase: string }> = d.status.phaseTransitionTimestamps ?? [];
      if (!stamps.some((s) => s.phase === next)) stamps.push({ phase: next, phaseTransitionTimestamp: now } as { phase: string });
      d.status.phaseTransitionTimestamps = stamps;
      if (node && (next === 'Scheduled' || next === 'Running')) {
        d.status.nodeName = node;
        d.metadata.labels = { ...d.metadata.labels, 'kubevirt.io/nodeName': node };
      }
      if (next === 'Running') {
        const built = buildVmi({
          name, namespace, node, phase: 'Running', cpu: d.spec?.domain?.cpu?.cores, memory: d.spec?.domain?.memory?.guest,
          liveMigratable: this.liveMigratableFor(d),
        });
        d.status = { ...built.status, phaseTransitionTimestamps: d.status.phaseTransitionTimestamps };
      }
    });
    const updated = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, namespace, name)?.object;
    if (updated && updated.status?.phase !== 'Running') this.scheduleVmi(updated, this.timing.vmiPhaseMs);
  }

  private liveMigratableFor(vmi: KubeObject): boolean | LiveMigratableInit | undefined {
    const owner = (vmi.metadata.ownerReferences ?? []).find((r) => r.kind === 'VirtualMachine');
    return owner ? this.liveMigratable.get(key(vmi.metadata.namespace, owner.name)) : undefined;
  }

  private chooseNode(vmi: KubeObject): string | undefined {
    const selector: Record<string, string> = vmi.spec?.nodeSelector ?? {};
    const nodes = [...this.cluster.store.values(NODES)].map((s) => s.object)
      .filter((n) => isNodeReady(n) && !n.spec?.unschedulable && Object.entries(selector).every(([k, v]) => n.metadata.labels?.[k] === v));
    if (!nodes.length) return undefined;
    const load = new Map<string, number>();
    for (const s of this.cluster.store.values(VIRTUAL_MACHINE_INSTANCES)) {
      const n = s.object.status?.nodeName;
      if (n) load.set(n, (load.get(n) ?? 0) + 1);
    }
    nodes.sort((a, b) => (load.get(a.metadata.name ?? '') ?? 0) - (load.get(b.metadata.name ?? '') ?? 0) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    return nodes[0].metadata.name;
  }
}
