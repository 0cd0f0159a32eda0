import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRegularFile, readRegularFileSync, RefusedFileError } from '../../../src/model/regular-file';

describe('readRegularFile: files named by settings and flags', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-regular-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refused = (refusal: string, pattern: RegExp) => (err: unknown) => err instanceof RefusedFileError && err.refusal === refusal && pattern.test(err.message);

  it('reads a regular file, through a link unless links are refused', async () => {
    const file = path.join(dir, 'a.txt');
    writeFileSync(file, 'hello');
    const link = path.join(dir, 'link');
    symlinkSync(file, link);
    assert.equal((await readRegularFile(file, { maxBytes: 5 })).toString(), 'hello');
    assert.equal((await readRegularFile(link, { maxBytes: 5 })).toString(), 'hello');
    assert.equal(readRegularFileSync(link, { maxBytes: 5 }).toString(), 'hello');
    await assert.rejects(readRegularFile(link, { maxBytes: 5, followSymlinks: false }), refused('symlink', /link.* symbolic link/));
    assert.throws(() => readRegularFileSync(link, { maxBytes: 5, followSymlinks: false }), refused('symlink', /symbolic link/));
  });

  it('refuses devices, FIFOs and directories at once, without reading or blocking', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(path.join(dir, 'sub'));
    const started = Date.now();
    await assert.rejects(readRegularFile('/dev/zero', { maxBytes: 1 << 20 }), refused('not-regular', /\/dev\/zero is a character device, not a regular file/));
    await assert.rejects(readRegularFile(fifo, { maxBytes: 1 << 20 }), refused('not-regular', /a FIFO \(named pipe\)/));
    assert.throws(() => readRegularFileSync(fifo, { maxBytes: 1 << 20 }), refused('not-regular', /FIFO/));
    await assert.rejects(readRegularFile(path.join(dir, 'sub'), { maxBytes: 1 << 20 }), refused('not-regular', /a directory/));
    assert.ok(Date.now() - started < 2000);
  });

  it('refuses a file larger than the bound, and one owned by someone else when an owner is required', async () => {
    const file = path.join(dir, 'big');
    writeFileSync(file, Buffer.alloc(3000));
    await assert.rejects(readRegularFile(file, { maxBytes: 1024 }), refused('too-large', /is 2\.93 KiB, more than the 1 KiB allowed/));
    assert.equal((await readRegularFile(file, { maxBytes: 3000 })).length, 3000);
    const uid = process.getuid!();
    assert.equal((await readRegularFile(file, { maxBytes: 3000, ownerUid: uid })).length, 3000);
    // Someone else's file: as root (CI) it is handed to nobody; otherwise another owner is required.
    const other = uid === 0 ? 65534 : uid + 1;
    if (uid === 0) chownSync(file, other, other);
    await assert.rejects(readRegularFile(file, { maxBytes: 3000, ownerUid: uid === 0 ? 0 : other }), refused('not-owned', new RegExp(`belongs to uid ${uid === 0 ? other : uid}`)));
  });

  it('propagates a missing file as ENOENT', async () => {
    await assert.rejects(readRegularFile(path.join(dir, 'none'), { maxBytes: 1 }), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
  });
});
