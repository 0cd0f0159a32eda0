// The plan runner on a KubeVirt cluster that says no mid-plan (the local KubeVirt-compatible API
// server through the real KubevirtSource): a target node that goes NotReady after planning. The
// VMIM sent there fails in the cluster's words (its target pod cannot be scheduled), the entries
// still planned onto that node are not started, and the rest of the evacuation goes on.

import * as assert from 'node:assert/strict';
import { readClusterSnapshot } from '../../../src/plans/cluster-snapshot';
import { PlanRunner } from '../../../src/plans/plan-runner';
import { countStates } from '../../../src/plans/plan-run-state';
import { planMigrations } from '../../../src/plans/planner';
import type { KubevirtSource } from '../../../src/sources/kubevirt/kubevirt-source';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { sourceFor, TempDir, waitFor } from '../sources/kubevirt/source-harness';

describe('plan runner under faults (KubeVirt-compatible API server)', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let dir: TempDir;
  let source: KubevirtSource;

  beforeEach(async () => {
    // A target pod that finds no node gives up after 1.5 s (KubeVirt: minutes).
    server = await startKubeApiServer({ bookmarkIntervalMs: 500, timing: { perPhaseMs: 60, unschedulableTimeoutMs: 1500 } });
    for (const name of ['node01', 'node02', 'node03']) server.addNode({ name });
    for (let i = 1; i <= 6; i++) server.addVm({ name: `web-${i}`, node: 'node01' });
    dir = new TempDir();
    ({ source } = await sourceFor(server, dir));
    await waitFor(async () => (await source.listVms()).length === 6, 'the six VMIs');
  });

  afterEach(async () => {
    source?.dispose();
    await server?.stop();
    dir?.dispose();
  });

  it('a target that goes NotReady after planning: its VMIM fails, the rest onto it is not started, the others finish', async () => {
    await source.setNodeMaintenance!('node01', true, 'fault test');
    const plan = planMigrations(await readClusterSnapshot(source), { kind: 'evacuate', nodeId: 'node01' }, { concurrency: { perCluster: 1, perSourceNode: 1 } });
    const onto3 = plan.entries.filter((e) => e.to === 'node03').map((e) => e.vm);
    assert.ok(onto3.length >= 2, JSON.stringify(plan.entries.map((e) => [e.vm, e.to])));
    server.setNodeReady('node03', false);
    const migrated: string[] = [];
    const counting = {
      migrate: (r: Parameters<KubevirtSource['migrate']>[0]) => (migrated.push(r.vmId), source.migrate(r)),
      cancel: source.cancel.bind(source),
      onMigrationEvent: source.onMigrationEvent,
      listNodes: source.listNodes.bind(source),
      traits: source.traits,
    };
    const final = await new PlanRunner(counting, plan).run();
    const c = countStates(final);
    const tried3 = onto3.filter((vm) => migrated.includes(vm));
    assert.equal(tried3.length, 1, `one VMIM was sent to node03 before it was known gone: ${migrated.join(', ')}`);
    const failed = final.entries.find((e) => e.vm === tried3[0])!.status;
    assert.equal(failed.state, 'failed');
    // The stand-in fails an unschedulable VMIM without a reason of its own: the runner's fallback says so.
    assert.match('reason' in failed ? failed.reason : '', /schedul|the migration failed/i, JSON.stringify(failed));
    for (const vm of onto3.filter((v) => v !== tried3[0])) {
      const s = final.entries.find((e) => e.vm === vm)!.status;
      assert.equal(s.state, 'blocked', vm);
      assert.match('reason' in s ? s.reason : '', /^not started: node03 is not ready; Recompute/);
    }
    assert.deepEqual([c.done, c.failed, c.blocked], [plan.entries.length - onto3.length, 1, onto3.length - 1], JSON.stringify(final.entries));
    assert.equal(server.objects.migrations().length, migrated.length, 'no VMIM beyond those the runner asked for');
  });
});
