// `--runtime qemu` end to end: a dev cluster whose nodes run real QEMU guests (the built-in test
// guest, 96 MiB), migrated live and cold between the daemons, cancelled, rolled back, killed and
// adopted. The guest's heartbeat counter, read from the console log files QEMU writes, says
// whether a guest kept running or booted again.

import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import { startNode, type RunningNode } from '../../../companion/blixard-node/node-daemon';
import { QemuRuntime } from '../../../companion/blixard-node/runtime/qemu/qemu-runtime';
import type { Accel } from '../../../companion/blixard-node/runtime/qemu/accel';
import { BOOT_LINE, HEARTBEAT_LINE } from '../../../companion/blixard-node/runtime/qemu/test-guest';
import { ACTIVE_VM_STATES, isFinalStatus, type MigrationRecord, type VmRecord } from '../../../companion/blixard-node/state/cluster-records';
import { connect, eventually } from '../blixard-test-client';
import { BLIXARD_TRAITS } from '../../../src/sources/blixard/blixard-kind';
import { vmLook, vmTooltip } from '../../../src/ui/clusters/core/tree-presentation';
import { sourceFor } from '../../unit/sources/blixard/support/test-cluster';
import { accel, assertNoStrays, nodeVmDir, QemuFleet, qemusUnder, requireQemu, testGuest } from './qemu-harness';

const MIB = 1024 * 1024;

