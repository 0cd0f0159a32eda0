// What a node daemon does for its callers, independent of gRPC (refusals are the errors of
// errors.ts; rpc/status-table.ts gives them their status codes): every write is validated
// against the view, committed through the store, and waited on until it has taken effect.
// Any daemon of the cluster can serve any request — the work itself is done by the node agents.

import { randomUUID, createHash } from 'node:crypto';
import { ACTIVE_VM_STATES, isFinalStatus, keys, type MemberRecord, type MigrationRecord, type VmRecord, type VmStateName } from './state/cluster-records';
import { planEndMigration } from './agent/migration-outcomes';
import type { NodeContext } from './agent/node-context';
import { AlreadyExistsError, FailedPreconditionError, InvalidArgumentError, NodeInMaintenanceError, NotFoundError, WaitTimeoutError, quote } from './errors';
import type { StoreOp } from './store/cluster-store';
import { maintenanceOf, refuseIfInMaintenance } from './node-maintenance';

export interface CreateVmInput {
  name: string;
  vcpus: number;
  memoryMb: number;
  configPath: string;
  /** Key/value metadata kept with the VM (validated by the caller); empty or absent: none. */
  metadata?: Record<string, string>;
  /** Seeding only (dev-cluster): place on this node and in this state instead of scheduling. */
  nodeId?: number;
  initialState?: VmStateName;
}

export interface MigrateVmInput {
  vmName: string;
  targetNodeId: number;
  live: boolean;
  force: boolean;
  migrationId?: string;
  /** The migration plan that asks for it, kept on the record. */
  planId?: string;
}

export interface VmActionResult {
  success: boolean;
  message: string;
}

export interface MigrationFilter {
  activeOnly?: boolean;
  vmName?: string;
  nodeId?: number;
  limit?: number;
}

/** How long StartVm/StopVm/DeleteVm wait for the owning node before answering "in progress". */
const VM_ACTION_WAIT_MS = 60_000;

export class NodeOperations {
  constructor(private readonly ctx: NodeContext) {}

  private get view() {
    return this.ctx.view;
  }

  async createVm(input: CreateVmInput): Promise<VmRecord> {
    // A VM the runtime could never run (too little memory, a bad config file) is refused before it is recorded.
    await this.ctx.runtime.checkVm?.({ name: input.name, vcpus: input.vcpus, memoryMb: input.memoryMb, configPath: input.configPath });
    const { result } = await this.ctx.writer.commit(() => {
      if (this.view.vms.has(input.name)) throw new AlreadyExistsError(`VM ${quote(input.name)} already exists`);
      const nodeId = input.nodeId ?? this.placeNewVm(input);
      const now = Date.now();
      const vm: VmRecord = {
        name: input.name,
        vcpus: input.vcpus,
        memoryMb: input.memoryMb,
        configPath: input.configPath,
        nodeId,
        state: input.initialState ?? 'CREATED',
        ipAddress: ipAddressFor(input.name),
        createdAt: now,
        updatedAt: now,
      };
      if (input.metadata && Object.keys(input.metadata).length > 0) vm.metadata = { ...input.metadata };
      return {
        guards: [keys.vm(vm.name), keys.member(nodeId), keys.placement(nodeId), keys.maintenance(nodeId)],
        ops: [{ type: 'put', key: keys.vm(vm.name), value: JSON.stringify(vm) }, claimPlacement(nodeId, now)],
        result: vm,
      };
    });
    return result;
  }

