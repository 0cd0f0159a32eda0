// `serve` at its edges, over real sockets: TLS with a self-signed certificate, the rate limit
// (429 with Retry-After), a closed history (503, /healthz says so), the refusal of a
// non-loopback address without TLS and a token, and the shipped bundle run by node alone.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCliArguments } from '../../../src/cli/cli-arguments';
import { tlsMaterial } from '../../support/kube-api-server/tls-material';
import { CLI, ensureBundle } from '../cli/support/cli-bundle';
import { HistoryStore } from '../../../src/history';
import { request } from './support/api-client';
import { SseClient } from './support/sse-client';
import { serveReadOnly, writeHistory } from './support/served-history';

describe('blixard-migrations serve: TLS, limits, a closed history, the bundle', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-serve-edges-'));
    db = path.join(dir, 'history.db');
    await writeHistory(db, 40);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS with --tls-cert/--tls-key, and a token over it', async () => {
    const tls = await tlsMaterial();
    writeFileSync(path.join(dir, 'cert.pem'), tls.certPem);
    writeFileSync(path.join(dir, 'key.pem'), tls.keyPem, { mode: 0o600 });
    const token = 'tls-test-token-abcdefghijklmnop';
    writeFileSync(path.join(dir, 'token'), token, { mode: 0o600 });
    const served = await serveReadOnly(db, { tls: { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') }, tokenFile: path.join(dir, 'token') });
    try {
      assert.match(served.server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const ok = await request(`${served.server.url}/api/v1/migrations?limit=3`, { ca: tls.caPem, headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.equal((ok.json as { items: unknown[] }).items.length, 3);
      assert.equal((await request(`${served.server.url}/api/v1/migrations`, { ca: tls.caPem })).status, 401);
      await assert.rejects(request(`${served.server.url}/healthz`), /self.signed|unable to verify|certificate/i, 'an untrusted certificate is refused by the client');
      await assert.rejects(request(served.server.url.replace('https', 'http') + '/healthz', { unchecked: true }), 'plain HTTP is not served on the TLS port');
    } finally {
      assert.equal(await served.stop(), 0);
    }
    assert.ok(!served.err.join('\n').includes(token));
  });

  it('answers 429 with Retry-After past the rate limit', async () => {
    const served = await serveReadOnly(db, { rateLimit: 5 });
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, () => request(`${served.server.url}/api/v1/migrations/active`)));
      const limited = answers.filter((a) => a.status === 429);
      assert.ok(limited.length >= 15, `${limited.length} of 40 limited`);
      assert.ok(answers.filter((a) => a.status === 200).length >= 20, 'the burst passes');
      assert.deepEqual(limited[0].json, { error: 'too-many-requests', message: (limited[0].json as { message: string }).message });
      assert.match(String(limited[0].headers['retry-after']), /^\d+$/);
    } finally {
      await served.stop();
    }
  });

  it('answers 503 once the history is closed, and /healthz says unavailable', async () => {
    const served = await serveReadOnly(db);
    try {
      assert.equal((await request(`${served.server.url}/api/v1/migrations`)).status, 200);
      await served.history.close();
      for (const p of ['/api/v1/migrations', '/api/v1/migrations/active?limit=2', '/api/v1/migrations/kv-0%2Fns-0%2Fm0', '/api/v1/migrations/watch']) {
        const a = await request(`${served.server.url}${p}`);
        assert.equal(a.status, 503, `${p}: ${a.text}`);
        assert.equal((a.json as { error: string }).error, 'unavailable');
      }
      const health = await request(`${served.server.url}/healthz`);
      assert.equal(health.status, 503);
      assert.equal((health.json as { status: string }).status, 'unavailable');
    } finally {
      await served.stop();
    }
  });

  it('--read-only streams what another process records, once each, in order', async () => {
    const other = path.join(dir, 'other.db');
    const writer = await HistoryStore.open({ path: other });
    const served = await serveReadOnly(other);
    try {
      const sse = new SseClient(`${served.server.url}/api/v1/migrations/watch`);
      assert.equal(await sse.connect(), 200);
      const now = Date.now();
      const m = { id: 'c/ns/x', kind: 'kubevirt' as const, cluster: 'c', vm: 'v', name: 'x', mode: 'live' as const, origin: 'user' as const, phase: 'Pending', state: 'pending' as const, createdAt: now, labels: {} };
      const phases = ['Pending', 'Scheduling', 'Running', 'Succeeded'];
      for (const [k, phase] of phases.entries()) {
        writer.record({ ...m, phase, state: k === phases.length - 1 ? 'succeeded' : 'running' }, [{ migrationId: m.id, phase, at: now + k * 10 }]);
        await writer.flush();
        await new Promise((r) => setTimeout(r, 200));
      }
      const deadline = Date.now() + 15_000;
      while (sse.events.filter((e) => e.event === 'transition').length < phases.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 800));
      assert.deepEqual(sse.events.filter((e) => e.event === 'transition').map((e) => (JSON.parse(e.data) as { transition: { phase: string } }).transition.phase), phases);
      sse.cut();
    } finally {
      await served.stop();
      await writer.close();
    }
  });

  it('refuses a non-loopback --listen without TLS and a token, unless --insecure', () => {
    const base = ['serve', '--db', 'h.db'];
    assert.throws(() => parseCliArguments([...base, '--listen', '0.0.0.0:8480']), /not a loopback address: serving there needs TLS \(--tls-cert FILE --tls-key FILE\) and a token \(--token-file FILE\), or --insecure/);
    assert.throws(() => parseCliArguments([...base, '--listen', '10.0.0.5:8480', '--token-file', 't']), /needs TLS/);
    assert.equal(parseCliArguments([...base, '--listen', '0.0.0.0:8480', '--insecure']).command, 'serve');
    assert.equal(parseCliArguments([...base, '--listen', '[::]:8480', '--token-file', 't', '--tls-cert', 'c', '--tls-key', 'k']).command, 'serve');
    assert.deepEqual((parseCliArguments([...base, '--listen', 'localhost:9000']) as { listen: unknown }).listen, { host: 'localhost', port: 9000 });
    assert.throws(() => parseCliArguments([...base, '--tls-cert', 'c']), /go together/);
    assert.throws(() => parseCliArguments([...base, '--read-only', '--blixard', 'a=h:1']), /takes no cluster options/);
    assert.throws(() => parseCliArguments([...base, '--listen', 'nope']), /HOST:PORT/);
  });

  it('runs from the shipped bundle with node alone (dist/cli)', async () => {
    ensureBundle();
    const child = spawn(process.execPath, [CLI, 'serve', '--db', db, '--read-only', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 20_000;
      let url: string | undefined;
      while (!(url = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1])) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no "serving" line: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await request(`${url}/healthz`)).status, 200);
      const list = await request(`${url}/api/v1/migrations?limit=2`);
      assert.equal((list.json as { items: unknown[] }).items.length, 2);
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
