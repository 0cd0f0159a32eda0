// Random requests for the serve fuzz test and its bench: HTTP requests over a keep-alive agent
// (paths, queries, headers, methods, bodies drawn from the API's pieces and from junk) and raw
// bytes written to a socket (malformed request lines, bad encodings, oversized headers). Returns
// what came back, so the caller can assert no 5xx and JSON errors.

import http from 'node:http';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface FuzzResult {
  statuses: Map<number, number>;
  serverErrors: string[];
  badBodies: string[];
  heapAfterGc: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const PIECES = ['api', 'v1', 'migrations', 'active', 'vm', 'datacenter', 'watch', 'openapi.json', 'healthz', 'metrics', 'kv-0%2Fns-0%2Fm1', 'vm-3', 'dc-1', '..', '.', '%2e%2e', '%00', '%0a', '%ff', '%E0%A4%A', '%', '~', '😀', 'a'.repeat(300), 'b'.repeat(3000)];
const KEYS = ['limit', 'cursor', 'state', 'cluster', 'since', 'x', 'limit', '__proto__', 'constructor', ''];
const VALUES = ['1', '0', '-1', '1000', '1001', '99999999999999999999', 'abc', 'active', 'failed', 'all', 'completed', '2026-12-04T10:00:00Z', '2026-13-45T99:99:99Z', 'MTIzLjQ1LmFiY2RlZmdo', '%00', '%0d%0a', 'x'.repeat(500), ''];
const METHODS = ['GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND'];
const HEADERS = ['if-none-match', 'last-event-id', 'authorization', 'content-type', 'accept', 'x-forwarded-for', 'origin', 'range', 'cookie'];
const RAW = [
  'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/v1/migrations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'GET /api/v1/migrations/\u0001 HTTP/1.1\r\nHost: x\r\n\r\n',
  'GARBAGE\r\n\r\n',
  'GET /api/v1/migrations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  `GET /api/v1/migrations HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  'GET /api/v1/migrations?limit=%%% HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET http://evil/api/v1/migrations HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /api/v1/migrations HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)];
}

function randomPath(r: () => number): string {
  const segments = r() < 0.7 ? ['api', 'v1', 'migrations'] : [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) segments.push(pick(r, PIECES));
  let p = `/${segments.join('/')}`;
  if (r() < 0.6) {
    const q = Array.from({ length: 1 + Math.floor(r() * 3) }, () => `${pick(r, KEYS)}=${pick(r, VALUES)}`);
    p += `?${q.join('&')}`;
  }
  return p;
}

function gc(): number {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

function raw(url: URL, bytes: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let head = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (c) => {
      head += c.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', () => resolve(0));
    socket.on('close', () => resolve(0));
    socket.write(bytes);
  });
}

export async function fuzzServer(base: string, count: number, seed: number, concurrency = 16): Promise<FuzzResult> {
  const r = rng(seed);
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const result: FuzzResult = { statuses: new Map(), serverErrors: [], badBodies: [], heapAfterGc: 0 };
  const count1 = (status: number) => result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
  let next = 0;
  const one = async (): Promise<void> => {
    if (r() < 0.04) {
      const status = await raw(url, pick(r, RAW));
      count1(status);
      if (status >= 500) result.serverErrors.push(`raw → ${status}`);
      return;
    }
    const method = pick(r, METHODS);
    // Node's client refuses raw non-ASCII in a path: sent percent-encoded (raw bytes go through RAW).
    const p = randomPath(r).replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
    const headers: Record<string, string> = {};
    for (let i = Math.floor(r() * 3); i > 0; i--) headers[pick(r, HEADERS)] = pick(r, VALUES).replace(/%/g, '');
    const body = method !== 'GET' && method !== 'HEAD' && r() < 0.5 ? pick(r, ['{}', 'x'.repeat(2000), '{"a":', 'null']) : undefined;
    await new Promise<void>((resolve) => {
      const req = http.request({ hostname: url.hostname, port: url.port, path: p, method, headers, agent }, (res) => {
        if (/event-stream/.test(String(res.headers['content-type']))) {
          count1(res.statusCode ?? 0);
          res.destroy();
          return resolve();
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          count1(status);
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 500) result.serverErrors.push(`${method} ${p.slice(0, 120)} → ${status} ${text.slice(0, 200)}`);
          if (status >= 400 && method !== 'HEAD') {
            try {
              const json = JSON.parse(text) as { error?: unknown; message?: unknown };
              if (typeof json.error !== 'string' || typeof json.message !== 'string' || /\bat \S+:\d+/.test(text)) result.badBodies.push(`${method} ${p.slice(0, 120)} → ${text.slice(0, 200)}`);
            } catch {
              result.badBodies.push(`${method} ${p.slice(0, 120)} → ${status} not JSON: ${text.slice(0, 200)}`);
            }
          }
          resolve();
        });
        res.on('error', () => resolve());
      });
      // The SSE endpoint never ends by itself: an answer from it is cut after its headers (above).
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (process.env.FUZZ_DEBUG) console.log('client error', method, p.slice(0, 80), err.code);
        count1(0);
        resolve();
      });
      req.setTimeout(10_000, () => req.destroy());
      req.end(body);
    });
  };
  const workers = Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      await one();
    }
  });
  await Promise.all(workers);
  agent.destroy();
  result.heapAfterGc = gc();
  return result;
}
