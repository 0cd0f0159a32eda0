// The node's control loop: makes this machine's VM runtime match what the cluster state says
// should run here (start, stop, adopt, release), runs the migration steps that fall to this
// node, and, while this node leads, ends migrations whose nodes left and prunes old history.

import { ACTIVE_VM_STATES, isFinalStatus, keys, type MigrationRecord, type VmRecord } from '../state/cluster-records';
import type { ViewChange } from '../state/cluster-view';
import type { StoreOp } from '../store/cluster-store';
import { driveColdSource, driveColdTarget, driveLiveSource, settleSwitchoverAtSource } from './migration-driver';
import { driveLiveTarget } from './live-target-driver';
import type { UnexpectedVmExit } from '../runtime/vm-runtime';
import { decidedByHypervisors, missingParticipant, planEndMigration } from './migration-outcomes';
import { isTransient, retryTransient, type NodeContext } from './node-context';

const RECONCILE_INTERVAL_MS = 1000;
/** Final migrations kept in the store; older ones are pruned by the leader. */
export const MIGRATION_HISTORY_LIMIT = 1000;

export class NodeAgent {
  private readonly drivers = new Map<string, AbortController>();
  private readonly vmTasks = new Map<string, AbortController>();
  private timer?: NodeJS.Timeout;
  private subscription?: { dispose(): void };
  private stopWatchingExits?: () => void;
  private sweeping = false;

  constructor(private readonly ctx: NodeContext) {}

  /** Fails what this node's previous life left in flight, then starts reconciling. */
  async start(): Promise<void> {
    const { view, nodeId } = this.ctx;
    const orphaned = [...view.migrations.values()]
      .map((e) => e.value)
      .filter((m) => !isFinalStatus(m.status) && (m.sourceNodeId === nodeId || m.targetNodeId === nodeId))
      // At switchover the hypervisors decide: a source reads its own (considerMigration), a target leaves it to a live source.
      .filter((m) => !decidedByHypervisors(m) || (m.targetNodeId === nodeId && !view.members.has(m.sourceNodeId)));
    for (const m of orphaned) {
      await retryTransient(
        () => this.ctx.writer.commit(() => planEndMigration(view, m.id, 'FAILED', `node ${nodeId} restarted during the migration`)),
        this.ctx.shutdown,
      );
    }
    await this.reapLeftovers();
    this.subscription = view.onChange((changes) => this.onChanges(changes));
    this.stopWatchingExits = this.ctx.runtime.onUnexpectedExit?.((exit) => void this.vmDied(exit));
    this.timer = setInterval(() => this.reconcileAll(), RECONCILE_INTERVAL_MS);
    this.timer.unref();
    this.reconcileAll();
  }

