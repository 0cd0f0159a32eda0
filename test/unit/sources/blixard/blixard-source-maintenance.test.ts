// BlixardSource.setNodeMaintenance against real node daemons on loopback: the node listed
// unschedulable with since and reason, a migration to it refused in the daemon's words, the
// change announced to the tree, and VM metadata read as the planner's hints.

import { strict as assert } from 'node:assert';
import type { ChangedScope } from '../../../../src/model/cluster';
import { SourceError } from '../../../../src/model/errors';
import type { BlixardSource } from '../../../../src/sources/blixard/blixard-source';
import { waitFor } from './support/wait-for';
import { sourceFor, startTestCluster, type DevCluster } from './support/test-cluster';

async function refusal(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof SourceError, `a SourceError, not ${String(err)}`);
    return err;
  }
  assert.fail('expected a refusal');
}

describe('BlixardSource: maintenance mode (real daemons)', function () {
  this.timeout(30_000);
  let cluster: DevCluster;
  let source: BlixardSource;

  before(async () => {
    cluster = await startTestCluster({ runtime: { bootMs: 0, stopMs: 0, bandwidthMbps: 0 } });
  });
  beforeEach(() => {
    source = sourceFor(cluster.endpoints, { refreshIntervalMs: 100 });
  });
  afterEach(async () => {
    for (const id of ['1', '2', '3']) await source.setNodeMaintenance(id, false);
    source.dispose();
  });
  after(() => cluster.stop());

  it('declares the capability in its words: maintenance, with a reason', () => {
    assert.equal(typeof source.setNodeMaintenance, 'function');
    assert.deepEqual([source.traits.maintenance?.state, source.traits.maintenance?.recordsReason], ['maintenance', true]);
  });

  it('puts a node into maintenance and out again; the node lists it unschedulable with since and reason', async () => {
    const before = Date.now();
    await source.setNodeMaintenance('2', true, '  kernel patch ');
    const node = (await source.listNodes()).find((n) => n.id === '2');
    assert.equal(node?.schedulable, false);
    assert.equal(node?.maintenance?.reason, 'kernel patch');
    const since = Date.parse(node?.maintenance?.since ?? '');
    assert.ok(since >= before - 5 && since <= Date.now(), `since ${node?.maintenance?.since} is when it entered`);
    assert.deepEqual((await source.listNodes()).filter((n) => n.schedulable).map((n) => n.id), ['1', '3']);
    await source.setNodeMaintenance('2', true); // again: no error, the first since kept
    assert.equal((await source.listNodes()).find((n) => n.id === '2')?.maintenance?.since, node?.maintenance?.since);

    await source.setNodeMaintenance('2', false);
    const after = (await source.listNodes()).find((n) => n.id === '2');
    assert.equal(after?.schedulable, true);
    assert.equal(after?.maintenance, undefined);
  });

  it('announces the change to the tree as a change of the nodes', async () => {
    const changes: ChangedScope[] = [];
    const subscription = source.onDidChange((c) => changes.push(c));
    try {
      await source.listNodes(); // the poller's baseline
      await waitFor(async () => (await source.listNodes()).length === 3, 'nodes listed');
      await source.setNodeMaintenance('3', true, 'disk swap');
      await waitFor(() => changes.some((c) => c.scope === 'nodes'), 'a nodes change', 5000);
    } finally {
      subscription.dispose();
    }
  });

  it("refuses a migration to a node in maintenance with the daemon's sentence; VMs may still leave it", async () => {
    await source.setNodeMaintenance('2', true, 'kernel patch');
    const refused = await refusal(source.migrate({ vmId: 'vm-1', targetNodeId: '2', live: true }));
    assert.equal(refused.code, 'failed-precondition');
    assert.equal(refused.message, "Node 2 is in maintenance ('kernel patch'): it takes no new VMs; choose another target node");
    const away = await source.migrate({ vmId: 'vm-5', targetNodeId: '3', live: true });
    await away.completion;
    assert.equal((await source.listVms()).find((v) => v.id === 'vm-5')?.nodeId, '3');
    const back = await source.migrate({ vmId: 'vm-5', targetNodeId: '1', live: true });
    await back.completion;
  });

  it('says which node it could not find, and refuses what is not a node id before calling', async () => {
    const missing = await refusal(source.setNodeMaintenance('9', true));
    assert.equal(missing.code, 'not-found');
    assert.equal(missing.message, 'Node 9 not found in cluster');
    for (const bad of ['', 'node-2', '0', '-1']) assert.equal((await refusal(source.setNodeMaintenance(bad, true))).code, 'invalid-argument', bad);
    const long = await refusal(source.setNodeMaintenance('1', true, 'x'.repeat(300)));
    assert.equal(long.code, 'invalid-argument');
    assert.match(long.message, /reason must be at most 256 characters/);
  });

  it("reads a VM's metadata as the planner's hints", async () => {
    await cluster.nodes[0].operations.createVm({
      name: 'hinted',
      vcpus: 1,
      memoryMb: 64,
      configPath: '',
      metadata: { 'blixard.io/migration-priority': '20', 'blixard.io/migrate-before': 'vm-1', 'blixard.io/pinned': 'true' },
    });
    try {
      const vm = await waitFor(async () => (await source.listVms()).find((v) => v.id === 'hinted'), 'the VM listed');
      assert.deepEqual(vm.placement, { priority: 20, before: ['vm-1'], pinned: 'pinned' });
      assert.deepEqual(vm.coldMove, { ok: true });
    } finally {
      await cluster.nodes[0].operations.deleteVm('hinted');
    }
  });
});
