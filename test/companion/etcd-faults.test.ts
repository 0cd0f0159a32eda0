// Faults with real processes: three blixard-node daemons, each its own OS process, on a real
// etcd this file starts. kill -9 a migration's source, kill -9 a bystander, restart etcd under
// the daemons, race two clients — and check the cluster invariant after each.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { status } from '@grpc/grpc-js';
import { EtcdHarness } from './etcd-harness';
import { connect, eventually, type BlixardTestClient, type Reply } from './blixard-test-client';
import { exitOf, startCli } from './cli-process';

const LEASE_TTL_SECONDS = 2;

class DaemonProcess {
  child?: ChildProcess;
  address = '';
  client?: BlixardTestClient;
  private stderr: () => string = () => '';

  constructor(
    readonly id: number,
    private readonly etcdEndpoint: string,
  ) {}

  async start(): Promise<void> {
    const { child, match, stderr } = await startCli(
      [
        '--id', String(this.id), '--listen', '127.0.0.1:0', '--store', `etcd://${this.etcdEndpoint}`, '--lease-ttl', String(LEASE_TTL_SECONDS),
        // 1000 Mbit/s with a 100 Mbit/s dirty rate: a 1 GiB VM takes about 9.5 s to move live.
        '--boot-ms', '100', '--stop-ms', '100', '--bandwidth-mbps', '1000', '--dirty-rate-mbps', '100',
      ],
      new RegExp(`^blixard-node ${this.id} ready: (\\S+)\\n`, 'm'),
    );
    this.child = child;
    this.stderr = stderr;
    this.address = match[1];
    this.client = connect(this.address);
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill9(): Promise<void> {
    this.client?.close();
    if (!this.alive) return;
    this.child!.kill('SIGKILL');
    await exitOf(this.child!);
  }

  async stop(): Promise<number | null> {
    this.client?.close();
    if (!this.alive) return this.child?.exitCode ?? null;
    this.child!.kill('SIGTERM');
    return exitOf(this.child!);
  }

  log(): string {
    return this.stderr().slice(-2000);
  }
}

describe('blixard-node faults: 3 daemon processes on a real etcd', function () {
  this.timeout(120_000);
  let etcd: EtcdHarness;
  let daemons: DaemonProcess[];

  const alive = () => daemons.filter((d) => d.alive);
  const daemon = (id: number) => daemons[id - 1];
  const any = () => alive()[0].client!;

  before(async () => {
    etcd = await EtcdHarness.start();
    daemons = [1, 2, 3].map((id) => new DaemonProcess(id, etcd.endpoint));
    await Promise.all(daemons.map((d) => d.start()));
    await eventually(async () => (await any().call('GetClusterStatus')).nodes.length === 3, 15_000, 'three members');
  });
  after(async () => {
    await Promise.all((daemons ?? []).map((d) => d.stop()));
    await etcd?.stop();
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const d of daemons) console.error(`--- node ${d.id} log ---\n${d.log()}`);
  });

  /** Brings a killed daemon back (same id, new process) and waits until all three are members. */
  async function revive(d: DaemonProcess): Promise<void> {
    await d.start();
    await eventually(async () => (await d.client!.call('GetClusterStatus')).nodes.length === 3, 15_000, `node ${d.id} back`);
  }

  /** Each VM on exactly one node, every daemon agreeing, and no migration left in flight. */
  async function assertInvariant(): Promise<void> {
    await eventually(async () => (await any().call('ListMigrations', { active_only: true })).migrations.length === 0, 20_000, 'no migration in flight');
    const views = await eventually(async () => {
      const lists = await Promise.all(alive().map(async (d) => (await d.client!.call('ListVms')).vms as Reply[]));
      const keyed = lists.map((vms) => JSON.stringify(vms.map((v) => [v.name, v.node_id])));
      return keyed.every((k) => k === keyed[0]) && lists;
    }, 10_000, 'every daemon to agree on VM placement');
    const names = views[0].map((v) => v.name);
    assert.equal(new Set(names).size, names.length, 'each VM listed once');
    for (const v of views[0]) assert.ok(v.node_id >= 1 && v.node_id <= 3, `${v.name} assigned to a node (${v.node_id})`);
  }

  /** Creates a VM and puts it on `nodeId` in `state` using only public RPCs. */
  async function placeVm(name: string, memoryMb: number, nodeId: number, running: boolean): Promise<void> {
    const c = any();
    await c.call('CreateVm', { name, vcpus: 1, memory_mb: memoryMb });
    const vm = (await c.call('GetVmStatus', { name })).vm_info;
    if (vm.node_id !== nodeId) {
      const moved = await c.call('MigrateVm', { vm_name: name, target_node_id: nodeId });
      assert.equal(moved.status, 'MIGRATION_STATUS_COMPLETED', moved.message);
    }
    if (running) assert.equal((await c.call('StartVm', { name })).success, true);
  }

  it('forms one cluster: three members, one leader and term agreed by every daemon', async () => {
    const answers = await Promise.all(daemons.map((d) => d.client!.call('GetClusterStatus')));
    for (const a of answers) {
      assert.deepEqual(a.nodes.map((n: Reply) => n.id), [1, 2, 3]);
      assert.ok(a.leader_id >= 1 && a.term > 0);
      assert.deepEqual([a.leader_id, a.term], [answers[0].leader_id, answers[0].term]);
    }
    assert.deepEqual(answers[0].nodes.map((n: Reply) => n.address), daemons.map((d) => d.address));
    assert.equal((await daemon(2).client!.call('HealthCheck')).healthy, true);
  });

  it('two clients migrating the same VM at once: exactly one wins', async () => {
    await placeVm('race', 256, 1, true);
    const results = await Promise.allSettled([
      daemon(2).client!.call('MigrateVm', { vm_name: 'race', target_node_id: 2, live_migration: true }, 60_000),
      daemon(3).client!.call('MigrateVm', { vm_name: 'race', target_node_id: 3, live_migration: true }, 60_000),
    ]);
    const won = results.filter((r): r is PromiseFulfilledResult<Reply> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1, `exactly one wins: ${JSON.stringify(results.map((r) => (r.status === 'fulfilled' ? r.value.status : r.reason.details)))}`);
    assert.equal(won[0].value.status, 'MIGRATION_STATUS_COMPLETED');
    assert.equal(lost[0].reason.code, status.FAILED_PRECONDITION);
    assert.match(lost[0].reason.details, new RegExp(`already has migration ${won[0].value.migration_id} in flight`));
    assert.equal((await any().call('GetVmStatus', { name: 'race' })).vm_info.node_id, won[0].value.target_node_id);
    await assertInvariant();
  });

  it('two migrations that each fit the target alone, but not together: exactly one gets in', async () => {
    // Each VM needs more than half of node 3's memory. Two daemons plan from their own views at
    // the same moment; the target's placement counter in the transaction makes one re-plan.
    await placeVm('wide-a', 17_000, 1, true);
    await placeVm('wide-b', 17_000, 2, true);
    const results = await Promise.allSettled([
      daemon(1).client!.call('MigrateVm', { vm_name: 'wide-a', target_node_id: 3 }, 60_000),
      daemon(2).client!.call('MigrateVm', { vm_name: 'wide-b', target_node_id: 3 }, 60_000),
    ]);
    const won = results.filter((r): r is PromiseFulfilledResult<Reply> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1, `exactly one fits: ${JSON.stringify(results.map((r) => (r.status === 'fulfilled' ? r.value.status : r.reason.details)))}`);
    assert.equal(won[0].value.status, 'MIGRATION_STATUS_COMPLETED', won[0].value.message);
    assert.equal(lost[0].reason.code, status.FAILED_PRECONDITION);
    assert.match(lost[0].reason.details, /^Node 3 lacks capacity for VM 'wide-[ab]': needs 17000 MB memory/);
    const usage = (await any().call('GetClusterResourceSummary')).summary.nodes.find((n: Reply) => Number(n.node_id) === 3);
    assert.ok(Number(usage.used_memory_mb) <= Number(usage.capabilities.memory_mb), `node 3 not overcommitted: ${usage.used_memory_mb} MB used`);
    await assertInvariant();
    for (const name of ['wide-a', 'wide-b']) {
      await any().call('StopVm', { name });
      await any().call('DeleteVm', { name });
    }
  });

  it('kill -9 of a node not involved: the running migration finishes; the node drops out within seconds', async () => {
    await placeVm('bystander-test', 512, 1, true);
    const watch = daemon(2).client!.watch();
    await watch.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 10_000, 'snapshot');
    const pending = daemon(2).client!.call('MigrateVm', { vm_name: 'bystander-test', target_node_id: 2, live_migration: true, migration_id: 'bystander-1' }, 60_000);
    await watch.waitFor((ev) => ev.some((e) => e.migration?.id === 'bystander-1' && e.migration.status === 'MIGRATION_STATUS_TRANSFERRING'), 15_000, 'transfer');
    await daemon(3).kill9();
    const t0 = Date.now();
    const res = await pending;
    watch.cancel();
    assert.equal(res.status, 'MIGRATION_STATUS_COMPLETED', res.message);
    await eventually(async () => (await any().call('GetClusterStatus')).nodes.length === 2, 10_000, 'node 3 to drop out');
    assert.ok(Date.now() - t0 < 10_000);
    await assertInvariant();
    await revive(daemon(3));
  });

