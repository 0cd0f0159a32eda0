// Follows a history server's GET /api/v1/migrations/watch (Server-Sent Events): each `transition`
// event handed on as it comes, reconnected after a drop with a bounded backoff and the last
// event's id as Last-Event-ID, so the server replays what was missed (or says `reset`: list
// again). A stream silent past three keep-alive intervals is taken for dead and reconnected.

import * as http from 'node:http';
import * as https from 'node:https';
import { Backoff } from '../../base/backoff';
import { Emitter, type Event } from '../../base/event';
import type { Migration, PhaseTransition } from '../../model/migration';
import { readTransitionEvent } from './api-migration-reader';
import type { HistoryServerClient } from './history-server-client';
import { RemoteHistoryError } from './remote-history-error';

export interface TransitionStreamOptions {
  /** Reconnect delays. Default 1 s doubling to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** No byte (a keep-alive comes every 15 s) for this long: reconnect. Default 45 s. */
  idleMs?: number;
}

export interface StreamedTransition {
  migration: Migration;
  transition: PhaseTransition;
}

const MAX_EVENT_BYTES = 1024 * 1024;

export class TransitionStream {
  private readonly transitionEmitter = new Emitter<StreamedTransition>();
  /** Each transition event, once (the server replays after Last-Event-ID, and never twice). */
  readonly onTransition: Event<StreamedTransition> = this.transitionEmitter.event;
  private readonly resetEmitter = new Emitter<void>();
  /** The server could not replay from our last id: what was listed may be stale. */
  readonly onReset: Event<void> = this.resetEmitter.event;
  private readonly connectedEmitter = new Emitter<void>();
  /** The stream is open (the server's `ready` event came). */
  readonly onConnected: Event<void> = this.connectedEmitter.event;
  private readonly failureEmitter = new Emitter<RemoteHistoryError>();
  /** A connection failed or dropped; a reconnect is scheduled. */
  readonly onFailure: Event<RemoteHistoryError> = this.failureEmitter.event;

  private lastId: string | undefined;
  private request?: http.ClientRequest;
  private retryTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly backoff: Backoff;
  private readonly idleMs: number;

  constructor(
    private readonly client: HistoryServerClient,
    options: TransitionStreamOptions = {},
  ) {
    this.backoff = new Backoff(options.backoff ?? { initialMs: 1000, maxMs: 30_000 });
    this.idleMs = options.idleMs ?? 45_000;
  }

  /** The id the next connection resumes from. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  start(): void {
    if (!this.stopped && !this.request && !this.retryTimer) this.connect();
  }

  dispose(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.request?.destroy();
    this.request = undefined;
    this.transitionEmitter.dispose();
    this.resetEmitter.dispose();
    this.connectedEmitter.dispose();
    this.failureEmitter.dispose();
  }

  private connect(): void {
    this.retryTimer = undefined;
    const url = new URL('api/v1/migrations/watch', this.client.base);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.client.token) headers.authorization = `Bearer ${this.client.token}`;
    if (this.lastId) headers['last-event-id'] = this.lastId;
    const lib = url.protocol === 'https:' ? https : http;
    let failed = false;
    const fail = (err: RemoteHistoryError) => {
      if (failed || this.stopped) return;
      failed = true;
      clearTimeout(this.idleTimer);
      request.destroy();
      if (this.request === request) this.request = undefined;
      this.failureEmitter.fire(err);
      this.retryTimer = setTimeout(() => this.connect(), this.backoff.next());
      this.retryTimer.unref?.();
    };
    const armIdle = () => {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => fail(new RemoteHistoryError('timeout', `the history server ${this.client.host} went silent`)), this.idleMs);
      this.idleTimer.unref?.();
    };
    const request = lib.get(url, { headers }, (response) => {
      const status = response.statusCode ?? 0;
      if (status !== 200 || !String(response.headers['content-type'] ?? '').startsWith('text/event-stream')) {
        response.resume();
        const code = status === 401 || status === 403 ? 'unauthorized' : status === 200 ? 'bad-answer' : 'status';
        fail(new RemoteHistoryError(code, `the history server ${this.client.host} answered ${status} to its event stream${code === 'unauthorized' ? ' (the token is missing or not its own)' : ''}`));
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        armIdle();
        buffer += chunk;
        if (buffer.length > MAX_EVENT_BYTES) {
          fail(new RemoteHistoryError('bad-answer', `the history server ${this.client.host} sent an event larger than ${MAX_EVENT_BYTES} bytes`));
          return;
        }
        let end: number;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 4 : 2));
          if (!this.dispatch(block)) {
            fail(new RemoteHistoryError('bad-answer', `the history server ${this.client.host} sent a malformed event`));
            return;
          }
        }
      });
      response.on('error', () => undefined);
      // 'close' also comes when the connection is cut without an end (a server killed, a proxy timing out).
      response.on('close', () => fail(new RemoteHistoryError('unreachable', `the history server ${this.client.host} closed its event stream`)));
    });
    this.request = request;
    armIdle();
    request.on('error', (err: NodeJS.ErrnoException) => fail(new RemoteHistoryError('unreachable', `the history server ${this.client.host} cannot be reached (${err.code ?? err.message})`)));
  }

  /** One event block; false when it is not the API's. */
  private dispatch(block: string): boolean {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id' && !value.includes('\u0000')) id = value;
    }
    if (event === 'transition') {
      let parsed: StreamedTransition;
      try {
        parsed = readTransitionEvent(JSON.parse(data.join('\n')));
      } catch {
        return false;
      }
      if (id !== undefined) this.lastId = id;
      this.transitionEmitter.fire(parsed);
    } else if (event === 'reset') {
      if (id !== undefined) this.lastId = id;
      this.resetEmitter.fire();
    } else if (event === 'ready') {
      if (id !== undefined) this.lastId = id;
      this.backoff.reset();
      this.connectedEmitter.fire();
    } else if (id !== undefined) {
      this.lastId = id;
    }
    return true;
  }
}
