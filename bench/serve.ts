// Bench section `serve`: `blixard-migrations serve` from the shipped bundle, in a process of its
// own, over a history of 100,000 migrations (1,000 of them active) while it watches a Blixard dev
// cluster. autocannon drives 32 keep-alive clients at /active, /:id (over 100,000 different ids,
// so nearly every answer is a query in the history's worker, not the answer cache) and
// /vm/:vmName (over 5,000 VMs); an SSE client measures each transition's delay from the time the
// daemon gave it to its arrival; RSS of the server at rest and under load. Then the 10,000-request
// fuzz (test/unit/serve/support/fuzz-requests.ts) against the same server: no 5xx.
//
//   node --import tsx bench/serve.ts [--migrations N] [--seconds S] [--endpoints healthz,active,byId,byVm] [--profile DIR]
//
// --profile DIR: `serve` runs with --cpu-prof into DIR (one .cpuprofile for its main thread, one
// for the history's worker), to see where a request's time goes.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevCluster } from '../companion/blixard-node/dev-cluster';
import { HistoryStore } from '../src/history';
import type { Migration } from '../src/model/migration';
import { CLI, ensureBundle } from '../test/unit/cli/support/cli-bundle';
import { fuzzServer } from '../test/unit/serve/support/fuzz-requests';
import { SseClient } from '../test/unit/serve/support/sse-client';
import type { PhaseTransition } from '../src/model/migration';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
// autocannon ships no types; only what the bench reads is declared.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: object) => Promise<AutocannonResult>;

export interface ServeBenchOptions {
  migrations: number;
  seconds: number;
  sseMigrations: number;
  fuzzRequests: number;
  /** Only these endpoints are loaded (all when absent): to profile one. */
  endpoints?: Endpoint[];
  /** A folder for CPU profiles of `serve` (main thread and history worker). */
  profileDir?: string;
}

interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

export interface ServeBenchFigures {
  migrations: number;
  /** /healthz: no history work — what HTTP, fastify and autocannon cost on this machine. */
  floor: Load;
  active: Load;
  byId: Load;
  byVm: Load;
  sse: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
  rssMb: { atRest: number; underLoad: number };
  fuzz: { requests: number; serverErrors: number; seconds: number };
}

type Endpoint = 'healthz' | 'active' | 'byId' | 'byVm';
const NOT_LOADED: Load = { requestsPerSecond: Number.NaN, p50Ms: Number.NaN, p99Ms: Number.NaN, non2xx: 0, errors: 0 };
const VMS = 5000;

