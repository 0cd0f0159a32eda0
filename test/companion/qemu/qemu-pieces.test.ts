// The pieces around QemuProcess: the accelerator probe, the test guest's cached initramfs and the
// bounded console log.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { probeAccel } from '../../../companion/blixard-node/runtime/qemu/accel';
import { ConsoleLog } from '../../../companion/blixard-node/runtime/qemu/console-log';
import { blixardCacheDir, builtInTestGuest, TestGuestUnavailableError } from '../../../companion/blixard-node/runtime/qemu/test-guest';
import { requireQemu, testGuest } from './qemu-harness';

describe('qemu runtime pieces', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-qemu-pieces-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('probes the accelerator: KVM only when a probe boot works, else TCG with the reason', async () => {
    requireQemu();
    const guest = await testGuest();
    const choice = await probeAccel({ guest, env: {} });
    if (fs.existsSync('/dev/kvm')) assert.ok(choice.accel === 'kvm' ? /booted/.test(choice.reason) : /kvm probe failed|\/dev\/kvm/.test(choice.reason), choice.reason);
    else assert.deepEqual(choice, { accel: 'tcg', reason: '/dev/kvm: ENOENT' });
    assert.deepEqual(await probeAccel({ guest, env: { BLIXARD_QEMU_ACCEL: 'tcg' } }), { accel: 'tcg', reason: 'BLIXARD_QEMU_ACCEL' });
  });

  it("builds the test guest's initramfs once, cached by content, with the boot settings", async () => {
    requireQemu();
    const first = await builtInTestGuest({ hostname: 'vm 1' });
    const mtime = fs.statSync(first.initrd).mtimeMs;
    const again = await builtInTestGuest({ hostname: 'vm-2' });
    assert.equal(again.initrd, first.initrd);
    assert.equal(fs.statSync(again.initrd).mtimeMs, mtime, 'not rebuilt');
    assert.match(first.initrd, new RegExp(`^${blixardCacheDir()}/test-guest/initramfs-[0-9a-f]{16}\\.cpio\\.gz$`));
    assert.match(first.append, /console=ttyS0 .*blixard\.hostname=vm-1$/);
    // gzip magic, and a newc cpio inside (checked by QEMU booting it in qemu-process.test.ts).
    assert.deepEqual([...fs.readFileSync(first.initrd).subarray(0, 2)], [0x1f, 0x8b]);
  });

  it('names the install step when the guest kernel is missing', async () => {
    const error = await builtInTestGuest({ cacheDir: dir }).catch((e: unknown) => e);
    assert.ok(error instanceof TestGuestUnavailableError);
    assert.match(error.message, /guest kernel is missing .*ensure-guest-kernel\.sh/);
  });

  it('follows the console log line by line and keeps it bounded by rotating it', async () => {
    const file = path.join(dir, 'console.log');
    const log = new ConsoleLog(file, { maxBytes: 1000 });
    const lines: string[] = [];
    log.onLine((line) => lines.push(line));
    const expected: string[] = [];
    for (let i = 1; i <= 100; i++) {
      const line = `blixard-guest: heartbeat ${i}`;
      expected.push(line);
      fs.appendFileSync(file, `${line}\r\n`); // as QEMU does: O_APPEND, CRLF from the guest's tty
      if (i % 7 === 0) await log.poll();
    }
    await log.poll();
    assert.deepEqual(lines, expected, 'every line once, in order, across rotations');
    assert.ok(fs.statSync(file).size <= 1000 && fs.statSync(log.rotatedPath).size <= 1000 + 7 * 32);
    const tail = log.tail(200).toString();
    assert.match(tail, /heartbeat 100\r\n$/);
    assert.equal(tail.length, 200);
  });
});
