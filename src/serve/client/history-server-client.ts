// The HTTP side of the team history: GET requests to a `blixard-migrations serve`, each with a
// deadline, the bearer token, and the ETag of the last answer to the same URL (a 304 hands back
// what was read then), over Node's http/https. Answers are read through api-migration-reader.ts;
// lists are walked by their `next` cursor up to the number of migrations asked for.

import * as http from 'node:http';
import * as https from 'node:https';
import { flattenControlCharacters } from '../../base/text';
import type { HistoryEntry } from '../../history';
import { readApiMigration, readMigrationList } from './api-migration-reader';
import { RemoteHistoryError } from './remote-history-error';

export interface HistoryServerClientOptions {
  /** The server's base URL (http or https), as the setting holds it. */
  url: string;
  /** The bearer token (from SecretStorage); undefined sends none. */
  token?: string;
  /** Every request's deadline. Default 5 s. */
  timeoutMs?: number;
  /** Answers larger than this are refused (bad-answer). Default 64 MiB. */
  maxBodyBytes?: number;
}

export interface ListOptions {
  state?: 'all' | 'active' | 'completed' | 'failed';
  cluster?: string;
  /** Walk pages until this many migrations (default 100). */
  limit?: number;
}

const PAGE_LIMIT = 1000;
const CACHED_URLS = 128;

/** The setting's URL, checked: http(s) only, no credentials in it, no query or fragment. */
export function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new RemoteHistoryError('bad-url', 'blixard.history.server is not a URL (expected e.g. https://history.example.com:8080)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RemoteHistoryError('bad-url', 'blixard.history.server must be an http:// or https:// URL');
  if (url.username || url.password) throw new RemoteHistoryError('bad-url', 'blixard.history.server must not hold credentials; set the token with "Blixard: Set History Server Token"');
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

export class HistoryServerClient {
  readonly base: URL;
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  /** The last 200 answer per URL, with its ETag, for If-None-Match. */
  private readonly answers = new Map<string, { etag: string; value: unknown }>();
  private readonly agent: http.Agent;

  constructor(private readonly options: HistoryServerClientOptions) {
    this.base = parseServerUrl(options.url);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 4 }) : new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  /** host[:port] as shown in the view. */
  get host(): string {
    return this.base.host;
  }

  get token(): string | undefined {
    return this.options.token;
  }

  /** A list endpoint (`migrations`, `migrations/active`, `migrations/vm/<name>`…) walked to `limit` migrations. */
  async list(endpoint: string, options: ListOptions = {}): Promise<HistoryEntry[]> {
    const wanted = Math.max(1, options.limit ?? 100);
    const entries: HistoryEntry[] = [];
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(Math.min(PAGE_LIMIT, wanted - entries.length)) });
      if (options.state && options.state !== 'all') query.set('state', options.state);
      if (options.cluster) query.set('cluster', options.cluster);
      if (cursor) query.set('cursor', cursor);
      const page = readMigrationList(await this.getJson(`api/v1/${endpoint}?${query}`));
      entries.push(...page.entries);
      cursor = page.next;
    } while (cursor && entries.length < wanted);
    return entries.slice(0, wanted);
  }

  /** One migration by id; undefined on 404. */
  async byId(id: string): Promise<HistoryEntry | undefined> {
    const value = await this.getJson(`api/v1/migrations/${encodeURIComponent(id)}`, true);
    return value === undefined ? undefined : readApiMigration(value, true);
  }

  /** GET `path` (relative to the base URL) as JSON; `notFoundIsEmpty` answers undefined for a 404. */
  getJson(path: string, notFoundIsEmpty = false): Promise<unknown> {
    const url = new URL(path, this.base);
    const key = url.toString();
    const cached = this.answers.get(key);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (cached) headers['if-none-match'] = cached.etag;
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<unknown>((resolve, reject) => {
      const fail = (err: RemoteHistoryError) => {
        clearTimeout(deadline);
        request.destroy();
        reject(err);
      };
      // The whole exchange, not only the wait for headers, is bounded: a server that trickles its body is as dead as a silent one.
      const deadline = setTimeout(() => fail(new RemoteHistoryError('timeout', `the history server ${this.host} did not answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      deadline.unref?.();
      const request = lib.get(url, { headers, agent: this.agent }, (response) => {
        const status = response.statusCode ?? 0;
        if (status === 304 && cached) {
          response.resume();
          clearTimeout(deadline);
          resolve(cached.value);
          return;
        }
        if (status === 404 && notFoundIsEmpty) {
          response.resume();
          clearTimeout(deadline);
          resolve(undefined);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBodyBytes) fail(new RemoteHistoryError('bad-answer', `the history server ${this.host} sent an answer larger than ${this.maxBodyBytes} bytes`));
          else chunks.push(chunk);
        });
        // Cut mid-answer (the server killed, a proxy's timeout): said as such, not left to the deadline.
        response.on('error', () => fail(new RemoteHistoryError('unreachable', `the history server ${this.host} closed the connection mid-answer`)));
        response.on('end', () => {
          clearTimeout(deadline);
          const body = Buffer.concat(chunks).toString('utf8');
          if (status === 401 || status === 403) {
            reject(new RemoteHistoryError('unauthorized', `the history server ${this.host} refused the token (${status}${this.options.token ? '' : '; no token is set: run "Blixard: Set History Server Token"'})`));
            return;
          }
          if (status !== 200) {
            reject(new RemoteHistoryError('status', `the history server ${this.host} answered ${status}${errorMessageOf(body)}`));
            return;
          }
          let value: unknown;
          try {
            value = JSON.parse(body);
          } catch {
            reject(new RemoteHistoryError('bad-answer', `the history server ${this.host} answered something that is not JSON`));
            return;
          }
          const etag = response.headers.etag;
          if (typeof etag === 'string' && etag.length <= 200) this.remember(key, etag, value);
          resolve(value);
        });
      });
      request.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        reject(err instanceof RemoteHistoryError ? err : new RemoteHistoryError('unreachable', `the history server ${this.host} cannot be reached (${err.code ?? err.message})`));
      });
    });
  }

  dispose(): void {
    this.agent.destroy();
    this.answers.clear();
  }

  private remember(key: string, etag: string, value: unknown): void {
    this.answers.delete(key);
    this.answers.set(key, { etag, value });
    if (this.answers.size > CACHED_URLS) this.answers.delete(this.answers.keys().next().value as string);
  }
}

/** The API's `{error, message}` as ": message", bounded; nothing for another body. */
function errorMessageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return `: ${flattenControlCharacters(parsed.message.slice(0, 200))}`;
  } catch {
    // not the API's error body
  }
  return '';
}
