// An in-memory ClusterSource for the dialog's unit tests: it holds nodes and VMs, records every
// call the dialog makes, and lets a test push migration events. (Against real clusters the
// dialog is tested in test/integration; here the point is what the dialog asks for, and when.)

import type { ChangedScope, ClusterKind, ClusterNode, ConnectionState, Vm } from '../../../src/model/cluster';
import { SourceError } from '../../../src/model/errors';
import { Emitter } from '../../../src/base/event';
import type { Migration, MigrationObservation, MigrationStreamEvent } from '../../../src/model/migration';
import type { ClusterSource, MigrationHandle, MigrationRequest } from '../../../src/sources/cluster-source';
import type { ClusterKindTraits } from '../../../src/model/cluster-kind';
import { clusterKindTraits } from '../../../src/sources/cluster-kinds';

export class RecordingClusterSource implements ClusterSource {
  readonly warnings: string[] = [];
  readonly connection: ConnectionState = { state: 'connected' };
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly migrateRequests: MigrationRequest[] = [];
  readonly cancelled: string[] = [];
  private readonly migrationEvents = new Emitter<MigrationStreamEvent>();
  private readonly changes = new Emitter<ChangedScope>();
  private readonly connections = new Emitter<ConnectionState>();
  readonly onMigrationEvent = this.migrationEvents.event;
  readonly onDidChange = this.changes.event;
  readonly onDidChangeConnection = this.connections.event;
  /** When set, migrate() rejects with it (a backend refusal). */
  migrateError?: Error;
  /** When set, cancel() rejects with it. */
  cancelError?: Error;
  /** Settles the completion of the last migration. */
  completeLast?: (err?: Error) => void;
  private counter = 0;
  getMigrationResult?: MigrationObservation;

  constructor(
    readonly id: string,
    readonly kind: ClusterKind,
    public nodes: ClusterNode[],
    public vms: Vm[],
    readonly label = `Cluster ${id}`,
  ) {}

  get traits(): ClusterKindTraits {
    const traits = clusterKindTraits(this.kind);
    if (!traits) throw new Error(`no traits for kind ${this.kind}`);
    return traits;
  }

  get hasMigrationListeners(): boolean {
    return this.migrationEvents.hasListeners;
  }

  async listNodes(): Promise<ClusterNode[]> {
    this.calls.push({ method: 'listNodes', args: [] });
    return this.nodes.map((n) => ({ ...n }));
  }

  async listVms(nodeId?: string): Promise<Vm[]> {
    this.calls.push({ method: 'listVms', args: [nodeId] });
    return this.vms.filter((v) => nodeId === undefined || v.nodeId === nodeId).map((v) => ({ ...v }));
  }

  async startVm(vmId: string): Promise<void> {
    this.calls.push({ method: 'startVm', args: [vmId] });
  }

  async stopVm(vmId: string): Promise<void> {
    this.calls.push({ method: 'stopVm', args: [vmId] });
  }

  async migrate(request: MigrationRequest): Promise<MigrationHandle> {
    this.calls.push({ method: 'migrate', args: [request] });
    this.migrateRequests.push(request);
    if (this.migrateError) throw this.migrateError;
    const migrationId = `${this.id}/m-${++this.counter}`;
    const completion = new Promise<void>((resolve, reject) => {
      this.completeLast = (err) => (err ? reject(err) : resolve());
    });
    return { migrationId, completion };
  }

  async cancel(migrationId: string): Promise<void> {
    this.calls.push({ method: 'cancel', args: [migrationId] });
    if (this.cancelError) throw this.cancelError;
    this.cancelled.push(migrationId);
  }

  async getMigration(migrationId: string): Promise<MigrationObservation | undefined> {
    this.calls.push({ method: 'getMigration', args: [migrationId] });
    return this.getMigrationResult;
  }

  emit(observation: MigrationObservation): void {
    this.migrationEvents.fire({ type: 'observation', observation });
  }

  changed(scope: ChangedScope): void {
    this.changes.fire(scope);
  }

  /** Calls that would change something on the cluster. */
  get actions(): { method: string; args: unknown[] }[] {
    return this.calls.filter((c) => c.method === 'migrate' || c.method === 'cancel' || c.method === 'startVm' || c.method === 'stopVm');
  }

  dispose(): void {
    this.migrationEvents.dispose();
    this.changes.dispose();
    this.connections.dispose();
  }
}

export function blixardCluster(): RecordingClusterSource {
  const node = (id: string, status: ClusterNode['status'], usedCpu: number, usedMem: number): ClusterNode => ({
    id,
    name: `node-${id}`,
    status,
    schedulable: true,
    capacity: { vcpus: 8, memoryMb: 16384 },
    used: { vcpus: usedCpu, memoryMb: usedMem },
    runningVms: 1,
  });
  return new RecordingClusterSource(
    'dev',
    'blixard',
    [node('1', 'leader', 2, 2048), node('2', 'follower', 0, 0), node('3', 'follower', 7, 15360)],
    [
      { id: 'web-1', name: 'web-1', nodeId: '1', state: 'running', phase: 'VM_STATE_RUNNING', vcpus: 2, memoryMb: 2048 },
      { id: 'db-1', name: 'db-1', nodeId: '1', state: 'stopped', phase: 'VM_STATE_STOPPED', vcpus: 1, memoryMb: 1024 },
    ],
    'Local dev cluster',
  );
}

export function migrationOf(source: RecordingClusterSource, id: string, patch: Partial<Migration>): Migration {
  return {
    id,
    kind: source.kind,
    cluster: source.id,
    vm: 'web-1',
    name: id.split('/').pop() as string,
    sourceNode: '1',
    targetNode: '2',
    mode: 'live',
    origin: 'user',
    phase: 'MIGRATION_STATUS_PREPARING',
    state: 'running',
    createdAt: 1_700_000_000_000,
    labels: {},
    ...patch,
  };
}

export const refused = (message: string) => new SourceError('failed-precondition', message);
