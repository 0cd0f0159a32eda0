import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '../../../companion/blixard-node/errors';
import { readVmConfig } from '../../../companion/blixard-node/runtime/qemu/vm-config';

describe('VM config file reading (bounded)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-vm-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const fifo = path.join(dir, 'config.fifo');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(readVmConfig(fifo), (err: Error) => err instanceof InvalidArgumentError && /is not a regular file/.test(err.message));
  });

  it('refuses a file larger than a config file can be, without reading it', async () => {
    const big = path.join(dir, 'config.json');
    writeFileSync(big, ' '.repeat(65 * 1024) + '{}');
    await assert.rejects(readVmConfig(big), (err: Error) => err instanceof InvalidArgumentError && /at most 65536 are read/.test(err.message));
  });

  it('still says a missing file is missing, and reads a small one', async () => {
    await assert.rejects(readVmConfig(path.join(dir, 'nope.json')), (err: Error) => err instanceof FailedPreconditionError && /ENOENT/.test(err.message));
    const ok = path.join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify({ cmdline: 'x' }));
    await assert.rejects(readVmConfig(ok), /initrd and cmdline need a kernel/);
  });
});