async function seed(db: string, count: number): Promise<string[]> {
  const store = await HistoryStore.open({ path: db });
  const ids: string[] = [];
  const start = Date.now() - count * 1000;
  const batch: Array<{ migration: Migration; transitions: PhaseTransition[] }> = [];
  for (let i = 0; i < count; i++) {
    const id = `kv-${i % 10}/ns-${i % 20}/bench-${i}`;
    ids.push(id);
    const active = i >= count - 1000;
    const createdAt = start + i * 1000;
    batch.push({
      migration: { id, kind: 'kubevirt', cluster: `kv-${i % 10}`, datacenter: `dc-${i % 4}`, namespace: `ns-${i % 20}`, vm: `vm-${i % VMS}`, name: `bench-${i}`, sourceNode: `node${i % 50}`, targetNode: `node${(i + 1) % 50}`, mode: 'live', origin: 'user', phase: active ? 'Running' : 'Succeeded', state: active ? 'running' : 'succeeded', createdAt, ...(active ? {} : { endedAt: createdAt + 4000, durationMs: 4000 }), labels: { team: `t${i % 7}` } },
      transitions: ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', ...(active ? [] : ['Succeeded'])].map((phase, k) => ({ migrationId: id, phase, at: createdAt + k * 500 })),
    });
    if (batch.length === 5000) store.recordMany(batch.splice(0));
  }
  store.recordMany(batch.splice(0));
  await store.close();
  return ids;
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function load(url: string, paths: string[], seconds: number, sample: () => void): Promise<Load> {
  let n = 0;
  const timer = setInterval(sample, 500);
  const result = await autocannon({
    url,
    connections: 32,
    pipelining: 1,
    duration: seconds,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[n++ % paths.length] }) }],
  });
  clearInterval(timer);
  return { requestsPerSecond: Math.round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export async function runServeBench(options: ServeBenchOptions): Promise<ServeBenchFigures> {
  ensureBundle();
  const dir = mkdtempSync(path.join(tmpdir(), 'blixard-serve-bench-'));
  const blixard = await startDevCluster({ nodes: 2, basePort: 0, vms: 2, runtime: { bootMs: 20, stopMs: 20, bandwidthMbps: 80_000, dirtyRateMbps: 10, progressIntervalMs: 1000 }, log: () => {} });
  const db = path.join(dir, 'history.db');
  const ids = await seed(db, options.migrations);
  const child = spawn(process.execPath, [...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []), CLI, 'serve', '--db', db, '--listen', '127.0.0.1:0', '--rate-limit', '0', '--blixard', `dev=${blixard.endpoints.join(',')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  try {
    const deadline = Date.now() + 120_000;
    let url: string | undefined;
    while (!(url = /serving (http:\/\/[\d.]+:\d+)/.exec(stderr)?.[1]) || !/ {2}connected to /.test(stderr)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const atRest = rssMb(child.pid!);
    let peak = atRest;
    const sample = () => (peak = Math.max(peak, rssMb(child.pid!)));

    const loaded = (endpoint: Endpoint, paths: () => string[]) => (!options.endpoints || options.endpoints.includes(endpoint) ? load(url, paths(), options.seconds, sample) : Promise.resolve(NOT_LOADED));
    const floor = await loaded('healthz', () => ['/healthz']);
    const active = await loaded('active', () => ['/api/v1/migrations/active']);
    const byId = await loaded('byId', () => ids.map((id) => `/api/v1/migrations/${encodeURIComponent(id)}`));
    const byVm = await loaded('byVm', () => Array.from({ length: VMS }, (_, i) => `/api/v1/migrations/vm/vm-${i}`));

    // SSE: each transition's delay from the daemon's time for it to its arrival here.
    const sse = new SseClient(`${url}/api/v1/migrations/watch`);
    await sse.connect();
    const arrivals: number[] = [];
    const seen = sse.events;
    let read = 0;
    const poll = setInterval(() => {
      for (; read < seen.length; read++) if (seen[read].event === 'transition') arrivals.push(Date.now() - Date.parse((JSON.parse(seen[read].data) as { transition: { at: string } }).transition.at));
    }, 1);
    for (let i = 0; i < options.sseMigrations; i++) await blixard.nodes[0].operations.migrateVm({ vmName: 'vm-1', targetNodeId: (i % 2) + 1, live: true, force: false }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(poll);
    sse.cut();
    const delays = arrivals.sort((a, b) => a - b);

    const fuzzStarted = Date.now();
    const fuzz = await fuzzServer(url, options.fuzzRequests, 7);
    return {
      migrations: options.migrations,
      floor,
      active,
      byId,
      byVm,
      sse: { samples: delays.length, p50Ms: quantile(delays, 0.5), p99Ms: quantile(delays, 0.99), maxMs: delays.at(-1) ?? Number.NaN },
      rssMb: { atRest, underLoad: peak },
      fuzz: { requests: options.fuzzRequests, serverErrors: fuzz.serverErrors.length, seconds: Math.round((Date.now() - fuzzStarted) / 100) / 10 },
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await blixard.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows of bench/run.ts's table. */
export function serveRows(f: ServeBenchFigures): Array<{ figure: string; value: string; conditions: string }> {
  const ms = (n: number) => `${Math.round(n * 100) / 100} ms`;
  const row = (what: string, l: Load) => ({ figure: `${what}: req/s, p50/p99`, value: `${l.requestsPerSecond.toLocaleString('en-US')} req/s · p50 ${ms(l.p50Ms)} · p99 ${ms(l.p99Ms)}`, conditions: `32 keep-alive clients, ${f.migrations.toLocaleString('en-US')} migrations; non-2xx ${l.non2xx}, errors ${l.errors}` });
  return [
    row('GET /healthz (the floor: no history work)', f.floor),
    row('GET /active (1,000 active)', f.active),
    row('GET /:id (100,000 ids)', f.byId),
    row('GET /vm/:vmName (5,000 VMs)', f.byVm),
    { figure: 'SSE transition → client', value: `p50 ${ms(f.sse.p50Ms)} · p99 ${ms(f.sse.p99Ms)}`, conditions: `${f.sse.samples} transitions of a Blixard dev cluster, from the daemon's time; max ${ms(f.sse.maxMs)}` },
    { figure: 'RSS of serve', value: `${f.rssMb.atRest} MB at rest · ${f.rssMb.underLoad} MB under load`, conditions: `${f.migrations.toLocaleString('en-US')} migrations in the history (its worker included)` },
    { figure: 'fuzz', value: `${f.fuzz.requests.toLocaleString('en-US')} requests, ${f.fuzz.serverErrors} 5xx`, conditions: `${f.fuzz.seconds} s` },
  ];
}

if (require.main === module) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const profileAt = process.argv.indexOf('--profile');
  const endpointsAt = process.argv.indexOf('--endpoints');
  runServeBench({ migrations: arg('migrations', 100_000), seconds: arg('seconds', 10), sseMigrations: arg('sse-migrations', 40), fuzzRequests: arg('fuzz', 10_000), ...(profileAt > 0 ? { profileDir: path.resolve(process.argv[profileAt + 1]) } : {}), ...(endpointsAt > 0 ? { endpoints: process.argv[endpointsAt + 1].split(',') as Endpoint[] } : {}) }).then(
    (f) => {
      console.log(JSON.stringify(f, null, 2));
      for (const r of serveRows(f)) console.log(`${r.figure.padEnd(36)}  ${r.value.padEnd(50)}  ${r.conditions}`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
