// Turns the VMIM cache into the source's migration stream: an observation whenever a VMIM (or,
// while it runs, its VMI's migrationState) says something new — a new phase at once, anything
// else after comparing it with what was last said —, `deleted: true` when it goes,
// `synced` after every list, and for each new subscriber the picture so far. A phase without a
// server time keeps the time it was first seen; malformed objects are logged once and skipped.

import type { MigrationObservation, MigrationProgress, MigrationStreamEvent } from '../../model/migration';
import type { ConnectionState } from '../../model/cluster';
import type { KubeVmim } from './kube-objects';
import { objectKey } from './kube-objects';
import type { ProblemLog } from './cluster-inventory';
import type { KubevirtInformers } from './kubevirt-informers';
import { kubevirtMigrationId, parseVmim, type VmimContext } from './vmim-parsing';
import type { TransferringMigration } from './migration-progress-poller';

export interface ObservedSource {
  id: string;
  datacenter?: string;
}

/** What was last emitted for a VMIM; its JSON is made only when the next observation has the same phase. */
interface Emitted {
  observation: MigrationObservation;
  json?: string;
}

export class MigrationObserver {
  /** What was last emitted per VMIM, so repeated identical states are not re-sent. */
  private readonly lastObservation = new Map<string, Emitted>();
  /** When a phase without a server time was first seen, per VMIM, so it keeps one time. */
  private readonly untimedPhases = new Map<string, Map<string, number>>();
  private informers: KubevirtInformers | undefined;
  /** Byte progress from outside the API (Prometheus, migration-progress-poller.ts), by VMIM key. */
  progressOf: ((key: string) => MigrationProgress | undefined) | undefined;

  constructor(
    private readonly source: ObservedSource,
    private readonly emit: (event: MigrationStreamEvent) => void,
    private readonly logProblem: ProblemLog,
  ) {}

  follow(informers: KubevirtInformers): void {
    this.informers = informers;
  }

  /** Emits the VMIM's observation when it says something new; bad objects are logged and skipped. */
  observe(vmim: KubeVmim, deleted: boolean): void {
    const key = objectKey(vmim) ?? '?';
    const result = parseVmim(vmim, this.parseContext(vmim, deleted));
    const version = `${key}@${vmim.metadata?.resourceVersion ?? ''}`;
    if (!result.ok) {
      // A VMIM has no status for a moment after it is created: normal, not worth a warning.
      const transient = result.problem.endsWith('no status yet') || result.problem.endsWith('no status.phase yet');
      this.logProblem(`${version}:${result.problem}`, `migration ${result.problem}; skipped`, transient ? 'debug' : 'warn');
      return;
    }
    for (const warning of result.warnings) this.logProblem(`${version}:${warning}`, warning);
    const observation = this.withProgress(key, result.observation);
    if (!deleted && this.repeats(key, observation)) return;
    // A new phase is news whatever else it says: emitted without serialising it (the hot path);
    // kept as emitted (the watcher copies what it holds, nothing downstream changes it).
    this.lastObservation.set(key, { observation });
    this.emit({ type: 'observation', observation });
  }

  /** Whether `observation` says nothing the last one emitted for `key` did not. */
  private repeats(key: string, observation: MigrationObservation): boolean {
    const last = this.lastObservation.get(key);
    if (!last || last.observation.migration.phase !== observation.migration.phase) return false;
    last.json ??= JSON.stringify(last.observation);
    return JSON.stringify(observation) === last.json;
  }

  /** Observes the held VMIMs of `keys` again (their VMI changed). */
  observeAgain(keys: Iterable<string>): void {
    for (const key of keys) {
      const vmim = this.informers?.vmims.items.get(key);
      if (vmim) this.observe(vmim, false);
    }
  }

  /** The VMIM is gone: a VMIM of the same name later is news again. */
  forget(key: string): void {
    this.lastObservation.delete(key);
    this.untimedPhases.delete(key);
  }

  /** After a (re)list: the ids of every migration the cluster holds. */
  synced(store: ReadonlyMap<string, KubeVmim>): void {
    this.emit({ type: 'synced', migrationIds: this.migrationIds(store.keys()) });
  }

  /** What a new subscriber needs to catch up: connection, every migration held, synced. */
  catchUp(connection: ConnectionState): MigrationStreamEvent[] {
    const events: MigrationStreamEvent[] = [{ type: 'connection', state: connection }];
    const vmims = this.informers?.vmims;
    if (!vmims?.hasSynced) return events;
    const migrationIds: string[] = [];
    for (const [key, vmim] of vmims.items) {
      const [namespace, name] = key.split('/');
      if (!namespace || !name) continue;
      migrationIds.push(kubevirtMigrationId(this.source.id, namespace, name));
      const result = parseVmim(vmim, this.parseContext(vmim, false));
      if (result.ok) events.push({ type: 'observation', observation: this.withProgress(key, result.observation) });
    }
    events.push({ type: 'synced', migrationIds });
    return events;
  }

  /** The migrations in phase Running as last emitted: what virt-handler has byte figures for. */
  transferring(): TransferringMigration[] {
    const out: TransferringMigration[] = [];
    for (const [key, { observation }] of this.lastObservation) {
      const m = observation.migration;
      if (m.phase !== 'Running' || m.state !== 'running' || !m.namespace) continue;
      out.push({ key, namespace: m.namespace, vmi: m.vm, ...(m.startedAt !== undefined ? { startedAt: m.startedAt } : {}) });
    }
    return out;
  }

  /** The observation with the figures known from outside the API; they outlive the transfer (the history keeps what was sent). */
  private withProgress(key: string, observation: MigrationObservation): MigrationObservation {
    const progress = this.progressOf?.(key);
    if (progress && observation.migration.mode !== 'cold') observation.migration.progress = { ...progress };
    return observation;
  }

  private migrationIds(keys: Iterable<string>): string[] {
    const ids: string[] = [];
    for (const key of keys) {
      const [namespace, name] = key.split('/');
      if (namespace && name) ids.push(kubevirtMigrationId(this.source.id, namespace, name));
    }
    return ids;
  }

  private parseContext(vmim: KubeVmim, deleted: boolean): VmimContext {
    const key = objectKey(vmim) ?? '';
    const namespace = vmim.metadata?.namespace;
    const vmiName = vmim.spec?.vmiName;
    const vmi = namespace && vmiName ? this.informers?.vmis.items.get(`${namespace}/${vmiName}`) : undefined;
    const context: VmimContext = {
      sourceId: this.source.id,
      deleted,
      fallbackPhaseTime: (phase) => {
        let phases = this.untimedPhases.get(key);
        if (!phases) this.untimedPhases.set(key, (phases = new Map()));
        let at = phases.get(phase);
        if (at === undefined) phases.set(phase, (at = Date.now()));
        return at;
      },
    };
    if (this.source.datacenter) context.datacenter = this.source.datacenter;
    if (vmi) context.vmi = vmi;
    return context;
  }
}