describe('qemu runtime: a dev cluster of real guests', function () {
  this.timeout(120_000);
  const fleet = new QemuFleet();
  let cluster: DevCluster | undefined;
  let restarted: RunningNode | undefined;
  let accelName: Accel;
  const log: string[] = [];
  const figures: string[] = [];

  const runtimeFor = (nodeId: number) =>
    new QemuRuntime({
      stateDir: path.join(fleet.root, `node-${nodeId}`),
      accel: accelName,
      // Node 2 sends slowly, so a migration from it lasts long enough to be cancelled, and longer than
      // its pre-copy budget; node 3 cannot boot anything.
      bandwidthMbps: nodeId === 2 ? 16 : 0,
      transferTimeoutMs: nodeId === 2 ? 3000 : undefined,
      // Node 2 never boots a good guest in these tests; a silent one is given up on quickly.
      bootTimeoutMs: nodeId === 2 ? 5000 : undefined,
      qemuBinary: nodeId === 3 ? '/nonexistent/qemu-system-x86_64' : undefined,
      stopTimeoutMs: 5000,
      log: (line) => log.push(line),
    });
  const node = (id: number) => (id === 1 && restarted) || cluster!.nodes[id - 1];
  const vm = (name: string): VmRecord | undefined => node(1).view.vms.get(name)?.value;
  const consoleLog = (nodeId: number, name: string) => {
    const file = path.join(fleet.root, `node-${nodeId}`, 'vms', name, 'console.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  };
  const beats = (text: string) => text.split('\n').map((l) => HEARTBEAT_LINE.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));
  const boots = (text: string) => text.split('\n').filter((l) => BOOT_LINE.test(l)).length;
  /** Pids of the QEMU processes running `name` in node `nodeId`'s folder. */
  const qemusOf = (nodeId: number, name: string) => qemusUnder(fleet.root).filter((q) => q.vmDir === nodeVmDir(fleet.root, nodeId, name)).map((q) => String(q.pid));
  /** Every VM on exactly one node (one QEMU, in its node's folder, when it runs), no orphan QEMU, no migration unfinished. */
  const assertSettled = () =>
    assertNoStrays(fleet.root, () => ({
      vms: [...node(1).view.vms.values()].map(({ value: v }) => ({ name: v.name, nodeId: v.nodeId, running: ACTIVE_VM_STATES.has(v.state) })),
      unfinishedMigrations: [...node(1).view.migrations.values()].filter((e) => !isFinalStatus(e.value.status)).map((e) => `${e.value.id} (${e.value.status})`),
    }));
  const waitForBeat = (nodeId: number, name: string, above: number) =>
    eventually(() => Math.max(0, ...beats(consoleLog(nodeId, name))) > above, 20_000, `${name}'s heartbeat above ${above} on node ${nodeId}`);
  const migrate = async (vmName: string, targetNodeId: number, live: boolean): Promise<MigrationRecord> => {
    const started = Date.now();
    const m = await node(1).operations.migrateVm({ vmName, targetNodeId, live, force: false });
    figures.push(`${live ? 'live' : 'cold'} ${vmName} → node ${targetNodeId}: ${m.status} in ${Date.now() - started} ms`);
    return m;
  };

  before(async function () {
    requireQemu();
    accelName = await accel();
    const started = Date.now();
    // dev-cluster seeds vm-1 running on node 1 (booted for real) and vm-2 stopped on node 2.
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 2, createRuntime: runtimeFor, leaseTtlSeconds: 2 });
    figures.push(`dev cluster with one booted guest ready in ${Date.now() - started} ms`);
  });

  after(async () => {
    if (process.env.BLIXARD_QEMU_FIGURES) console.log(figures.join('\n'));
    await restarted?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    // The runtimes leave running guests behind on purpose (a daemon's next life adopts them): kill them all.
    for (const { pid } of qemusUnder(fleet.root)) process.kill(pid, 'SIGKILL');
    await fleet.cleanup();
  });

  it('boots the seeded running VM and refuses guests QEMU cannot run', async () => {
    assert.equal(vm('vm-1')?.state, 'RUNNING', vm('vm-1')?.stateMessage);
    assert.equal(vm('vm-2')?.state, 'STOPPED');
    assert.equal(boots(consoleLog(1, 'vm-1')), 1);
    assert.equal(qemusOf(1, 'vm-1').length, 1);
    const member = node(1).view.members.get(1)!.value;
    assert.equal(member.runtime, 'qemu');
    const ops = node(1).operations;
    const create = (memoryMb: number, configPath = '') => ops.createVm({ name: `bad-${memoryMb}`, vcpus: 1, memoryMb, configPath });
    await assert.rejects(create(64), /needs at least 80 MB/);
    await assert.rejects(create(50_000_000), /more than this host has/);
    await assert.rejects(create(96, path.join(fleet.root, 'missing.json')), /cannot be read: ENOENT/);
    const malformed = path.join(fleet.root, 'malformed.json');
    fs.writeFileSync(malformed, '{"kernel": ');
    await assert.rejects(create(96, malformed), /is not JSON/);
    assert.equal(node(1).view.vms.size, 2, 'nothing refused was recorded');
    // A config file that goes away after CreateVm: StartVm refuses, nothing boots.
    const vanishing = path.join(fleet.root, 'vanishing.json');
    fs.writeFileSync(vanishing, '{}');
    await ops.createVm({ name: 'cfg', vcpus: 1, memoryMb: 96, configPath: vanishing });
    fs.rmSync(vanishing);
    await assert.rejects(ops.startVm('cfg'), /vanishing\.json' cannot be read: ENOENT/);
    assert.equal(vm('cfg')?.state, 'CREATED');
    await assertSettled();
  });

  it('a kernel that does not boot: StartVm says why, the VM is FAILED with the reason, no QEMU is left', async () => {
    const kernel = (await testGuest()).kernel;
    const truncated = path.join(fleet.root, 'truncated.vmlinuz');
    fs.writeFileSync(truncated, fs.readFileSync(kernel).subarray(0, 2 * MIB));
    const noise = path.join(fleet.root, 'noise.bin');
    fs.writeFileSync(noise, crypto.randomBytes(2 * MIB));
    const configFor = (name: string, kernelPath: string) => {
      const file = path.join(fleet.root, `${name}.json`);
      fs.writeFileSync(file, JSON.stringify({ kernel: kernelPath }));
      return file;
    };
    const ops = node(1).operations;
    // A truncated kernel resets the machine in a loop at once; random bytes run without a word on the console.
    await ops.createVm({ name: 'truncated', vcpus: 1, memoryMb: 96, configPath: configFor('truncated', truncated), nodeId: 1 });
    await ops.createVm({ name: 'noise', vcpus: 1, memoryMb: 96, configPath: configFor('noise', noise), nodeId: 2 });
    const client = connect(cluster!.endpoints[0]);
    try {
      const started = Date.now();
      const reset = await client.call('StartVm', { name: 'truncated' }, 30_000);
      figures.push(`truncated kernel refused in ${Date.now() - started} ms`);
      assert.equal(reset.success, false);
      assert.match(reset.message, /^VM 'truncated' did not start: truncated did not boot: the guest reset \d+ times before it was up \(its kernel does not boot\)/);
      const silent = await client.call('StartVm', { name: 'noise' }, 30_000);
      assert.equal(silent.success, false);
      // Random bytes mostly run without a word; now and then they drive QEMU's serial device into
      // one of its own assertions (SIGABRT). Either way StartVm says why, in one sentence.
      assert.match(silent.message, /^VM 'noise' did not start: (noise did not boot within 5000 ms: its serial console \(ttyS0\) stayed silent|QEMU exited while the guest booted: QEMU was killed by SIG[A-Z]+: .+)$/);
      for (const name of ['truncated', 'noise']) {
        const status = (await client.call('GetVmStatus', { name })).vm_info;
        assert.equal(status.state, 'VM_STATE_FAILED');
        assert.equal(vm(name)?.stateMessage, (name === 'noise' ? silent : reset).message.replace(`VM '${name}' did not start: `, ''));
        // The reason reaches clients (the tree) on the wire, not only the daemon's record.
        assert.equal(status.state_message, vm(name)?.stateMessage);
      }
    } finally {
      client.close();
    }
    assert.deepEqual([qemusOf(1, 'truncated'), qemusOf(2, 'noise')], [[], []], 'nothing left running');
    await assertSettled();
  });

  it('live-migrates a running guest: the counter goes on, one QEMU runs it, on the target', async () => {
    await waitForBeat(1, 'vm-1', 1);
    const m = await migrate('vm-1', 2, true);
    assert.equal(m.status, 'COMPLETED', m.message);
    assert.ok(m.incoming?.uri.startsWith('tcp:127.0.0.1:'));
    assert.equal(typeof m.downtimeMs, 'number');
    assert.ok(m.progress!.transferredBytes > 1 * MIB, `transferred ${m.progress!.transferredBytes}`);
    assert.equal(m.progress!.totalBytes > 90 * MIB, true);
    figures.push(`  downtime ${m.downtimeMs} ms, ${(m.progress!.transferredBytes / MIB).toFixed(1)} MiB sent, ${m.progress!.precopyRound} rounds`);
    const before = beats(consoleLog(1, 'vm-1'));
    await waitForBeat(2, 'vm-1', 0);
    const after = beats(consoleLog(2, 'vm-1'));
    assert.ok(after[0] >= before[before.length - 1], `the counter continued (${before.at(-1)} → ${after[0]})`);
    assert.equal(boots(consoleLog(2, 'vm-1')), 0, 'no second boot');
    await eventually(() => qemusOf(1, 'vm-1').length === 0, 5000, 'the source QEMU quit');
    assert.equal(qemusOf(2, 'vm-1').length, 1);
    // The console the console RPC serves: on the target only, holding what the guest printed since it arrived.
    assert.equal((node(1).runtime as QemuRuntime).consoles.open('vm-1'), undefined);
    const arrived = (node(2).runtime as QemuRuntime).consoles.open('vm-1')!.tail(64 * 1024).toString();
    assert.match(arrived, HEARTBEAT_LINE);
    assert.doesNotMatch(arrived, BOOT_LINE);
    const client = connect(cluster!.endpoints[1]);
    try {
      const status = await client.call('GetVmStatus', { name: 'vm-1' });
      assert.equal(status.vm_info.state, 'VM_STATE_RUNNING');
      assert.equal(Number(status.vm_info.node_id), 2);
      const recorded = await client.call('GetMigration', { id: m.id });
      assert.equal(recorded.migration.downtime_ms, m.downtimeMs, 'the downtime on the wire');
      // QEMU's remaining counts never-written pages, which cross almost free: the client is told its time left is a bound.
      assert.equal(recorded.migration.progress.remaining_is_upper_bound, true);
    } finally {
      client.close();
    }
    await assertSettled();
  });

  it('cancels a live migration mid-transfer: the guest keeps running on its source, nothing is left on the target', async () => {
    const m0 = await node(1).operations.beginMigration({ vmName: 'vm-1', targetNodeId: 1, live: true, force: false });
    await eventually(() => (node(1).view.migrations.get(m0.id)?.value.progress?.transferredBytes ?? 0) > 0, 20_000, 'bytes moving');
    assert.equal(qemusOf(1, 'vm-1').length, 1, 'the incoming QEMU on the target');
    const cancelled = await node(1).operations.cancelMigration(m0.id);
    assert.equal(cancelled.status, 'CANCELLED');
    const last = Math.max(...beats(consoleLog(2, 'vm-1')));
    await waitForBeat(2, 'vm-1', last);
    const all = beats(consoleLog(2, 'vm-1'));
    assert.deepEqual(all, all.map((_, i) => all[0] + i), 'one unbroken count on the source');
    await eventually(() => qemusOf(1, 'vm-1').length === 0, 10_000, 'no QEMU left on the target');
    assert.equal(vm('vm-1')?.nodeId, 2);
    assert.equal(vm('vm-1')?.state, 'RUNNING');
    await assertSettled();
  });

  it('a live migration over its pre-copy budget is cancelled and FAILS with QEMU figures; the guest stays', async () => {
    const m = await migrate('vm-1', 1, true);
    assert.equal(m.status, 'FAILED');
    assert.match(m.message, /cannot converge: pre-copy exceeded its 3000 ms budget \(QEMU: [\d.]+ MiB remaining, .* Mbit\/s, \d+ dirty-sync rounds/);
    assert.ok(m.progress!.transferredBytes > 0);
    const last = Math.max(...beats(consoleLog(2, 'vm-1')));
    await waitForBeat(2, 'vm-1', last);
    assert.equal(vm('vm-1')?.nodeId, 2);
    assert.equal(vm('vm-1')?.state, 'RUNNING');
    await eventually(() => qemusOf(1, 'vm-1').length === 0, 10_000, 'no QEMU left on the target');
    const all = beats(consoleLog(2, 'vm-1'));
    assert.deepEqual(all, all.map((_, i) => all[0] + i), 'one unbroken count on the source');
    await assertSettled();
  });

  it('cold-migrates: stops the guest on the source and boots it on the target', async () => {
    const m = await migrate('vm-1', 1, false);
    assert.equal(m.status, 'COMPLETED', m.message);
    await eventually(() => vm('vm-1')?.state === 'RUNNING' && vm('vm-1')?.nodeId === 1, 20_000, 'vm-1 running on node 1');
    assert.equal(boots(consoleLog(1, 'vm-1')), 1, 'booted afresh on the target');
    assert.equal(qemusOf(2, 'vm-1').length, 0);
    assert.equal(qemusOf(1, 'vm-1').length, 1);
    await assertSettled();
  });

  it('rolls a cold migration back when the target cannot boot the guest', async () => {
    const m = await migrate('vm-1', 3, false);
    assert.equal(m.status, 'FAILED');
    assert.match(m.message, /failed to start on node 3: .*rolled back: booting it again on node 1/);
    await eventually(() => vm('vm-1')?.state === 'RUNNING' && vm('vm-1')?.nodeId === 1, 30_000, 'vm-1 running again on node 1');
    assert.equal(qemusOf(1, 'vm-1').length, 1);
    assert.equal(qemusOf(3, 'vm-1').length, 0);
    await assertSettled();
  });

  it('a restarted daemon adopts its running guest instead of booting it again, and kills a QEMU no record wants', async () => {
    await waitForBeat(1, 'vm-1', 1);
    const pid = qemusOf(1, 'vm-1')[0];
    // What a dead daemon may leave besides its guests: a QEMU waiting for an incoming guest no record knows of.
    const leftover = await fleet.create('leftover', { stateName: 'node-1/vms/leftover', incoming: 'defer' });
    await leftover.start();
    await cluster!.nodes[0].crash();
    restarted = await startNode({ id: 1, listen: '127.0.0.1:0', store: cluster!.store, runtime: runtimeFor(1), leaseTtlSeconds: 2 });
    await eventually(() => qemusOf(1, 'leftover').length === 0, 10_000, 'the leftover QEMU killed by the restarted daemon');
    await eventually(() => (restarted!.runtime as QemuRuntime).processOf('vm-1')?.pid === Number(pid), 10_000, 'adopted');
    const last = Math.max(...beats(consoleLog(1, 'vm-1')));
    await waitForBeat(1, 'vm-1', last);
    assert.equal(vm('vm-1')?.state, 'RUNNING');
    assert.deepEqual(qemusOf(1, 'vm-1'), [pid]);
    await assertSettled();
  });

  it('a QEMU killed with SIGKILL turns its VM FAILED, with the reason', async () => {
    const [pid] = qemusOf(1, 'vm-1');
    process.kill(Number(pid), 'SIGKILL');
    await eventually(() => vm('vm-1')?.state === 'FAILED', 10_000, 'vm-1 FAILED');
    assert.match(vm('vm-1')!.stateMessage ?? '', /vm-1.*(SIGKILL|exited)/);
    assert.equal(qemusOf(1, 'vm-1').length, 0);
    // What a client sees: FAILED with the reason on both RPCs the tree reads, from the VM's own node.
    const client = connect(node(1).address);
    try {
      const status = (await client.call('GetVmStatus', { name: 'vm-1' })).vm_info;
      assert.equal(status.state, 'VM_STATE_FAILED');
      // Adopted by the restarted daemon above, so not its child: QEMU's exit status is not known to it.
      assert.match(status.state_message, /^VM 'vm-1' died: QEMU (was killed by SIGKILL|exited)/);
      const listed = (await client.call('ListVms')).vms.find((v: { name: string }) => v.name === 'vm-1');
      assert.deepEqual([listed?.state, listed?.state_message], [status.state, status.state_message]);
      // A VM nothing happened to says nothing.
      assert.equal((await client.call('GetVmStatus', { name: 'vm-2' })).vm_info.state_message, '');
    } finally {
      client.close();
    }
    // And what the Clusters tree makes of it, read through the extension's own Blixard source.
    const source = sourceFor([node(1).address]);
    try {
      const failed = (await source.listVms('1')).find((v) => v.id === 'vm-1');
      assert.equal(failed?.state, 'failed');
      assert.match(vmLook(failed!).description ?? '', /^failed · VM 'vm-1' died: QEMU (was killed by SIGKILL|exited)/);
      assert.match(vmTooltip(BLIXARD_TRAITS, failed!, 'node-1'), /\| Reason \| VM 'vm\\-1' died: QEMU /);
    } finally {
      source.dispose();
    }
    await assertSettled();
  });
});
