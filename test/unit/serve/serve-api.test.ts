// `blixard-migrations serve` from the shipped bundle (node alone), over real HTTP on loopback,
// watching the local KubeVirt-compatible API server and a Blixard dev cluster: the endpoints answer
// what the history holds (compared with `history --json`), pages walk every migration once, the
// SSE stream delivers every transition of a scripted scenario once and in order across a forced
// disconnect, errors are JSON with the right status, and every answer is validated against the
// OpenAPI document.

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import type { MigrationJson } from '../../../src/cli/history-command';
import type { Migration } from '../../../src/model/migration';
import { toApiMigration, type ApiMigration } from '../../../src/serve/migration-json';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { waitFor } from '../watch/support/kubevirt-watch-rig';
import { waitFor as waitUntil } from '../history/support/fixtures';
import { CLI, ensureBundle, runCli } from '../cli/support/cli-bundle';
import { request, validatedAnswers, type Answer } from './support/api-client';
import { writeHistory } from './support/served-history';
import { SseClient } from './support/sse-client';

const TOKEN = 'serve-test-token-0123456789abcdef';

describe('blixard-migrations serve (the bundle, real HTTP, real clusters)', function () {
  this.timeout(180_000);
  let dir: string;
  let kube: KubeApiServer;
  let blixard: DevCluster;
  let db: string;
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let stderr = '';
  let stdout = '';
  const server = { url: '' };
  const auth = { authorization: `Bearer ${TOKEN}` };
  let validatedBefore = 0;

  before(async () => {
    ensureBundle();
    validatedBefore = validatedAnswers();
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-serve-'));
    kube = await startKubeApiServer({ bookmarkIntervalMs: 500, timing: { perPhaseMs: 150 } });
    seedCluster(kube, { nodes: 3, vmisPerNode: 1, notMigratableEvery: 0, bareVmi: false });
    const kubeconfig = path.join(dir, 'kubeconfig.yaml');
    await kube.writeKubeconfig(kubeconfig, { contexts: [{ name: 'kv-serve' }], currentContext: 'kv-serve' });
    blixard = await startDevCluster({ nodes: 3, basePort: 0, vms: 6, runtime: { bootMs: 50, stopMs: 50, bandwidthMbps: 8000, dirtyRateMbps: 100, progressIntervalMs: 100 }, log: () => {} });
    db = path.join(dir, 'history.db');
    // Migrations from before this run, for the pages to walk beside the ones the clusters make.
    await writeHistory(db, 230);
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const args = ['serve', '--db', db, '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--rate-limit', '0', '--kubeconfig', kubeconfig, '--context', 'kv-serve', '--blixard', `dev=${blixard.endpoints.join(',')}`];
    child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    server.url = await waitFor(() => /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], () => `the serving line:\n${stderr}`, 30_000);
    await waitFor(() => (stderr.match(/ {2}connected to /g) ?? []).length >= 2, () => `both clusters connected:\n${stderr}`, 30_000);
  });

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
    assert.ok(!`${stdout}${stderr}`.includes(TOKEN), 'the token never reaches a log line');
    await kube?.stop();
    await blixard?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (p: string, headers: Record<string, string> = auth) => request(`${server.url}${p}`, { headers });
  const items = (a: Answer) => (a.json as { items: ApiMigration[] }).items;

  async function historyJson(filter: string[]): Promise<ApiMigration[]> {
    const r = runCli(['history', '--db', db, '--json', ...filter]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as MigrationJson[]).map((m) => toApiMigration(m as Migration, m.transitions.map((t) => ({ migrationId: m.id, ...t }))));
  }

  it('streams every transition once, in order, across a forced disconnect resumed with Last-Event-ID', async () => {
    const sse = new SseClient(`${server.url}/api/v1/migrations/watch`, auth);
    assert.equal(await sse.connect(), 200);
    await waitFor(() => sse.events.some((e) => e.event === 'ready'), 'the ready event');
    kube.setTiming({ perPhaseMs: 300 });
    const vmim = kube.createMigration({ vmiName: 'vm-001' }).metadata.name as string;
    await waitFor(() => sse.events.filter((e) => e.event === 'transition').length >= 2, 'two transitions before the cut');
    sse.cut();
    await waitFor(() => sse.closed, 'the cut');
    // Transitions go on while the client is away.
    const bx = await blixard.nodes[0].operations.migrateVm({ vmName: 'vm-1', targetNodeId: 2, live: true, force: false });
    assert.equal(await sse.connect(), 200);
    await waitFor(() => kube.objects.migration({ name: vmim })?.finalPhase !== undefined, 'the KubeVirt migration to end', 30_000);
    await waitFor(() => {
      // The end of each: its last transition carries the migration as it ended (Blixard's phase words are its own).
      const t = sse.events.filter((e) => e.event === 'transition').map((e) => JSON.parse(e.data) as { migration: ApiMigration; transition: { phase: string } });
      return t.some((e) => e.migration.name === vmim && e.migration.state === 'succeeded') && t.some((e) => e.migration.id.endsWith(`/${bx.id}`) && e.migration.state === 'succeeded');
    }, () => `both migrations' ends streamed: ${sse.events.map((e) => (e.event === 'transition' ? `${e.id} ${(JSON.parse(e.data) as { migration: ApiMigration }).migration.name} ${(JSON.parse(e.data) as { transition: { phase: string } }).transition.phase} ${(JSON.parse(e.data) as { migration: ApiMigration }).migration.state}` : e.event)).join('; ')}`, 30_000);
    kube.setTiming({ perPhaseMs: 150 });

    const transitions = sse.events.filter((e) => e.event === 'transition');
    const seqs = transitions.map((e) => Number(e.id!.split('.')[1]));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in order');
    assert.equal(new Set(seqs).size, seqs.length, 'none twice');
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), 'none missing');
    const recorded = (await historyJson([])).filter((m) => m.name === vmim || m.id.endsWith(`/${bx.id}`));
    assert.equal(recorded.length, 2);
    for (const m of recorded) {
      const streamed = transitions.map((e) => JSON.parse(e.data) as { migration: ApiMigration; transition: { phase: string; at: string } }).filter((e) => e.migration.id === m.id);
      assert.deepEqual(streamed.map((e) => e.transition), m.transitions, `${m.id}: the stream holds its timeline, once each`);
    }
    assert.equal(sse.events.filter((e) => e.event === 'reset').length, 0);
    sse.cut();

    // An id of another run of the server: a reset, never a gap.
    const stale = new SseClient(`${server.url}/api/v1/migrations/watch`, { ...auth, 'last-event-id': '000000000000.5' });
    await stale.connect();
    await waitFor(() => stale.events.some((e) => e.event === 'reset'), 'a reset');
    stale.cut();
  });

  it('answers the five endpoints with exactly what `history --json` prints', async () => {
    const all = await historyJson([]);
    assert.ok(all.length >= 2, `${all.length} migrations`);
    assert.deepEqual(items(await get('/api/v1/migrations?limit=1000')), all);
    assert.deepEqual(items(await get('/api/v1/migrations/active')), await historyJson(['--active']));
    // Every migration the clusters made, and a sample of the seeded ones (each comparison runs `history` twice).
    for (const m of all.filter((x, i) => !/^kv-\d$/.test(x.cluster) || i % 40 === 0)) {
      const one = await get(`/api/v1/migrations/${encodeURIComponent(m.id)}`);
      assert.equal(one.status, 200);
      assert.deepEqual(one.json, (await historyJson(['--id', m.id]))[0]);
      assert.deepEqual(items(await get(`/api/v1/migrations/vm/${encodeURIComponent(m.vm)}`)), await historyJson(['--vm', m.vm]));
    }
  });

  it('pages walk every migration once, with filters, and lists carry an ETag honoured by If-None-Match', async () => {
    const everything = await historyJson([]);
    const walk = async (first: string) => {
      const seen: ApiMigration[] = [];
      let next: string | undefined;
      let url = first;
      for (let n = 0; n < 500; n++) {
        const page = await get(url);
        assert.equal(page.status, 200, page.text);
        seen.push(...items(page));
        next = (page.json as { next?: string }).next;
        if (!next) return seen;
        url = `${first}${first.includes('?') ? '&' : '?'}cursor=${next}`;
      }
      throw new Error('no last page');
    };
    assert.deepEqual(await walk('/api/v1/migrations?limit=7'), everything);
    assert.deepEqual((await walk('/api/v1/migrations?limit=13&state=failed&cluster=kv-1')).map((m) => m.id), everything.filter((m) => m.state === 'failed' && m.cluster === 'kv-1').map((m) => m.id));
    assert.deepEqual((await walk('/api/v1/migrations?limit=11&state=completed')).map((m) => m.id), everything.filter((m) => ['succeeded', 'failed', 'cancelled'].includes(m.state)).map((m) => m.id));
    assert.deepEqual(await walk('/api/v1/migrations/datacenter/dc-1?limit=9'), await historyJson(['--datacenter', 'dc-1']));
    const since = '2025-06-15T15:08:00Z';
    assert.deepEqual((await walk(`/api/v1/migrations/vm/vm-2?limit=4&since=${since}`)).map((m) => m.id), everything.filter((m) => m.vm === 'vm-2' && Date.parse(m.createdAt) >= Date.parse(since)).map((m) => m.id));

    const first = await get('/api/v1/migrations?limit=5');
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    assert.equal((await get('/api/v1/migrations?limit=5', { ...auth, 'if-none-match': etag })).status, 304);
    // A change of the history (a migration on a watched cluster) changes the answer's ETag.
    kube.createMigration({ vmiName: 'vm-002' });
    await waitUntil('a new ETag after a change', async () => (await get('/api/v1/migrations?limit=5', { ...auth, 'if-none-match': etag })).status === 200, 20_000);
    // A cursor of another listing is refused.
    const cursor = (first.json as { next: string }).next;
    const misuse = await get(`/api/v1/migrations?state=failed&cursor=${cursor}`);
    assert.equal(misuse.status, 400);
  });

  it('refuses with {error, message}: 401, 404, 400, 405, and never shows a stack', async () => {
    const cases: Array<[string, Record<string, string>, number, string, string?]> = [
      ['/api/v1/migrations', {}, 401, 'unauthorized'],
      ['/api/v1/migrations', { authorization: 'Bearer wrong-token-wrong-token' }, 401, 'unauthorized'],
      ['/api/v1/migrations', { authorization: `Basic ${TOKEN}` }, 401, 'unauthorized'],
      ['/nowhere', {}, 401, 'unauthorized'],
      ['/nowhere', auth, 404, 'not-found'],
      ['/api/v1/migrations/no%2Fsuch%2Fid', auth, 404, 'not-found'],
      ['/api/v1/migrations?limit=0', auth, 400, 'bad-request'],
      ['/api/v1/migrations?limit=abc', auth, 400, 'bad-request'],
      ['/api/v1/migrations?state=everything', auth, 400, 'bad-request'],
      ['/api/v1/migrations?stat=active', auth, 400, 'bad-request'],
      ['/api/v1/migrations?limit=1&limit=2', auth, 400, 'bad-request'],
      ['/api/v1/migrations?since=yesterday', auth, 400, 'bad-request'],
      ['/api/v1/migrations?cursor=%00', auth, 400, 'bad-request'],
      ['/api/v1/migrations/active?state=failed', auth, 400, 'bad-request'],
      [`/api/v1/migrations/vm/${'x'.repeat(300)}`, auth, 400, 'bad-request'],
      ['/api/v1/migrations/vm/a%01b', auth, 400, 'bad-request'],
      [`/api/v1/migrations/${'y'.repeat(600)}`, auth, 400, 'bad-request'],
      ['/api/v1/migrations/%E0%A4%A', auth, 400, 'bad-request'],
    ];
    for (const [p, headers, status, word] of cases) {
      const a = await get(p, headers);
      assert.equal(a.status, status, `${p}: ${a.text}`);
      assert.equal((a.json as { error: string }).error, word, p);
      assert.doesNotMatch(a.text, /\bat \S+:\d+|node_modules|\.ts\b/, 'no stack trace');
      assert.equal(a.headers['access-control-allow-origin'], undefined, 'no CORS');
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      // Content-Length said: Node's client sends a DELETE body without it, which the server rightly reads as a malformed next request (400).
      const a = await request(`${server.url}/api/v1/migrations`, { method, headers: { ...auth, 'content-type': 'application/json', 'content-length': '7' }, body: '{"a":1}' });
      assert.equal(a.status, 405, `${method}: ${a.text}`);
      assert.equal(a.headers.allow, 'GET, HEAD');
    }
    const big = await request(`${server.url}/api/v1/migrations`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: 'x'.repeat(20_000) });
    assert.ok([400, 405, 413].includes(big.status), `a large body: ${big.status}`);
    assert.equal((await get('/healthz', {})).status, 200, '/healthz needs no token');
    const health = (await get('/healthz', {})).json as { status: string; watching: boolean; history: { open: boolean; writable: boolean }; clusters: unknown[] };
    assert.equal(health.watching, true);
    assert.deepEqual([health.history.open, health.history.writable], [true, true]);
    assert.equal(health.clusters.length, 2);
    assert.equal(health.status, 'ok');
    const openapi = await get('/api/v1/openapi.json');
    assert.equal((openapi.json as { openapi: string }).openapi, '3.1.0');
  });

  it('exports Prometheus metrics: transitions by cluster, stream states, requests and latency', async () => {
    const metrics = await request(`${server.url}/metrics`, { headers: auth });
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^blixard_migration_transitions_total\{cluster="[^"]+"\} [1-9]/m);
    assert.match(metrics.text, /^blixard_cluster_stream_state\{cluster="[^"]+",state="connected"\} 1$/m);
    assert.match(metrics.text, /^blixard_serve_http_requests_total\{route="\/api\/v1\/migrations",method="GET",status="200"\} \d+/m);
    assert.match(metrics.text, /^blixard_serve_http_request_duration_seconds_bucket\{(?=[^}]*le="0.01")(?=[^}]*route="\/api\/v1\/migrations\/:id")[^}]*\} \d+/m);
    assert.match(metrics.text, /^blixard_history_open 1$/m);
    assert.match(metrics.text, /^blixard_serve_process_resident_memory_bytes \d+/m);
    assert.equal((await request(`${server.url}/metrics`)).status, 401);
  });

  it('validated every answer of this suite against the OpenAPI document', () => {
    assert.ok(validatedAnswers() - validatedBefore > 50, `${validatedAnswers() - validatedBefore} answers validated`);
  });
});
