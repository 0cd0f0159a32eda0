// Migrations end to end on a dev-cluster over real gRPC: cold and live moves, the
// WatchMigrations stream, validation, cancellation, non-convergence, races, idempotent ids,
// and nodes dying or restarting mid-migration.

import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { startDevCluster, type DevCluster } from '../../companion/blixard-node/dev-cluster';
import { startNode } from '../../companion/blixard-node/node-daemon';
import { connect, eventually, type BlixardTestClient, type Reply } from './blixard-test-client';

const MIB = 1024 * 1024;
const FINAL = new Set(['MIGRATION_STATUS_COMPLETED', 'MIGRATION_STATUS_FAILED', 'MIGRATION_STATUS_CANCELLED']);

function updatesOf(events: Reply[], id: string): Reply[] {
  return events.filter((e) => e.type === 'TYPE_UPDATE' && e.migration.id === id).map((e) => e.migration);
}

function statusesOf(events: Reply[], id: string): string[] {
  const out: string[] = [];
  for (const m of updatesOf(events, id)) if (out[out.length - 1] !== m.status) out.push(m.status);
  return out.map((s) => s.replace('MIGRATION_STATUS_', ''));
}

async function rejects(promise: Promise<unknown>, code: status, message: RegExp | string): Promise<void> {
  await assert.rejects(promise, (err: { code: number; details: string }) => {
    assert.equal(err.code, code, `expected ${status[code]}, got ${status[err.code]}: ${err.details}`);
    if (typeof message === 'string') assert.equal(err.details, message);
    else assert.match(err.details, message);
    return true;
  });
}

/** Every VM is listed once, on a node that is a member, and no migration is left in flight. */
async function assertInvariant(client: BlixardTestClient): Promise<void> {
  const { vms } = await client.call('ListVms');
  const names = vms.map((v: Reply) => v.name);
  assert.equal(new Set(names).size, names.length, 'each VM listed once');
  for (const v of vms) assert.ok(v.node_id > 0, `${v.name} is assigned to a node`);
  const active = await client.call('ListMigrations', { active_only: true });
  assert.deepEqual(active.migrations.map((m: Reply) => `${m.vm_name}:${m.status}`), [], 'no migration left in flight');
}

