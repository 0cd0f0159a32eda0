// BlixardSource against real node daemons on loopback: nodes, VMs, start/stop.

import { strict as assert } from 'node:assert';
import type { ChangedScope } from '../../../../src/model/cluster';
import { SourceError } from '../../../../src/model/errors';
import type { BlixardSource } from '../../../../src/sources/blixard/blixard-source';
import { waitFor } from './support/wait-for';
import { sourceFor, startTestCluster, type DevCluster } from './support/test-cluster';

describe('BlixardSource: nodes and VMs (real daemons)', function () {
  this.timeout(30_000);
  let cluster: DevCluster;
  let source: BlixardSource;

  before(async () => {
    cluster = await startTestCluster({ runtime: { bootMs: 300, stopMs: 300 } });
  });
  beforeEach(() => {
    source = sourceFor(cluster.endpoints);
  });
  afterEach(() => source.dispose());
  after(() => cluster.stop());

  it('lists nodes with the leader marked and capacity from the resource summary', async () => {
    const nodes = await source.listNodes();
    assert.deepEqual(
      nodes.map((n) => [n.id, n.name, n.address]),
      cluster.nodes.map((n) => [String(n.id), `node-${n.id}`, n.address]),
    );
    assert.equal(nodes.filter((n) => n.status === 'leader').length, 1, 'exactly one leader');
    assert.ok(nodes.every((n) => n.status === 'leader' || n.status === 'follower'));
    for (const node of nodes) {
      assert.deepEqual(node.capacity, { vcpus: 16, memoryMb: 32768, diskGb: 500 });
      assert.ok(node.used && node.used.vcpus >= 1, `node ${node.id} runs a seeded VM`);
      assert.equal(node.runningVms, 1);
    }
    assert.deepEqual(source.connection, { state: 'connected', endpoint: cluster.endpoints[0] });
  });

  it('lists every VM, or one node’s, with normalised states', async () => {
    const vms = await source.listVms();
    assert.deepEqual(
      vms.map((v) => [v.id, v.nodeId, v.state, v.phase]).sort(),
      [
        ['vm-1', '1', 'running', 'VM_STATE_RUNNING'],
        ['vm-2', '2', 'stopped', 'VM_STATE_STOPPED'],
        ['vm-3', '3', 'running', 'VM_STATE_RUNNING'],
        ['vm-4', '1', 'stopped', 'VM_STATE_STOPPED'],
        ['vm-5', '2', 'running', 'VM_STATE_RUNNING'],
        ['vm-6', '3', 'stopped', 'VM_STATE_STOPPED'],
      ],
    );
    const vm1 = vms.find((v) => v.id === 'vm-1')!;
    assert.equal(vm1.vcpus, 1);
    assert.equal(vm1.memoryMb, 512);
    assert.match(vm1.ipAddress ?? '', /^10\.\d+\.\d+\.\d+$/);
    assert.equal(vm1.migration, undefined);
    assert.deepEqual((await source.listVms('1')).map((v) => v.id).sort(), ['vm-1', 'vm-4']);
    assert.deepEqual(await source.listVms('99'), []);
  });

  it('starts and stops VMs, and says why when it cannot', async () => {
    await source.startVm('vm-2');
    assert.equal((await source.listVms('2')).find((v) => v.id === 'vm-2')?.state, 'running');
    await source.stopVm('vm-2');
    assert.equal((await source.listVms('2')).find((v) => v.id === 'vm-2')?.state, 'stopped');

    const missing = await source.startVm('no-such-vm').catch((e: unknown) => e);
    assert.ok(missing instanceof SourceError);
    assert.equal(missing.code, 'not-found');
    assert.match(missing.message, /no-such-vm/);
    assert.doesNotMatch(missing.message, /\n|at .*\.js/);
    await assert.rejects(source.stopVm(''), (e: unknown) => e instanceof SourceError && e.code === 'invalid-argument');
  });

  it('reports only what changed while someone listens, polling ListVms', async () => {
    const polled = sourceFor(cluster.endpoints, { refreshIntervalMs: 100 });
    const scopes: ChangedScope[] = [];
    const subscription = polled.onDidChange((s) => scopes.push(s));
    try {
      // Let the poller take its baseline, then change the cluster behind its back.
      await waitFor(() => polled.connection.state === 'connected', 'the poller to connect');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(scopes.length, 0, 'nothing changed yet');
      await source.startVm('vm-6');
      // Stopped → (starting →) running: the VM's label changes, and its node's usage once it runs.
      await waitFor(() => scopes.some((s) => s.scope === 'node' && s.nodeId === '3'), 'the change of vm-6 and its node');
      assert.ok(scopes.some((s) => s.scope === 'vm' && s.vmId === 'vm-6'));
      assert.ok(scopes.every((s) => (s.scope === 'vm' && s.vmId === 'vm-6') || (s.scope === 'node' && s.nodeId === '3')), JSON.stringify(scopes));
      scopes.length = 0;
      await cluster.nodes[0].operations.createVm({ name: 'fresh-1', vcpus: 1, memoryMb: 256, configPath: '', nodeId: 2, initialState: 'STOPPED' });
      await waitFor(() => scopes.length > 0, 'the new VM to be noticed');
      assert.deepEqual(scopes, [{ scope: 'node', nodeId: '2' }]);
    } finally {
      subscription.dispose();
      polled.dispose();
      await source.stopVm('vm-6').catch(() => {});
    }
  });

  it('answers the nodes asked for in one turn with one ListVms, and a question asked after it was sent with a request of its own', async () => {
    // A pass-through count of the source's calls to the real daemons.
    const methods: string[] = [];
    const spied = source as unknown as { call: (...args: unknown[]) => Promise<unknown> };
    const call = spied.call.bind(source);
    spied.call = (...args) => {
      methods.push(String(args[1]));
      return call(...args);
    };
    const listings = await Promise.all(['1', '2', '3'].map((node) => source.listVms(node)));
    listings.forEach((vms, i) => assert.ok(vms.length > 0 && vms.every((v) => v.nodeId === String(i + 1)), JSON.stringify(vms.map((v) => [v.id, v.nodeId]))));
    assert.equal(methods.filter((m) => m === 'ListVms').length, 1, 'three nodes of one turn, one listing');

    const before = source.listVms('1');
    await new Promise((resolve) => setImmediate(resolve)); // that listing is on its way
    await cluster.nodes[0].operations.createVm({ name: 'fresh-2', vcpus: 1, memoryMb: 256, configPath: '', nodeId: 1, initialState: 'STOPPED' });
    const after = await source.listVms('1');
    assert.ok(after.some((v) => v.id === 'fresh-2'), 'a question asked after the change sees it');
    await before;
    assert.equal(methods.filter((m) => m === 'ListVms').length, 3);
  });
});
