// `blixard-migrations serve`'s HTTP side: fastify routes over the history (every query in the
// history's worker thread) and the transition feed. Every request passes, in order: the rate
// limit (429), the method (405: GET and HEAD only), the bearer token (401; /healthz is open),
// then the handler's parameter checks (400). Every error is `{error, message}`; an unexpected
// one is logged (scrubbed) and answered "internal" without its text. CORS is off: no
// Access-Control-* header is ever sent, so browsers keep other origins out.

import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../base/logger';
import { describeError } from '../model/errors';
import type { EntryPageQuery, HistoryAccess } from '../history';
import { HistoryError } from '../history/history-error';
import { ApiError, wordForStatus } from './api-error';
import type { BearerToken } from './bearer-token';
import { streamTransitions } from './event-stream';
import { toApiMigration } from './migration-json';
import { OPENAPI_DOCUMENT } from './openapi-document';
import { RateLimiter, type RateLimit } from './rate-limiter';
import { checkPathName, checkQueryKeys, encodeCursor, MAX_ID_LENGTH, parseListQuery, type RawQuery } from './request-parameters';
import { matchesEtag, ResponseCache, type CachedAnswer } from './response-cache';
import { ServerMetrics, type ClusterStreamState } from './server-metrics';
import type { TransitionFeed } from './transition-feed';

/** What the server reads of the history; `isClosed` (HistoryStore, the worker client) turns every data answer into 503 at once. */
export type ServedHistory = Pick<HistoryAccess, 'entryPage' | 'byId' | 'onDidChange'> & { readonly isClosed?: boolean };

export interface ServeState {
  /** False with --read-only: the server only serves an existing history. */
  readonly watching: boolean;
  clusters(): ClusterStreamState[];
  history(): { open: boolean; writable: boolean; role?: 'writer' | 'follower' | 'read-only' };
}

export interface MigrationServerOptions {
  history: ServedHistory;
  feed: TransitionFeed;
  state: ServeState;
  token?: BearerToken;
  tls?: { certFile: string; keyFile: string };
  rateLimit?: RateLimit;
  log: Pick<Logger, 'warn' | 'error'>;
  /** SSE keep-alive comment interval. Default 15 s. */
  keepAliveMs?: number;
}

const BODY_LIMIT = 1024;
const SSE_BUFFER_LIMIT = 4 * 1024 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';
const OPEN_ROUTES = new Set(['/healthz']);
export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 50, burst: 200 };

export class MigrationServer {
  private sseClients = 0;
  readonly metrics: ServerMetrics;

  private constructor(
    private readonly app: FastifyInstance,
    readonly url: string,
    metrics: ServerMetrics,
    private readonly cache: ResponseCache,
  ) {
    this.metrics = metrics;
  }