describe('blixard-node migrations (dev-cluster, memory store)', function () {
  this.timeout(40_000);
  let cluster: DevCluster;
  let clients: BlixardTestClient[];

  before(async () => {
    // 2000 Mbit/s = 250 MB/s link, 200 Mbit/s dirtying: a 512 MiB VM moves live in about 2.3 s.
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 6, runtime: { bootMs: 150, stopMs: 150, bandwidthMbps: 2000, dirtyRateMbps: 200 } });
    clients = cluster.endpoints.map((e) => connect(e));
  });
  after(async () => {
    clients?.forEach((c) => c.close());
    await cluster?.stop();
  });
  afterEach(async () => {
    await eventually(async () => (await clients[0].call('ListMigrations', { active_only: true })).migrations.length === 0, 15_000, 'quiet cluster');
  });

  async function vmOn(name: string): Promise<Reply> {
    return (await clients[0].call('GetVmStatus', { name })).vm_info;
  }

  it('cold-migrates a running VM: stop on source, reassign, start on target, phases on the stream', async () => {
    const watch = clients[2].watch();
    await watch.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 5000, 'snapshot end');
    const before = await vmOn('vm-1');
    assert.equal(before.state, 'VM_STATE_RUNNING');
    const target = (before.node_id % 3) + 1;
    const res = await clients[0].call('MigrateVm', { vm_name: 'vm-1', target_node_id: target, live_migration: false });
    assert.equal(res.success, true, res.message);
    assert.equal(res.status, 'MIGRATION_STATUS_COMPLETED');
    assert.equal(res.source_node_id, before.node_id);
    assert.equal(res.target_node_id, target);
    assert.match(res.migration_id, /^[0-9a-f-]{36}$/);
    assert.ok(res.duration_ms >= 300, `stop + boot take at least 300 ms (${res.duration_ms})`);
    const after = await vmOn('vm-1');
    assert.equal(after.node_id, target);
    assert.equal(after.state, 'VM_STATE_RUNNING');
    assert.ok(cluster.nodes[target - 1].runtime.isRunning('vm-1'), 'runs on the target');
    assert.ok(!cluster.nodes[before.node_id - 1].runtime.isRunning('vm-1'), 'gone from the source');

    await watch.waitFor((ev) => updatesOf(ev, res.migration_id).some((m) => FINAL.has(m.status)), 5000, 'final update');
    watch.cancel();
    assert.deepEqual(statusesOf(watch.events, res.migration_id), ['PREPARING', 'TRANSFERRING', 'SWITCHING', 'COMPLETED']);
    const last = updatesOf(watch.events, res.migration_id).at(-1)!;
    assert.deepEqual(last.phases.map((p: Reply) => p.status.replace('MIGRATION_STATUS_', '')), ['PREPARING', 'TRANSFERRING', 'SWITCHING', 'COMPLETED']);
    const times = last.phases.map((p: Reply) => p.at_unix_ms);
    assert.deepEqual([...times].sort((a, b) => a - b), times, 'phase times in order');
    assert.equal(last.ended_at_unix_ms, times[3]);
    assert.equal(last.live_migration, false);
    assert.equal(last.progress, null, 'no transfer progress for a cold move');
    const revisions = updatesOf(watch.events, res.migration_id).map((m) => m.revision);
    assert.deepEqual([...revisions].sort((a, b) => a - b), revisions, 'revisions grow');
  });

  it('cold-migrates a stopped VM, which stays stopped on its new node', async () => {
    const before = await vmOn('vm-2');
    assert.equal(before.state, 'VM_STATE_STOPPED');
    const target = (before.node_id % 3) + 1;
    const res = await clients[1].call('MigrateVm', { vm_name: 'vm-2', target_node_id: target });
    assert.equal(res.status, 'MIGRATION_STATUS_COMPLETED');
    const after = await vmOn('vm-2');
    assert.deepEqual([after.node_id, after.state], [target, 'VM_STATE_STOPPED']);
  });

  it('live-migrates with the VM RUNNING throughout, reporting real pre-copy progress at a sane rate', async () => {
    await clients[0].call('CreateVm', { name: 'live-a', vcpus: 1, memory_mb: 512 });
    await clients[0].call('StartVm', { name: 'live-a' });
    const before = await vmOn('live-a');
    const target = (before.node_id % 3) + 1;
    const watch = clients[1].watch();
    await watch.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 5000, 'snapshot end');

    const states = new Set<string>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        states.add((await clients[2].call('GetVmStatus', { name: 'live-a' })).vm_info.state);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const res = await clients[2].call('MigrateVm', { vm_name: 'live-a', target_node_id: target, live_migration: true });
    polling = false;
    await poller;
    assert.equal(res.success, true, res.message);
    assert.equal(res.status, 'MIGRATION_STATUS_COMPLETED');
    assert.deepEqual([...states], ['VM_STATE_RUNNING'], 'the VM stays RUNNING during a live migration');
    assert.equal((await vmOn('live-a')).node_id, target);

    await watch.waitFor((ev) => updatesOf(ev, res.migration_id).some((m) => FINAL.has(m.status)), 5000, 'final update');
    watch.cancel();
    assert.deepEqual(statusesOf(watch.events, res.migration_id), ['PREPARING', 'TRANSFERRING', 'SWITCHING', 'COMPLETED']);
    const updates = updatesOf(watch.events, res.migration_id);
    const transferring = updates.filter((m) => m.status === 'MIGRATION_STATUS_TRANSFERRING');
    assert.ok(transferring.length >= 3, `several progress updates (${transferring.length})`);
    for (const m of transferring) {
      assert.equal(m.progress.total_bytes, 512 * MIB);
      assert.equal(m.progress.bandwidth_bytes_per_sec, 250_000_000);
      assert.equal(m.progress.dirty_rate_bytes_per_sec, 25_000_000);
      assert.ok(m.progress.precopy_round >= 1);
    }
    const sent = transferring.map((m) => m.progress.transferred_bytes);
    assert.deepEqual([...sent].sort((a, b) => a - b), sent, 'transferred bytes only grow');
    assert.ok(sent.at(-1)! > 0);
    const span = (transferring.at(-1)!.updated_at_unix_ms - transferring[0].updated_at_unix_ms) / 1000;
    assert.ok(transferring.length <= 10 * span + 2, `at most ~10 updates/s (${transferring.length} in ${span.toFixed(2)} s)`);
    const done = updates.at(-1)!;
    assert.equal(done.progress.remaining_bytes, 0);
    assert.ok(done.progress.transferred_bytes >= 512 * MIB, 'all memory sent, plus what was dirtied');
  });

  it('validates migrations with the documented messages and codes', async () => {
    const c = clients[0];
    const vm1 = await vmOn('vm-3');
    await rejects(c.call('MigrateVm', { vm_name: 'vm-3', target_node_id: vm1.node_id }), status.INVALID_ARGUMENT, 'Target node must be different from source node');
    await rejects(c.call('MigrateVm', { vm_name: 'vm-3', target_node_id: 9 }), status.NOT_FOUND, 'Node 9 not found in cluster');
    const stopped = await vmOn('vm-4');
    await rejects(
      c.call('MigrateVm', { vm_name: 'vm-4', target_node_id: (stopped.node_id % 3) + 1, live_migration: true }),
      status.FAILED_PRECONDITION,
      'VM must be running for live migration',
    );
    await rejects(c.call('MigrateVm', { vm_name: 'nope', target_node_id: 1 }), status.NOT_FOUND, "VM 'nope' not found");
    await rejects(c.call('MigrateVm', { vm_name: '', target_node_id: 1 }), status.INVALID_ARGUMENT, 'vm_name must not be empty');
    await rejects(c.call('MigrateVm', { vm_name: 'vm-3', target_node_id: 2, migration_id: 'has space' }), status.INVALID_ARGUMENT, /not a valid migration id/);
    await rejects(c.call('MigrateVm', { vm_name: 'vm-3', target_node_id: 2, plan_id: 'has space' }), status.INVALID_ARGUMENT, /plan_id: a plan id holds only letters/);
    await rejects(c.call('MigrateVm', { vm_name: 'vm-3', target_node_id: 2, plan_id: 'p'.repeat(64) }), status.INVALID_ARGUMENT, /plan_id: a plan id must be at most 63 characters/);
  });

  it('refuses a target without room unless force is set, saying what is short', async () => {
    const c = clients[0];
    await c.call('CreateVm', { name: 'fat', vcpus: 8, memory_mb: 20000 });
    await c.call('StartVm', { name: 'fat' });
    const fat = await vmOn('fat');
    const target = (fat.node_id % 3) + 1;
    await cluster.nodes[0].operations.createVm({ name: 'filler', vcpus: 10, memoryMb: 20000, configPath: '', nodeId: target, initialState: 'RUNNING' });
    await rejects(
      c.call('MigrateVm', { vm_name: 'fat', target_node_id: target, live_migration: false }),
      status.FAILED_PRECONDITION,
      new RegExp(`^Node ${target} lacks capacity for VM 'fat': needs 8 vCPUs but \\d+ are free; needs 20000 MB memory but \\d+ MB are free \\(set force to migrate anyway\\)$`),
    );
    const forced = await c.call('MigrateVm', { vm_name: 'fat', target_node_id: target, live_migration: false, force: true });
    assert.equal(forced.status, 'MIGRATION_STATUS_COMPLETED');
    await c.call('DeleteVm', { name: 'fat' });
    await c.call('DeleteVm', { name: 'filler' });
  });

  it('names the migration in flight when a second one is asked for, and lets exactly one of two racing clients win', async () => {
    await clients[0].call('CreateVm', { name: 'contested', vcpus: 1, memory_mb: 512 });
    await clients[0].call('StartVm', { name: 'contested' });
    const vm = await vmOn('contested');
    const targets = [1, 2, 3].filter((n) => n !== vm.node_id);
    // Two clients on two daemons ask at the same moment, for different targets.
    const results = await Promise.allSettled([
      clients[targets[0] - 1].call('MigrateVm', { vm_name: 'contested', target_node_id: targets[0], live_migration: true }),
      clients[targets[1] - 1].call('MigrateVm', { vm_name: 'contested', target_node_id: targets[1], live_migration: true }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.equal(won.length, 1, 'exactly one wins');
    assert.equal(lost.length, 1);
    const winner = (won[0] as PromiseFulfilledResult<Reply>).value;
    assert.equal(winner.status, 'MIGRATION_STATUS_COMPLETED');
    assert.equal(lost[0].reason.code, status.FAILED_PRECONDITION);
    assert.match(lost[0].reason.details, new RegExp(`^VM 'contested' already has migration ${winner.migration_id} in flight \\((preparing|transferring)\\)$`));
    assert.equal((await vmOn('contested')).node_id, winner.target_node_id);
    const all = await clients[0].call('ListMigrations', { vm_name: 'contested' });
    assert.equal(all.migrations.length, 1, 'the loser left no migration behind');
  });

  it('honours a caller-chosen migration id: visible on the stream from its first phase, idempotent on retry', async () => {
    const id = '7d3c0f7e-1111-4222-8333-944455556666';
    const vm = await vmOn('vm-6');
    const target = (vm.node_id % 3) + 1;
    const watch = clients[1].watch();
    await watch.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 5000, 'snapshot end');
    const [a, b] = await Promise.all([
      clients[0].call('MigrateVm', { vm_name: 'vm-6', target_node_id: target, migration_id: id }),
      clients[2].call('MigrateVm', { vm_name: 'vm-6', target_node_id: target, migration_id: id }),
    ]);
    assert.equal(a.migration_id, id);
    assert.deepEqual(b, a, 'a retried request gets the same answer');
    const again = await clients[1].call('MigrateVm', { vm_name: 'vm-6', target_node_id: target, migration_id: id });
    assert.deepEqual(again, a, 'even after it ended');
    await watch.waitFor((ev) => updatesOf(ev, id).some((m) => FINAL.has(m.status)), 5000, 'final');
    watch.cancel();
    assert.equal(updatesOf(watch.events, id)[0].status, 'MIGRATION_STATUS_PREPARING');
    await rejects(clients[0].call('MigrateVm', { vm_name: 'vm-2', target_node_id: 1, migration_id: id }), status.ALREADY_EXISTS, /is already used for VM 'vm-6'/);
    const got = await clients[2].call('GetMigration', { id });
    assert.equal(got.found, true);
    assert.equal(got.migration.status, 'MIGRATION_STATUS_COMPLETED');
    assert.deepEqual(await clients[2].call('GetMigration', { id: 'unknown-id' }), { found: false, migration: null });
  });

  it('cancels a live transfer: CANCELLED, and the VM keeps RUNNING on its source', async () => {
    await clients[0].call('CreateVm', { name: 'live-c', vcpus: 1, memory_mb: 1024 });
    await clients[0].call('StartVm', { name: 'live-c' });
    const vm = await vmOn('live-c');
    const target = (vm.node_id % 3) + 1;
    const id = 'cancel-me-1';
    const watch = clients[0].watch();
    const pending = clients[1].call('MigrateVm', { vm_name: 'live-c', target_node_id: target, live_migration: true, migration_id: id });
    await watch.waitFor((ev) => updatesOf(ev, id).some((m) => m.status === 'MIGRATION_STATUS_TRANSFERRING' && m.progress.transferred_bytes > 0), 10_000, 'transfer under way');
    const cancelled = await clients[2].call('CancelMigration', { id });
    assert.equal(cancelled.success, true);
    assert.equal(cancelled.message, `Migration ${id} cancelled; VM 'live-c' stays on node ${vm.node_id}`);
    const res = await pending;
    assert.equal(res.success, false);
    assert.equal(res.status, 'MIGRATION_STATUS_CANCELLED');
    assert.equal(res.message, 'cancelled by request');
    const after = await vmOn('live-c');
    assert.deepEqual([after.node_id, after.state], [vm.node_id, 'VM_STATE_RUNNING']);
    assert.ok(cluster.nodes[vm.node_id - 1].runtime.isRunning('live-c'));
    assert.ok(!cluster.nodes[target - 1].runtime.isRunning('live-c'));
    watch.cancel();
    await rejects(clients[0].call('CancelMigration', { id }), status.FAILED_PRECONDITION, `Migration ${id} already ended (cancelled)`);
    await rejects(clients[0].call('CancelMigration', { id: 'no-such-migration' }), status.NOT_FOUND, "Migration 'no-such-migration' not found");
    await rejects(clients[0].call('CancelMigration', { id: '' }), status.INVALID_ARGUMENT, 'id must not be empty');
  });

  it('streams a snapshot of in-flight migrations on connect, then the same updates from every daemon', async () => {
    await clients[0].call('CreateVm', { name: 'live-s', vcpus: 1, memory_mb: 512 });
    await clients[0].call('StartVm', { name: 'live-s' });
    const vm = await vmOn('live-s');
    const id = 'snapshot-test-1';
    const early = clients.map((c) => c.watch());
    for (const w of early) await w.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 5000, 'snapshot end');
    const pending = clients[0].call('MigrateVm', { vm_name: 'live-s', target_node_id: (vm.node_id % 3) + 1, live_migration: true, migration_id: id });
    await early[0].waitFor((ev) => updatesOf(ev, id).some((m) => m.status === 'MIGRATION_STATUS_TRANSFERRING'), 10_000, 'transferring');
    const late = clients[1].watch();
    await late.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 5000, 'late snapshot');
    const snapshot = late.events.slice(0, late.events.findIndex((e) => e.type === 'TYPE_SNAPSHOT_END'));
    assert.deepEqual(snapshot.map((e) => [e.type, e.migration.id]), [['TYPE_SNAPSHOT', id]]);
    assert.ok(!FINAL.has(snapshot[0].migration.status));
    await pending;
    for (const w of [...early, late]) await w.waitFor((ev) => updatesOf(ev, id).some((m) => FINAL.has(m.status)), 5000, 'final');
    const sequence = (events: Reply[]) => updatesOf(events, id).map((m) => `${m.status}@${m.revision}:${m.progress?.transferred_bytes}`);
    const reference = sequence(early[0].events);
    assert.deepEqual(sequence(early[1].events), reference, 'daemon 2 sends the same sequence');
    assert.deepEqual(sequence(early[2].events), reference, 'daemon 3 sends the same sequence');
    const lateUpdates = sequence(late.events);
    assert.deepEqual(lateUpdates, reference.slice(reference.length - lateUpdates.length), 'a late watcher gets the tail of the same sequence');
    for (const w of [...early, late]) w.cancel();
  });

  it('lists migrations newest first, filtered by activity, VM and node, with a limit', async () => {
    const all = (await clients[0].call('ListMigrations', {})).migrations;
    assert.ok(all.length >= 6);
    const created = all.map((m: Reply) => m.created_at_unix_ms);
    assert.deepEqual([...created].sort((a, b) => b - a), created);
    const byVm = (await clients[1].call('ListMigrations', { vm_name: 'vm-1' })).migrations;
    assert.ok(byVm.length >= 1 && byVm.every((m: Reply) => m.vm_name === 'vm-1'));
    const byNode = (await clients[1].call('ListMigrations', { node_id: 2 })).migrations;
    assert.ok(byNode.every((m: Reply) => m.source_node_id === 2 || m.target_node_id === 2));
    assert.equal((await clients[2].call('ListMigrations', { limit: 2 })).migrations.length, 2);
    await rejects(clients[2].call('ListMigrations', { vm_name: 'BAD' }), status.INVALID_ARGUMENT, /not a valid VM name/);
    await assertInvariant(clients[2]);
  });
});

