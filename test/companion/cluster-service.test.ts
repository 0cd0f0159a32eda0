// blixard.ClusterService on a dev-cluster (3 daemons in this process, embedded store), over
// real gRPC on loopback: membership and leadership, the VM lifecycle, resources, validation.

import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { startDevCluster, type DevCluster } from '../../companion/blixard-node/dev-cluster';
import { startNode } from '../../companion/blixard-node/node-daemon';
import { connect, eventually, type BlixardTestClient } from './blixard-test-client';

async function rejects(promise: Promise<unknown>, code: status, message: RegExp | string): Promise<void> {
  await assert.rejects(promise, (err: { code: number; details: string }) => {
    assert.equal(err.code, code, `expected code ${status[code]}, got ${status[err.code]}: ${err.details}`);
    if (typeof message === 'string') assert.equal(err.details, message);
    else assert.match(err.details, message);
    return true;
  });
}

describe('blixard-node ClusterService (dev-cluster, memory store)', function () {
  this.timeout(30_000);
  let cluster: DevCluster;
  let clients: BlixardTestClient[];

  before(async () => {
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 6, runtime: { bootMs: 50, stopMs: 50, bandwidthMbps: 0 } });
    clients = cluster.endpoints.map((e) => connect(e));
  });
  after(async () => {
    clients?.forEach((c) => c.close());
    await cluster?.stop();
  });

  it('reports three nodes, exactly one leader, and the same view from every daemon', async () => {
    const answers = await Promise.all(clients.map((c) => c.call('GetClusterStatus')));
    for (const a of answers) {
      assert.deepEqual(a.nodes.map((n: { id: number }) => n.id), [1, 2, 3]);
      assert.equal(a.nodes.filter((n: { state: string }) => n.state === 'NODE_STATE_LEADER').length, 1);
      assert.equal(a.nodes.find((n: { state: string }) => n.state === 'NODE_STATE_LEADER').id, a.leader_id);
      assert.ok(a.term > 0);
      assert.deepEqual(a.nodes.map((n: { address: string }) => n.address), cluster.endpoints);
    }
    assert.deepEqual(answers[1], answers[0]);
    assert.deepEqual(answers[2], answers[0]);
  });

  it('seeds vm-1…vm-6 across the nodes, odd ones running and even ones stopped', async () => {
    const { vms } = await clients[0].call('ListVms');
    assert.deepEqual(vms.map((v: { name: string }) => v.name), ['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6']);
    assert.deepEqual(vms.map((v: { state: string }) => v.state), ['RUNNING', 'STOPPED', 'RUNNING', 'STOPPED', 'RUNNING', 'STOPPED'].map((s) => `VM_STATE_${s}`));
    assert.deepEqual(new Set(vms.map((v: { node_id: number }) => v.node_id)), new Set([1, 2, 3]));
    for (const v of vms) assert.match(v.ip_address, /^10\.\d+\.\d+\.\d+$/);
  });

  it('creates, starts, stops and deletes a VM, visible from every daemon', async () => {
    const created = await clients[0].call('CreateVm', { name: 'web-1', vcpus: 2, memory_mb: 1024, config_path: '/etc/blixard/web-1.toml' });
    assert.equal(created.success, true);
    assert.equal(created.vm_id, 'web-1');
    // Read-your-writes on the daemon that took the write, and soon on the others.
    let status1 = await clients[0].call('GetVmStatus', { name: 'web-1' });
    assert.equal(status1.found, true);
    assert.equal(status1.vm_info.state, 'VM_STATE_CREATED');
    await eventually(async () => (await clients[2].call('GetVmStatus', { name: 'web-1' })).found, 5000, 'web-1 on node 3');

    const started = await clients[1].call('StartVm', { name: 'web-1' });
    assert.equal(started.success, true, started.message);
    status1 = await clients[1].call('GetVmStatus', { name: 'web-1' });
    assert.equal(status1.vm_info.state, 'VM_STATE_RUNNING');
    assert.match((await clients[1].call('StartVm', { name: 'web-1' })).message, /already running/);

    const summary = (await clients[2].call('GetClusterResourceSummary')).summary;
    const host = summary.nodes.find((n: { node_id: number }) => n.node_id === status1.vm_info.node_id);
    assert.ok(host.used_vcpus >= 2 && host.used_memory_mb >= 1024);
    assert.equal(summary.total_nodes, 3);
    assert.equal(summary.total_vcpus, 48);
    assert.equal(summary.total_running_vms, 4);

    const stopped = await clients[2].call('StopVm', { name: 'web-1' });
    assert.equal(stopped.success, true);
    assert.equal((await clients[2].call('GetVmStatus', { name: 'web-1' })).vm_info.state, 'VM_STATE_STOPPED');

    await clients[0].call('StartVm', { name: 'web-1' });
    const deleted = await clients[0].call('DeleteVm', { name: 'web-1' });
    assert.equal(deleted.success, true, deleted.message);
    assert.equal((await clients[0].call('GetVmStatus', { name: 'web-1' })).found, false);
    await eventually(async () => !(await clients[2].call('GetVmStatus', { name: 'web-1' })).found, 5000, 'deletion seen by node 3');
    assert.ok(!cluster.nodes.some((n) => n.runtime.isRunning('web-1')), 'no runtime keeps the deleted guest');
  });

  it('places new VMs on the node with the most free memory', async () => {
    await clients[0].call('CreateVm', { name: 'placed', vcpus: 1, memory_mb: 256 });
    const summary = (await clients[0].call('GetClusterResourceSummary')).summary;
    const freest = [...summary.nodes].sort(
      (a: { used_memory_mb: number; node_id: number }, b: { used_memory_mb: number; node_id: number }) => a.used_memory_mb - b.used_memory_mb || a.node_id - b.node_id,
    )[0];
    assert.equal((await clients[0].call('GetVmStatus', { name: 'placed' })).vm_info.node_id, freest.node_id);
    await clients[0].call('DeleteVm', { name: 'placed' });
  });

  it('rejects bad input with INVALID_ARGUMENT and a message a person understands', async () => {
    const c = clients[0];
    await rejects(c.call('CreateVm', { name: '', vcpus: 1, memory_mb: 1 }), status.INVALID_ARGUMENT, 'name must not be empty');
    await rejects(c.call('CreateVm', { name: 'a'.repeat(254), vcpus: 1, memory_mb: 1 }), status.INVALID_ARGUMENT, /at most 253 characters/);
    await rejects(c.call('CreateVm', { name: 'Bad_Name', vcpus: 1, memory_mb: 1 }), status.INVALID_ARGUMENT, /not a valid VM name/);
    await rejects(c.call('CreateVm', { name: '-lead', vcpus: 1, memory_mb: 1 }), status.INVALID_ARGUMENT, /not a valid VM name/);
    await rejects(c.call('CreateVm', { name: 'ok', vcpus: 0, memory_mb: 1 }), status.INVALID_ARGUMENT, 'vcpus must be at least 1');
    await rejects(c.call('CreateVm', { name: 'ok', vcpus: 1, memory_mb: 0 }), status.INVALID_ARGUMENT, 'memory_mb must be at least 1');
    await rejects(c.call('CreateVm', { name: 'ok', vcpus: 5000, memory_mb: 1 }), status.INVALID_ARGUMENT, /vcpus must be at most 1024/);
    // Every class of control character (C0, C1, line separators, bidi overrides) and U+FFFD.
    for (const path of ['a\u0000b', '/etc/a\u0085b.toml', '/etc/a\u2028b.toml', '/etc/\u202elmot.toml', '/etc/a\ufffd.toml']) {
      await rejects(c.call('CreateVm', { name: 'ok', vcpus: 1, memory_mb: 1, config_path: path }), status.INVALID_ARGUMENT, /config_path/);
    }
    await rejects(c.call('StartVm', { name: '' }), status.INVALID_ARGUMENT, 'name must not be empty');
    await rejects(c.call('GetVmStatus', { name: 'UPPER' }), status.INVALID_ARGUMENT, /not a valid VM name/);
    await rejects(c.call('MigrateVm', { vm_name: 'vm-1', target_node_id: 0 }), status.INVALID_ARGUMENT, 'target_node_id must be a node id (1 or more)');
    // A uint64 id past the daemon's node ids (1 … 2^53 − 1) is refused with the digits sent, not rounded.
    const outOfRange = 'is out of range: node ids are 1 to 9007199254740991';
    await rejects(c.call('MigrateVm', { vm_name: 'vm-1', target_node_id: '18446744073709551615' }), status.INVALID_ARGUMENT, `target_node_id 18446744073709551615 ${outOfRange}`);
    await rejects(c.call('MigrateVm', { vm_name: 'vm-1', target_node_id: '9007199254740993' }), status.INVALID_ARGUMENT, `target_node_id 9007199254740993 ${outOfRange}`);
    await rejects(c.call('ListMigrations', { node_id: '18446744073709551615' }), status.INVALID_ARGUMENT, `node_id 18446744073709551615 ${outOfRange}`);
    await rejects(c.call('MigrateVm', { vm_name: 'vm-1', target_node_id: '9007199254740991' }), status.NOT_FOUND, 'Node 9007199254740991 not found in cluster');
    // 253 characters is allowed.
    const long = `a${'b'.repeat(251)}c`;
    assert.equal((await c.call('CreateVm', { name: long, vcpus: 1, memory_mb: 64 })).success, true);
    await c.call('DeleteVm', { name: long });
  });

  it('answers NOT_FOUND, ALREADY_EXISTS and FAILED_PRECONDITION where they apply', async () => {
    const c = clients[1];
    await rejects(c.call('StartVm', { name: 'ghost' }), status.NOT_FOUND, "VM 'ghost' not found");
    await rejects(c.call('StopVm', { name: 'ghost' }), status.NOT_FOUND, "VM 'ghost' not found");
    await rejects(c.call('DeleteVm', { name: 'ghost' }), status.NOT_FOUND, "VM 'ghost' not found");
    assert.deepEqual(await c.call('GetVmStatus', { name: 'ghost' }), { found: false, vm_info: null });
    await rejects(c.call('CreateVm', { name: 'vm-1', vcpus: 1, memory_mb: 64 }), status.ALREADY_EXISTS, "VM 'vm-1' already exists");
    await rejects(
      c.call('CreateVm', { name: 'huge', vcpus: 64, memory_mb: 1024 }),
      status.FAILED_PRECONDITION,
      'No node can hold a VM with 64 vCPUs and 1024 MB memory (the largest node has 16 vCPUs and 32768 MB)',
    );
  });

  it('refuses to start a VM on a node without free capacity, saying what is short', async () => {
    const c = clients[0];
    await c.call('CreateVm', { name: 'big-a', vcpus: 12, memory_mb: 30000 });
    const node = (await c.call('GetVmStatus', { name: 'big-a' })).vm_info.node_id;
    await c.call('StartVm', { name: 'big-a' });
    // Force a second large VM onto the same node through the daemon's own placement API.
    await cluster.nodes[0].operations.createVm({ name: 'big-b', vcpus: 12, memoryMb: 30000, configPath: '', nodeId: node });
    await rejects(c.call('StartVm', { name: 'big-b' }), status.FAILED_PRECONDITION, new RegExp(`^Node ${node} lacks capacity to start VM 'big-b': needs 12 vCPUs but \\d+ are free; needs 30000 MB memory but \\d+ MB are free$`));
    await c.call('DeleteVm', { name: 'big-a' });
    await c.call('DeleteVm', { name: 'big-b' });
  });

  it('HealthCheck reports a healthy member and the leader', async () => {
    const health = await clients[2].call('HealthCheck');
    assert.equal(health.healthy, true);
    assert.match(health.message, /^node 3: serving; 3 node\(s\); leader node \d/);
  });
});