  /**
   * Hypervisor processes outlive their daemon: once the previous life's migrations are ended, stop
   * what it left running that no record wants here (an incoming guest whose migration ended, a VM
   * that was stopping); the VMs the store says run here are adopted instead.
   */
  private async reapLeftovers(): Promise<void> {
    const { view, nodeId, runtime } = this.ctx;
    if (!runtime.reapLeftovers) return;
    const keep = new Set([...view.vms.values()].map((e) => e.value).filter((vm) => vm.nodeId === nodeId && vm.state === 'RUNNING').map((vm) => vm.name));
    // A guest arriving here at switchover may already run in the incoming QEMU: its source decides, and it is adopted if it stays.
    for (const { value: m } of view.migrations.values()) if (m.targetNodeId === nodeId && decidedByHypervisors(m)) keep.add(m.vmName);
    try {
      await runtime.reapLeftovers(keep);
    } catch (err) {
      this.ctx.log(`could not stop what the previous run left: ${(err as Error).message}`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.subscription?.dispose();
    this.stopWatchingExits?.();
    for (const c of this.drivers.values()) c.abort(new Error('node stopping'));
    for (const c of this.vmTasks.values()) c.abort(new Error('node stopping'));
  }

  private onChanges(changes: ViewChange[]): void {
    let membersChanged = false;
    for (const change of changes) {
      if (change.kind === 'migration') this.considerMigration(change.id);
      else if (change.kind === 'vm') this.considerVm(change.name);
      else if (change.kind === 'member' || change.kind === 'election') membersChanged = true;
    }
    if (membersChanged) void this.sweep();
  }

  private reconcileAll(): void {
    if (this.ctx.shutdown.aborted) return;
    const { view, nodeId, runtime } = this.ctx;
    for (const { value: m } of view.migrations.values()) {
      if (!isFinalStatus(m.status) && (m.sourceNodeId === nodeId || m.targetNodeId === nodeId)) this.considerMigration(m.id);
    }
    for (const { value: vm } of view.vms.values()) if (vm.nodeId === nodeId) this.considerVm(vm.name);
    for (const name of runtime.list()) this.considerVm(name);
    void this.sweep();
  }

  private considerMigration(id: string): void {
    const { view, nodeId } = this.ctx;
    const m = view.migrations.get(id)?.value;
    if (!m || isFinalStatus(m.status)) {
      this.drivers.get(id)?.abort(new Error('migration ended'));
      return;
    }
    if (this.drivers.has(id)) return;
    if (m.sourceNodeId === nodeId) {
      if (m.live && m.status === 'PREPARING') return this.runDriver(m, driveLiveSource);
      if (!m.live && (m.status === 'PREPARING' || m.status === 'TRANSFERRING')) return this.runDriver(m, driveColdSource);
      if (decidedByHypervisors(m)) return this.runDriver(m, settleSwitchoverAtSource);
      if (m.live && m.status !== 'PREPARING') {
        // Only this node's driver moves a live transfer; without it the transfer is lost.
        void this.end(m, `live transfer on node ${nodeId} was interrupted`);
      }
    } else if (m.targetNodeId === nodeId && !m.live && m.status === 'SWITCHING') {
      this.runDriver(m, driveColdTarget);
    } else if (m.targetNodeId === nodeId && decidedByHypervisors(m) && !view.members.has(m.sourceNodeId)) {
      // A restarted target holds no incoming guest to read, and no source is left to read its own.
      void this.end(m, `source node ${m.sourceNodeId} left the cluster during the switchover`);
    } else if (m.targetNodeId === nodeId && m.live && m.status === 'PREPARING' && !m.incoming && this.ctx.runtime.prepareIncoming) {
      this.runDriver(m, driveLiveTarget);
    }
  }

  /** The runtime lost a VM nobody stopped (its QEMU was killed): the VM is FAILED, with the reason. */
  private async vmDied(exit: UnexpectedVmExit): Promise<void> {
    const { view, writer, nodeId } = this.ctx;
    this.ctx.log(`VM ${exit.name}: ${exit.reason}`);
    try {
      await retryTransient(
        () =>
          writer.commit(() => {
            const vm = view.vms.get(exit.name)?.value;
            if (!vm || vm.nodeId !== nodeId || !ACTIVE_VM_STATES.has(vm.state)) return { noWrite: true as const, result: undefined };
            const next: VmRecord = { ...vm, state: 'FAILED', stateMessage: exit.reason, updatedAt: Date.now() };
            return { guards: [keys.vm(vm.name)], ops: [{ type: 'put', key: keys.vm(vm.name), value: JSON.stringify(next) }], result: undefined };
          }),
        this.ctx.shutdown,
      );
    } catch (err) {
      if (!this.ctx.shutdown.aborted) this.ctx.log(`VM ${exit.name}: could not record its failure: ${(err as Error).message}`);
    }
  }

  private runDriver(m: MigrationRecord, drive: (ctx: NodeContext, m: MigrationRecord, signal: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    const onShutdown = () => controller.abort(new Error('node stopping'));
    this.ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
    this.drivers.set(m.id, controller);
    drive(this.ctx, m, controller.signal)
      .catch((err: Error) => {
        if (!controller.signal.aborted) this.ctx.log(`migration ${m.id}: ${err.message}`);
      })
      .finally(() => {
        this.ctx.shutdown.removeEventListener('abort', onShutdown);
        if (this.drivers.get(m.id) === controller) this.drivers.delete(m.id);
      });
  }

  private async end(m: MigrationRecord, reason: string): Promise<void> {
    if (this.drivers.has(m.id)) return;
    this.drivers.set(m.id, new AbortController());
    try {
      this.ctx.log(`migration ${m.id} failed: ${reason}`);
      await this.ctx.writer.commit(() => planEndMigration(this.ctx.view, m.id, 'FAILED', reason));
    } catch (err) {
      if (!isTransient(err)) this.ctx.log(`could not end migration ${m.id}: ${(err as Error).message}`);
    } finally {
      this.drivers.delete(m.id);
    }
  }

  /** Brings the runtime in line with one VM's record. */
  private considerVm(name: string): void {
    const { view, nodeId, runtime } = this.ctx;
    if (this.vmTasks.has(name)) return;
    const vm = view.vms.get(name)?.value;
    if (!vm || vm.nodeId !== nodeId) {
      // Gone, or lives elsewhere now. A live migration away keeps the guest here until it ends.
      const migration = vm?.migrationId ? view.migrations.get(vm.migrationId)?.value : undefined;
      const inFlight = migration && !isFinalStatus(migration.status) ? migration : undefined;
      if (runtime.isRunning(name)) {
        if (inFlight?.sourceNodeId !== nodeId) runtime.release(name);
      } else if (inFlight?.sourceNodeId !== nodeId && inFlight?.targetNodeId !== nodeId) {
        runtime.reapLeftover?.(name); // what a previous life of this daemon may have left of it
      }
      return;
    }
    if (vm.migrationId) {
      const m = view.migrations.get(vm.migrationId)?.value;
      if (m && !isFinalStatus(m.status)) return; // the migration's driver owns the VM meanwhile
    }
    switch (vm.state) {
      case 'STARTING':
        return this.runVmTask(vm, async (signal) => {
          if (!runtime.isRunning(name)) await runtime.start(vm, signal);
          return (current) => (current.state === 'STARTING' ? { ...current, state: 'RUNNING', stateMessage: undefined } : undefined);
        });
      case 'STOPPING':
        return this.runVmTask(vm, async (signal) => {
          if (runtime.isRunning(name)) await runtime.stop(vm, signal);
          return (current) => (current.state === 'STOPPING' ? (current.deleteRequested ? null : { ...current, state: 'STOPPED' }) : undefined);
        });
      case 'RUNNING':
        if (!runtime.isRunning(name)) runtime.adopt(vm);
        return;
      default:
        if (runtime.isRunning(name) && !ACTIVE_VM_STATES.has(vm.state)) runtime.release(name);
    }
  }

  /**
   * Runs a start or stop in the runtime, then commits its outcome: the returned function maps
   * the VM's current record to the new one (null = delete, undefined = leave as is).
   */
  private runVmTask(vm: VmRecord, work: (signal: AbortSignal) => Promise<(current: VmRecord) => VmRecord | null | undefined>): void {
    const controller = new AbortController();
    const onShutdown = () => controller.abort(new Error('node stopping'));
    this.ctx.shutdown.addEventListener('abort', onShutdown, { once: true });
    this.vmTasks.set(vm.name, controller);
    const { view, writer, nodeId } = this.ctx;
    const commit = (next: (current: VmRecord) => VmRecord | null | undefined) =>
      writer.commit(() => {
        const current = view.vms.get(vm.name)?.value;
        if (!current || current.nodeId !== nodeId) return { noWrite: true as const, result: undefined };
        const updated = next(current);
        if (updated === undefined) return { noWrite: true as const, result: undefined };
        const op: StoreOp =
          updated === null
            ? { type: 'delete', key: keys.vm(vm.name) }
            : { type: 'put', key: keys.vm(vm.name), value: JSON.stringify({ ...updated, updatedAt: Date.now() }) };
        return { guards: [keys.vm(vm.name)], ops: [op], result: undefined };
      });
    work(controller.signal)
      .then(
        (next) => retryTransient(() => commit(next), controller.signal),
        (err: Error) => {
          if (controller.signal.aborted) return;
          const reason = err.message;
          this.ctx.log(`VM ${vm.name}: ${reason}`);
          return retryTransient(
            () => commit((current) => (current.state === vm.state ? { ...current, state: 'FAILED', stateMessage: reason } : undefined)),
            controller.signal,
          );
        },
      )
      .catch((err: Error) => {
        if (!controller.signal.aborted) this.ctx.log(`VM ${vm.name}: ${err.message}`);
      })
      .finally(() => {
        this.ctx.shutdown.removeEventListener('abort', onShutdown);
        if (this.vmTasks.get(vm.name) === controller) this.vmTasks.delete(vm.name);
        // The record may have moved on while we worked (a stop requested during a start).
        if (!this.ctx.shutdown.aborted) queueMicrotask(() => this.considerVm(vm.name));
      });
  }

  /**
   * Leader only: ends migrations that can no longer progress because a node they need left,
   * clears stale migration marks on VMs, and prunes final migrations beyond the history limit.
   */
  private async sweep(): Promise<void> {
    const { view, nodeId, writer } = this.ctx;
    if (this.sweeping || view.leader?.nodeId !== nodeId || this.ctx.shutdown.aborted) return;
    this.sweeping = true;
    try {
      for (const { value: m } of [...view.migrations.values()]) {
        if (isFinalStatus(m.status)) continue;
        const reason = missingParticipant(view, m);
        if (reason) {
          this.ctx.log(`migration ${m.id} failed: ${reason}`);
          await writer.commit(() => {
            const current = view.migrations.get(m.id)?.value;
            const stillMissing = current && !isFinalStatus(current.status) ? missingParticipant(view, current) : undefined;
            return stillMissing ? planEndMigration(view, m.id, 'FAILED', stillMissing) : { noWrite: true as const, result: undefined };
          });
        }
      }
      for (const { value: vm } of [...view.vms.values()]) {
        if (!vm.migrationId) continue;
        const m = view.migrations.get(vm.migrationId)?.value;
        if (m && !isFinalStatus(m.status)) continue;
        await writer.commit(() => {
          const current = view.vms.get(vm.name)?.value;
          const mm = current?.migrationId ? view.migrations.get(current.migrationId)?.value : undefined;
          if (!current?.migrationId || (mm && !isFinalStatus(mm.status))) return { noWrite: true as const, result: undefined };
          return { guards: [keys.vm(vm.name)], ops: [{ type: 'put', key: keys.vm(vm.name), value: JSON.stringify({ ...current, migrationId: undefined }) }], result: undefined };
        });
      }
      await this.prune();
    } catch (err) {
      if (!isTransient(err)) this.ctx.log(`sweep: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  private async prune(): Promise<void> {
    const { view, writer } = this.ctx;
    const finals = [...view.migrations.values()].filter((e) => isFinalStatus(e.value.status));
    if (finals.length <= MIGRATION_HISTORY_LIMIT) return;
    finals.sort((a, b) => a.value.endedAt - b.value.endedAt || a.modRevision - b.modRevision);
    const excess = finals.slice(0, finals.length - MIGRATION_HISTORY_LIMIT).slice(0, 100);
    await writer.commit(() => ({
      guards: excess.map((e) => keys.migration(e.value.id)),
      ops: excess.filter((e) => view.migrations.has(e.value.id)).map((e) => ({ type: 'delete' as const, key: keys.migration(e.value.id) })),
      result: undefined,
    }));
  }
}
