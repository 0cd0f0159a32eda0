// The watcher over a real BlixardSource against a real Blixard dev cluster (node daemons over
// gRPC on loopback), recording into a real history file; the history must equal what the
// daemons hold: every phase once, with its time, and every final state.

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import { HistoryStore } from '../../../src/history';
import type { MigrationState } from '../../../src/model/migration';
import { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { blixardPhaseWord } from '../../../src/sources/blixard/migration-mapping';
import { HistoryRecorder } from '../../../src/watch/history-recorder';
import { recordedMigrationsOf } from '../../../src/watch/history-recorded-migrations';
import { MigrationWatcher } from '../../../src/watch/migration-watcher';
import { waitFor } from './support/kubevirt-watch-rig';

const SOURCE_ID = 'blixard/dev';
const FINAL: Record<string, MigrationState> = {
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

class BlixardWatchRig {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'blixard-watch-bx-'));
  readonly emitted = new Map<string, number>();
  readonly warnings: string[] = [];
  store!: HistoryStore;
  source!: BlixardSource;
  watcher!: MigrationWatcher;
  recorder!: HistoryRecorder;

  constructor(readonly cluster: DevCluster) {}

  async startWatching(): Promise<void> {
    const log = { info: () => {}, warn: (m: string) => this.warnings.push(m) };
    this.store = await HistoryStore.open({ path: path.join(this.dir, 'history.db'), logger: { ...log, error: log.warn } });
    this.source = new BlixardSource(
      { id: SOURCE_ID, name: 'dev', endpoints: this.cluster.endpoints },
      { callDeadlineMs: 3000, reconnectInitialDelayMs: 100, reconnectMaxDelayMs: 800 },
    );
    this.watcher = new MigrationWatcher({ recorded: recordedMigrationsOf(this.store), log });
    this.recorder = new HistoryRecorder(this.watcher, this.store, { log });
    this.watcher.onTransition((e) => {
      const key = `${e.transition.migrationId}|${e.transition.phase}`;
      this.emitted.set(key, (this.emitted.get(key) ?? 0) + 1);
    });
    this.watcher.addSource(this.source);
    await waitFor(() => this.watcher.status(SOURCE_ID)?.state === 'connected', 'the Blixard stream to connect');
  }

  async stopWatching(): Promise<void> {
    this.watcher.dispose();
    this.source.dispose();
    await this.recorder.flush();
    this.recorder.dispose();
    await this.store.close();
  }

  /** The daemons' own records, read from a node that is still up. */
  truth() {
    const node = this.cluster.nodes.find((n) => !this.crashed.has(n.id))!;
    return node.operations.listMigrations({});
  }
  readonly crashed = new Set<number>();

  compare(): string[] {
    const problems: string[] = [];
    const truth = this.truth();
    for (const record of truth) {
      const id = `${SOURCE_ID}/${record.id}`;
      const entry = this.store.byId(id);
      if (!entry) {
        problems.push(`${id}: not in the history`);
        continue;
      }
      const want = record.phases.map((p) => `${blixardPhaseWord(`MIGRATION_STATUS_${p.status}`)}@${p.at}`).sort();
      const got = entry.transitions.map((t) => `${t.phase}@${t.at}`).sort();
      if (want.join() !== got.join()) problems.push(`${id}: phases ${got.join(' ')} ≠ daemon ${want.join(' ')}`);
      const state = FINAL[record.status];
      if (state && entry.migration.state !== state) problems.push(`${id}: state ${entry.migration.state} ≠ daemon ${state}`);
      if (entry.migration.sourceNode !== String(record.sourceNodeId) || entry.migration.targetNode !== String(record.targetNodeId)) {
        problems.push(`${id}: nodes ${entry.migration.sourceNode}→${entry.migration.targetNode} ≠ ${record.sourceNodeId}→${record.targetNodeId}`);
      }
    }
    if (this.store.count() !== truth.length) problems.push(`the history holds ${this.store.count()} migrations, the daemons ${truth.length}`);
    for (const [key, count] of this.emitted) if (count > 1) problems.push(`${key}: emitted ${count} times`);
    return problems;
  }

  async historyMatchesTruth(): Promise<void> {
    let problems: string[] = [];
    await waitFor(
      () => (problems = this.compare()).length === 0,
      () => `the history to match the daemons:\n  ${problems.join('\n  ')}`,
    );
  }

  async settled(): Promise<void> {
    await waitFor(() => this.truth().every((m) => FINAL[m.status] !== undefined), 'every migration to end on the daemons', 60_000);
  }

  async dispose(): Promise<void> {
    try {
      if (this.store) await this.stopWatching();
    } finally {
      await this.cluster.stop();
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

describe('MigrationWatcher over a Blixard dev cluster (daemon records as ground truth)', function () {
  this.timeout(120_000);
  let rig: BlixardWatchRig | undefined;

  async function start(bandwidthMbps: number): Promise<BlixardWatchRig> {
    const cluster = await startDevCluster({
      nodes: 3,
      basePort: 0,
      vms: 6,
      runtime: { bootMs: 80, stopMs: 80, bandwidthMbps, dirtyRateMbps: 100, progressIntervalMs: 50 },
      log: () => {},
    });
    rig = new BlixardWatchRig(cluster);
    await rig.startWatching();
    return rig;
  }

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it('records live, cold and cancelled migrations phase by phase, with progress as updates', async () => {
    const r = await start(4000);
    let progressUpdates = 0;
    r.watcher.onDidUpdate((e) => {
      if (e.migration.progress && e.previous?.progress && e.migration.progress.transferredBytes !== e.previous.progress.transferredBytes) progressUpdates++;
    });
    // Odd VMs run (live), even ones are stopped (cold); vm-i sits on node ((i-1) % 3) + 1.
    const live = await r.source.migrate({ vmId: 'vm-1', targetNodeId: '2', live: true });
    const cold = await r.source.migrate({ vmId: 'vm-2', targetNodeId: '3', live: false });
    const slow = await r.source.migrate({ vmId: 'vm-3', targetNodeId: '1', live: true }); // 2 GiB: about 4 s
    await waitFor(() => r.watcher.get(slow.migrationId)?.phase === 'Transferring', 'vm-3 transferring');
    await r.source.cancel(slow.migrationId);
    await Promise.all([live.completion, cold.completion, slow.completion.catch(() => undefined)]);
    await r.settled();
    await r.historyMatchesTruth();
    assert.equal(r.store.byId(slow.migrationId)?.migration.state, 'cancelled');
    assert.equal(r.store.byId(live.migrationId)?.migration.state, 'succeeded');
    assert.equal(r.store.byId(cold.migrationId)?.migration.mode, 'cold');
    assert.ok(progressUpdates > 0, 'live progress reached the watcher as updates');
    assert.deepEqual(r.warnings, []);
  });

  it('keeps every phase when the node the stream is attached to dies mid-migration', async () => {
    const r = await start(2000);
    // The stream is on node 1 (the first endpoint); the migration runs from node 2 to node 3.
    const b = await r.source.migrate({ vmId: 'vm-5', targetNodeId: '3', live: true });
    await waitFor(() => r.watcher.get(b.migrationId)?.phase === 'Transferring', 'the transfer to start');
    r.crashed.add(1);
    await r.cluster.nodes[0].crash();
    await b.completion.catch(() => undefined);
    await r.settled();
    await r.historyMatchesTruth();
    assert.equal(r.watcher.status(SOURCE_ID)?.state, 'connected', 'the source failed over to another node');
  });

  it('after a restart of the watcher, fetches what ended while it was down, once', async () => {
    const r = await start(2000);
    const m = await r.source.migrate({ vmId: 'vm-3', targetNodeId: '2', live: true }); // 2 GiB at 2 Gbit/s: about 8 s
    m.completion.catch(() => undefined); // its source is closed before it ends
    await waitFor(() => r.store.byId(m.migrationId)?.transitions.some((t) => t.phase === 'Transferring'), 'the transfer to be recorded');
    await r.stopWatching();
    await r.settled();
    await r.startWatching();
    await r.historyMatchesTruth();
    assert.equal(r.store.byId(m.migrationId)?.migration.state, 'succeeded');
    assert.deepEqual(r.watcher.active(), []);
  });
});
