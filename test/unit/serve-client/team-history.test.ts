// TeamHistory between a real local HTTP server and a real HistoryStore: the server's migrations
// merged with this machine's by id (the server's copy of an ended one wins), live transitions
// from the stream, pages and counts of the merged list; a server that dies or refuses the token
// leaves every query to the local history with one reason (logged once), and it comes back when
// the server answers again.

import * as assert from 'node:assert/strict';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import { HistoryServerClient } from '../../../src/serve/client/history-server-client';
import { TeamHistory } from '../../../src/serve/client/team-history';
import { finished, migration, recordingLogger, tempDir, transitions, waitFor } from '../history/support/fixtures';
import { FixtureHistoryServer } from './support/fixture-history-server';

const T0 = 1_700_000_000_000;

describe('team history (server merged with the local history)', () => {
  let dir: { dir: string; cleanup: () => void };
  let local: HistoryStore;
  let server: FixtureHistoryServer;
  let team: TeamHistory;
  let log: ReturnType<typeof recordingLogger>;

  beforeEach(async () => {
    dir = tempDir('team');
    local = await HistoryStore.open({ path: path.join(dir.dir, 'h.sqlite') });
    // This machine saw m0..m4 (m4 still running here) and its own l0.
    for (let i = 0; i < 4; i++) local.record(finished(`prod/m${i}`, 'succeeded', T0 + i * 1000, 100), transitions(`prod/m${i}`, ['Pending', 'Succeeded'], T0 + i * 1000));
    local.record(migration('prod/m4', { createdAt: T0 + 4000, state: 'running', phase: 'Running' }), transitions('prod/m4', ['Pending', 'Running'], T0 + 4000));
    local.record(finished('lab/l0', 'failed', T0 + 500, 50, { cluster: 'lab' }), transitions('lab/l0', ['Pending', 'Failed'], T0 + 500));
    await local.flush();
    server = await FixtureHistoryServer.start();
    // The team saw m0..m9; m4 has ended there.
    for (let i = 0; i < 10; i++) server.put(finished(`prod/m${i}`, i === 4 ? 'failed' : 'succeeded', T0 + i * 1000, 200 + i, { vm: `vm-${i}` }), transitions(`prod/m${i}`, ['Pending', 'Running', i === 4 ? 'Failed' : 'Succeeded'], T0 + i * 1000));
    log = recordingLogger();
    team = new TeamHistory({ local, client: new HistoryServerClient({ url: server.url, timeoutMs: 1000 }), log, stream: { backoff: { initialMs: 50, maxMs: 200 } }, changeDebounceMs: 10 });
  });

  afterEach(async () => {
    team.dispose();
    await server.close();
    await local.close();
    dir.cleanup();
  });

  async function serving(): Promise<void> {
    team.start();
    await waitFor('the team history serving', () => team.source.kind === 'server', 5000);
  }

  it('lists the merged history: each id once, newest first, the server\'s copy of an ended migration', async () => {
    assert.equal(team.source.kind, 'connecting');
    await serving();
    assert.deepEqual(team.source, { kind: 'server', host: new URL(server.url).host });
    const all = await team.all({ limit: 100 });
    assert.deepEqual(all.map((m) => m.id), ['prod/m9', 'prod/m8', 'prod/m7', 'prod/m6', 'prod/m5', 'prod/m4', 'prod/m3', 'prod/m2', 'prod/m1', 'lab/l0', 'prod/m0']);
    assert.equal(all.find((m) => m.id === 'prod/m4')?.state, 'failed');
    assert.equal(await team.count({}), 11);
    assert.equal(await team.count({ filter: 'completed' }), 11);
    assert.deepEqual((await team.all({ filter: 'completed', limit: 3, offset: 2 })).map((m) => m.id), ['prod/m7', 'prod/m6', 'prod/m5']);
    assert.deepEqual((await team.byId('prod/m4'))?.transitions.map((t) => t.phase), ['Pending', 'Running', 'Failed']);
    assert.equal((await team.byId('lab/l0'))?.migration.state, 'failed');
    assert.deepEqual((await team.byVm('vm-7')).map((m) => m.id), ['prod/m7']);
    const summary = await team.summaryByCluster();
    assert.deepEqual(summary.map((s) => [s.cluster, s.count, s.failed]), [['lab', 1, 1], ['prod', 10, 1]]);
  });

  it('with more on the server than it keeps: says how many of the newest it shows, and still asks the server by id and VM', async () => {
    team.dispose();
    team = new TeamHistory({ local, client: new HistoryServerClient({ url: server.url, timeoutMs: 1000 }), log, stream: { backoff: { initialMs: 50, maxMs: 200 } }, changeDebounceMs: 10, mirrorLimit: 5 });
    await serving();
    assert.deepEqual(team.source, { kind: 'server', host: new URL(server.url).host, newest: 5 });
    const all = await team.all({ limit: 100 });
    assert.deepEqual(all.slice(0, 5).map((m) => m.id), ['prod/m9', 'prod/m8', 'prod/m7', 'prod/m6', 'prod/m5'], "the server's newest five first");
    assert.equal(all.find((m) => m.id === 'prod/m4')?.state, 'running', "m4 is past the mirror: this machine's copy");
    assert.deepEqual((await team.byId('prod/m2'))?.transitions.map((t) => t.phase), ['Pending', 'Running', 'Succeeded'], 'an older one by id comes from the server');
    assert.deepEqual((await team.byVm('vm-1')).map((m) => m.id), ['prod/m1']);
    const live = migration('prod/m10', { createdAt: T0 + 10_000, state: 'running', phase: 'Running', vm: 'vm-10' });
    server.put(live, transitions('prod/m10', ['Pending', 'Running'], T0 + 10_000));
    server.emit(live, { migrationId: live.id, phase: 'Running', at: T0 + 10_000 });
    await waitFor('the new migration', async () => (await team.all({ limit: 1 }))[0]?.id === 'prod/m10');
    assert.deepEqual((await team.all({ limit: 5 })).map((m) => m.id), ['prod/m10', 'prod/m9', 'prod/m8', 'prod/m7', 'prod/m6'], 'newest first, the new one at the top');
  });

  it('says it shows only the newest once the stream has brought more than it keeps', async () => {
    team.dispose();
    team = new TeamHistory({ local, client: new HistoryServerClient({ url: server.url, timeoutMs: 1000 }), log, stream: { backoff: { initialMs: 50, maxMs: 200 } }, changeDebounceMs: 10, mirrorLimit: 11 });
    await serving();
    assert.equal((team.source as { newest?: number }).newest, undefined, 'all ten fit');
    // Trimmed once a tenth over the limit (11 + 2): the fourth new one.
    for (let i = 10; i < 14; i++) {
      const m = migration(`prod/m${i}`, { createdAt: T0 + i * 1000, state: 'running', phase: 'Running' });
      server.put(m, transitions(m.id, ['Pending', 'Running'], T0 + i * 1000));
      server.emit(m, { migrationId: m.id, phase: 'Running', at: T0 + i * 1000 });
    }
    await waitFor('the mirror trimmed', () => (team.source as { newest?: number }).newest === 11);
    assert.equal((await team.all({ limit: 1 }))[0]?.id, 'prod/m13');
  });

  it('pages the merged list to the end, each migration once', async () => {
    await serving();
    const seen: string[] = [];
    let page = await team.page({ limit: 4 });
    for (;;) {
      seen.push(...page.migrations.map((m) => m.id));
      if (!page.next) break;
      page = await team.page({ limit: 4, after: page.next });
    }
    assert.equal(seen.length, 11);
    assert.equal(new Set(seen).size, 11);
  });

  it('follows the server\'s transitions as they come, and says it changed', async () => {
    await serving();
    let changes = 0;
    team.onDidChange(() => changes++);
    const live = migration('prod/new', { createdAt: T0 + 60_000, state: 'running', phase: 'Running' });
    server.emit(live, { migrationId: live.id, phase: 'Running', at: T0 + 60_000 });
    await waitFor('the streamed migration', async () => (await team.active()).some((m) => m.id === 'prod/new'), 5000);
    assert.ok(changes >= 1);
    server.emit({ ...live, state: 'succeeded', phase: 'Succeeded', endedAt: T0 + 61_000 }, { migrationId: live.id, phase: 'Succeeded', at: T0 + 61_000 });
    await waitFor('the ended migration', async () => (await team.byId('prod/new'))?.migration.state === 'succeeded', 5000);
    assert.deepEqual((await team.byId('prod/new'))?.transitions.map((t) => t.phase), ['Running', 'Succeeded']);
  });

  it('falls back to the local history while the server is dead, with one log line, and comes back', async () => {
    await serving();
    const port = new URL(server.url).port;
    await server.close();
    await waitFor('the fallback', () => team.source.kind === 'fallback', 5000);
    const source = team.source;
    assert.ok(source.kind === 'fallback' && source.code === 'unreachable', JSON.stringify(source));
    // Every query is this machine's history alone now.
    assert.deepEqual((await team.all({ limit: 100 })).map((m) => m.id), ['prod/m4', 'prod/m3', 'prod/m2', 'prod/m1', 'lab/l0', 'prod/m0']);
    assert.equal(await team.count({}), 6);
    assert.equal((await team.byId('prod/m4'))?.migration.state, 'running');
    // Retries keep failing (the stream closed, then refused again and again): each reason said once.
    await new Promise((r) => setTimeout(r, 600));
    const warnings = log.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    assert.ok(warnings.length >= 1 && warnings.length <= 2, JSON.stringify(warnings));
    assert.equal(new Set(warnings).size, warnings.length);
    server = await FixtureHistoryServer.start(Number(port));
    server.put(finished('prod/back', 'succeeded', T0 + 90_000, 10), transitions('prod/back', ['Pending', 'Succeeded'], T0 + 90_000));
    await waitFor('the team history back', () => team.source.kind === 'server', 10_000);
    assert.equal((await team.all({ limit: 1 }))[0].id, 'prod/back');
    assert.ok(log.has('info', /answers again/));
  });

  it('says a refused token, and a server that does not speak the API, in one line each', async () => {
    server.token = 'the-servers-own-token-0123456789';
    team.start();
    await waitFor('the fallback', () => team.source.kind === 'fallback', 5000);
    assert.equal(team.source.kind === 'fallback' && team.source.code, 'unauthorized');
    assert.equal((await team.all({ limit: 100 })).length, 6);
  });
});
