// The team history's HTTP client against a real local HTTP server: lists walked by `next`, ETags
// sent back and 304 answered from what was read, one migration by id (404 is "none"), and each way
// a server goes wrong as one RemoteHistoryError — refused, 401 (the token never in the message),
// silence past the deadline, a body that is not JSON, a malformed migration. The SSE stream:
// events once and in order across a dropped connection, resumed with Last-Event-ID.

import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HistoryServerClient, parseServerUrl } from '../../../src/serve/client/history-server-client';
import { RemoteHistoryError } from '../../../src/serve/client/remote-history-error';
import { TransitionStream, type StreamedTransition } from '../../../src/serve/client/transition-stream';
import { finished, transitions, waitFor } from '../history/support/fixtures';
import { FixtureHistoryServer } from './support/fixture-history-server';

const T0 = 1_700_000_000_000;
const TOKEN = 'team-history-token-0123456789abcdef';

async function rejection(promise: Promise<unknown>): Promise<RemoteHistoryError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof RemoteHistoryError, `not a RemoteHistoryError: ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

describe('history server client', () => {
  let server: FixtureHistoryServer;
  let client: HistoryServerClient;

  beforeEach(async () => {
    server = await FixtureHistoryServer.start();
    for (let i = 0; i < 25; i++) {
      const id = `prod/m${i}`;
      server.put(finished(id, i % 5 === 0 ? 'failed' : 'succeeded', T0 + i * 1000, 500 + i, { vm: `vm-${i % 3}`, datacenter: i % 2 ? 'dc-a' : 'dc-b', failureReason: i % 5 === 0 ? 'target refused' : undefined }), transitions(id, ['Pending', 'Running', i % 5 === 0 ? 'Failed' : 'Succeeded'], T0 + i * 1000));
    }
    client = new HistoryServerClient({ url: server.url, timeoutMs: 1500 });
  });

  afterEach(async () => {
    client.dispose();
    await server.close();
  });

  it('walks pages by `next` up to the limit, newest first, with each migration\'s timeline', async () => {
    const all = await client.list('migrations', { limit: 1000 });
    assert.equal(all.length, 25);
    assert.deepEqual(all.slice(0, 2).map((e) => e.migration.id), ['prod/m24', 'prod/m23']);
    assert.equal(all[0].migration.createdAt, T0 + 24_000);
    assert.deepEqual(all[0].transitions.map((t) => t.phase), ['Pending', 'Running', 'Succeeded']);
    assert.equal(all[0].transitions[2].at, T0 + 24_000 + 2000);
    const twelve = await client.list('migrations', { limit: 12 });
    assert.equal(twelve.length, 12);
    // Pages of at most the limit asked: 10 then the cursor's next 2.
    const small = new HistoryServerClient({ url: server.url });
    server.requests.length = 0;
    const paged = await small.list('migrations/vm/vm-1', { limit: 7 });
    assert.ok(paged.every((e) => e.migration.vm === 'vm-1'));
    assert.equal(paged.length, 7);
    small.dispose();
  });

  it('sends the ETag back and answers a 304 with what it read before', async () => {
    const first = await client.list('migrations', { limit: 5 });
    server.requests.length = 0;
    const second = await client.list('migrations', { limit: 5 });
    assert.deepEqual(second, first);
    assert.match(String(server.requests[0].headers['if-none-match']), /^"v\d+-/);
  });

  it('reads one migration by id, and a 404 as none', async () => {
    const entry = await client.byId('prod/m5');
    assert.equal(entry?.migration.state, 'failed');
    assert.equal(entry?.migration.failureReason, 'target refused');
    assert.equal(server.requests.at(-1)?.url, '/api/v1/migrations/prod%2Fm5');
    assert.equal(await client.byId('prod/nope'), undefined);
  });

  it('sends the bearer token; a 401 says so without the token', async () => {
    server.token = TOKEN;
    const without = await rejection(client.list('migrations'));
    assert.equal(without.code, 'unauthorized');
    assert.match(without.message, /Set History Server Token/);
    const wrong = new HistoryServerClient({ url: server.url, token: `${TOKEN}-wrong` });
    const refused = await rejection(wrong.list('migrations'));
    assert.equal(refused.code, 'unauthorized');
    assert.ok(!refused.message.includes(TOKEN));
    wrong.dispose();
    const right = new HistoryServerClient({ url: server.url, token: TOKEN });
    assert.equal((await right.list('migrations', { limit: 3 })).length, 3);
    assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${TOKEN}`);
    right.dispose();
  });

  it('gives up on a silent server at its deadline', async () => {
    server.mode = 'silent';
    const started = Date.now();
    const err = await rejection(client.list('migrations'));
    assert.equal(err.code, 'timeout');
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`);
  });

  it('refuses a body that is not JSON, and a migration that is not the API\'s', async () => {
    server.mode = 'not-json';
    assert.equal((await rejection(client.list('migrations'))).code, 'bad-answer');
    server.mode = 'malformed';
    const err = await rejection(client.list('migrations', { limit: 2 }));
    assert.equal(err.code, 'bad-answer');
    assert.match(err.message, /state/);
  });

  it('says a refused connection is unreachable, and refuses URLs it must not use', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dead = new HistoryServerClient({ url: `http://127.0.0.1:${port}` });
    const err = await rejection(dead.list('migrations'));
    assert.equal(err.code, 'unreachable');
    assert.match(err.message, /ECONNREFUSED/);
    dead.dispose();
    assert.throws(() => parseServerUrl('ftp://x'), /http/);
    assert.throws(() => parseServerUrl('https://user:secret@host'), /credentials/);
    assert.throws(() => parseServerUrl('not a url'), /not a URL/);
    assert.equal(parseServerUrl('https://h:8080/team?x=1').toString(), 'https://h:8080/team/');
  });

  it('follows the event stream, and after a drop resumes with Last-Event-ID: every transition once, in order', async () => {
    const stream = new TransitionStream(client, { backoff: { initialMs: 50, maxMs: 200 } });
    const seen: StreamedTransition[] = [];
    const failures: string[] = [];
    let connected = 0;
    stream.onTransition((e) => seen.push(e));
    stream.onFailure((e) => failures.push(e.code));
    stream.onConnected(() => connected++);
    stream.start();
    await waitFor('connected === 1', () => connected === 1, 5000);
    const m = finished('prod/live', 'succeeded', T0 + 100_000, 900);
    server.emit({ ...m, state: 'running', phase: 'Running' }, { migrationId: m.id, phase: 'Running', at: T0 + 100_000 });
    await waitFor('seen.length === 1', () => seen.length === 1, 5000);
    server.dropStreams();
    // Sent while this client is away: the replay after Last-Event-ID brings it.
    server.emit(m, { migrationId: m.id, phase: 'Succeeded', at: T0 + 100_900 });
    await waitFor('connected === 2 && seen.length === 2', () => connected === 2 && seen.length === 2, 5000);
    assert.deepEqual(seen.map((e) => e.transition.phase), ['Running', 'Succeeded']);
    assert.equal(seen[1].migration.state, 'succeeded');
    const resumed = server.requests.filter((r) => r.url === '/api/v1/migrations/watch').at(-1);
    assert.equal(resumed?.headers['last-event-id'], '1');
    assert.ok(failures.includes('unreachable'));
    stream.dispose();
  });

  it('takes a malformed event or a 401 stream for a failure and retries within its backoff', async () => {
    server.token = TOKEN;
    const stream = new TransitionStream(client, { backoff: { initialMs: 50, maxMs: 100 } });
    const failures: string[] = [];
    stream.onFailure((e) => failures.push(e.code));
    stream.start();
    await waitFor('failures.length >= 3', () => failures.length >= 3, 5000);
    assert.ok(failures.every((c) => c === 'unauthorized'));
    stream.dispose();
  });
});
