// The shipped CLI against a hostile API server that echoes every credential it is sent in plain
// words (a token in quotes and URL-encoded, Basic credentials as bare base64 and decoded, key
// material leaked as if by a proxy) in its 500/401 refusals and in a failed migration's reason.
// `watch` runs a few seconds over a kubeconfig with a token, Basic user/password, an exec plugin,
// a token file and a client key, then gets SIGINT; then `history` reads what it recorded. No
// spelling of any secret may appear on stdout, stderr or in any file the history wrote — and a
// cluster that keeps failing the same way is said once, not on every retry.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCredentialEchoServer, type CredentialEchoServer } from '../../support/credential-echo-server';
import { leakedSecrets, writeCredentialKubeconfig, type CredentialKubeconfig, type CredentialUser } from '../../support/credential-kubeconfig';
import { CLI, ensureBundle, runCliBounded } from './support/cli-bundle';

const REFUSED: ReadonlyArray<{ user: CredentialUser; status: 401 | 500 }> = [
  { user: 'token', status: 500 },
  { user: 'basic', status: 401 },
  { user: 'exec', status: 500 },
  { user: 'token-file', status: 500 },
  { user: 'key', status: 500 },
];
const SERVED: readonly CredentialUser[] = ['token', 'basic', 'exec'];
/** How long the watch runs at most before SIGINT (it is stopped as soon as every cluster has said its piece). */
const WATCH_MS = 6_000;
const MAX_RSS_BYTES = 400 * 1024 * 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('blixard-migrations watch against a server that echoes credentials', function () {
  this.timeout(60_000);
  let dir: string;
  let server: CredentialEchoServer;
  let kubeconfig: CredentialKubeconfig;

  before(async () => {
    ensureBundle();
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-cli-secrets-'));
    const clusters: Record<string, { kind: 'refuse'; status: 401 | 500 } | { kind: 'serve' }> = {};
    for (const r of REFUSED) clusters[`${r.user}-refused`] = { kind: 'refuse', status: r.status };
    for (const user of SERVED) clusters[`${user}-served`] = { kind: 'serve' };
    // The key context's cluster is given the key's spellings to leak: a server never sees a client key, something in between might print it.
    const leaks: Record<string, string[]> = {};
    server = await startCredentialEchoServer({ clusters, leaks });
    kubeconfig = await writeCredentialKubeconfig(dir, server.url, [...REFUSED.map((r) => ({ user: r.user, behaviour: 'refused' })), ...SERVED.map((user) => ({ user, behaviour: 'served' }))]);
    leaks['key-refused'] = kubeconfig.keyLeaks;
  });

  after(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints, records and reads back no secret, and says each failure once', async () => {
    const db = path.join(dir, 'history.db');
    const child = spawn(process.execPath, [CLI, 'watch', '--db', db, '--kubeconfig', kubeconfig.file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const killer = setTimeout(() => child.kill('SIGKILL'), WATCH_MS + 10_000);
    try {
      // Until every refused cluster is down and every served one has shown its failed migration, or the time is up.
      const everyoneSpoke = () =>
        REFUSED.every((r) => stderr.includes(`${r.user}@refused  migration stream down`)) && SERVED.every((user) => stdout.includes(`${user}@served  default/vm-1  echoed-migration`));
      const started = Date.now();
      while (!everyoneSpoke() && Date.now() - started < WATCH_MS && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      // A few more retries of each refused cluster, to see them not repeated.
      await new Promise((r) => setTimeout(r, 1500));
      child.kill('SIGINT');
      assert.equal(await exited, 0, `watch exits 0 on SIGINT; stderr:\n${stderr}`);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    // The paths were taken: each refusal reached stderr as an outage, each echoed failure reason stdout.
    for (const r of REFUSED) assert.ok(stderr.includes(`${r.user}@refused  migration stream down`), `${r.user}@refused said down; stderr:\n${stderr}`);
    for (const user of SERVED) assert.match(stdout, new RegExp(`${user}@served  default/vm-1  echoed-migration  .*→ Failed .*target refused the hand-off`), `${user}@served's failed migration; stdout:\n${stdout}`);
    assert.ok(stdout.includes('[redacted]') && stderr.includes('[redacted]'), 'the echoed secrets were replaced, not the lines dropped');

    assert.deepEqual(leakedSecrets(stdout, kubeconfig.forbidden), [], 'no secret on stdout');
    assert.deepEqual(leakedSecrets(stderr, kubeconfig.forbidden), [], 'no secret on stderr');
    const files = filesUnder(dir).filter((f) => f === db || f.startsWith(`${db}.`));
    assert.ok(files.length > 0, 'the history wrote files');
    for (const file of files) assert.deepEqual(leakedSecrets(readFileSync(file).toString('latin1'), kubeconfig.forbidden), [], `no secret in ${path.relative(dir, file)}`);

    // The same failure is said once: a line repeated (times and retry delays aside) is noise.
    const said = new Map<string, number>();
    for (const line of stderr.split('\n').filter((l) => l !== '')) {
      const gist = line.replace(/^\S+Z {2}/, '').replace(/; retrying in [\d.]+ m?s$/, '');
      said.set(gist, (said.get(gist) ?? 0) + 1);
    }
    const repeated = [...said].filter(([, n]) => n > 1);
    assert.deepEqual(repeated, [], `lines said more than once:\n${stderr}`);

    // What the history holds, read back through the CLI, is as clean.
    const history = await runCliBounded(['history', '--db', db, '--json'], { timeoutMs: 15_000, maxRssBytes: MAX_RSS_BYTES });
    assert.equal(history.killedFor, undefined, `history killed for ${history.killedFor}`);
    assert.equal(history.code, 0, history.stderr);
    const recorded = JSON.parse(history.stdout) as Array<{ name: string; state: string; failureReason?: string }>;
    assert.deepEqual(
      recorded.map((m) => [m.name, m.state]),
      SERVED.map(() => ['echoed-migration', 'failed']),
      'each served cluster recorded its failed migration',
    );
    for (const m of recorded) assert.match(m.failureReason ?? '', /^target refused the hand-off: .*\[redacted\]/);
    assert.deepEqual(leakedSecrets(history.stdout + history.stderr, kubeconfig.forbidden), [], 'no secret in the history output');
  });
});