  /** The live node outside maintenance with the most free memory that could ever hold the VM. */
  private placeNewVm(input: CreateVmInput): number {
    let best: { id: number; freeMemory: number } | undefined;
    let largest = { vcpus: 0, memoryMb: 0 };
    const cordoned: number[] = [];
    for (const { value: member } of this.view.members.values()) {
      const cap = member.capacity;
      if (cap.vcpus > largest.vcpus) largest = { ...largest, vcpus: cap.vcpus };
      if (cap.memoryMb > largest.memoryMb) largest = { ...largest, memoryMb: cap.memoryMb };
      if (cap.vcpus < input.vcpus || cap.memoryMb < input.memoryMb) continue;
      if (maintenanceOf(this.view, member.id)) {
        cordoned.push(member.id);
        continue;
      }
      const freeMemory = cap.memoryMb - this.view.committedOn(member.id).memoryMb;
      if (!best || freeMemory > best.freeMemory || (freeMemory === best.freeMemory && member.id < best.id)) best = { id: member.id, freeMemory };
    }
    if (!best) {
      if (this.view.members.size === 0) throw new FailedPreconditionError('No node is in the cluster to place the VM on');
      if (cordoned.length > 0) {
        const which = cordoned.sort((x, y) => x - y).map((id) => `node ${id}`).join(', ');
        throw new NodeInMaintenanceError(`No node can take the VM: every node that could hold it is in maintenance (${which})`);
      }
      throw new FailedPreconditionError(
        `No node can hold a VM with ${input.vcpus} vCPUs and ${input.memoryMb} MB memory (the largest node has ${largest.vcpus} vCPUs and ${largest.memoryMb} MB)`,
      );
    }
    return best.id;
  }

  private requireVm(name: string): VmRecord {
    const vm = this.view.vms.get(name)?.value;
    if (!vm) throw new NotFoundError(`VM ${quote(name)} not found`);
    return vm;
  }

  private activeMigrationOf(vm: VmRecord): MigrationRecord | undefined {
    const m = vm.migrationId ? this.view.migrations.get(vm.migrationId)?.value : undefined;
    return m && !isFinalStatus(m.status) ? m : undefined;
  }

  private requireNoMigration(vm: VmRecord): void {
    const m = this.activeMigrationOf(vm);
    if (m) throw new FailedPreconditionError(`VM ${quote(vm.name)} already has migration ${m.id} in flight (${m.status.toLowerCase()})`);
  }

  private requireHostAlive(vm: VmRecord): void {
    if (!this.view.members.has(vm.nodeId)) throw new FailedPreconditionError(`Node ${vm.nodeId} hosting VM ${quote(vm.name)} is not in the cluster`);
  }

  /**
   * A guest is the runtime's own (a QEMU process, a simulated timer): it cannot be handed to a node
   * of another runtime, so such a migration is refused before anything moves. A source that left
   * the cluster (a forced recovery) has no record to compare.
   */
  private requireSameRuntime(sourceNodeId: number, targetNodeId: number): void {
    const source = this.view.members.get(sourceNodeId)?.value;
    const target = this.view.members.get(targetNodeId)?.value;
    if (!source || !target) return;
    const sourceKind = runtimeKindOf(source);
    const targetKind = runtimeKindOf(target);
    if (sourceKind === targetKind) return;
    throw new FailedPreconditionError(
      `Node ${targetNodeId} runs ${describeRuntime(targetKind)} and node ${sourceNodeId} runs ${describeRuntime(sourceKind)}: a VM cannot move between runtimes`,
    );
  }

  /** What is short on `nodeId` for `vm` to run there, or undefined when it fits. */
  private shortfall(nodeId: number, vm: { vcpus: number; memoryMb: number }): string | undefined {
    const member = this.view.members.get(nodeId)?.value;
    if (!member) return `node ${nodeId} is not in the cluster`;
    const used = this.view.committedOn(nodeId);
    const freeVcpus = member.capacity.vcpus - used.vcpus;
    const freeMemory = member.capacity.memoryMb - used.memoryMb;
    const short: string[] = [];
    if (vm.vcpus > freeVcpus) short.push(`needs ${vm.vcpus} vCPUs but ${Math.max(0, freeVcpus)} are free`);
    if (vm.memoryMb > freeMemory) short.push(`needs ${vm.memoryMb} MB memory but ${Math.max(0, freeMemory)} MB are free`);
    return short.length ? short.join('; ') : undefined;
  }

