// A ClusterSource that keeps its cluster in memory: a complete implementation of the seam for
// unit tests of the view logic and for benchmarks of the tree at scale. Calls can be made slow
// or failing to test how the view copes.

import type { ChangedScope, ClusterNode, ConnectionState, Vm } from '../../../../src/model/cluster';
import { SourceError } from '../../../../src/model/errors';
import { Emitter } from '../../../../src/base/event';
import type { MigrationStreamEvent } from '../../../../src/model/migration';
import type { ClusterSource, MigrationHandle, MigrationRequest } from '../../../../src/sources/cluster-source';
import { BLIXARD_TRAITS } from '../../../../src/sources/blixard/blixard-kind';

export class MemoryClusterSource implements ClusterSource {
  readonly kind = 'blixard' as const;
  readonly traits = BLIXARD_TRAITS;
  readonly warnings: readonly string[] = [];
  readonly nodes = new Map<string, ClusterNode>();
  readonly vms = new Map<string, Vm>();
  /** Added to every list call. */
  delayMs = 0;
  /** When set, every list call rejects with it. */
  failure?: string;
  listCalls = 0;
  disposed = false;
  private readonly changes = new Emitter<ChangedScope>();
  private readonly connections = new Emitter<ConnectionState>();
  private readonly migrations = new Emitter<MigrationStreamEvent>();
  readonly onDidChange = this.changes.event;
  readonly onDidChangeConnection = this.connections.event;
  readonly onMigrationEvent = this.migrations.event;
  connection: ConnectionState = { state: 'connected' };

  constructor(
    readonly id: string,
    readonly label: string = id,
  ) {}

  /** A cluster of `nodes` nodes with `vmsPerNode` VMs each (half running). */
  static seeded(id: string, nodes: number, vmsPerNode: number): MemoryClusterSource {
    const source = new MemoryClusterSource(id);
    for (let n = 1; n <= nodes; n++) {
      const nodeId = String(n);
      source.nodes.set(nodeId, {
        id: nodeId,
        name: `node-${n}`,
        status: n === 1 ? 'leader' : 'follower',
        schedulable: true,
        capacity: { vcpus: 4000, memoryMb: 4_096_000 },
        used: { vcpus: 0, memoryMb: 0 },
      });
      for (let v = 1; v <= vmsPerNode; v++) {
        const name = `vm-${n}-${String(v).padStart(4, '0')}`;
        source.vms.set(name, { id: name, name, nodeId, state: v % 2 ? 'running' : 'stopped', phase: v % 2 ? 'VM_STATE_RUNNING' : 'VM_STATE_STOPPED', vcpus: 2, memoryMb: 2048, ipAddress: `10.0.${n}.${v % 250}` });
      }
    }
    return source;
  }

  get listenerCount(): boolean {
    return this.changes.hasListeners;
  }

  fire(scope: ChangedScope): void {
    this.changes.fire(scope);
  }

  setConnection(state: ConnectionState): void {
    this.connection = state;
    this.connections.fire(state);
  }

  async listNodes(): Promise<ClusterNode[]> {
    await this.answer();
    return [...this.nodes.values()].map((n) => structuredClone(n));
  }

  async listVms(nodeId?: string): Promise<Vm[]> {
    await this.answer();
    return [...this.vms.values()].filter((v) => nodeId === undefined || v.nodeId === nodeId).map((v) => structuredClone(v));
  }

  async startVm(vmId: string): Promise<void> {
    this.update(vmId, { state: 'running', phase: 'VM_STATE_RUNNING' });
  }

  async stopVm(vmId: string): Promise<void> {
    this.update(vmId, { state: 'stopped', phase: 'VM_STATE_STOPPED' });
  }

  update(vmId: string, patch: Partial<Vm>): void {
    const vm = this.vms.get(vmId);
    if (!vm) throw new SourceError('not-found', `VM ${vmId} not found`);
    this.vms.set(vmId, { ...vm, ...patch });
  }

  async migrate(_request: MigrationRequest): Promise<MigrationHandle> {
    throw new SourceError('failed-precondition', 'not supported here');
  }

  async cancel(): Promise<void> {}

  dispose(): void {
    this.disposed = true;
  }

  private async answer(): Promise<void> {
    this.listCalls++;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.failure) throw new SourceError('unavailable', this.failure);
  }
}
