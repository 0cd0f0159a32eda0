// ConsoleLog on a real file, with this test in QEMU's place (it appends as QEMU's chardev does):
// positions that survive rotation and a daemon restart (a new ConsoleLog on the same folder), a
// VM's return to the node continuing the log after a marker with the tail holding only the new
// life, and the rotation bound kept across lives.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConsoleLog } from '../../../companion/blixard-node/runtime/qemu/console-log';

describe('ConsoleLog (positions, lives, rotation)', () => {
  let dir: string;
  let file: string;
  /** Everything "the guest" printed, in order: what positions must map to. */
  let printed: string;
  const guestPrints = (text: string) => {
    fs.appendFileSync(file, text);
    printed += text;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-console-log-'));
    file = path.join(dir, 'console.log');
    printed = '';
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('delivers output with its end position, and a restarted daemon reads the same log at the same positions', async () => {
    const log = new ConsoleLog(file);
    log.beginLife('--- blixard: vm-1 booting on this node ---');
    printed = fs.readFileSync(file, 'utf8');
    const chunks: [string, number][] = [];
    log.onData((data, end) => chunks.push([data.toString(), end]));
    guestPrints('blixard-guest: booted vm-1\r\n');
    await log.poll();
    guestPrints('blixard-guest: heartbeat 1\r\n');
    await log.poll();
    assert.equal(chunks[1][1], Buffer.byteLength(printed), 'the end position counts every byte');
    assert.equal(chunks.map(([t]) => t).join(''), printed, 'the marker, then what the guest printed');

    const afterRestart = new ConsoleLog(file);
    afterRestart.seekToEnd();
    assert.equal(afterRestart.logId, log.logId, 'the same log: a client resumes on it');
    assert.equal(afterRestart.end, log.end);
    guestPrints('blixard-guest: heartbeat 2\r\n');
    assert.equal(afterRestart.read(chunks[1][1]).data.toString(), 'blixard-guest: heartbeat 2\r\n', 'what followed the last position seen, nothing twice');
    assert.match(afterRestart.tail(1 << 20).toString(), /^--- blixard: vm-1 booting[^]*heartbeat 2\r\n$/);
  });

  it('continues the log when the VM comes back: a marker, the tail holds the new life only, old positions still resolve', async () => {
    const first = new ConsoleLog(file);
    first.beginLife('--- blixard: vm-1 booting on this node ---');
    guestPrints('blixard-guest: booted vm-1\r\nblixard-guest: heartbeat 1\r\n');
    await first.poll();
    const left = first.end;
    const id = first.logId;

    // The VM migrated away and, later, back: a new QemuProcess in the same folder.
    const back = new ConsoleLog(file);
    back.beginLife('--- blixard: vm-1 arriving on this node by live migration ---');
    guestPrints('blixard-guest: heartbeat 41\r\n');
    assert.equal(back.logId, id, 'one log across the lives');
    assert.ok(back.end > left, 'positions go on');
    const tail = back.tail(1 << 20).toString();
    assert.equal(tail, '--- blixard: vm-1 arriving on this node by live migration ---\r\nblixard-guest: heartbeat 41\r\n', 'the new life only');
    assert.equal(back.read(left).data.toString(), tail, 'a client that stopped at the old life gets the marker, then the new life');
    assert.match(fs.readFileSync(`${file}.1`, 'utf8'), /booted vm-1[^]*heartbeat 1/, 'the old life kept as the rotated part');
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /booted/);
  });

  it('keeps the file under its bound, and positions map to the right bytes across rotations', async () => {
    const maxBytes = 1000;
    const log = new ConsoleLog(file, { maxBytes });
    log.beginLife('--- blixard: vm-1 booting on this node ---');
    printed = fs.readFileSync(file, 'utf8');
    const seen: number[] = [];
    log.onData((_, end) => seen.push(end));
    for (let i = 1; i <= 40; i++) {
      guestPrints(`blixard-guest: heartbeat ${String(i).padStart(4, '0')} ${'x'.repeat(60)}\r\n`);
      if (i % 3 === 0) await log.poll();
      assert.ok(sizeOr0(file) <= maxBytes + 3 * 90, `console.log stays bounded (${sizeOr0(file)})`);
      assert.ok(sizeOr0(file) + sizeOr0(`${file}.1`) <= 2 * (maxBytes + 3 * 90), 'with its rotated part, at most twice the bound');
    }
    await log.poll();
    assert.ok(sizeOr0(`${file}.1`) > 0, 'it rotated');
    assert.equal(log.end, Buffer.byteLength(printed), 'no byte lost or counted twice (this writer never races a rotation)');
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'positions only go forward');
    // A position still held reads exactly the bytes after it; one rotated away reads from the oldest kept.
    const at = log.end - 500;
    assert.equal(log.read(at).data.toString(), printed.slice(at));
    const oldest = log.read(0).data.toString();
    assert.ok(printed.endsWith(oldest) && oldest.length < printed.length);
    // Lives keep the bound too: ten returns leave one old life, not ten.
    for (let life = 0; life < 10; life++) {
      new ConsoleLog(file, { maxBytes }).beginLife(`--- blixard: vm-1 arriving (${life}) ---`);
      guestPrints('x'.repeat(900) + '\r\n');
    }
    assert.ok(sizeOr0(file) + sizeOr0(`${file}.1`) <= 2 * (maxBytes + 100));
  });
});

function sizeOr0(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