  async startVm(name: string, signal?: AbortSignal): Promise<VmActionResult> {
    // The config file may have gone since CreateVm: refuse now rather than leave the VM FAILED.
    const known = this.view.vms.get(name)?.value;
    if (known && known.state !== 'RUNNING' && known.state !== 'STARTING') await this.ctx.runtime.checkVm?.(known);
    const { result: before } = await this.ctx.writer.commit(() => {
      const vm = this.requireVm(name);
      if (vm.deleteRequested) throw new FailedPreconditionError(`VM ${quote(name)} is being deleted`);
      this.requireNoMigration(vm);
      if (vm.state === 'RUNNING' || vm.state === 'STARTING') return { noWrite: true as const, result: vm };
      if (vm.state === 'STOPPING') throw new FailedPreconditionError(`VM ${quote(name)} is stopping; start it once it has stopped`);
      this.requireHostAlive(vm);
      refuseIfInMaintenance(this.view, vm.nodeId, `VM ${quote(name)} cannot start there; migrate it to a node outside maintenance first`);
      const short = this.shortfall(vm.nodeId, vm);
      if (short) throw new FailedPreconditionError(`Node ${vm.nodeId} lacks capacity to start VM ${quote(name)}: ${short}`);
      const next: VmRecord = { ...vm, state: 'STARTING', stateMessage: undefined, updatedAt: Date.now() };
      return {
        guards: [keys.vm(name), keys.member(vm.nodeId), keys.placement(vm.nodeId), keys.maintenance(vm.nodeId)],
        ops: [{ type: 'put', key: keys.vm(name), value: JSON.stringify(next) }, claimPlacement(vm.nodeId, next.updatedAt)],
        result: vm,
      };
    });
    if (before.state === 'RUNNING') return { success: true, message: `VM ${quote(name)} is already running on node ${before.nodeId}` };
    const outcome = await this.waitForVm(name, (vm) => vm?.state !== 'STARTING', signal);
    if (!outcome.settled) return { success: true, message: `VM ${quote(name)} is starting on node ${before.nodeId}` };
    const vm = outcome.vm;
    if (!vm) return { success: false, message: `VM ${quote(name)} was deleted while starting` };
    if (vm.state === 'RUNNING') return { success: true, message: `VM ${quote(name)} started on node ${vm.nodeId}` };
    return { success: false, message: `VM ${quote(name)} did not start: ${vm.stateMessage ?? vm.state.toLowerCase()}` };
  }

  async stopVm(name: string, signal?: AbortSignal): Promise<VmActionResult> {
    const { result: before } = await this.ctx.writer.commit(() => {
      const vm = this.requireVm(name);
      this.requireNoMigration(vm);
      if (vm.state === 'STOPPING') return { noWrite: true as const, result: vm };
      if (vm.state === 'CREATED' || vm.state === 'STOPPED') return { noWrite: true as const, result: vm };
      // A FAILED VM, or one whose node is gone, has nothing left to shut down.
      const immediate = vm.state === 'FAILED' || !this.view.members.has(vm.nodeId);
      const next: VmRecord = { ...vm, state: immediate ? 'STOPPED' : 'STOPPING', stateMessage: undefined, updatedAt: Date.now() };
      return { guards: [keys.vm(name), keys.member(vm.nodeId)], ops: [{ type: 'put', key: keys.vm(name), value: JSON.stringify(next) }], result: vm };
    });
    if (before.state === 'CREATED' || before.state === 'STOPPED') return { success: true, message: `VM ${quote(name)} is not running` };
    const outcome = await this.waitForVm(name, (vm) => !vm || vm.state !== 'STOPPING', signal);
    if (!outcome.settled) return { success: true, message: `VM ${quote(name)} is stopping on node ${before.nodeId}` };
    return { success: true, message: `VM ${quote(name)} stopped` };
  }

  async deleteVm(name: string, signal?: AbortSignal): Promise<VmActionResult> {
    const { result: mode } = await this.ctx.writer.commit(() => {
      const vm = this.requireVm(name);
      this.requireNoMigration(vm);
      if (ACTIVE_VM_STATES.has(vm.state) && this.view.members.has(vm.nodeId)) {
        // The owner stops the guest first, then removes the record.
        const next: VmRecord = { ...vm, state: 'STOPPING', deleteRequested: true, updatedAt: Date.now() };
        return { guards: [keys.vm(name)], ops: [{ type: 'put', key: keys.vm(name), value: JSON.stringify(next) }], result: 'stopping' as const };
      }
      return { guards: [keys.vm(name)], ops: [{ type: 'delete', key: keys.vm(name) }], result: 'deleted' as const };
    });
    if (mode === 'stopping') {
      const outcome = await this.waitForVm(name, (vm) => !vm, signal);
      if (!outcome.settled) return { success: true, message: `VM ${quote(name)} is being stopped and deleted` };
    }
    return { success: true, message: `VM ${quote(name)} deleted` };
  }

