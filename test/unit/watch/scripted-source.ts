// A ClusterSource whose migration stream the test writes event by event: the watcher's pure logic
// is exercised on exactly the sequences real sources produce (and on the ones they must not).

import type { ConnectionState } from '../../../src/model/cluster';
import { Emitter } from '../../../src/base/event';
import type { Migration, MigrationObservation, MigrationStreamEvent, PhaseTransition } from '../../../src/model/migration';
import type { ClusterSource, MigrationHandle } from '../../../src/sources/cluster-source';
import type { ClusterKindTraits } from '../../../src/model/cluster-kind';
import { BLIXARD_TRAITS } from '../../../src/sources/blixard/blixard-kind';
import { KUBEVIRT_TRAITS } from '../../../src/sources/kubevirt/kubevirt-kind';

export class ScriptedSource implements ClusterSource {
  readonly kind;
  readonly traits: ClusterKindTraits;
  readonly label: string;
  readonly warnings: string[] = [];
  readonly migrationEvents = new Emitter<MigrationStreamEvent>();
  readonly connectionEvents = new Emitter<ConnectionState>();
  readonly onMigrationEvent = this.migrationEvents.event;
  readonly onDidChange = new Emitter<never>().event;
  readonly onDidChangeConnection = this.connectionEvents.event;
  connection: ConnectionState = { state: 'connecting' };
  /** Set to give the source a getMigration (as Blixard's GetMigration). */
  getMigration?: (id: string) => Promise<MigrationObservation | undefined>;

  constructor(
    readonly id: string,
    kind: 'blixard' | 'kubevirt' = 'kubevirt',
  ) {
    this.kind = kind;
    this.traits = kind === 'blixard' ? BLIXARD_TRAITS : KUBEVIRT_TRAITS;
    this.label = `cluster ${id}`;
  }

  get subscribed(): boolean {
    return this.migrationEvents.hasListeners;
  }

  observe(observation: MigrationObservation): void {
    this.migrationEvents.fire({ type: 'observation', observation });
  }
  synced(ids: string[]): void {
    this.migrationEvents.fire({ type: 'synced', migrationIds: ids });
  }
  connect(state: ConnectionState): void {
    this.connection = state;
    this.migrationEvents.fire({ type: 'connection', state });
  }

  listNodes(): never {
    throw new Error('not part of this test');
  }
  listVms(): never {
    throw new Error('not part of this test');
  }
  startVm(): never {
    throw new Error('not part of this test');
  }
  stopVm(): never {
    throw new Error('not part of this test');
  }
  migrate(): Promise<MigrationHandle> {
    throw new Error('not part of this test');
  }
  cancel(): never {
    throw new Error('not part of this test');
  }
  dispose(): void {
    this.migrationEvents.dispose();
  }
}

const T0 = Date.UTC(2025, 2, 1, 10, 0, 0);
export const KUBEVIRT_PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];

/** A KubeVirt-like migration observation: `upTo` phases reached, phase i at T0 + i seconds. */
export function kubevirtObservation(
  cluster: string,
  name: string,
  upTo: string,
  overrides: Partial<Migration> = {},
  phaseNames: string[] = KUBEVIRT_PHASES,
): MigrationObservation {
  const last = phaseNames.indexOf(upTo);
  if (last < 0) throw new Error(`unknown phase ${upTo}`);
  const id = `${cluster}/default/${name}`;
  const phases: PhaseTransition[] = phaseNames.slice(0, last + 1).map((phase, i) => ({ migrationId: id, phase, at: T0 + i * 1000 }));
  const state = upTo === 'Succeeded' ? 'succeeded' : upTo === 'Failed' ? 'failed' : upTo === 'Pending' ? 'pending' : 'running';
  return {
    migration: {
      id,
      kind: 'kubevirt',
      cluster,
      namespace: 'default',
      vm: `vm-${name}`,
      name,
      mode: 'PreCopy',
      origin: 'user',
      phase: upTo,
      state,
      createdAt: T0,
      labels: {},
      ...overrides,
    },
    phases,
  };
}

export { T0 };