  it('kill -9 of the source during a live migration: it ends FAILED in bounded time, the VM on exactly one node', async () => {
    await placeVm('victim', 1024, 1, true);
    const watch = daemon(2).client!.watch();
    await watch.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 10_000, 'snapshot');
    const pending = daemon(3).client!.call('MigrateVm', { vm_name: 'victim', target_node_id: 2, live_migration: true, migration_id: 'victim-1' }, 60_000);
    await watch.waitFor(
      (ev) => ev.some((e) => e.migration?.id === 'victim-1' && e.migration.status === 'MIGRATION_STATUS_TRANSFERRING' && e.migration.progress.transferred_bytes > 0),
      15_000,
      'transfer under way',
    );
    await daemon(1).kill9();
    const t0 = Date.now();
    const res = await pending;
    const took = Date.now() - t0;
    assert.ok(['MIGRATION_STATUS_FAILED', 'MIGRATION_STATUS_COMPLETED'].includes(res.status), res.status);
    assert.equal(res.status, 'MIGRATION_STATUS_FAILED', 'a transfer cannot complete without its source');
    assert.equal(res.message, 'source node 1 left the cluster during the migration');
    assert.ok(took < 15_000, `ended within a bounded time (${took} ms)`);
    await watch.waitFor((ev) => ev.some((e) => e.migration?.id === 'victim-1' && e.migration.status === 'MIGRATION_STATUS_FAILED'), 5000, 'FAILED on the stream');
    watch.cancel();
    await assertInvariant();
    const victim = (await any().call('GetVmStatus', { name: 'victim' })).vm_info;
    assert.deepEqual([victim.node_id, victim.state], [1, 'VM_STATE_UNKNOWN'], 'still assigned to its source, state unknown while it is gone');

    // The source comes back: its VM is still its own and can move again.
    await revive(daemon(1));
    // Back: the daemon adopts the guest the cluster says it runs.
    await eventually(async () => (await any().call('GetVmStatus', { name: 'victim' })).vm_info.state === 'VM_STATE_RUNNING', 10_000, 'victim RUNNING again');
    const again = await daemon(1).client!.call('MigrateVm', { vm_name: 'victim', target_node_id: 3, live_migration: false }, 60_000);
    assert.equal(again.status, 'MIGRATION_STATUS_COMPLETED', again.message);
    await assertInvariant();
  });

  it('etcd stops and restarts: daemons keep serving reads, refuse writes meanwhile, reconnect, and writes resume', async () => {
    const before = (await daemon(1).client!.call('ListVms')).vms;
    await etcd.stopProcess('SIGKILL');
    try {
      for (const d of daemons) {
        const vms = (await d.client!.call('ListVms', {}, 5000)).vms;
        assert.deepEqual(vms, before, `node ${d.id} still serves reads`);
        assert.equal((await d.client!.call('GetClusterStatus', {}, 5000)).nodes.length, 3);
        const health = await d.client!.call('HealthCheck', {}, 5000);
        assert.equal(health.healthy, false);
        assert.match(health.message, /cluster store unreachable/);
      }
      await assert.rejects(daemon(2).client!.call('CreateVm', { name: 'during-outage', vcpus: 1, memory_mb: 64 }, 15_000), (err: Reply) => {
        assert.equal(err.code, status.UNAVAILABLE, err.details);
        assert.match(err.details, /^cluster store unreachable/);
        return true;
      });
    } finally {
      await etcd.startProcess();
    }
    await eventually(async () => (await daemon(3).client!.call('CreateVm', { name: 'after-outage', vcpus: 1, memory_mb: 64 }, 5000)).success, 30_000, 'writes to resume');
    for (const d of daemons) {
      await eventually(async () => (await d.client!.call('GetVmStatus', { name: 'after-outage' })).found, 15_000, `node ${d.id} to see the new VM`);
      await eventually(async () => (await d.client!.call('HealthCheck')).healthy, 15_000, `node ${d.id} healthy again`);
    }
    await eventually(async () => (await any().call('GetClusterStatus')).nodes.length === 3, 15_000, 'all members back');
    const moved = await daemon(1).client!.call('MigrateVm', { vm_name: 'after-outage', target_node_id: ((await any().call('GetVmStatus', { name: 'after-outage' })).vm_info.node_id % 3) + 1 }, 30_000);
    assert.equal(moved.status, 'MIGRATION_STATUS_COMPLETED', moved.message);
    await assertInvariant();
  });

  it('stops every daemon cleanly on SIGTERM', async () => {
    const codes = await Promise.all(daemons.map((d) => d.stop()));
    assert.deepEqual(codes, [0, 0, 0]);
  });
});