  /**
   * Waits until `done` holds for the VM's record (undefined = deleted). Returns whether it did
   * within the wait, and the record then.
   */
  private async waitForVm(
    name: string,
    done: (vm: VmRecord | undefined) => boolean,
    signal?: AbortSignal,
  ): Promise<{ settled: true; vm?: VmRecord } | { settled: false }> {
    try {
      return await this.view.waitUntil(
        () => {
          const vm = this.view.vms.get(name)?.value;
          return done(vm) ? { settled: true as const, vm } : undefined;
        },
        { timeoutMs: VM_ACTION_WAIT_MS, signal: anySignal(signal, this.ctx.shutdown) },
      );
    } catch (err) {
      if (err instanceof WaitTimeoutError) return { settled: false };
      throw err;
    }
  }

  /**
   * Validates and commits a new migration (or finds the one a retried request with the same
   * migration id already started). Returns at once; the node agents carry it out.
   */
  async beginMigration(input: MigrateVmInput): Promise<MigrationRecord> {
    const id = input.migrationId ?? randomUUID();
    const { result } = await this.ctx.writer.commit(() => {
      const existing = this.view.migrations.get(id)?.value;
      if (existing) {
        if (existing.vmName === input.vmName && existing.targetNodeId === input.targetNodeId && existing.live === input.live) {
          return { noWrite: true as const, result: existing };
        }
        throw new AlreadyExistsError(`Migration id ${quote(id)} is already used for VM ${quote(existing.vmName)} to node ${existing.targetNodeId}`);
      }
      const vm = this.requireVm(input.vmName);
      if (!this.view.members.has(input.targetNodeId)) throw new NotFoundError(`Node ${input.targetNodeId} not found in cluster`);
      if (vm.nodeId === input.targetNodeId) throw new InvalidArgumentError('Target node must be different from source node');
      refuseIfInMaintenance(this.view, input.targetNodeId, 'it takes no new VMs; choose another target node');
      this.requireSameRuntime(vm.nodeId, input.targetNodeId);
      this.requireNoMigration(vm);
      if (vm.deleteRequested) throw new FailedPreconditionError(`VM ${quote(vm.name)} is being deleted`);
      if (input.live && vm.state !== 'RUNNING') throw new FailedPreconditionError('VM must be running for live migration');
      if (vm.state === 'STARTING' || vm.state === 'STOPPING') {
        throw new FailedPreconditionError(`VM ${quote(vm.name)} is ${vm.state.toLowerCase()}; migrate it once it is running or stopped`);
      }
      const hostGone = !this.view.members.has(vm.nodeId);
      if (hostGone && !input.force) {
        throw new FailedPreconditionError(
          `Node ${vm.nodeId} hosting VM ${quote(vm.name)} is not in the cluster; set force to recover the VM on node ${input.targetNodeId} with a cold migration`,
        );
      }
      if (hostGone && input.live) throw new FailedPreconditionError(`Node ${vm.nodeId} hosting VM ${quote(vm.name)} is not in the cluster; a live migration needs its source`);
      if (vm.state === 'RUNNING' && !input.force) {
        const short = this.shortfall(input.targetNodeId, vm);
        if (short) throw new FailedPreconditionError(`Node ${input.targetNodeId} lacks capacity for VM ${quote(vm.name)}: ${short} (set force to migrate anyway)`);
      }
      const now = Date.now();
      const m: MigrationRecord = {
        id,
        vmName: vm.name,
        sourceNodeId: vm.nodeId,
        targetNodeId: input.targetNodeId,
        live: input.live,
        force: input.force,
        status: 'PREPARING',
        message: '',
        createdAt: now,
        updatedAt: now,
        endedAt: 0,
        phases: [{ status: 'PREPARING', at: now }],
        vmStateAtStart: vm.state,
        vcpus: vm.vcpus,
        memoryMb: vm.memoryMb,
        requestedVia: this.ctx.nodeId,
        ...(input.planId ? { planId: input.planId } : {}),
      };
      let marked: VmRecord = { ...vm, migrationId: id, updatedAt: now };
      if (hostGone) {
        // Recovery from a dead node: nothing is left to stop or send, so the VM is handed to the
        // target at once and the target's agent starts it if it was meant to run.
        const wasActive = ACTIVE_VM_STATES.has(vm.state);
        m.vmStateAtStart = wasActive ? 'RUNNING' : vm.state;
        m.status = 'SWITCHING';
        m.phases.push({ status: 'SWITCHING', at: now });
        marked = { ...marked, nodeId: input.targetNodeId, state: wasActive ? 'STARTING' : vm.state };
      }
      return {
        guards: [
          keys.migration(id),
          keys.vm(vm.name),
          keys.member(vm.nodeId),
          keys.member(input.targetNodeId),
          keys.placement(input.targetNodeId),
          keys.maintenance(input.targetNodeId),
        ],
        ops: [
          { type: 'put', key: keys.migration(id), value: JSON.stringify(m) },
          { type: 'put', key: keys.vm(vm.name), value: JSON.stringify(marked) },
          claimPlacement(input.targetNodeId, now),
        ],
        result: m,
      };
    });
    return result;
  }

