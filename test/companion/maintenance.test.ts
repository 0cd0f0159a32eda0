// Maintenance mode (SetNodeMaintenance) on real daemons over gRPC: the flag committed through the
// store and seen by every daemon, migrations, placement and starts refusing the node with one clear
// message, VM metadata kept and listed; and on a real etcd, the flag outliving the node's daemon.

import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { startDevCluster, type DevCluster } from '../../companion/blixard-node/dev-cluster';
import { startNode, type RunningNode } from '../../companion/blixard-node/node-daemon';
import { connect, eventually, type BlixardTestClient, type Reply } from './blixard-test-client';
import { EtcdStore } from '../../companion/blixard-node/store/etcd-store';
import { StateWriter } from '../../companion/blixard-node/state/state-writer';
import { setNodeMaintenance } from '../../companion/blixard-node/node-maintenance';
import { NodeInMaintenanceError } from '../../companion/blixard-node/errors';
import { EtcdHarness } from './etcd-harness';

async function rejects(promise: Promise<unknown>, code: status, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: { code: number; details: string }) => {
    assert.equal(err.code, code, `expected ${status[code]}, got ${status[err.code]}: ${err.details}`);
    assert.match(err.details, message);
    return true;
  });
}

function nodeIn(statusReply: Reply, id: number): Reply {
  const node = statusReply.nodes.find((n: Reply) => n.id === id);
  assert.ok(node, `node ${id} is listed`);
  return node;
}

