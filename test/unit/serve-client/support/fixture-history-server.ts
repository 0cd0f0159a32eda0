// A small real HTTP server speaking the history API's shape (openapi-document.ts) from fixture
// migrations, for the client's tests: lists paged by `next` with ETags, one migration by id, the
// SSE stream with event ids and Last-Event-ID replay — and, on demand, each way a server goes
// wrong (401, silence, a body that is not JSON, a malformed migration, a dropped stream).

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Migration, PhaseTransition } from '../../../../src/model/migration';
import { toApiMigration, type ApiMigration } from '../../../../src/serve/migration-json';

export type FixtureMode = 'ok' | 'unauthorized' | 'silent' | 'not-json' | 'malformed';

export interface RecordedRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
}

export class FixtureHistoryServer {
  mode: FixtureMode = 'ok';
  token: string | undefined;
  readonly requests: RecordedRequest[] = [];
  private readonly items: ApiMigration[] = [];
  private events: Array<{ id: number; data: string }> = [];
  private readonly streams = new Set<http.ServerResponse>();
  private version = 1;
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  /** Listens on loopback, on `port` (a server started again where the last one was) or a free one. */
  static async start(port = 0): Promise<FixtureHistoryServer> {
    let fixture!: FixtureHistoryServer;
    const server = http.createServer((req, res) => fixture.handle(req, res));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    fixture = new FixtureHistoryServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fixture;
  }

  /** Adds (or replaces) a migration, newest first by creation as the real server lists. */
  put(migration: Migration, transitions: readonly PhaseTransition[]): void {
    const api = toApiMigration(migration, transitions);
    const at = this.items.findIndex((i) => i.id === api.id);
    if (at >= 0) this.items.splice(at, 1);
    this.items.push(api);
    this.items.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
    this.version++;
  }

  /** A transition event, sent to every open stream and kept for Last-Event-ID replay. */
  emit(migration: Migration, transition: PhaseTransition): number {
    const id = this.events.length + 1;
    const data = JSON.stringify({ migration: { ...toApiMigration(migration), transitions: undefined }, transition: { phase: transition.phase, at: new Date(transition.at).toISOString() } });
    this.events.push({ id, data });
    for (const res of this.streams) res.write(`id: ${id}\nevent: transition\ndata: ${data}\n\n`);
    return id;
  }

  /** Cuts every open event stream (the clients reconnect). */
  dropStreams(): void {
    for (const res of this.streams) res.destroy();
    this.streams.clear();
  }

  get openStreams(): number {
    return this.streams.size;
  }

  async close(): Promise<void> {
    this.dropStreams();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push({ url: req.url ?? '', headers: req.headers });
    if (this.mode === 'silent') return; // never answers
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return json(res, 401, { error: 'unauthorized', message: 'A bearer token is required.' });
    if (this.mode === 'unauthorized') return json(res, 401, { error: 'unauthorized', message: 'A bearer token is required.' });
    const url = new URL(req.url ?? '/', 'http://fixture');
    const path = url.pathname;
    if (path === '/api/v1/migrations/watch') return this.stream(req, res);
    if (this.mode === 'not-json') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>proxy error</html>');
      return;
    }
    const list = (items: ApiMigration[]) => {
      const etag = `"v${this.version}-${url.search}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag });
        res.end();
        return;
      }
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const start = Number(url.searchParams.get('cursor')?.slice(1) ?? 0);
      const state = url.searchParams.get('state');
      const cluster = url.searchParams.get('cluster');
      const kept = items.filter((i) => (!cluster || i.cluster === cluster) && (state === 'active' ? ['pending', 'running'].includes(i.state) : state === 'completed' ? !['pending', 'running'].includes(i.state) : true));
      const page = kept.slice(start, start + limit).map((i) => (this.mode === 'malformed' ? { ...i, state: 'exploded' } : i));
      json(res, 200, { items: page, ...(start + limit < kept.length ? { next: `c${start + limit}` } : {}) }, { etag });
    };
    let match: RegExpExecArray | null;
    if (path === '/api/v1/migrations') return list(this.items);
    if (path === '/api/v1/migrations/active') return list(this.items.filter((i) => ['pending', 'running'].includes(i.state)));
    if ((match = /^\/api\/v1\/migrations\/vm\/([^/]+)$/.exec(path))) return list(this.items.filter((i) => i.vm === decodeURIComponent(match![1])));
    if ((match = /^\/api\/v1\/migrations\/datacenter\/([^/]+)$/.exec(path))) return list(this.items.filter((i) => i.datacenter === decodeURIComponent(match![1])));
    if ((match = /^\/api\/v1\/migrations\/([^/]+)$/.exec(path))) {
      const item = this.items.find((i) => i.id === decodeURIComponent(match![1]));
      return item ? json(res, 200, item) : json(res, 404, { error: 'not-found', message: 'No migration with this id.' });
    }
    json(res, 404, { error: 'not-found', message: 'No such endpoint.' });
  }

  private stream(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    res.write('retry: 1000\n\n');
    const last = req.headers['last-event-id'];
    if (typeof last === 'string') for (const e of this.events.filter((e) => e.id > Number(last))) res.write(`id: ${e.id}\nevent: transition\ndata: ${e.data}\n\n`);
    res.write(`id: ${this.events.length}\nevent: ready\ndata: {}\n\n`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
