// `npm start` (scripts/start.sh) serves code-server without a password, so a port setting that is
// not a plain number (an attempt at "0.0.0.0:8080") is refused before anything is built or
// started; so is a BLIXARD_RUNTIME other than simulated or qemu (a typo must not quietly give
// simulated VMs). The full run — loopback only, the one line, workspace trust on — is the
// npm-start journey (test/journeys/npm-start.journey.ts).

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Runs start.sh with these variables and a state folder of its own; returns the result and what the folder holds afterwards. */
function runStart(env: Record<string, string>): { status: number | null; stdout: string; stderr: string; left: string[] } {
  const state = mkdtempSync(path.join(tmpdir(), 'blixard-start-'));
  try {
    const result = spawnSync('bash', [path.join(repoRoot, 'scripts', 'start.sh')], {
      cwd: repoRoot,
      env: { ...process.env, BLIXARD_START_DIR: state, BLIXARD_START_WITH: 'code-server', ...env },
      encoding: 'utf8',
      timeout: 10_000,
      killSignal: 'SIGKILL',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, left: readdirSync(state) };
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

describe('npm start: code-server stays on loopback', function () {
  this.timeout(30_000);

  for (const port of ['0.0.0.0:8080', '8080 --host 0.0.0.0', '99999']) {
    it(`refuses BLIXARD_PORT="${port}" at once, before building or starting anything`, () => {
      const result = runStart({ BLIXARD_PORT: port });
      assert.equal(result.status, 2, `exit code (stdout: ${result.stdout.slice(-300)}; stderr: ${result.stderr.slice(-300)})`);
      assert.match(result.stderr, /BLIXARD_PORT must be a port number .*127\.0\.0\.1 only/);
      assert.deepEqual(result.left, [], 'nothing was started');
    });
  }
});

describe('npm start: BLIXARD_RUNTIME', function () {
  this.timeout(30_000);

  for (const runtime of ['kvm', 'QEMU', 'qemu ', 'simulated,qemu']) {
    it(`refuses BLIXARD_RUNTIME="${runtime}" at once, naming the two it takes, before installing, building or starting anything`, () => {
      const result = runStart({ BLIXARD_RUNTIME: runtime });
      assert.equal(result.status, 2, `exit code (stdout: ${result.stdout.slice(-300)}; stderr: ${result.stderr.slice(-300)})`);
      assert.equal(result.stderr.trim(), `[start] BLIXARD_RUNTIME must be "simulated" (the default: simulated VMs) or "qemu" (real QEMU guests), not "${runtime}"`);
      assert.equal(result.stdout, '', 'no install or build step ran');
      assert.deepEqual(result.left, [], 'nothing was started');
    });
  }
});