describe('blixard-node maintenance mode (dev-cluster, memory store)', function () {
  this.timeout(40_000);
  let cluster: DevCluster;
  let clients: BlixardTestClient[];

  before(async () => {
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 6, runtime: { bootMs: 0, stopMs: 0, bandwidthMbps: 0 }, vmMetadata: { 'vm-6': { 'blixard.io/pinned': 'seeded' } } });
    clients = cluster.endpoints.map((e) => connect(e));
  });
  after(async () => {
    clients?.forEach((c) => c.close());
    await cluster?.stop();
  });
  afterEach(async () => {
    for (const id of [1, 2, 3]) await clients[0].call('SetNodeMaintenance', { node_id: id, maintenance: false });
  });

  it('enters maintenance through one daemon and every daemon lists it, since and reason kept on a repeat', async () => {
    const before = Date.now();
    const entered = await clients[0].call('SetNodeMaintenance', { node_id: 2, maintenance: true, reason: 'kernel patch' });
    assert.equal(entered.changed, true);
    assert.match(entered.message, /^Node 2 is in maintenance: it takes no new VMs/);
    assert.equal(entered.node.id, 2);
    assert.equal(entered.node.maintenance, true);
    assert.equal(entered.node.maintenance_reason, 'kernel patch');
    assert.ok(entered.node.maintenance_since_unix_ms >= before && entered.node.maintenance_since_unix_ms <= Date.now());
    assert.equal(entered.node.address, cluster.endpoints[1]);
    for (const client of clients) {
      await eventually(async () => nodeIn(await client.call('GetClusterStatus'), 2).maintenance === true, 5000, 'every daemon sees the flag');
      const listed = await client.call('GetClusterStatus');
      assert.equal(nodeIn(listed, 2).maintenance_reason, 'kernel patch');
      assert.equal(nodeIn(listed, 1).maintenance, false);
      assert.equal(nodeIn(listed, 1).maintenance_since_unix_ms, 0);
    }
    const again = await clients[2].call('SetNodeMaintenance', { node_id: 2, maintenance: true });
    assert.equal(again.changed, false);
    assert.equal(again.message, 'Node 2 is already in maintenance');
    assert.equal(again.node.maintenance_since_unix_ms, entered.node.maintenance_since_unix_ms, 'the first since stays');
    const reworded = await clients[2].call('SetNodeMaintenance', { node_id: 2, maintenance: true, reason: 'new disk' });
    assert.equal(reworded.changed, true);
    assert.equal(reworded.node.maintenance_reason, 'new disk');
    assert.equal(reworded.node.maintenance_since_unix_ms, entered.node.maintenance_since_unix_ms);

    const left = await clients[1].call('SetNodeMaintenance', { node_id: 2, maintenance: false });
    assert.equal(left.changed, true);
    assert.equal(left.node.maintenance, false);
    assert.equal(left.node.maintenance_reason, '');
    const leftAgain = await clients[1].call('SetNodeMaintenance', { node_id: 2, maintenance: false });
    assert.deepEqual([leftAgain.changed, leftAgain.message], [false, 'Node 2 is not in maintenance']);
  });

  it('refuses a migration to the node, lets VMs leave it, and takes them again once it is out', async () => {
    await clients[0].call('SetNodeMaintenance', { node_id: 2, maintenance: true, reason: 'kernel patch' });
    // vm-1 runs on node 1, vm-2 (stopped) and vm-5 (running) on node 2.
    await rejects(
      clients[1].call('MigrateVm', { vm_name: 'vm-1', target_node_id: 2, live_migration: true }),
      status.FAILED_PRECONDITION,
      /^Node 2 is in maintenance \('kernel patch'\): it takes no new VMs; choose another target node$/,
    );
    await rejects(clients[1].call('MigrateVm', { vm_name: 'vm-1', target_node_id: 2, force: true }), status.FAILED_PRECONDITION, /^Node 2 is in maintenance/);
    const away = await clients[0].call('MigrateVm', { vm_name: 'vm-5', target_node_id: 3, live_migration: true });
    assert.equal(away.status, 'MIGRATION_STATUS_COMPLETED', away.message);
    const stoppedAway = await clients[0].call('MigrateVm', { vm_name: 'vm-2', target_node_id: 1 });
    assert.equal(stoppedAway.status, 'MIGRATION_STATUS_COMPLETED', stoppedAway.message);

    await clients[0].call('SetNodeMaintenance', { node_id: 2, maintenance: false });
    const back = await clients[0].call('MigrateVm', { vm_name: 'vm-5', target_node_id: 2, live_migration: true });
    assert.equal(back.status, 'MIGRATION_STATUS_COMPLETED', back.message);
    const stoppedBack = await clients[0].call('MigrateVm', { vm_name: 'vm-2', target_node_id: 2 });
    assert.equal(stoppedBack.status, 'MIGRATION_STATUS_COMPLETED', stoppedBack.message);
  });

  it('refuses to start a VM on the node; placement skips it, and says so when no other node could hold the VM', async () => {
    await clients[0].call('SetNodeMaintenance', { node_id: 2, maintenance: true });
    // vm-2 is stopped on node 2.
    await rejects(clients[0].call('StartVm', { name: 'vm-2' }), status.FAILED_PRECONDITION, /^Node 2 is in maintenance: VM 'vm-2' cannot start there; migrate it to a node outside maintenance first$/);
    assert.equal((await clients[0].call('GetVmStatus', { name: 'vm-2' })).vm_info.state, 'VM_STATE_STOPPED');
    // Node 2 has the most free memory after vm-5 leaves, yet new VMs go elsewhere.
    for (let i = 0; i < 4; i++) {
      const created = await clients[i % 3].call('CreateVm', { name: `placed-${i}`, vcpus: 1, memory_mb: 64 });
      assert.doesNotMatch(created.message, /on node 2$/, created.message);
    }
    await clients[0].call('SetNodeMaintenance', { node_id: 1, maintenance: true });
    await clients[0].call('SetNodeMaintenance', { node_id: 3, maintenance: true });
    await rejects(
      clients[0].call('CreateVm', { name: 'nowhere', vcpus: 1, memory_mb: 64 }),
      status.FAILED_PRECONDITION,
      /^No node can take the VM: every node that could hold it is in maintenance \(node 1, node 2, node 3\)$/,
    );
    for (let i = 0; i < 4; i++) await clients[0].call('DeleteVm', { name: `placed-${i}` });
  });

  it('a flag and a migration planned on the same view: whichever commits second sees the other (the guard on the flag)', async () => {
    const node = cluster.nodes[0];
    // Both plans are made in the same turn, before either write lands: only the store's guard decides.
    const ctx = { nodeId: node.id, store: node.store, view: node.view, writer: new StateWriter(node.store, node.view), runtime: node.runtime, log: () => {}, shutdown: new AbortController().signal };
    const flagFirst = setNodeMaintenance(ctx, 2, true, 'race');
    const moveSecond = node.operations.beginMigration({ vmName: 'vm-1', targetNodeId: 2, live: true, force: false });
    await flagFirst;
    await assert.rejects(moveSecond, (err: Error) => err instanceof NodeInMaintenanceError && /^Node 2 is in maintenance \('race'\)/.test(err.message));
    await setNodeMaintenance(ctx, 2, false, '');

    const moveFirst = node.operations.beginMigration({ vmName: 'vm-1', targetNodeId: 2, live: true, force: false });
    const flagSecond = setNodeMaintenance(ctx, 2, true, 'race');
    const migration = await moveFirst;
    await flagSecond;
    assert.ok(node.view.migrations.get(migration.id)!.createRevision < node.view.maintenance.get(2)!.modRevision, 'the migration committed first, so it was allowed');
    const ended = await node.operations.waitForMigrationEnd(migration.id);
    assert.equal(ended.status, 'COMPLETED', 'a migration in flight when the node entered maintenance finishes');
    await setNodeMaintenance(ctx, 2, false, '');
    await clients[0].call('MigrateVm', { vm_name: 'vm-1', target_node_id: 1, live_migration: true });
  });

  it('refuses an unknown node, a bad reason and a bad node id with INVALID_ARGUMENT or NOT_FOUND', async () => {
    await rejects(clients[0].call('SetNodeMaintenance', { node_id: 9, maintenance: true }), status.NOT_FOUND, /^Node 9 not found in cluster$/);
    await rejects(clients[0].call('SetNodeMaintenance', { node_id: 9, maintenance: false }), status.NOT_FOUND, /^Node 9 not found in cluster$/);
    await rejects(clients[0].call('SetNodeMaintenance', { node_id: 0, maintenance: true }), status.INVALID_ARGUMENT, /node_id must be a node id/);
    await rejects(clients[0].call('SetNodeMaintenance', { node_id: 1, maintenance: true, reason: 'x'.repeat(257) }), status.INVALID_ARGUMENT, /reason must be at most 256 characters/);
    await rejects(clients[0].call('SetNodeMaintenance', { node_id: 1, maintenance: true, reason: 'a\u001b[31mb' }), status.INVALID_ARGUMENT, /reason contains control/);
    assert.equal(nodeIn(await clients[0].call('GetClusterStatus'), 1).maintenance, false, 'nothing was written');
  });

  it("keeps a VM's metadata from CreateVm and lists it; refuses malformed metadata", async () => {
    const metadata = { 'blixard.io/migration-priority': '10', 'blixard.io/pinned': 'licence bound to host', team: 'db' };
    await clients[0].call('CreateVm', { name: 'meta-1', vcpus: 1, memory_mb: 64, metadata });
    await eventually(async () => (await clients[2].call('GetVmStatus', { name: 'meta-1' })).found === true, 5000, 'the VM on another daemon');
    assert.deepEqual((await clients[2].call('GetVmStatus', { name: 'meta-1' })).vm_info.metadata, metadata);
    const listed = (await clients[1].call('ListVms')).vms.find((v: Reply) => v.name === 'meta-1');
    assert.deepEqual(listed.metadata, metadata);
    assert.deepEqual((await clients[1].call('ListVms')).vms.find((v: Reply) => v.name === 'vm-1').metadata, {}, 'none given, none listed');
    assert.deepEqual((await clients[1].call('ListVms')).vms.find((v: Reply) => v.name === 'vm-6').metadata, { 'blixard.io/pinned': 'seeded' }, 'seeded by the dev cluster');
    await rejects(clients[0].call('CreateVm', { name: 'meta-2', vcpus: 1, memory_mb: 64, metadata: { 'bad key': 'x' } }), status.INVALID_ARGUMENT, /metadata key 'bad key' is not valid/);
    await rejects(clients[0].call('CreateVm', { name: 'meta-2', vcpus: 1, memory_mb: 64, metadata: { a: 'line\nbreak' } }), status.INVALID_ARGUMENT, /metadata 'a' contains control/);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    await rejects(clients[0].call('CreateVm', { name: 'meta-2', vcpus: 1, memory_mb: 64, metadata: many }), status.INVALID_ARGUMENT, /at most 64 entries \(got 65\)/);
    assert.equal((await clients[0].call('GetVmStatus', { name: 'meta-2' })).found, false);
    await clients[0].call('DeleteVm', { name: 'meta-1' });
  });
});

