// QemuProcess with the built-in test guest under real QEMU: boot to heartbeat, adopt after the
// object is dropped, a real live migration on loopback, a cancelled one, powerdown, kill -9.
// The tests run in order and share guests (each boot costs seconds under TCG): guest A boots, is
// adopted, migrates to A2, a migration of A2 to A3 is cancelled, then A2 powers down; guest B
// boots alongside A and is the one killed with SIGKILL.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { QemuProcess, QemuStartError, type QemuExit } from '../../../companion/blixard-node/runtime/qemu/qemu-process';
import { accel, bootLines, freePort, heartbeats, nextHeartbeat, pollMigration, QemuFleet, recordLines, rssMiB, testGuest } from './qemu-harness';

const figures: Record<string, string> = {};

describe('QemuProcess with the test guest (real QEMU)', function () {
  this.timeout(120_000);
  const fleet = new QemuFleet();
  let a: QemuProcess; // the guest that moves
  let b: QemuProcess; // the one killed with SIGKILL
  let lastCount = 0;

  after(async () => {
    await fleet.cleanup();
    console.log(`      figures: ${JSON.stringify(figures)}`);
  });

  it('boots two guests to their heartbeat; the counter increases every second', async () => {
    a = await fleet.create('vm-a');
    b = await fleet.create('vm-b', { memoryMb: 96 });
    const t0 = Date.now();
    await Promise.all([a.start(), b.start()]);
    const first = await nextHeartbeat(a);
    figures.bootToHeartbeatMs = String(Date.now() - t0);
    const second = await nextHeartbeat(a, 5000, first);
    assert.ok(second > first);
    assert.match(a.console.tail().toString(), /blixard-guest: booted vm-a\r?\n/);
    assert.equal((await a.qmp.execute('query-status')).status, 'running');
    figures.rssMiB128 = rssMiB(a.pid!).toFixed(0);
    lastCount = second;
  });

  it('a new QemuProcess adopts the running QEMU from its pid file and QMP socket: no second boot', async () => {
    const pid = a.pid;
    await a.detach(); // the daemon that started it is gone
    const adopted = fleet.track(new QemuProcess(a.spec, { accel: await accel(), stateDir: fleet.stateDir('vm-a') }));
    const seen = recordLines(adopted);
    await adopted.adopt();
    assert.equal(adopted.pid, pid);
    const count = await nextHeartbeat(adopted, 5000, lastCount);
    assert.ok(count > lastCount && count <= lastCount + 4, `counter went on: ${lastCount} → ${count}`);
    seen.stop();
    assert.deepEqual(bootLines(seen.lines), []);
    a = adopted;
    lastCount = count;
  });

  it('refuses to adopt a pid file that names some other process', async () => {
    const dir = fleet.stateDir('impostor');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(`${dir}/qemu.pid`, `${process.pid}\n`); // this test process: alive, not a QEMU
    const impostor = new QemuProcess(b.spec, { accel: await accel(), stateDir: dir });
    await assert.rejects(impostor.adopt(), /is not this VM's QEMU/);
    fs.writeFileSync(`${dir}/qemu.pid`, `${b.pid}\n`); // a QEMU, but another VM's (its QMP socket is elsewhere)
    await assert.rejects(impostor.adopt(), /is not this VM's QEMU/);
  });

  it('live-migrates the guest to another QEMU on loopback; the counter goes on there without a boot', async () => {
    const port = await freePort();
    const target = await fleet.create('vm-a', { stateName: 'vm-a-target', incoming: `tcp:127.0.0.1:${port}` });
    await target.start();
    assert.equal((await target.qmp.execute('query-status')).status, 'inmigrate');
    const onTarget = recordLines(target);
    const onSource = recordLines(a);

    await a.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 1024 * 1024 * 1024, 'downtime-limit': 300 });
    const t0 = Date.now();
    await a.qmp.execute('migrate', { uri: `tcp:127.0.0.1:${port}` });
    const seen = await pollMigration(a, (info) => info.status === 'completed');
    const elapsedMs = Date.now() - t0;
    const done = seen[seen.length - 1];
    assert.ok(done.ram && done.ram.total >= 128 * 1024 * 1024, `ram.total ${done.ram?.total}`);
    assert.ok(done.ram.transferred > 1024 * 1024, `ram.transferred ${done.ram.transferred}`);
    assert.ok(typeof done.downtime === 'number' && done.downtime >= 0, `downtime ${done.downtime}`);
    assert.ok(done.ram['dirty-sync-count'] >= 2, 'at least one pre-copy round and the final sync');
    Object.assign(figures, {
      migration128Ms: String(elapsedMs), qemuTotalTimeMs: String(done['total-time']), downtimeMs: String(done.downtime),
      transferredBytes: String(done.ram.transferred), dirtySyncCount: String(done.ram['dirty-sync-count']), polls: String(seen.length),
    });

    assert.equal((await a.qmp.execute('query-status')).status, 'postmigrate');
    const count = await nextHeartbeat(target, 10_000, 0);
    assert.equal((await target.qmp.execute('query-status')).status, 'running');
    onSource.stop();
    const sourceLast = Math.max(lastCount, ...heartbeats(onSource.lines));
    assert.ok(count > sourceLast && count <= sourceLast + 3, `target went on from ${sourceLast}: ${count}`);
    onTarget.stop();
    assert.deepEqual(bootLines(onTarget.lines), [], 'no second boot line on the target');
    assert.ok(!target.console.tail().toString().includes('booted'), "the target's console never saw a boot");

    // The source stays paused (postmigrate) until told to quit. Here an adopter (a restarted
    // daemon) takes it over and sees it killed under it: it learns by liveness, not exit status.
    await a.detach();
    const adoptedSource = fleet.track(new QemuProcess(a.spec, { accel: await accel(), stateDir: fleet.stateDir('vm-a') }));
    await adoptedSource.adopt();
    const gone = adoptedSource.waitForExit(5000);
    process.kill(adoptedSource.pid!, 'SIGKILL');
    const exit = await gone;
    assert.ok(exit, 'the adopter saw the exit');
    assert.equal(exit.requested, false);
    assert.match(exit.reason, /adopted, exit status unknown/);
    a = target;
    lastCount = count;
  });

  it('cancels a live migration mid-transfer: the guest keeps running on the source, counter continuous', async () => {
    const port = await freePort();
    const target = await fleet.create('vm-a', { stateName: 'vm-a-target-2', incoming: `tcp:127.0.0.1:${port}` });
    await target.start();
    const onSource = recordLines(a);
    await a.qmp.execute('migrate-set-parameters', { 'max-bandwidth': 2 * 1024 * 1024 }); // 2 MB/s: tens of seconds
    await a.qmp.execute('migrate', { uri: `tcp:127.0.0.1:${port}` });
    const active = await pollMigration(a, (info) => info.status === 'active' && (info.ram?.transferred ?? 0) > 1024 * 1024, 20_000);
    const before = active[active.length - 1];
    assert.ok(before.ram!.remaining > 0, 'still memory to send when cancelled');
    await a.qmp.execute('migrate_cancel');
    const ended = await pollMigration(a, (info) => info.status === 'cancelled', 10_000);
    assert.equal(ended[ended.length - 1].status, 'cancelled');
    assert.equal((await a.qmp.execute('query-status')).status, 'running');
    const count = await nextHeartbeat(a, 5000, Math.max(lastCount, ...heartbeats(onSource.lines)));
    onSource.stop();
    const counts = heartbeats(onSource.lines); // ends with `count`
    assert.equal(counts[counts.length - 1], count);
    assert.ok(counts[0] <= lastCount + 3, `went on from ${lastCount}: ${counts.join(',')}`);
    counts.forEach((value, i) => i > 0 && assert.equal(value, counts[i - 1] + 1, `continuous: ${counts.join(',')}`));
    counts.forEach((value, i) => i > 0 && assert.equal(value, counts[i - 1] + 1, `continuous: ${counts.join(',')}`));
    assert.deepEqual(bootLines(onSource.lines), []);
    // The target's incoming migration was cut off: its QEMU gives up and exits by itself.
    const targetExit = await target.waitForExit(10_000);
    assert.ok(targetExit, 'the target QEMU went away after the cancel');
    assert.notEqual(targetExit.code, 0, targetExit.reason);
    lastCount = count;
  });

  it('powers the guest down with system_powerdown: QEMU exits by itself, code 0', async () => {
    const t0 = Date.now();
    const exit = await a.powerdown(20_000);
    figures.powerdownMs = String(Date.now() - t0);
    assert.equal(exit.code, 0, exit.reason);
    assert.equal(exit.signal, null, 'not killed after the timeout');
    assert.equal(exit.requested, true);
    assert.match(a.console.tail().toString(), /power button, powering off/);
  });

  it('reports a QEMU killed with SIGKILL under it, with the reason', async () => {
    const exited = new Promise<QemuExit>((resolve) => b.onExit(resolve));
    process.kill(b.pid!, 'SIGKILL');
    const exit = await exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.requested, false);
    assert.match(exit.reason, /killed by SIGKILL/);
  });

  it('quit() ends a QEMU at once (a migration source after completion), reported as requested', async () => {
    const waiting = await fleet.create('vm-q', { incoming: `tcp:127.0.0.1:${await freePort()}` });
    await waiting.start();
    const exit = await waiting.quit();
    assert.equal(exit.requested, true);
    assert.equal(exit.code, 0, exit.reason);
    assert.ok(!fs.existsSync(waiting.paths.pid), 'QEMU removed its pid file');
  });

  it('fails to start with a kernel that does not exist, with QEMU\'s own words, and leaves nothing running', async () => {
    const guest = await testGuest('bad');
    const bad = fleet.track(new QemuProcess({ name: 'bad', vcpus: 1, memoryMb: 64, boot: { ...guest, kernel: '/nonexistent/vmlinuz' } }, { accel: await accel(), stateDir: fleet.stateDir('bad') }));
    const error = await bad.start(20_000).catch((e: unknown) => e);
    assert.ok(error instanceof QemuStartError, String(error));
    assert.match(error.message, /nonexistent\/vmlinuz/);
    assert.ok(bad.exited);
  });
});
