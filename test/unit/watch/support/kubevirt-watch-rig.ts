// The whole watching pipeline on real parts: local KubeVirt-compatible API servers, real
// KubevirtSources reaching them through kubeconfig files, the MigrationWatcher, the
// HistoryRecorder and a real HistoryStore file. Fault tests drive the servers and then compare
// what the history holds with each server's ground truth.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MigrationState } from '../../../../src/model/migration';
import { HistoryStore } from '../../../../src/history';
import { incarnationId } from '../../../../src/history/database/history-database';
import { KubevirtSource, type KubevirtSourceOptions } from '../../../../src/sources/kubevirt/kubevirt-source';
import { HistoryRecorder } from '../../../../src/watch/history-recorder';
import { recordedMigrationsOf } from '../../../../src/watch/history-recorded-migrations';
import { MigrationWatcher } from '../../../../src/watch/migration-watcher';
import { seedCluster, startKubeApiServer, type KubeApiServer, type KubeApiServerOptions, type MigrationRecord } from '../../../support/kube-api-server';

export async function waitFor<T>(probe: () => T | undefined | null | false, what: string | (() => string), timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RigCluster {
  name: string;
  server: KubeApiServer;
  kubeconfig: string;
  vmis: string[];
  /** ClusterSource.id of the current source for this cluster. */
  sourceId: string;
  source?: KubevirtSource;
}

export interface RigOptions {
  clusters?: number;
  nodes?: number;
  vmisPerNode?: number;
  server?: KubeApiServerOptions;
  source?: Partial<KubevirtSourceOptions>;
}

/** Fast reconnects, so fault tests finish quickly; the production defaults are seconds. */
const FAST_SOURCE: Partial<KubevirtSourceOptions> = {
  backoff: { initialMs: 50, maxMs: 500 },
  requestTimeoutMs: 5000,
  listTimeoutMs: 10_000,
  connectTimeoutMs: 3000,
  firstSyncTimeoutMs: 15_000,
};

export class KubevirtWatchRig {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'blixard-watch-'));
  readonly dbPath = path.join(this.dir, 'history.db');
  readonly clusters: RigCluster[] = [];
  readonly warnings: string[] = [];
  /** (migrationId, uid, phase) → how many times any watcher of this rig emitted it (a reused name is another migration). */
  readonly emitted = new Map<string, number>();
  store!: HistoryStore;
  watcher!: MigrationWatcher;
  recorder!: HistoryRecorder;

  private constructor(private readonly options: RigOptions) {}

  static async start(options: RigOptions = {}): Promise<KubevirtWatchRig> {
    const rig = new KubevirtWatchRig(options);
    try {
      for (let i = 0; i < (options.clusters ?? 1); i++) {
        const name = `kv${i + 1}`;
        const server = await startKubeApiServer({ bookmarkIntervalMs: 300, timing: { perPhaseMs: 60 }, ...options.server });
        const { vmis } = seedCluster(server, { nodes: options.nodes ?? 3, vmisPerNode: options.vmisPerNode ?? 2, notMigratableEvery: 0, bareVmi: false });
        const kubeconfig = path.join(rig.dir, `${name}.kubeconfig`);
        await server.writeKubeconfig(kubeconfig, { contexts: [{ name }], currentContext: name });
        rig.clusters.push({ name, server, kubeconfig, vmis, sourceId: `kubevirt/${name}` });
      }
      await rig.startWatching();
      return rig;
    } catch (err) {
      await rig.dispose();
      throw err;
    }
  }

  /** Opens the history and a watcher with fresh sources, as a (re)started process would. */
  async startWatching(): Promise<void> {
    const log = { info: () => {}, warn: (m: string) => this.warnings.push(m) };
    this.store = await HistoryStore.open({ path: this.dbPath, logger: { ...log, error: log.warn }, pollIntervalMs: 100 });
    this.watcher = new MigrationWatcher({ recorded: recordedMigrationsOf(this.store), log });
    this.recorder = new HistoryRecorder(this.watcher, this.store, { log });
    this.watcher.onTransition((e) => {
      const key = `${e.transition.migrationId}|${e.migration.uid ?? ''}|${e.transition.phase}`;
      this.emitted.set(key, (this.emitted.get(key) ?? 0) + 1);
    });
    for (const c of this.clusters) {
      c.source = new KubevirtSource({ kubeconfigPaths: [c.kubeconfig], context: c.name, id: c.sourceId, ...FAST_SOURCE, ...this.options.source });
      this.watcher.addSource(c.source);
    }
    await waitFor(() => this.clusters.every((c) => this.watcher.status(c.sourceId)?.state === 'connected'), 'every cluster connected');
  }

  /** Stops watching as a process exit would: sources closed, everything pending flushed, history closed. */
  async stopWatching(): Promise<void> {
    this.watcher.dispose();
    for (const c of this.clusters) c.source?.dispose();
    await this.recorder.flush();
    this.recorder.dispose();
    await this.store.close();
  }

  async dispose(): Promise<void> {
    try {
      if (this.store) await this.stopWatching();
    } finally {
      await Promise.all(this.clusters.map((c) => c.server.stop().catch(() => undefined)));
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Starts one user migration per VMI of a cluster; returns their names. */
  migrateAll(cluster: RigCluster, vmis: readonly string[] = cluster.vmis): string[] {
    return vmis.map((vmiName) => cluster.server.createMigration({ vmiName }).metadata.name as string);
  }

  /** Waits until the server says every migration it ever had has ended (or is gone). */
  async serversSettled(timeoutMs = 90_000): Promise<void> {
    await waitFor(
      () => this.clusters.every((c) => c.server.objects.migrations().every((r) => r.finalPhase !== undefined || r.deletedAtMs !== undefined)),
      'every migration on the servers to end',
      timeoutMs,
    );
  }

  /** Waits until the history agrees with every server's ground truth; fails with the differences. */
  async historyMatchesTruth(timeoutMs = 60_000): Promise<void> {
    let problems: string[] = [];
    await waitFor(
      () => {
        problems = this.compareWithTruth();
        return problems.length === 0;
      },
      () => `the history to match the ground truth:\n  ${problems.slice(0, 15).join('\n  ')}${problems.length > 15 ? `\n  … ${problems.length - 15} more` : ''}`,
      timeoutMs,
    );
  }

  /** Every way the history differs from the servers, plus every transition emitted more than once. */
  compareWithTruth(): string[] {
    const problems: string[] = [];
    let expectedCount = 0;
    for (const c of this.clusters) {
      for (const { record, id } of historyIdsOf(c.sourceId, c.server.objects.migrations())) {
        expectedCount++;
        const entry = this.store.byId(id);
        if (!entry) {
          problems.push(`${id}: not in the history`);
          continue;
        }
        const want = record.phases.map((p) => `${p.phase}@${Date.parse(p.timestamp)}`).sort();
        const got = entry.transitions.map((t) => `${t.phase}@${t.at}`).sort();
        if (want.join() !== got.join()) problems.push(`${id}: phases ${got.join(' ')} ≠ truth ${want.join(' ')}`);
        const state = expectedState(record);
        if (entry.migration.state !== state) problems.push(`${id}: state ${entry.migration.state} ≠ truth ${state}`);
        if (record.finalPhase && entry.migration.phase !== record.finalPhase) problems.push(`${id}: phase ${entry.migration.phase} ≠ truth ${record.finalPhase}`);
        if (record.finalPhase && record.sourceNode && entry.migration.sourceNode !== record.sourceNode) problems.push(`${id}: source node ${entry.migration.sourceNode} ≠ ${record.sourceNode}`);
        if (record.finalPhase && record.targetNode && entry.migration.targetNode !== record.targetNode) problems.push(`${id}: target node ${entry.migration.targetNode} ≠ ${record.targetNode}`);
      }
    }
    const recorded = this.store.count();
    if (recorded !== expectedCount) problems.push(`the history holds ${recorded} migrations, the servers had ${expectedCount}`);
    for (const [key, count] of this.emitted) if (count > 1) problems.push(`${key}: emitted ${count} times`);
    return problems;
  }

  /** How many phase transitions the servers' ground truth holds in all. */
  truthTransitionCount(): number {
    return this.clusters.reduce((n, c) => n + c.server.objects.migrations().reduce((m, r) => m + r.phases.length, 0), 0);
  }
}

/** What the watcher must have recorded as the end of a migration, from what really happened. */
export function expectedState(record: MigrationRecord): MigrationState {
  if (record.finalPhase === 'Succeeded') return 'succeeded';
  const cancelled = record.cancelRequested || record.abortRequested || record.abortStatus === 'Succeeded';
  if (record.finalPhase === 'Failed') return cancelled ? 'cancelled' : 'failed';
  if (record.deletedAtMs !== undefined) return 'cancelled';
  const last = record.phases[record.phases.length - 1]?.phase;
  return last === undefined || last === 'Pending' ? 'pending' : 'running';
}

/**
 * The id each server migration must have in the history: `<cluster>/<ns>/<name>` for the newest
 * with that name; earlier ones that used the same name (deleted, then created again) keep
 * theirs under `…@<creation time>`, `#2`, `#3`… for several in the same second, in creation order.
 */
export function historyIdsOf(sourceId: string, records: readonly MigrationRecord[]): Array<{ record: MigrationRecord; id: string }> {
  const byName = new Map<string, MigrationRecord[]>();
  for (const r of records) {
    const key = `${sourceId}/${r.namespace}/${r.name}`;
    byName.set(key, [...(byName.get(key) ?? []), r]);
  }
  const out: Array<{ record: MigrationRecord; id: string }> = [];
  for (const [base, list] of byName) {
    const used = new Set<string>();
    list.forEach((record, i) => {
      if (i === list.length - 1) {
        out.push({ record, id: base });
        return;
      }
      const archived = incarnationId(base, Date.parse(record.creationTimestamp));
      let id = archived;
      for (let n = 2; used.has(id); n++) id = `${archived}#${n}`;
      used.add(id);
      out.push({ record, id });
    });
  }
  return out;
}
