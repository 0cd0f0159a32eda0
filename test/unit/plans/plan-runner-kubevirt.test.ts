// The planner and runner on a KubeVirt cluster (the local KubeVirt-compatible API server through
// the real KubevirtSource): a VMI that cannot migrate live and may not be shut down is a blocker,
// one that may be shut down is restarted off its cordoned node; an evacuation creates its VMIMs
// with the plan's concurrency never exceeded (sampled at every phase change the source reports),
// and a VMIM that fails fails its entry — the source's completion settles on any final phase, so
// the runner must read the migration's own outcome.

import * as assert from 'node:assert/strict';
import { readClusterSnapshot } from '../../../src/plans/cluster-snapshot';
import { PlanRunner } from '../../../src/plans/plan-runner';
import { countStates } from '../../../src/plans/plan-run-state';
import { planMigrations } from '../../../src/plans/planner';
import { isFinal } from '../../../src/model/migration';
import type { KubevirtSource } from '../../../src/sources/kubevirt/kubevirt-source';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { sourceFor, TempDir, waitFor } from '../sources/kubevirt/source-harness';

describe('plan runner (KubeVirt-compatible API server)', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let dir: TempDir;
  let source: KubevirtSource;

  beforeEach(async () => {
    server = await startKubeApiServer({ bookmarkIntervalMs: 500, timing: { perPhaseMs: 60 } });
    for (const name of ['node01', 'node02', 'node03']) server.addNode({ name });
    for (let i = 1; i <= 5; i++) server.addVm({ name: `web-${i}`, node: 'node01' });
    server.addVm({ name: 'stuck', node: 'node01', evictionStrategy: 'LiveMigrate', liveMigratable: false });
    server.addVm({ name: 'scratch', node: 'node01', evictionStrategy: 'None', liveMigratable: false });
    dir = new TempDir();
    ({ source } = await sourceFor(server, dir));
    await waitFor(async () => (await source.listVms()).length === 7, 'the seven VMIs');
  });

  afterEach(async () => {
    source?.dispose();
    await server?.stop();
    dir?.dispose();
  });

  it('blocks the VMI that cannot move, restarts the one that may stop, and evacuates the rest two at a time', async () => {
    await source.setNodeMaintenance!('node01', true, 'plan test');
    await waitFor(async () => (await source.listNodes()).find((n) => n.id === 'node01')?.schedulable === false, 'node01 cordoned');
    const snapshot = await readClusterSnapshot(source);
    const plan = planMigrations(snapshot, { kind: 'evacuate', nodeId: 'node01' }, { concurrency: { perCluster: 2, perSourceNode: 2 } });
    assert.deepEqual(plan.blockers.map((b) => [b.vm, b.kind]), [['default/stuck', 'not-migratable']]);
    assert.match(plan.blockers[0].reason, /not live-migratable \(DisksNotLiveMigratable\) and may not be moved cold \(evictionStrategy LiveMigrate/);
    assert.equal(plan.entries.length, 6);
    const restart = plan.entries.find((e) => e.vm === 'default/scratch')!;
    assert.deepEqual([restart.mode, restart.to], ['cold', undefined]);
    assert.ok(plan.entries.filter((e) => e !== restart).every((e) => e.mode === 'live' && (e.to === 'node02' || e.to === 'node03')));

    const active = new Map<string, boolean>();
    let peak = 0;
    let changes = 0;
    const sub = source.onMigrationEvent((e) => {
      if (e.type !== 'observation') return;
      changes++;
      const m = e.observation.migration;
      if (isFinal(m.state)) active.delete(m.id);
      else active.set(m.id, true);
      peak = Math.max(peak, active.size);
    });
    try {
      const final = await new PlanRunner(source, plan).run();
      assert.deepEqual(countStates(final), { waiting: 0, running: 0, done: 6, failed: 0, blocked: 0, cancelled: 0 }, JSON.stringify(final.entries));
      assert.match(JSON.stringify(final.entries.find((e) => e.vm === 'default/scratch')!.status), /restarted on node0[23]/);
      assert.ok(changes >= 10, `${changes} observations`);
      assert.ok(peak <= 2, `two VMIMs at a time, never more (saw ${peak})`);
      assert.equal(peak, 2);
      const vms = await waitFor(async () => {
        const now = await source.listVms();
        return now.filter((v) => v.nodeId === 'node01').length === 1 ? now : undefined;
      }, 'only the stuck VMI left on node01');
      assert.equal(vms.find((v) => v.nodeId === 'node01')!.id, 'default/stuck');
    } finally {
      sub.dispose();
    }
  });

  it('fails an entry whose VMIM fails, with the cluster reason, even though the completion resolved', async () => {
    const plan = planMigrations(await readClusterSnapshot(source), { kind: 'migrate', vmIds: ['default/web-1'], to: { node: 'node02' } });
    server.faults.failMigration({ vmiName: 'web-1' }, { reason: 'target pod could not be scheduled' });
    const final = await new PlanRunner(source, plan).run();
    const status = final.entries[0].status;
    assert.equal(status.state, 'failed', JSON.stringify(final.entries[0]));
    assert.match((status as { reason: string }).reason, /target pod could not be scheduled/);
  });
});
