// The plan runner when the cluster misbehaves, against real Blixard daemons on a real etcd (each
// daemon its own etcd client, as on its own host) through the real BlixardSource over gRPC: a
// target node whose daemon dies mid-plan, a target that entered maintenance after planning (every
// MigrateVm to it refused), a cluster whose daemons are all gone, and a VM deleted mid-plan.
// What an operator expects: the cluster's words on the entry that failed, nothing started blindly
// at a node the cluster has just said no about, no retry storm, the rest of the plan going on,
// and no node ever holding more than its capacity.

import * as assert from 'node:assert/strict';
import { startNode, type RunningNode } from '../../../companion/blixard-node/node-daemon';
import { EtcdStore } from '../../../companion/blixard-node/store/etcd-store';
import { readClusterSnapshot } from '../../../src/plans/cluster-snapshot';
import { PlanRunner } from '../../../src/plans/plan-runner';
import { countStates, type PlanRunState } from '../../../src/plans/plan-run-state';
import { planMigrations } from '../../../src/plans/planner';
import type { MigrationPlan, PlanRequest } from '../../../src/plans/plan-types';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { EtcdHarness } from '../../companion/etcd-harness';
import { sourceFor } from '../sources/blixard/support/test-cluster';

const CAPACITY = { vcpus: 8, memoryMb: 8192 };