  /** Builds the routes and listens; rejects (the port taken, a TLS file unreadable) with a message that names the cause. */
  static async start(options: MigrationServerOptions, address: { host: string; port: number }): Promise<MigrationServer> {
    const tls = options.tls ? { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } : undefined;
    let server: MigrationServer | undefined;
    // Set once a query found the history closed or broken (the worker gave up): from then on 503 at once.
    let historyGone = false;
    const historyState = () => {
      const h = options.state.history();
      return historyGone || options.history.isClosed ? { ...h, open: false, writable: false } : h;
    };
    const metrics = new ServerMetrics({ clusters: () => options.state.clusters(), historyOpen: () => historyState().open, sseClients: () => server?.sseClients ?? 0 });
    const app = (Fastify as unknown as (opts: object) => FastifyInstance)({
      logger: false,
      bodyLimit: BODY_LIMIT,
      routerOptions: { maxParamLength: 2048, caseSensitive: true },
      return503OnClosing: true,
      forceCloseConnections: true,
      keepAliveTimeout: 65_000,
      requestTimeout: 30_000,
      ...(tls ? { https: tls } : {}),
      // A request Node cannot parse (a bad request line, a header too large, a body after an early answer): the same JSON body as every other error.
      clientErrorHandler: (err: NodeJS.ErrnoException, socket: import('node:net').Socket) => {
        if (!socket.writable) return void socket.destroy();
        const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
        const body = new ApiError('bad-request', status === 431 ? 'The request headers are too large.' : 'The request is malformed.').body();
        socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      },
      frameworkErrors: (error: Error & { statusCode?: number }, _request: FastifyRequest, reply: FastifyReply) => {
        const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 400;
        void reply.code(status).type(JSON_TYPE).send(new ApiError(wordForStatus(status), 'The request URL is malformed.').body());
      },
    });
    const cache = new ResponseCache(options.history.onDidChange);
    const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    options.feed.onEvent((e) => metrics.transition(e.cluster));

    app.addHook('onRequest', async (request, reply) => {
      (request as { startedAt?: number }).startedAt = performance.now();
      void reply.header('x-content-type-options', 'nosniff').header('cache-control', 'no-store');
      const wait = limiter.take(request.ip);
      if (wait > 0) throw new ApiError('too-many-requests', `Too many requests; try again in ${wait} s.`, { 'retry-after': String(wait) });
      const route = request.routeOptions.url;
      if (route !== undefined && request.method !== 'GET' && request.method !== 'HEAD') throw new ApiError('method-not-allowed', `${route} answers GET (and HEAD) only.`, { allow: 'GET, HEAD' });
      if (options.token && !(route !== undefined && OPEN_ROUTES.has(route)) && !options.token.accepts(request.headers.authorization)) {
        throw new ApiError('unauthorized', 'A bearer token is required: Authorization: Bearer <the token of --token-file>.', { 'www-authenticate': 'Bearer realm="blixard-migrations"' });
      }
    });
    app.addHook('onResponse', async (request, reply) => {
      const started = (request as { startedAt?: number }).startedAt ?? performance.now();
      metrics.request(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, (performance.now() - started) / 1000);
    });
    app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
      const e = toApiError(err);
      if (e.word === 'internal') options.log.error(`serve: ${request.method} ${request.routeOptions.url ?? 'unmatched'} failed: ${describeError(err)}`);
      void reply.code(e.status).headers(e.headers).type(JSON_TYPE).send(e.body());
    });
    app.setNotFoundHandler(async (request) => {
      if (options.token && !options.token.accepts(request.headers.authorization)) throw new ApiError('unauthorized', 'A bearer token is required.', { 'www-authenticate': 'Bearer realm="blixard-migrations"' });
      throw new ApiError('not-found', 'No such endpoint (see /api/v1/openapi.json).');
    });

    const requireHistory = () => {
      if (!historyState().open) throw new ApiError('unavailable', 'The migration history is closed.');
    };
    const answer = async (request: FastifyRequest, reply: FastifyReply, produce: () => Promise<unknown>) => {
      requireHistory();
      let got: CachedAnswer;
      try {
        got = await cache.get(request.url, produce);
      } catch (err) {
        const e = toApiError(err as Error);
        if (e.word === 'unavailable') historyGone = true;
        throw e;
      }
      void reply.header('etag', got.etag);
      if (matchesEtag(request.headers['if-none-match'], got.etag)) return reply.code(304).send();
      return reply.type(JSON_TYPE).send(got.body);
    };
    // Other methods on the API's paths are routed too, so the onRequest hook answers 405 (before any body is read), not 404.
    const refuseOtherMethods = (url: string) => app.route({ method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url, handler: async () => undefined });
    const list = (url: string, fixed: (params: Record<string, string>) => EntryPageQuery, withState: boolean) =>
      app.get(url, async (request, reply) => {
        const { query, fingerprint } = parseListQuery(url, request.query as RawQuery, fixed(request.params as Record<string, string>), withState);
        return answer(request, reply, async () => {
          const page = await options.history.entryPage(query);
          return { items: page.entries.map((e) => toApiMigration(e.migration, e.transitions)), ...(page.next ? { next: encodeCursor(page.next, fingerprint) } : {}) };
        });
      });

    list('/api/v1/migrations', () => ({}), true);
    list('/api/v1/migrations/active', () => ({ state: 'active' }), false);
    list('/api/v1/migrations/datacenter/:dcId', (p) => ({ datacenter: checkPathName('dcId', p.dcId) }), true);
    list('/api/v1/migrations/vm/:vmName', (p) => ({ vm: checkPathName('vmName', p.vmName) }), true);
    app.get('/api/v1/migrations/:id', async (request, reply) => {
      checkQueryKeys(request.query as RawQuery, []);
      const id = checkPathName('id', (request.params as Record<string, string>).id, MAX_ID_LENGTH);
      return answer(request, reply, async () => {
        const entry = await options.history.byId(id);
        if (!entry) throw new ApiError('not-found', 'No migration with this id.');
        return toApiMigration(entry.migration, entry.transitions);
      });
    });
    app.get('/api/v1/migrations/watch', (request, reply) => {
      checkQueryKeys(request.query as RawQuery, ['cluster']);
      const raw = request.query as RawQuery;
      const cluster = raw.cluster === undefined ? undefined : checkPathName('cluster', Array.isArray(raw.cluster) ? undefined : raw.cluster);
      const lastEventId = request.headers['last-event-id'];
      if (lastEventId !== undefined) checkPathName('Last-Event-ID', lastEventId, 64);
      requireHistory();
      reply.hijack();
      server!.sseClients++;
      metrics.request('/api/v1/migrations/watch', request.method, 200, 0);
      streamTransitions(reply.raw, {
        feed: options.feed,
        cluster,
        lastEventId: lastEventId as string | undefined,
        keepAliveMs: options.keepAliveMs ?? 15_000,
        maxBufferedBytes: SSE_BUFFER_LIMIT,
        onClose: () => server!.sseClients--,
      });
    });
    for (const url of ['/api/v1/migrations', '/api/v1/migrations/active', '/api/v1/migrations/datacenter/:dcId', '/api/v1/migrations/vm/:vmName', '/api/v1/migrations/:id', '/api/v1/migrations/watch', '/api/v1/openapi.json', '/healthz', '/metrics']) refuseOtherMethods(url);
    const openapi = JSON.stringify(OPENAPI_DOCUMENT);
    app.get('/api/v1/openapi.json', async (request, reply) => {
      checkQueryKeys(request.query as RawQuery, []);
      return reply.type(JSON_TYPE).send(openapi);
    });
    app.get('/healthz', async (request, reply) => {
      checkQueryKeys(request.query as RawQuery, []);
      const history = historyState();
      const clusters = options.state.clusters();
      const status = !history.open ? 'unavailable' : clusters.some((c) => c.state !== 'connected') ? 'degraded' : 'ok';
      return reply.code(history.open ? 200 : 503).type(JSON_TYPE).send(JSON.stringify({ status, watching: options.state.watching, history, clusters }));
    });
    app.get('/metrics', async (request, reply) => {
      checkQueryKeys(request.query as RawQuery, []);
      return reply.type(metrics.contentType).send(await metrics.text());
    });

    const listening = await app.listen({ host: address.host, port: address.port });
    const bound = app.server.address();
    const port = typeof bound === 'object' && bound ? bound.port : address.port;
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    server = new MigrationServer(app, `${tls ? 'https' : 'http'}://${host}:${port}`, metrics, cache);
    void listening;
    return server;
  }

  get clientsFollowing(): number {
    return this.sseClients;
  }

  /** Stops listening and closes every connection (SSE clients included); they reconnect to the next server with their Last-Event-ID. */
  async close(): Promise<void> {
    this.cache.dispose();
    await this.app.close();
  }
}

function toApiError(err: Error & { statusCode?: number; code?: string }): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HistoryError) {
    if (err.code === 'invalid-argument') return new ApiError('bad-request', err.message);
    if (err.code === 'closed' || err.code === 'io') return new ApiError('unavailable', 'The migration history is closed or unavailable.');
  }
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new ApiError('payload-too-large', `The request body is larger than ${BODY_LIMIT} bytes.`);
    return new ApiError(wordForStatus(status), status === 415 ? 'This API takes no request body.' : 'The request is malformed.');
  }
  return new ApiError('internal', 'Something went wrong inside the server; its log says what.');
}
