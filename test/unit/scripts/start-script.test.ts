// `npm start` (scripts/start.sh) serves code-server without a password, so a port setting that is
// not a plain number (an attempt at "0.0.0.0:8080") is refused before anything is built or
// started. The full run — loopback only, the one line, workspace trust on — is the
// npm-start journey (test/journeys/npm-start.journey.ts).

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

describe('npm start: code-server stays on loopback', function () {
  this.timeout(30_000);

  for (const port of ['0.0.0.0:8080', '8080 --host 0.0.0.0', '99999']) {
    it(`refuses BLIXARD_PORT="${port}" at once, before building or starting anything`, () => {
      const state = mkdtempSync(path.join(tmpdir(), 'blixard-start-'));
      try {
        const result = spawnSync('bash', [path.join(repoRoot, 'scripts', 'start.sh')], {
          cwd: repoRoot,
          env: { ...process.env, BLIXARD_PORT: port, BLIXARD_START_DIR: state, BLIXARD_START_WITH: 'code-server' },
          encoding: 'utf8',
          timeout: 10_000,
          killSignal: 'SIGKILL',
        });
        assert.equal(result.status, 2, `exit code (stdout: ${result.stdout.slice(-300)}; stderr: ${result.stderr.slice(-300)})`);
        assert.match(result.stderr, /BLIXARD_PORT must be a port number .*127\.0\.0\.1 only/);
        assert.deepEqual(readdirSync(state), [], 'nothing was started');
      } finally {
        rmSync(state, { recursive: true, force: true });
      }
    });
  }
});