describe('plan runner under faults (real daemons on a real etcd)', function () {
  this.timeout(90_000);
  let etcd: EtcdHarness;
  let nodes: RunningNode[];
  let stores: EtcdStore[];
  let source: BlixardSource;

  /** Three daemons; node 1 holds six running 1-vCPU / 512 MB VMs; live moves take ~3 s each. */
  beforeEach(async () => {
    etcd = await EtcdHarness.start();
    nodes = [];
    stores = [];
    for (const id of [1, 2, 3]) {
      const store = await EtcdStore.connect([etcd.endpoint]);
      stores.push(store);
      nodes.push(
        await startNode({ id, store, capacity: CAPACITY, leaseTtlSeconds: 1, runtime: { bootMs: 20, stopMs: 20, bandwidthMbps: 1500, dirtyRateMbps: 50, progressIntervalMs: 50 }, log: () => {} }),
      );
    }
    for (let i = 1; i <= 6; i++) await nodes[0].operations.createVm({ name: `vm-${i}`, vcpus: 1, memoryMb: 512, configPath: '', nodeId: 1, initialState: 'RUNNING' });
    const last = nodes[0].view.revision;
    await Promise.all(nodes.map((n) => n.view.waitForRevision(last)));
    source = sourceFor(nodes.map((n) => n.address));
  });

  afterEach(async () => {
    source?.dispose();
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await Promise.allSettled(stores.map((s) => s.close()));
    await etcd?.stop();
  });

  async function plan(request: PlanRequest, concurrency = { perCluster: 2, perSourceNode: 2 }, stopOnFailure = false): Promise<MigrationPlan> {
    return planMigrations(await readClusterSnapshot(source), request, { concurrency, stopOnFailure });
  }

  /** Counts MigrateVm calls, and samples every node's use against its capacity at each entry change. */
  function instrumented(p: MigrationPlan) {
    const calls: string[] = [];
    const counting = {
      migrate: (r: Parameters<BlixardSource['migrate']>[0]) => (calls.push(r.vmId), source.migrate(r)),
      cancel: source.cancel.bind(source),
      onMigrationEvent: source.onMigrationEvent,
      getMigration: source.getMigration.bind(source),
      listNodes: source.listNodes.bind(source),
    };
    const runner = new PlanRunner(counting, p);
    const over: string[] = [];
    let samples = 0;
    runner.onEvent(() => {
      void source.listNodes().then(
        (list) => {
          samples++;
          for (const n of list) if (n.used && n.capacity && (n.used.vcpus > n.capacity.vcpus || n.used.memoryMb > n.capacity.memoryMb)) over.push(`${n.name}: ${JSON.stringify(n.used)}`);
        },
        () => {},
      );
    });
    return { runner, calls, over, samples: () => samples };
  }

  function reasonOf(state: PlanRunState, vm: string): string {
    const s = state.entries.find((e) => e.vm === vm)!.status;
    return 'reason' in s ? s.reason : '';
  }

  it('a target node dies mid-plan: its migration fails in the cluster’s words, what was planned onto it is not started, the rest finishes', async () => {
    const p = await plan({ kind: 'evacuate', nodeId: '1' });
    const onto3 = p.entries.filter((e) => e.to === '3').map((e) => e.vm);
    const onto2 = p.entries.filter((e) => e.to === '2').map((e) => e.vm);
    assert.equal(onto3.length, 3, JSON.stringify(p.entries.map((e) => [e.vm, e.to])));
    const { runner, calls, over } = instrumented(p);
    let killed: string[] | undefined;
    runner.onEvent((e) => {
      if (killed || e.type !== 'entry' || e.entry.to !== '3' || e.entry.status.state !== 'running' || e.entry.status.phase !== 'Transferring' || (e.entry.status.progress ?? 0) > 0.5) return;
      // Whatever moves to node 3 at this moment: a migration may still finish before the daemon is gone.
      killed = runner.state.entries.filter((x) => x.to === '3' && x.status.state === 'running').map((x) => x.vm);
      void nodes[2].crash();
    });
    const final = await runner.run();
    assert.ok(killed, 'node 3 died while a VM was moving to it');
    assert.equal(final.status, 'finished');
    // Each entry onto node 3: done before the cluster saw the node go (its lease outlives the daemon
    // by up to a TTL), failed in the cluster's words, or — once the runner has seen it go — not started.
    const onto3Final = final.entries.filter((e) => e.to === '3');
    const failed3 = onto3Final.filter((e) => e.status.state === 'failed');
    const blocked3 = onto3Final.filter((e) => e.status.state === 'blocked');
    assert.ok(failed3.length >= 1 && blocked3.length >= 1, JSON.stringify(final.entries, null, 1));
    assert.deepEqual(onto3Final.filter((e) => !['done', 'failed', 'blocked'].includes(e.status.state)), []);
    for (const e of failed3) assert.match(reasonOf(final, e.vm), /^(target node 3 left the cluster during the (migration|switchover)|Node 3 not found in cluster)$/);
    for (const e of blocked3) assert.ok(!calls.includes(e.vm), `${e.vm} was never sent to the cluster`);
    for (const vm of onto2) assert.equal(final.entries.find((e) => e.vm === vm)!.status.state, 'done', `${vm} → node 2: ${reasonOf(final, vm)}`);
    for (const e of blocked3) assert.equal(reasonOf(final, e.vm), 'not started: node-3 is no longer in the cluster; Recompute to plan these VMs onto the nodes left');
    const vms = await source.listVms();
    for (const e of final.entries) {
      const where = vms.find((v) => v.id === e.vm)!.nodeId;
      assert.equal(where, e.status.state === 'done' ? e.to : '1', `${e.vm} (${e.status.state}) is on ${where}`);
    }
    assert.deepEqual(over, [], 'no node over its capacity');
    assert.match(final.note ?? '', /not started: node-3 is/);
  });

  it('a target that entered maintenance after planning: the refusals say why, nothing else is sent to it, the run ends with one summary', async () => {
    const p = await plan({ kind: 'migrate', vmIds: ['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6'], to: { node: '2' } });
    assert.equal(p.entries.length, 6, JSON.stringify(p.blockers));
    await source.setNodeMaintenance('2', true, 'firmware');
    const { runner, calls } = instrumented(p);
    const final = await runner.run();
    assert.equal(final.status, 'finished');
    assert.ok(calls.length <= p.concurrency.perCluster, `asked the cluster ${calls.length} times: ${calls.join(', ')}`);
    const c = countStates(final);
    assert.equal(c.failed, calls.length);
    assert.equal(c.blocked, 6 - calls.length);
    for (const vm of calls) assert.match(reasonOf(final, vm), /^Node 2 is in maintenance \('firmware'\)/);
    for (const e of final.entries.filter((x) => x.status.state === 'blocked')) assert.equal(reasonOf(final, e.vm), 'not started: node-2 is in maintenance (firmware); Recompute to plan these VMs onto the nodes left');
    assert.equal(final.note, `${c.blocked} entries not started: node-2 is in maintenance (firmware)`);
    assert.equal((await source.listVms()).filter((v) => v.nodeId === '1').length, 6, 'nothing moved');
  });

  it('a cluster that does not answer: the entries asked for fail, the others are not started, no retry storm', async () => {
    const p = await plan({ kind: 'evacuate', nodeId: '1' }, { perCluster: 2, perSourceNode: 2 });
    await Promise.all(nodes.map((n) => n.crash()));
    const { runner, calls } = instrumented(p);
    const started = Date.now();
    const final = await runner.run();
    assert.equal(final.status, 'finished');
    assert.ok(calls.length <= 2, `asked ${calls.length} times`);
    const c = countStates(final);
    assert.deepEqual([c.failed, c.blocked], [calls.length, 6 - calls.length]);
    for (const e of final.entries.filter((x) => x.status.state === 'blocked')) assert.match(reasonOf(final, e.vm), /^not started: the cluster does not answer/);
    assert.match(final.note ?? '', /^\d entries not started: the cluster does not answer/);
    assert.ok(Date.now() - started < 30_000, `ended in ${Date.now() - started} ms`);
  });

  it('a VM deleted mid-plan: its entry fails with the cluster’s words, the others go on', async () => {
    const p = await plan({ kind: 'evacuate', nodeId: '1' }, { perCluster: 3, perSourceNode: 3 });
    const last = p.entries[p.entries.length - 1].vm;
    const { runner } = instrumented(p);
    let deleted = false;
    runner.onEvent((e) => {
      if (deleted || e.type !== 'entry' || e.entry.status.state !== 'running') return;
      deleted = true;
      void nodes[0].operations.deleteVm(last);
    });
    const final = await runner.run();
    assert.equal(final.status, 'finished');
    const c = countStates(final);
    assert.deepEqual([c.done, c.failed, c.blocked], [5, 1, 0], JSON.stringify(final.entries));
    assert.match(reasonOf(final, last), new RegExp(`VM '?${last}'? (not found|does not exist)`));
  });
});
