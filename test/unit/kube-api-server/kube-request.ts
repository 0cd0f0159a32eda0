// Plain HTTP(S) requests against the local API server, and a watch reader that records
// each JSON line, for protocol tests that should not depend on any Kubernetes client.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeApiServer } from '../../support/kube-api-server';

export interface KubeResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface RequestOptions {
  body?: unknown;
  /** undefined: the admin token; null: no Authorization header. */
  token?: string | null;
  accept?: string;
  contentType?: string;
  timeoutMs?: number;
}

function send(server: KubeApiServer, method: string, path: string, options: RequestOptions, onResponse: (res: IncomingMessage) => void, onError: (e: Error) => void) {
  const url = new URL(path, server.url);
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? server.token : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.accept) headers.Accept = options.accept;
  let payload: string | undefined;
  if (options.body !== undefined) {
    payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  const common = { method, headers, timeout: options.timeoutMs ?? 10_000 };
  const req = url.protocol === 'https:'
    ? httpsRequest(url, { ...common, ca: server.caPem }, onResponse)
    : httpRequest(url, common, onResponse);
  req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
  req.on('error', onError);
  req.end(payload);
  return req;
}

export function kubeRequest(server: KubeApiServer, method: string, path: string, options: RequestOptions = {}): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    send(server, method, path, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    }, reject);
  });
}

export interface WatchEvent {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
  receivedAtMs: number;
}

export interface WatchReader {
  readonly events: WatchEvent[];
  /** Every raw line received, to check the one-JSON-object-per-line framing. */
  readonly lines: string[];
  status(): Promise<number>;
  /** Resolves when the server ends the stream (true) or the connection breaks (false). */
  readonly ended: Promise<boolean>;
  waitFor(predicate: (events: WatchEvent[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): void;
}

export function openWatch(server: KubeApiServer, path: string, options: RequestOptions = {}): WatchReader {
  const events: WatchEvent[] = [];
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let resolveStatus!: (n: number) => void;
  const statusPromise = new Promise<number>((r) => { resolveStatus = r; });
  let resolveEnded!: (ok: boolean) => void;
  const ended = new Promise<boolean>((r) => { resolveEnded = r; });
  const notify = () => { for (const w of [...waiters]) w(); };
  const req = send(server, 'GET', path, { ...options, timeoutMs: 0 }, (res) => {
    resolveStatus(res.statusCode ?? 0);
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (!line.trim()) continue;
        lines.push(line);
        try {
          const parsed = JSON.parse(line);
          events.push({ type: parsed.type, object: parsed.object, receivedAtMs: Date.now() });
        } catch {
          events.push({ type: 'UNPARSEABLE', object: line, receivedAtMs: Date.now() });
        }
      }
      notify();
    });
    res.on('end', () => { resolveEnded(true); notify(); });
    res.on('aborted', () => { resolveEnded(false); notify(); });
    res.on('error', () => { resolveEnded(false); notify(); });
  }, () => { resolveStatus(0); resolveEnded(false); notify(); });
  req.setTimeout(0);
  return {
    events,
    lines,
    status: () => statusPromise,
    ended,
    waitFor(predicate, timeoutMs = 10_000, what = 'watch condition') {
      if (predicate(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out waiting for ${what}; got ${events.map((e) => `${e.type}:${e.object?.metadata?.name ?? ''}:${e.object?.status?.phase ?? ''}`).join(', ')}`)); }, timeoutMs);
        const check = () => { if (predicate(events)) { clearTimeout(timer); waiters.delete(check); resolve(); } };
        waiters.add(check);
      });
    },
    close() { req.destroy(); },
  };
}