  /** Resolves with the migration once it has reached a final status. */
  async waitForMigrationEnd(id: string, signal?: AbortSignal): Promise<MigrationRecord> {
    return this.view.waitUntil(
      () => {
        const m = this.view.migrations.get(id)?.value;
        return m && isFinalStatus(m.status) ? m : undefined;
      },
      { signal: anySignal(signal, this.ctx.shutdown) },
    );
  }

  async migrateVm(input: MigrateVmInput, signal?: AbortSignal): Promise<MigrationRecord> {
    const started = await this.beginMigration(input);
    return this.waitForMigrationEnd(started.id, signal);
  }

  async cancelMigration(id: string): Promise<MigrationRecord> {
    const { result } = await this.ctx.writer.commit(() => {
      const m = this.view.migrations.get(id)?.value;
      if (!m) throw new NotFoundError(`Migration ${quote(id)} not found`);
      if (isFinalStatus(m.status)) throw new FailedPreconditionError(`Migration ${id} already ended (${m.status.toLowerCase()})`);
      if (m.status === 'SWITCHING') {
        throw new FailedPreconditionError(`Migration ${id} is switching over to node ${m.targetNodeId} and can no longer be cancelled`);
      }
      return planEndMigration(this.view, id, 'CANCELLED', 'cancelled by request');
    });
    return result!;
  }

  getMigration(id: string): MigrationRecord | undefined {
    return this.view.migrations.get(id)?.value;
  }

  listMigrations(filter: MigrationFilter): MigrationRecord[] {
    let list = [...this.view.migrations.values()].map((e) => e.value);
    if (filter.activeOnly) list = list.filter((m) => !isFinalStatus(m.status));
    if (filter.vmName) list = list.filter((m) => m.vmName === filter.vmName);
    if (filter.nodeId) list = list.filter((m) => m.sourceNodeId === filter.nodeId || m.targetNodeId === filter.nodeId);
    list.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
    return filter.limit ? list.slice(0, filter.limit) : list;
  }
}

/** Daemons from before runtimes were declared wrote no `runtime`: they ran simulated VMs. */
function runtimeKindOf(member: MemberRecord): string {
  return member.runtime || 'simulated';
}

function describeRuntime(kind: string): string {
  if (kind === 'qemu') return 'QEMU guests';
  return `${kind} VMs`;
}

/** The write that bumps a node's placement counter (its value only aids debugging). */
function claimPlacement(nodeId: number, at: number): StoreOp {
  return { type: 'put', key: keys.placement(nodeId), value: String(at) };
}

/** A stable, made-up guest address, so a VM keeps its IP across moves as with a bridged network. */
function ipAddressFor(name: string): string {
  const h = createHash('sha256').update(name).digest();
  return `10.${100 + (h[0] % 100)}.${h[1]}.${1 + (h[2] % 254)}`;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length <= 1) return present[0];
  return AbortSignal.any(present);
}
