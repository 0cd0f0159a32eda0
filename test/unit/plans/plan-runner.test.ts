// The plan runner against real Blixard daemons (an in-process dev cluster over gRPC, the real
// BlixardSource): an evacuation within its concurrency limits, a migration the cluster refuses
// (failed with the cluster's reason; stopOnFailure drops the rest), cancel, the window, and a
// resumed state that starts no migration twice.

import * as assert from 'node:assert/strict';
import type { ClusterNode } from '../../../src/model/cluster';
import { readClusterSnapshot } from '../../../src/plans/cluster-snapshot';
import { PlanRunner, type PlanRunEvent } from '../../../src/plans/plan-runner';
import { countStates, initialRunState } from '../../../src/plans/plan-run-state';
import { planMigrations } from '../../../src/plans/planner';
import type { MigrationPlan } from '../../../src/plans/plan-types';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { sourceFor, startTestCluster, type DevCluster } from '../sources/blixard/support/test-cluster';

describe('plan runner (real Blixard daemons)', function () {
  this.timeout(60_000);
  let cluster: DevCluster;
  let source: BlixardSource;

  beforeEach(async () => {
    // 12 VMs over 3 nodes (4 each, half running); ~100-800 ms per live migration.
    cluster = await startTestCluster({ nodes: 3, vms: 12, bandwidthMbps: 40_000 });
    source = sourceFor(cluster.endpoints);
  });

  afterEach(async () => {
    source?.dispose();
    await cluster?.stop();
  });

  async function plan(request: Parameters<typeof planMigrations>[1], options: Parameters<typeof planMigrations>[2] = {}): Promise<MigrationPlan> {
    return planMigrations(await readClusterSnapshot(source), request, options);
  }

  it('evacuates a node within the per-node and per-cluster limits', async () => {
    const p = await plan({ kind: 'evacuate', nodeId: '1' }, { concurrency: { perCluster: 3, perSourceNode: 2 } });
    assert.equal(p.entries.length, 4, JSON.stringify(p.blockers));
    const runner = new PlanRunner(source, p);
    let peak = 0;
    let peakSource = 0;
    const seen: string[] = [];
    runner.onEvent((e: PlanRunEvent) => {
      const load = runner.running();
      peak = Math.max(peak, load.total);
      peakSource = Math.max(peakSource, ...load.bySource.values(), 0);
      if (e.type === 'entry') seen.push(`${e.entry.vm}:${e.entry.status.state}`);
    });
    const final = await runner.run();
    assert.equal(final.status, 'finished');
    assert.deepEqual(countStates(final), { waiting: 0, running: 0, done: 4, failed: 0, blocked: 0, cancelled: 0 }, JSON.stringify(final.entries));
    assert.ok(peakSource <= 2 && peak <= 3, `peak ${peak}, per source ${peakSource}`);
    assert.equal(peakSource, 2, 'two at once from node 1');
    const vms = await source.listVms();
    for (const e of p.entries) assert.equal(vms.find((v) => v.id === e.vm)!.nodeId, e.to, e.vm);
    assert.ok(final.entries.every((e) => e.status.state === 'done' && e.status.migrationId?.startsWith(`${source.id}/`)));
    assert.ok(seen.some((s) => s.endsWith(':running')));
  });

  it('fails an entry the cluster refuses, with its reason; stopOnFailure drops what waits', async () => {
    const p = await plan({ kind: 'evacuate', nodeId: '1' }, { concurrency: { perCluster: 1, perSourceNode: 1 }, stopOnFailure: true });
    // The first entry now asks for the node the VM is on: the daemon refuses it.
    p.entries[0] = { ...p.entries[0], to: '1' };
    const final = await new PlanRunner(source, p).run();
    assert.equal(final.entries[0].status.state, 'failed');
    assert.match((final.entries[0].status as { reason: string }).reason, /different|same node|already/i);
    for (const e of final.entries.slice(1)) assert.deepEqual(e.status, { state: 'cancelled', reason: `stopped after ${final.entries[0].vm} failed (stopOnFailure)` });
  });

  it('goes on after a failure without stopOnFailure', async () => {
    const p = await plan({ kind: 'evacuate', nodeId: '1' }, { concurrency: { perCluster: 1, perSourceNode: 1 } });
    p.entries[0] = { ...p.entries[0], to: '1' };
    const final = await new PlanRunner(source, p).run();
    assert.deepEqual(countStates(final), { waiting: 0, running: 0, done: 3, failed: 1, blocked: 0, cancelled: 0 });
  });

  it('cancels: the migration in flight is cancelled, the waiting ones dropped', async () => {
    // Slow links: a migration takes seconds, long enough to cancel it mid-flight.
    source.dispose();
    await cluster.stop();
    cluster = await startTestCluster({ nodes: 3, vms: 12, bandwidthMbps: 2_000 });
    source = sourceFor(cluster.endpoints);
    const p = await plan({ kind: 'evacuate', nodeId: '1' }, { concurrency: { perCluster: 1, perSourceNode: 1 } });
    const runner = new PlanRunner(source, p);
    runner.onEvent((e) => {
      if (e.type === 'entry' && e.entry.status.state === 'running' && e.entry.status.phase === 'Transferring') runner.cancel();
    });
    const final = await runner.run();
    assert.equal(final.status, 'cancelled');
    const states = countStates(final);
    assert.equal(states.waiting + states.running, 0);
    assert.equal(states.cancelled + states.done, 4, JSON.stringify(final.entries));
    assert.ok(states.cancelled >= 3);
    const nodes: ClusterNode[] = await source.listNodes();
    assert.equal(nodes.length, 3);
  });

  it('waits for the window and starts nothing once it has closed', async () => {
    const closed = await plan({ kind: 'evacuate', nodeId: '1' }, { window: { notAfter: new Date(Date.now() - 1000).toISOString() } });
    const final = await new PlanRunner(source, closed).run();
    assert.ok(final.entries.every((e) => e.status.state === 'blocked' && /^not started: the window ended at \d\d:\d\d/.test(e.status.reason)));
    assert.match(final.note ?? '', new RegExp(`^the window ended at \\d\\d:\\d\\d(:\\d\\d)?; ${closed.entries.length} entries not started$`));

    const later = await plan({ kind: 'evacuate', nodeId: '2' }, { window: { notBefore: new Date(Date.now() + 400).toISOString() } });
    const runner = new PlanRunner(source, later);
    const statuses: string[] = [];
    runner.onEvent((e) => e.type === 'plan' && statuses.push(e.status));
    const started = Date.now();
    const done = await runner.run();
    assert.deepEqual(statuses, ['waiting-window', 'running', 'finished']);
    assert.ok(done.startedAt! - started >= 350, `started after ${done.startedAt! - started} ms`);
    assert.equal(countStates(done).done, later.entries.length);
  });

  it('resumes a kept state without moving a VM twice', async () => {
    const p = await plan({ kind: 'evacuate', nodeId: '1' });
    const kept = initialRunState(p);
    kept.entries[0].status = { state: 'done', endedAt: 1 };
    kept.entries[1].status = { state: 'running', startedAt: 1 };
    const migrated: string[] = [];
    const counting = { ...pick(source), migrate: (r: Parameters<BlixardSource['migrate']>[0]) => (migrated.push(r.vmId), source.migrate(r)) };
    const final = await new PlanRunner(counting, p, { resume: kept }).run();
    assert.deepEqual(migrated, [p.entries[2].vm, p.entries[3].vm]);
    assert.equal(final.entries[0].status.state, 'done');
    assert.equal(final.entries[1].status.state, 'failed');
    assert.match((final.entries[1].status as { reason: string }).reason, /interrupted before the cluster answered/);
  });
});

function pick(source: BlixardSource) {
  return { cancel: source.cancel.bind(source), onMigrationEvent: source.onMigrationEvent, getMigration: source.getMigration?.bind(source), migrate: source.migrate.bind(source) };
}