describe('blixard-node maintenance mode on a real etcd', function () {
  this.timeout(60_000);
  let etcd: EtcdHarness;
  const nodes: RunningNode[] = [];
  const stores: EtcdStore[] = [];
  let client: BlixardTestClient;
  /** A daemon with its own etcd client, as on its own host. */
  const daemon = async (id: number) => {
    const store = await EtcdStore.connect([etcd.endpoint]);
    stores.push(store);
    return startNode({ id, store, runtime: { bootMs: 0, stopMs: 0, bandwidthMbps: 0 }, leaseTtlSeconds: 1 });
  };

  before(async () => {
    etcd = await EtcdHarness.start();
    nodes.push(await daemon(1));
    nodes.push(await daemon(2));
    client = connect(nodes[0].address);
    await client.call('CreateVm', { name: 'web-1', vcpus: 1, memory_mb: 64 });
    await client.call('StartVm', { name: 'web-1' });
  });
  after(async () => {
    client?.close();
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await Promise.allSettled(stores.map((s) => s.close()));
    await etcd?.stop();
  });

  it('the flag is committed to etcd, outlives the daemon of the node, and can be cleared while the node is away', async () => {
    const web = (await client.call('GetVmStatus', { name: 'web-1' })).vm_info;
    const other = web.node_id === 1 ? 2 : 1;
    const entered = await client.call('SetNodeMaintenance', { node_id: other, maintenance: true, reason: 'firmware' });
    assert.equal(entered.changed, true);
    const second = connect(nodes[1].address);
    try {
      await eventually(async () => nodeIn(await second.call('GetClusterStatus'), other).maintenance === true, 5000, 'the other daemon sees the flag');
      await rejects(second.call('MigrateVm', { vm_name: 'web-1', target_node_id: other, live_migration: true }), status.FAILED_PRECONDITION, /^Node \d is in maintenance \('firmware'\)/);
    } finally {
      second.close();
    }

    // The node goes down for its patch and comes back: still in maintenance, the same since.
    const index = nodes.findIndex((n) => n.id === other);
    await nodes[index].stop();
    const survivor = connect(nodes[1 - index].address);
    try {
      await eventually(async () => !(await survivor.call('GetClusterStatus')).nodes.some((n: Reply) => n.id === other), 10_000, 'the node leaves');
      nodes[index] = await daemon(other);
      await eventually(async () => (await survivor.call('GetClusterStatus')).nodes.some((n: Reply) => n.id === other), 10_000, 'the node is back');
      const back = nodeIn(await survivor.call('GetClusterStatus'), other);
      assert.deepEqual([back.maintenance, back.maintenance_reason, back.maintenance_since_unix_ms], [true, 'firmware', entered.node.maintenance_since_unix_ms]);
      await rejects(survivor.call('MigrateVm', { vm_name: 'web-1', target_node_id: other }), status.FAILED_PRECONDITION, /in maintenance/);

      // Away again, and taken out of maintenance meanwhile: it returns taking VMs.
      await nodes[index].stop();
      await eventually(async () => !(await survivor.call('GetClusterStatus')).nodes.some((n: Reply) => n.id === other), 10_000, 'the node leaves again');
      const cleared = await survivor.call('SetNodeMaintenance', { node_id: other, maintenance: false });
      assert.equal(cleared.changed, true);
      assert.deepEqual([cleared.node.state, cleared.node.address, cleared.node.maintenance], ['NODE_STATE_UNKNOWN', '', false]);
      nodes[index] = await daemon(other);
      await eventually(async () => (await survivor.call('GetClusterStatus')).nodes.some((n: Reply) => n.id === other), 10_000, 'the node is back');
      const moved = await survivor.call('MigrateVm', { vm_name: 'web-1', target_node_id: other, live_migration: true });
      assert.equal(moved.status, 'MIGRATION_STATUS_COMPLETED', moved.message);
    } finally {
      survivor.close();
    }
  });
});
