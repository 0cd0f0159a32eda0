// kill -9 of a live migration's source daemon, with the daemons as real processes
// (dist/companion/blixard-node.js --runtime qemu) on a real etcd. QEMU runs in its own process
// group, so the guest outlives its daemon: the migration must end FAILED (never stuck), the target's
// incoming QEMU must go, and the restarted daemon must adopt the guest — one node, one QEMU,
// the heartbeat counter unbroken. Once after the lease expired (the leader fails the migration),
// once restarted within the lease (the restarted daemon fails it itself).

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BOOT_LINE, HEARTBEAT_LINE } from '../../../companion/blixard-node/runtime/qemu/test-guest';
import { connect, eventually, type BlixardTestClient, type Reply } from '../blixard-test-client';
import { exitOf, ROOT, startCli } from '../cli-process';
import { EtcdHarness } from '../etcd-harness';
import { accel, assertNoStrays, nodeVmDir, QemuFleet, qemusUnder, requireQemu } from './qemu-harness';

const DAEMON = path.join(ROOT, 'dist/companion/blixard-node.js');
const ACTIVE_WIRE_STATES = new Set(['VM_STATE_STARTING', 'VM_STATE_RUNNING', 'VM_STATE_STOPPING']);

class QemuDaemon {
  child?: ChildProcess;
  client?: BlixardTestClient;
  private stderr: () => string = () => '';