describe('blixard-node membership and leadership (memory store)', function () {
  this.timeout(30_000);

  it('a stopped daemon leaves at once; a crashed one drops out after its lease TTL; leadership moves on', async () => {
    const cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 0, leaseTtlSeconds: 2 });
    const extra = await startNode({ id: 4, store: cluster.store, leaseTtlSeconds: 2 });
    const client = connect(cluster.endpoints[1]);
    try {
      const ids = async () => (await client.call('GetClusterStatus')).nodes.map((n: { id: number }) => n.id);
      assert.deepEqual(await ids(), [1, 2, 3, 4]);
      await extra.stop();
      await eventually(async () => (await ids()).length === 3, 2000, 'node 4 to leave');

      const before = await client.call('GetClusterStatus');
      const leader = cluster.nodes.find((n) => n.id === before.leader_id)!;
      const t0 = Date.now();
      await leader.crash();
      const after = await eventually(async () => {
        const s = await client.call('GetClusterStatus');
        return !s.nodes.some((n: { id: number }) => n.id === leader.id) && s.leader_id !== 0 && s.leader_id !== leader.id && s;
      }, 10_000, 'the crashed leader to drop out and a new leader');
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 1000, `a crash is noticed through lease expiry, not instantly (${elapsed} ms)`);
      assert.ok(after.term > before.term, 'the term grows with a new leader');
      assert.equal(after.nodes.find((n: { id: number }) => n.id === after.leader_id).state, 'NODE_STATE_LEADER');
    } finally {
      client.close();
      await cluster.stop();
    }
  });
});
