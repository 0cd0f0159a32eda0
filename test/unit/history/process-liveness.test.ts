import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isProcessAlive } from '../../../src/history/replication/process-liveness';

function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

describe('isProcessAlive (who holds the history lock, whether an orphan has stopped)', function () {
  this.timeout(20_000);

  it('is true for this process and false for a pid that has exited and been reaped', async () => {
    assert.equal(isProcessAlive(process.pid), true);
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(isProcessAlive(child.pid!), false);
  });

  it('counts a zombie — exited, never reaped, still answering signal 0 — as not alive (Linux, as the test suite)', async () => {
    // sh starts a short `sleep` in the background, then becomes a long `sleep`, which never calls
    // wait(): the short one exits and stays a zombie for as long as the long one runs. It must
    // outlive the exec — a child that exits while sh is still sh may be reaped by sh (dash reaps
    // finished jobs), which made this test fail now and then on a loaded machine.
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      const deadline = Date.now() + 10_000;
      while (stateOf(zombie) !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(stateOf(zombie), 'Z', 'the background child became a zombie');
      assert.doesNotThrow(() => process.kill(zombie, 0), 'signal 0 still reaches a zombie');
      assert.equal(isProcessAlive(zombie), false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
