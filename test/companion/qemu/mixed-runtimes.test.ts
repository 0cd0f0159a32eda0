// A cluster whose nodes run different runtimes (QEMU on node 1, simulated on node 2): a guest is
// its runtime's own, so MigrateVm between them is refused with FAILED_PRECONDITION before anything
// moves, while placement of new VMs goes on as before. Nothing here boots: the VMs stay stopped.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { status } from '@grpc/grpc-js';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import { QemuRuntime } from '../../../companion/blixard-node/runtime/qemu/qemu-runtime';
import { SimulatedRuntime } from '../../../companion/blixard-node/runtime/simulated-runtime';
import { keys, type MemberRecord } from '../../../companion/blixard-node/state/cluster-records';
import { connect, eventually, type BlixardTestClient, type Reply } from '../blixard-test-client';
import { QemuFleet } from './qemu-harness';

describe('mixed runtimes: a VM cannot move between a QEMU node and a simulated one', function () {
  this.timeout(30_000);
  const fleet = new QemuFleet();
  let cluster: DevCluster | undefined;
  let client: BlixardTestClient;

  before(async () => {
    cluster = await startDevCluster({
      nodes: 2,
      basePort: 0,
      vms: 0,
      createRuntime: (id) => (id === 1 ? new QemuRuntime({ stateDir: path.join(fleet.root, `node-${id}`), accel: 'tcg' }) : new SimulatedRuntime({ bootMs: 50, stopMs: 50 })),
    });
    const ops = cluster.nodes[0].operations;
    await ops.createVm({ name: 'guest', vcpus: 1, memoryMb: 96, configPath: '', nodeId: 1, initialState: 'STOPPED' });
    await ops.createVm({ name: 'model', vcpus: 1, memoryMb: 96, configPath: '', nodeId: 2, initialState: 'RUNNING' });
    client = connect(cluster.endpoints[1]);
  });

  after(async () => {
    client?.close();
    await cluster?.stop();
    await fleet.cleanup();
  });

  const refusal = async (request: object): Promise<Reply> => {
    try {
      await client.call('MigrateVm', request);
    } catch (err) {
      return err as Reply;
    }
    return assert.fail(`MigrateVm ${JSON.stringify(request)} was not refused`);
  };

  it('each node declares its runtime in its member record', () => {
    const members = cluster!.nodes[0].view.members;
    assert.equal(members.get(1)!.value.runtime, 'qemu');
    assert.equal(members.get(2)!.value.runtime, 'simulated');
  });

  it('refuses QEMU → simulated and simulated → QEMU, live or cold, and nothing moves', async () => {
    const toSimulated = await refusal({ vm_name: 'guest', target_node_id: 2, live_migration: false });
    assert.equal(toSimulated.code, status.FAILED_PRECONDITION);
    assert.equal(toSimulated.details, 'Node 2 runs simulated VMs and node 1 runs QEMU guests: a VM cannot move between runtimes');
    const toQemu = await refusal({ vm_name: 'model', target_node_id: 1, live_migration: true });
    assert.equal(toQemu.code, status.FAILED_PRECONDITION);
    assert.equal(toQemu.details, 'Node 1 runs QEMU guests and node 2 runs simulated VMs: a VM cannot move between runtimes');
    assert.equal((await client.call('ListMigrations')).migrations.length, 0, 'no migration was recorded');
    const vms = (await client.call('ListVms')).vms as Reply[];
    assert.deepEqual(vms.map((v) => [v.name, v.node_id]).sort(), [['guest', 1], ['model', 2]]);
  });

  it('treats a member record without a runtime (a daemon from before it was declared) as simulated', async () => {
    const old: Omit<MemberRecord, 'runtime'> = { id: 3, address: '127.0.0.1:9', capacity: { vcpus: 8, memoryMb: 8192, diskGb: 100 }, features: [], startedAt: Date.now(), incarnation: 'old' };
    await cluster!.store.txn([], [{ type: 'put', key: keys.member(3), value: JSON.stringify(old) }]);
    await eventually(() => cluster!.nodes[1].view.members.has(3), 5000, 'node 3 seen');
    const refused = await refusal({ vm_name: 'guest', target_node_id: 3 });
    assert.equal(refused.code, status.FAILED_PRECONDITION);
    assert.equal(refused.details, 'Node 3 runs simulated VMs and node 1 runs QEMU guests: a VM cannot move between runtimes');
    await cluster!.store.txn([], [{ type: 'delete', key: keys.member(3) }]);
  });

  it('places new VMs on any node, whatever its runtime', async () => {
    const created = await client.call('CreateVm', { name: 'placed', vcpus: 1, memory_mb: 128 });
    assert.equal(created.success, true, created.message);
    const placed = (await client.call('GetVmStatus', { name: 'placed' })).vm_info;
    assert.ok([1, 2].includes(Number(placed.node_id)), `placed on node ${placed.node_id}`);
  });
});