describe('blixard-node live migration that cannot converge', function () {
  this.timeout(30_000);

  it('ends FAILED with the reason, the VM still RUNNING on its source', async () => {
    const cluster = await startDevCluster({ nodes: 2, basePort: 0, vms: 0, runtime: { bootMs: 0, bandwidthMbps: 4000, dirtyRateMbps: 4000, maxDowntimeMs: 20 } });
    const client = connect(cluster.endpoints[0]);
    try {
      await cluster.nodes[0].operations.createVm({ name: 'hot', vcpus: 1, memoryMb: 128, configPath: '', nodeId: 1, initialState: 'RUNNING' });
      const res = await client.call('MigrateVm', { vm_name: 'hot', target_node_id: 2, live_migration: true });
      assert.equal(res.success, false);
      assert.equal(res.status, 'MIGRATION_STATUS_FAILED');
      assert.match(res.message, /^live migration cannot converge: the guest dirties memory at 4000 Mbit\/s, at or above the 4000 Mbit\/s migration bandwidth/);
      const vm = (await client.call('GetVmStatus', { name: 'hot' })).vm_info;
      assert.deepEqual([vm.node_id, vm.state], [1, 'VM_STATE_RUNNING']);
      assert.ok(cluster.nodes[0].runtime.isRunning('hot'));
      const m = (await client.call('GetMigration', { id: res.migration_id })).migration;
      assert.ok(m.progress.precopy_round >= 2, 'it tried more than one round');
    } finally {
      client.close();
      await cluster.stop();
    }
  });
});

