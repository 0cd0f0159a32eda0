// Issue 16: what the history panel's charts cost to aggregate in SQL (history-charts.ts) at
// 100,000 migrations (and more with --migrations): the per-day outcomes, the per-cluster and
// per-cluster-and-day p50/p95 (window functions) and the flows, all four in one charts() call as
// the panel asks, in the store's own thread and through the worker (the extension's path), under
// the panel's filters: everything, completed, a plan, a text, the last 30 days. Median and max of
// --runs calls each, after one warm-up call.
//
//   node --import tsx bench/history-charts.ts [--migrations 100000] [--runs 9] [--json]

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../src/history/history-store';
import { HistoryWorkerClient } from '../src/history/worker/history-worker-client';
import type { ChartQuery } from '../src/history/database/history-charts';
import type { Migration, MigrationState } from '../src/model/migration';

export interface ChartFigure {
  query: string;
  medianMs: number;
  maxMs: number;
  days: number;
  flows: number;
}

export interface HistoryChartsFigures {
  migrations: number;
  seedMs: number;
  inProcess: ChartFigure[];
  worker: ChartFigure[];
}

const DAY = 86_400_000;
const T_END = Date.UTC(2026, 11, 1);
const STATES: MigrationState[] = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'succeeded', 'running'];

/** Migration i of a varied history: 10 clusters of 12 nodes, 2,000 VMs, spread over a year, durations from seconds to minutes, one in 7 from a plan. */
function chartRecord(i: number, total: number): Migration {
  const cluster = `c${i % 10}`;
  const state = STATES[(i * 7 + (i >> 5)) % STATES.length];
  const createdAt = T_END - Math.floor(((total - i) / total) * 365 * DAY);
  const final = state !== 'running';
  const durationMs = 2000 + ((i * 7919) % 240_000);
  return {
    id: `${cluster}/default/m${i}`, kind: 'kubevirt', cluster, namespace: 'default', vm: `vm-${i % 2000}`, name: `m${i}`,
    sourceNode: `${cluster}-node-${i % 12}`, targetNode: `${cluster}-node-${(i * 5 + 1) % 12}`, mode: 'PreCopy', origin: 'user', phase: state, state,
    createdAt, startedAt: createdAt, ...(final ? { endedAt: createdAt + durationMs, durationMs } : {}), labels: {}, ...(i % 7 === 0 ? { planId: `drain-${i % 13}` } : {}),
  };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const QUERIES: Array<[string, ChartQuery]> = [
  ['everything', {}],
  ['completed', { filter: 'completed' }],
  ['a plan', { planId: 'drain-3' }],
  ['a text ("node-3")', { text: 'node-3' }],
  ['the last 30 days', { since: T_END - 30 * DAY }],
];

async function time(charts: (q: ChartQuery) => unknown, runs: number): Promise<ChartFigure[]> {
  const out: ChartFigure[] = [];
  for (const [name, query] of QUERIES) {
    const q = { ...query, utcOffsetMinutes: 60 };
    const first = (await charts(q)) as { days: unknown[]; flows: unknown[] };
    const samples: number[] = [];
    for (let r = 0; r < runs; r++) {
      const started = process.hrtime.bigint();
      await charts(q);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    samples.sort((a, b) => a - b);
    out.push({ query: name, medianMs: round(samples[samples.length >> 1]), maxMs: round(samples[samples.length - 1]), days: first.days.length, flows: first.flows.length });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

export async function runHistoryChartsBench(options: { migrations?: number; runs?: number } = {}): Promise<HistoryChartsFigures> {
  const migrations = options.migrations ?? 100_000;
  const runs = options.runs ?? 9;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-history-charts-'));
  try {
    const file = path.join(dir, 'history.db');
    const seedStarted = Date.now();
    let store = await HistoryStore.open({ path: file });
    for (let i = 0; i < migrations; i += 5000) {
      store.recordMany(Array.from({ length: Math.min(5000, migrations - i) }, (_, k) => ({ migration: chartRecord(i + k, migrations), transitions: [] })));
      await store.flush();
    }
    await store.close();
    const seedMs = Date.now() - seedStarted;
    store = await HistoryStore.open({ path: file });
    const inProcess = await time((q) => store.charts(q), runs);
    await store.close();
    const client = await HistoryWorkerClient.open({ path: file });
    const worker = await time((q) => client.charts(q), runs);
    await client.close();
    return { migrations, seedMs, inProcess, worker };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runHistoryChartsBench({ migrations: Number(option('--migrations') ?? 100_000), runs: Number(option('--runs') ?? 9) }).then(
    (f) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(f));
      else {
        console.log(`${f.migrations.toLocaleString('en-US')} migrations (seeded in ${f.seedMs} ms)`);
        for (const [where, list] of [['in the store\'s thread', f.inProcess], ['through the worker', f.worker]] as const) {
          for (const r of list) console.log(`  charts(), ${r.query}, ${where}: median ${r.medianMs} ms, max ${r.maxMs} ms (${r.days} days, ${r.flows} flows)`);
        }
      }
      process.exit(0);
    },
    (e: Error) => {
      console.error(e.stack ?? e.message);
      process.exit(1);
    },
  );
}
