// The Enter/Exit Maintenance Mode flow without a window (ui/clusters/core/node-maintenance.ts):
// which rows a command applies to, and the calls and the one sentence after them, against real
// Blixard daemons and a source of a kind that cannot do it.

import { strict as assert } from 'node:assert';
import { changeMaintenance, maintenanceSelection, maintenanceUnsupported } from '../../../src/ui/clusters/core/node-maintenance';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { sourceFor, startTestCluster, type DevCluster } from '../sources/blixard/support/test-cluster';

const row = (clusterId: string, nodeId: string) => ({ type: 'node', id: `node:${clusterId}|${nodeId}`, clusterId, nodeId });

describe('node maintenance flow (core)', function () {
  this.timeout(30_000);
  let cluster: DevCluster;
  let source: BlixardSource;

  before(async () => {
    cluster = await startTestCluster({ runtime: { bootMs: 0, stopMs: 0, bandwidthMbps: 0 } });
    source = sourceFor(cluster.endpoints);
  });
  after(async () => {
    source?.dispose();
    await cluster?.stop();
  });

  it("applies to the clicked node, or to the selection it is part of, within the clicked node's cluster, once each", () => {
    const a1 = row('a', '1');
    assert.deepEqual(maintenanceSelection(a1), [a1]);
    assert.deepEqual(maintenanceSelection(a1, [a1, row('a', '2'), row('b', '3'), row('a', '2'), { type: 'vm', id: 'x' }]), [a1, row('a', '2')]);
    // A right-click outside the selection acts on the clicked row alone, as VS Code's lists do.
    assert.deepEqual(maintenanceSelection(a1, [row('a', '2'), row('a', '3')]), [a1]);
    assert.deepEqual(maintenanceSelection({ type: 'vm', id: 'v' }), []);
    assert.deepEqual(maintenanceSelection(undefined), []);
  });

  it('puts nodes into maintenance and out again, saying so in one sentence', async () => {
    const nodes = [{ id: '1', name: 'node-1' }, { id: '3', name: 'node-3' }];
    const entered = await changeMaintenance(source, 'c', nodes, true, 'rack move');
    assert.deepEqual(entered.changed.map((t) => t.nodeId), ['1', '3']);
    assert.equal(entered.summary, 'node-1, node-3 are in maintenance: no new VMs will be placed there; the VMs on them keep running.');
    const listed = await source.listNodes();
    assert.deepEqual(listed.map((n) => [n.id, n.schedulable, n.maintenance?.reason]), [['1', false, 'rack move'], ['2', true, undefined], ['3', false, 'rack move']]);
    const left = await changeMaintenance(source, 'c', [nodes[0]], false);
    assert.equal(left.summary, 'node-1 takes new VMs again.');
    await changeMaintenance(source, 'c', [nodes[1]], false);
  });

  it("keeps going past a node the cluster refuses, and names it with the cluster's reason", async () => {
    const outcome = await changeMaintenance(source, 'c', [{ id: '2', name: 'node-2' }, { id: '9', name: 'node-9' }], true);
    assert.deepEqual(outcome.changed.map((t) => t.nodeName), ['node-2']);
    assert.deepEqual(outcome.failed.map((f) => [f.target.nodeName, f.reason]), [['node-9', 'Node 9 not found in cluster']]);
    assert.equal(outcome.summary, 'node-2 is in maintenance: no new VMs will be placed there; the VMs on it keep running. Could not put node-9 into maintenance: Node 9 not found in cluster');
    assert.doesNotMatch(outcome.summary, /\n|at .*\.ts:/);
    await changeMaintenance(source, 'c', [{ id: '2', name: 'node-2' }], false);
  });

  it('says so for a source of a kind that cannot put nodes into maintenance, and calls nothing', async () => {
    const plain = { label: 'lab', traits: { ...source.traits, label: 'Elsewhere', maintenance: undefined } };
    assert.equal(maintenanceUnsupported(plain), 'lab cannot put nodes into maintenance (Elsewhere clusters have no such operation here)');
    const outcome = await changeMaintenance(plain, 'c', [{ id: '1', name: 'node-1' }], true);
    assert.deepEqual(outcome.changed, []);
    assert.equal(outcome.summary, maintenanceUnsupported(plain));
  });
});