describe('blixard-node nodes failing mid-migration (memory store, in process)', function () {
  this.timeout(30_000);

  it('a crashed source ends its live migration FAILED within the lease TTL, the VM on one node', async () => {
    const cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 0, leaseTtlSeconds: 2, runtime: { bandwidthMbps: 1000, dirtyRateMbps: 100 } });
    const client = connect(cluster.endpoints[2]);
    try {
      await cluster.nodes[0].operations.createVm({ name: 'doomed', vcpus: 1, memoryMb: 1024, configPath: '', nodeId: 1, initialState: 'RUNNING' });
      const watch = client.watch();
      const pending = client.call('MigrateVm', { vm_name: 'doomed', target_node_id: 2, live_migration: true, migration_id: 'doomed-1' }, 30_000);
      await watch.waitFor((ev) => updatesOf(ev, 'doomed-1').some((m) => m.status === 'MIGRATION_STATUS_TRANSFERRING'), 10_000, 'transfer');
      const t0 = Date.now();
      await cluster.nodes[0].crash();
      const res = await pending;
      const took = Date.now() - t0;
      assert.equal(res.status, 'MIGRATION_STATUS_FAILED');
      assert.equal(res.message, 'source node 1 left the cluster during the migration');
      assert.ok(took < 8000, `ended within a bounded time (${took} ms)`);
      const vm = (await client.call('GetVmStatus', { name: 'doomed' })).vm_info;
      assert.equal(vm.node_id, 1, 'the VM stays assigned to its source');
      assert.equal(vm.state, 'VM_STATE_UNKNOWN', 'nobody can vouch for a VM on a node that is gone');
      assert.ok(!cluster.nodes[1].runtime.isRunning('doomed'), 'the target holds no copy');
      await assertInvariant(client);
      watch.cancel();

      // Its node is gone for good: the VM can be recovered elsewhere, but only on purpose.
      await rejects(
        client.call('MigrateVm', { vm_name: 'doomed', target_node_id: 2 }),
        status.FAILED_PRECONDITION,
        "Node 1 hosting VM 'doomed' is not in the cluster; set force to recover the VM on node 2 with a cold migration",
      );
      const recovered = await client.call('MigrateVm', { vm_name: 'doomed', target_node_id: 2, force: true });
      assert.equal(recovered.status, 'MIGRATION_STATUS_COMPLETED', recovered.message);
      const moved = (await client.call('GetVmStatus', { name: 'doomed' })).vm_info;
      assert.deepEqual([moved.node_id, moved.state], [2, 'VM_STATE_RUNNING']);
      assert.ok(cluster.nodes[1].runtime.isRunning('doomed'));
    } finally {
      client.close();
      await cluster.stop();
    }
  });

  it('a target that restarts mid-transfer fails the migration on its way back; the VM runs on at its source', async () => {
    const cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 0, leaseTtlSeconds: 5, runtime: { bandwidthMbps: 1000, dirtyRateMbps: 100 } });
    const client = connect(cluster.endpoints[0]);
    try {
      await cluster.nodes[0].operations.createVm({ name: 'bounce', vcpus: 1, memoryMb: 1024, configPath: '', nodeId: 1, initialState: 'RUNNING' });
      const watch = client.watch();
      const pending = client.call('MigrateVm', { vm_name: 'bounce', target_node_id: 2, live_migration: true, migration_id: 'bounce-1' }, 30_000);
      await watch.waitFor((ev) => updatesOf(ev, 'bounce-1').some((m) => m.status === 'MIGRATION_STATUS_TRANSFERRING'), 10_000, 'transfer');
      await cluster.nodes[1].crash();
      // Back under the same id before its old lease expired: it must not leave the migration hanging.
      const reborn = await startNode({ id: 2, store: cluster.store, leaseTtlSeconds: 5 });
      try {
        const res = await pending;
        assert.equal(res.status, 'MIGRATION_STATUS_FAILED');
        assert.equal(res.message, 'node 2 restarted during the migration');
        const vm = (await client.call('GetVmStatus', { name: 'bounce' })).vm_info;
        assert.deepEqual([vm.node_id, vm.state], [1, 'VM_STATE_RUNNING']);
        assert.ok(cluster.nodes[0].runtime.isRunning('bounce'), 'the source keeps the guest');
        await assertInvariant(client);
      } finally {
        watch.cancel();
        await reborn.stop();
      }
    } finally {
      client.close();
      await cluster.stop();
    }
  });
});
