// The lab kind's ClusterSource: benches and VMs in memory, migrations the test drives phase by
// phase. Everything the extension's core learns about the kind comes through `traits`.

import type { ChangedScope, ClusterNode, ConnectionState, Vm } from '../../../../src/model/cluster';
import type { Migration, MigrationObservation, MigrationStreamEvent } from '../../../../src/model/migration';
import { Emitter } from '../../../../src/base/event';
import type { ClusterSource, MigrationHandle, MigrationRequest } from '../../../../src/sources/cluster-source';
import { LAB_KIND_NAME, LAB_TRAITS, type LabClusterSpec } from './lab-kind';

export const T0 = 1_700_000_000_000;

export class LabSource implements ClusterSource {
  readonly kind = LAB_KIND_NAME;
  readonly traits = LAB_TRAITS;
  readonly id: string;
  readonly label: string;
  readonly warnings: readonly string[] = [];
  readonly connection: ConnectionState = { state: 'connected' };
  readonly requests: MigrationRequest[] = [];
  private readonly migrations = new Emitter<MigrationStreamEvent>();
  private readonly changes = new Emitter<ChangedScope>();
  private readonly connections = new Emitter<ConnectionState>();
  readonly onMigrationEvent = this.migrations.event;
  readonly onDidChange = this.changes.event;
  readonly onDidChangeConnection = this.connections.event;
  private counter = 0;

  readonly nodes: ClusterNode[] = [
    { id: 'bench-a', name: 'bench-a', status: 'ready', schedulable: true, capacity: { vcpus: 8, memoryMb: 16384 }, used: { vcpus: 2, memoryMb: 2048 } },
    { id: 'bench-b', name: 'bench-b', status: 'ready', schedulable: true, capacity: { vcpus: 2, memoryMb: 2048 }, used: { vcpus: 1, memoryMb: 1024 } },
  ];
  readonly vms: Vm[] = [
    { id: 'run-7', name: 'run-7', nodeId: 'bench-a', state: 'running', phase: 'Up', vcpus: 2, memoryMb: 2048 },
    { id: 'scratch', name: 'scratch', nodeId: 'bench-a', state: 'stopped', phase: 'Down', vcpus: 1, memoryMb: 512, hasController: false },
  ];

  constructor(spec: LabClusterSpec) {
    this.id = spec.id;
    this.label = spec.label;
  }

  async listNodes(): Promise<ClusterNode[]> {
    return this.nodes.map((n) => ({ ...n }));
  }

  async listVms(nodeId?: string): Promise<Vm[]> {
    return this.vms.filter((vm) => nodeId === undefined || vm.nodeId === nodeId).map((vm) => ({ ...vm }));
  }

  async startVm(): Promise<void> {}
  async stopVm(): Promise<void> {}

  async migrate(request: MigrationRequest): Promise<MigrationHandle> {
    this.requests.push(request);
    return { migrationId: `${this.id}/job-${++this.counter}`, completion: new Promise<void>(() => {}) };
  }

  async cancel(): Promise<void> {}

  /** Reports a migration as the lab's controller would: its phases so far, each with its time. */
  report(name: string, phases: readonly [phase: string, at: number][], patch: Partial<Migration> = {}): MigrationObservation {
    const id = `${this.id}/${name}`;
    const last = phases.reduce((a, b) => (b[1] >= a[1] ? b : a));
    const observation: MigrationObservation = {
      migration: { id, kind: this.kind, cluster: this.id, vm: 'run-7', name, sourceNode: 'bench-a', mode: 'live', origin: 'user', phase: last[0], state: 'running', createdAt: T0, labels: {}, ...patch },
      phases: phases.map(([phase, at]) => ({ migrationId: id, phase, at })),
    };
    this.migrations.fire({ type: 'observation', observation });
    return observation;
  }

  dispose(): void {
    this.migrations.dispose();
    this.changes.dispose();
    this.connections.dispose();
  }
}