  constructor(
    readonly id: number,
    private readonly etcdEndpoint: string,
    private readonly stateDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** `bandwidthMbps` 16 (default): a 96 MiB guest takes far longer than a test to move; 0: it moves in under a second. */
  async start(leaseTtlSeconds: number, bandwidthMbps = 16): Promise<void> {
    const { child, match, stderr } = await startCli(
      [
        '--id', String(this.id), '--listen', '127.0.0.1:0', '--store', `etcd://${this.etcdEndpoint}`, '--runtime', 'qemu',
        '--state-dir', this.stateDir, '--lease-ttl', String(leaseTtlSeconds),
        '--bandwidth-mbps', String(bandwidthMbps),
      ],
      new RegExp(`^blixard-node ${this.id} ready: (\\S+)\\n`, 'm'),
      [DAEMON],
      this.env,
    );
    this.child = child;
    this.stderr = stderr;
    this.client = connect(match[1]);
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

  async stop(): Promise<void> {
    this.client?.close();
    if (!this.alive) return;
    this.child!.kill('SIGTERM');
    await exitOf(this.child!);
  }

  log(): string {
    return this.stderr().slice(-3000);
  }
}

describe('qemu runtime: kill -9 of the source daemon mid-live-migration (daemon processes, real etcd)', function () {
  this.timeout(120_000);
  const fleet = new QemuFleet();
  let etcd: EtcdHarness | undefined;
  const daemons: QemuDaemon[] = [];
  let source: QemuDaemon;
  let target: QemuDaemon;

  const consoleLog = (nodeId: number) => {
    const file = path.join(nodeVmDir(fleet.root, nodeId, 'vm-1'), 'console.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  };
  const beats = (nodeId: number) => consoleLog(nodeId).split('\n').map((l) => HEARTBEAT_LINE.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));
  const boots = (nodeId: number) => consoleLog(nodeId).split('\n').filter((l) => BOOT_LINE.test(l)).length;
  const qemusOf = (nodeId: number) => qemusUnder(fleet.root).filter((q) => q.vmDir === nodeVmDir(fleet.root, nodeId, 'vm-1')).map((q) => q.pid);
  const beatAbove = (nodeId: number, above: number) => eventually(() => Math.max(0, ...beats(nodeId)) > above, 20_000, `a heartbeat above ${above} on node ${nodeId}`);

  /** Every VM on exactly one node, no orphan QEMU, no migration unfinished — as the surviving daemon reports it. */
  const assertSettled = (via = target) =>
    assertNoStrays(fleet.root, async () => ({
      vms: ((await via.client!.call('ListVms')).vms as Reply[]).map((v) => ({ name: v.name, nodeId: Number(v.node_id), running: ACTIVE_WIRE_STATES.has(v.state) })),
      unfinishedMigrations: ((await via.client!.call('ListMigrations', { active_only: true })).migrations as Reply[]).map((m) => `${m.id} (${m.status})`),
    }));

  /** Starts a live migration of vm-1 to the target through `via`'s daemon, and kills `victim` once bytes move. */
  async function killMidTransfer(migrationId: string, victim: QemuDaemon, via: QemuDaemon): Promise<{ pending: Promise<Reply>; qemuPid: number }> {
    await beatAbove(source.id, Math.max(0, ...beats(source.id)));
    const [qemuPid] = qemusOf(source.id);
    const watch = via.client!.watch();
    try {
      await watch.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 10_000, 'snapshot');
      const pending = via.client!.call('MigrateVm', { vm_name: 'vm-1', target_node_id: target.id, live_migration: true, migration_id: migrationId }, 90_000);
      await watch.waitFor(
        (ev) => ev.some((e) => e.migration?.id === migrationId && e.migration.status === 'MIGRATION_STATUS_TRANSFERRING' && Number(e.migration.progress.transferred_bytes) > 0),
        30_000,
        'the transfer under way',
      );
      assert.equal(qemusOf(target.id).length, 1, "the target's incoming QEMU");
      await victim.kill9();
      return { pending, qemuPid };
    } finally {
      watch.cancel();
    }
  }

  /** After the source daemon came back: the guest it left running is adopted (same QEMU), not booted again, and counts on. */
  async function assertAdoptedUnbroken(qemuPid: number): Promise<void> {
    await eventually(async () => (await target.client!.call('GetVmStatus', { name: 'vm-1' })).vm_info.state === 'VM_STATE_RUNNING', 20_000, 'vm-1 RUNNING again');
    const vm = (await target.client!.call('GetVmStatus', { name: 'vm-1' })).vm_info;
    assert.equal(Number(vm.node_id), source.id, 'still on its source');
    assert.deepEqual(qemusOf(source.id), [qemuPid], 'the same QEMU, adopted');
    await beatAbove(source.id, Math.max(...beats(source.id)));
    const all = beats(source.id);
    assert.deepEqual(all, all.map((_, i) => all[0] + i), 'one unbroken count');
    assert.equal(boots(source.id), 1, 'booted once');
    await assertSettled();
  }

  /**
   * The guest counts on, on the node its record names, without a reboot: its heartbeats there pass
   * `lastBefore`, run without a gap, and no boot line follows the first of them.
   */
  async function assertCountsOnWithoutReboot(nodeId: number, lastBefore: number): Promise<void> {
    await beatAbove(nodeId, lastBefore + 1);
    const all = beats(nodeId);
    assert.deepEqual(all, all.map((_, i) => all[0] + i), `one unbroken count on node ${nodeId}`);
    assert.ok(all[0] <= lastBefore + 1, `the count went on from ${lastBefore} (node ${nodeId} starts at ${all[0]})`);
    const lines = consoleLog(nodeId).split('\n');
    const firstBeat = lines.findIndex((l) => HEARTBEAT_LINE.test(l));
    assert.equal(lines.slice(firstBeat).filter((l) => BOOT_LINE.test(l)).length, 0, 'no boot after the first heartbeat');
  }

  /**
   * kill -9 of the source daemon just after it committed SWITCHING: QEMU may finish the switchover
   * alone. Whichever way it went, the guest must run on exactly one node, the one its record names.
   */
  async function killAtSwitchover(migrationId: string, restartAtOnce: boolean): Promise<Reply> {
    const holder = Number((await target.client!.call('GetVmStatus', { name: 'vm-1' })).vm_info.node_id);
    const from = daemons[holder - 1];
    const to = daemons[2 - holder];
    // The source daemon again, sending at full speed; within a 10 s lease when it comes back at once.
    await from.stop();
    await from.start(restartAtOnce ? 10 : 2, 0);
    await eventually(async () => (await to.client!.call('GetVmStatus', { name: 'vm-1' })).vm_info.state === 'VM_STATE_RUNNING', 20_000, 'vm-1 adopted');
    await beatAbove(from.id, Math.max(0, ...beats(from.id)));
    const watch = to.client!.watch();
    let pending: Promise<Reply>;
    let lastBefore: number;
    try {
      await watch.waitFor((ev) => ev.some((e) => e.type === 'TYPE_SNAPSHOT_END'), 10_000, 'snapshot');
      pending = to.client!.call('MigrateVm', { vm_name: 'vm-1', target_node_id: to.id, live_migration: true, migration_id: migrationId }, 90_000);
      await watch.waitFor((ev) => ev.some((e) => e.migration?.id === migrationId && e.migration.status === 'MIGRATION_STATUS_SWITCHING'), 30_000, 'the switchover');
      await from.kill9();
      lastBefore = Math.max(...beats(from.id));
    } finally {
      watch.cancel();
    }
    if (restartAtOnce) await from.start(10, 0);
    const ended = await pending;
    if (!restartAtOnce) await from.start(2, 0);
    if (ended.status === 'MIGRATION_STATUS_FAILED') assert.match(ended.message, /during the switchover, before the guest (reached|left)/);
    else assert.equal(ended.status, 'MIGRATION_STATUS_COMPLETED', ended.message);
    const home = ended.status === 'MIGRATION_STATUS_COMPLETED' ? to.id : from.id;
    await eventually(async () => {
      const vm = (await to.client!.call('GetVmStatus', { name: 'vm-1' })).vm_info;
      return vm.state === 'VM_STATE_RUNNING' && Number(vm.node_id) === home;
    }, 20_000, `vm-1 RUNNING on node ${home}`);
    await assertCountsOnWithoutReboot(home, lastBefore);
    await assertSettled(to);
    return ended;
  }

  before(async function () {
    requireQemu();
    assert.ok(fs.existsSync(DAEMON), `${DAEMON} is missing: run npm run build first`);
    const env = { ...process.env, BLIXARD_QEMU_ACCEL: await accel() };
    etcd = await EtcdHarness.start();
    for (const id of [1, 2]) daemons.push(new QemuDaemon(id, etcd.endpoint, path.join(fleet.root, `node-${id}`), env));
    await Promise.all(daemons.map((d) => d.start(2)));
    await eventually(async () => (await daemons[0].client!.call('GetClusterStatus')).nodes.length === 2, 15_000, 'two members');
    const created = await daemons[0].client!.call('CreateVm', { name: 'vm-1', vcpus: 1, memory_mb: 96 });
    assert.equal(created.success, true, created.message);
    const placed = Number((await daemons[0].client!.call('GetVmStatus', { name: 'vm-1' })).vm_info.node_id);
    source = daemons[placed - 1];
    target = daemons[2 - placed];
    const started = await source.client!.call('StartVm', { name: 'vm-1' }, 90_000);
    assert.equal(started.success, true, started.message);
  });

  after(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await etcd?.stop();
    for (const { pid } of qemusUnder(fleet.root)) process.kill(pid, 'SIGKILL');
    await fleet.cleanup();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const d of daemons) console.error(`--- node ${d.id} log ---\n${d.log()}`);
  });

  it('killed, back after its lease expired: the migration FAILS, the incoming QEMU goes, the guest is adopted on its source', async () => {
    const { pending, qemuPid } = await killMidTransfer('kill-1', source, target);
    const t0 = Date.now();
    assert.deepEqual(qemusOf(source.id), [qemuPid], 'the guest outlives its daemon');
    const ended = await pending;
    assert.equal(ended.status, 'MIGRATION_STATUS_FAILED', ended.message);
    assert.equal(ended.message, `source node ${source.id} left the cluster during the migration`);
    assert.ok(Date.now() - t0 < 15_000, `ended in bounded time (${Date.now() - t0} ms)`);
    await eventually(() => qemusOf(target.id).length === 0, 10_000, "the target's incoming QEMU gone");
    // Its daemon is gone, but the guest runs on: QEMU writes the console log itself.
    await beatAbove(source.id, Math.max(...beats(source.id)));
    // The next life keeps its lease 10 s, so the second kill below comes back before it expires.
    await source.start(10);
    await assertAdoptedUnbroken(qemuPid);
  });

  it('killed and back within its lease: the restarted daemon fails the migration itself, the incoming QEMU goes, the guest is adopted', async () => {
    const { pending, qemuPid } = await killMidTransfer('kill-2', source, target);
    await source.start(10);
    const ended = await pending;
    assert.equal(ended.status, 'MIGRATION_STATUS_FAILED', ended.message);
    assert.equal(ended.message, `node ${source.id} restarted during the migration`);
    await eventually(() => qemusOf(target.id).length === 0, 10_000, "the target's incoming QEMU gone");
    await assertAdoptedUnbroken(qemuPid);
  });

  it('kill -9 of the target daemon mid-transfer: the migration FAILS, the guest runs on at its source, the restarted target leaves no QEMU', async () => {
    const { pending, qemuPid } = await killMidTransfer('kill-3', target, source);
    const ended = await pending;
    assert.equal(ended.status, 'MIGRATION_STATUS_FAILED', ended.message);
    assert.equal(ended.message, `target node ${target.id} left the cluster during the migration`);
    await target.start(2);
    await eventually(async () => (await source.client!.call('GetClusterStatus')).nodes.length === 2, 15_000, 'the target back');
    assert.deepEqual(qemusOf(source.id), [qemuPid], 'the guest never left its QEMU');
    await beatAbove(source.id, Math.max(...beats(source.id)));
    const all = beats(source.id);
    assert.deepEqual(all, all.map((_, i) => all[0] + i), 'one unbroken count');
    await assertSettled(source);
  });

  it('kill -9 of the source daemon at switchover, back after its lease expired: the target reads its QEMU and settles it; one node, one QEMU', async () => {
    const ended = await killAtSwitchover('switch-1', false);
    if (process.env.BLIXARD_QEMU_FIGURES) console.log(`      (source daemon killed at switchover, lease expired: ${ended.status} ${ended.message})`);
  });

  it('kill -9 of the source daemon at switchover, back at once: it reads its QEMU and settles it; one node, one QEMU', async () => {
    const ended = await killAtSwitchover('switch-2', true);
    if (process.env.BLIXARD_QEMU_FIGURES) console.log(`      (source daemon killed at switchover, restarted: ${ended.status} ${ended.message})`);
  });
});
