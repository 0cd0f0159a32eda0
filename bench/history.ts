// Figures for the durable history: ingest throughput with the journal's durability on, query
// latency for each seed query on 100,000 migrations / 1,000,000 transitions, and the time and
// memory to load and to snapshot that database.
//   node --import tsx bench/history.ts [--migrations N] [--ingest N] [--json]
// Loading, querying and snapshotting run in a fresh child process so its memory figures are not
// blurred by the build of the test database.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { HistoryStore } from '../src/history/history-store';
import { HistoryDatabase } from '../src/history/database/history-database';
import { loadSqlJs } from '../src/history/database/sqljs-loader';
import { historyPaths } from '../src/history/journal/journal-files';
import { writeSnapshot } from '../src/history/snapshots/snapshot-files';
import { ensurePrivateDir } from '../src/history/durable-file';
import type { Migration, MigrationState } from '../src/model/migration';

export interface LatencyFigure {
  p50Ms: number;
  p99Ms: number;
  runs: number;
  rows: number;
}

export interface MemoryFigure {
  ms: number;
  rssDeltaMb: number;
  heapDeltaMb: number;
  externalDeltaMb: number;
}

export interface HistoryBenchFigures {
  ingest: {
    records: number;
    transitionsPerSec: number;
    /** The same, waiting for flush() every 100 records (each batch acknowledged before the next). */
    acknowledgedTransitionsPerSec: number;
    flushLatencyP50Ms: number;
    flushLatencyP99Ms: number;
    snapshotsDuringIngest: number;
  };
  database: { migrations: number; transitions: number; fileMb: number; buildMs: number; replayRecordsPerSec: number };
  /** ms: the first load in a fresh process (as when the extension starts its watcher). */
  load: MemoryFigure & { warmReloadMs: number; withoutQuickCheckMs: number };
  snapshot: MemoryFigure & { eventLoopBlockedMaxMs: number };
  queries: Record<string, LatencyFigure>;
}

const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'WaitingForSync', 'Synchronizing', 'Finalizing'];
const CLUSTERS = Array.from({ length: 10 }, (_, i) => `cluster-${i}`);
const DATACENTERS = ['dc-north', 'dc-south', 'dc-east', 'dc-west', 'dc-central'];

/** A deterministic pseudo-random source, so every run measures the same database. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticMigration(i: number, random: () => number, vms: number): { migration: Migration; phases: Array<[string, number]> } {
  const cluster = CLUSTERS[i % CLUSTERS.length];
  const roll = random();
  const state: MigrationState = roll < 0.01 ? 'running' : roll < 0.91 ? 'succeeded' : roll < 0.98 ? 'failed' : 'cancelled';
  const createdAt = 1_700_000_000_000 + i * 30_000;
  const durationMs = Math.round(5_000 + random() * random() * 600_000);
  const vm = `vm-${Math.floor(random() * vms)}`;
  const finalPhase = state === 'succeeded' ? 'Succeeded' : state === 'running' ? undefined : 'Failed';
  const phaseNames = finalPhase ? [...PHASES, finalPhase] : [...PHASES, 'Running2'];
  const phases = phaseNames.map((p, k) => [p, createdAt + Math.round((durationMs * k) / phaseNames.length)] as [string, number]);
  const migration: Migration = {
    id: `${cluster}/default/mig-${i}`,
    kind: i % 3 === 0 ? 'blixard' : 'kubevirt',
    cluster,
    datacenter: DATACENTERS[i % DATACENTERS.length],
    namespace: 'default',
    vm,
    name: `mig-${i}`,
    sourceNode: `node-${Math.floor(random() * 50)}`,
    targetNode: `node-${Math.floor(random() * 50)}`,
    mode: 'PreCopy',
    origin: random() < 0.8 ? 'user' : 'evacuation',
    phase: phaseNames[phaseNames.length - 1],
    state,
    createdAt,
    startedAt: createdAt + 100,
    labels: { app: `app-${i % 40}` },
  };
  if (state !== 'running') {
    migration.endedAt = createdAt + durationMs;
    migration.durationMs = durationMs;
  }
  if (state === 'failed') migration.failureReason = 'target node ran out of memory';
  return { migration, phases };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / (1 << 20), 1);

async function benchIngest(dir: string, records: number): Promise<HistoryBenchFigures['ingest']> {
  const measure = async (label: string, acknowledgeEvery: number | undefined, count = records) => {
    const store = await HistoryStore.open({ path: path.join(dir, label, 'history.db') });
    const random = rng(7);
    const flushTimes: number[] = [];
    const firstSegment = store.stats().segment;
    const started = process.hrtime.bigint();
    // As the watcher does: one record() per transition, carrying the migration's latest view.
    let n = 0;
    for (let i = 0; n < count; i++) {
      const { migration, phases } = syntheticMigration(i, random, 20_000);
      for (let k = 0; k < phases.length && n < count; k++, n++) {
        const [phase, at] = phases[k];
        store.record({ ...migration, phase, state: k === phases.length - 1 ? migration.state : 'running' }, [{ migrationId: migration.id, phase, at }]);
        if (acknowledgeEvery && n % acknowledgeEvery === acknowledgeEvery - 1) {
          const t = process.hrtime.bigint();
          await store.flush();
          flushTimes.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r)); // let background snapshots run
    }
    await store.flush();
    const snapshots = store.stats().segment - firstSegment;
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stored = store.stats().transitions;
    await store.close();
    if (stored !== count) throw new Error(`ingest stored ${stored} transitions, expected ${count}`);
    flushTimes.sort((a, b) => a - b);
    return { perSec: count / seconds, flushTimes, snapshots };
  };
  await measure('warm-up', undefined, Math.min(records, 5000)); // JIT and statement caches, not measured
  const free = await measure('free', undefined);
  const acked = await measure('acked', 100);
  return {
    records,
    transitionsPerSec: Math.round(free.perSec),
    acknowledgedTransitionsPerSec: Math.round(acked.perSec),
    flushLatencyP50Ms: round(percentile(acked.flushTimes, 50)),
    flushLatencyP99Ms: round(percentile(acked.flushTimes, 99)),
    snapshotsDuringIngest: free.snapshots,
  };
}

async function buildDatabase(dbFile: string, migrations: number): Promise<HistoryBenchFigures['database']> {
  const SQL = await loadSqlJs();
  const started = process.hrtime.bigint();
  const { database } = HistoryDatabase.open(SQL, undefined, false);
  const random = rng(42);
  const vms = Math.max(1, Math.floor(migrations / 5));
  let transitions = 0;
  for (let start = 0; start < migrations; start += 5000) {
    database.transaction(() => {
      for (let i = start; i < Math.min(migrations, start + 5000); i++) {
        const { migration, phases } = syntheticMigration(i, random, vms);
        database.applyRecord({ t: 'r', m: migration, p: phases });
        transitions += phases.length;
      }
    });
  }
  const applySeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bytes = database.export();
  database.close();
  const paths = historyPaths(dbFile);
  ensurePrivateDir(path.dirname(dbFile));
  await writeSnapshot(paths, bytes);
  return {
    migrations,
    transitions,
    fileMb: mb(statSync(dbFile).size),
    buildMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
    replayRecordsPerSec: Math.round(migrations / applySeconds),
  };
}

/** Runs in the child: load, query, snapshot; prints one JSON line. */
async function measureLoadedDatabase(dbFile: string, migrations: number): Promise<Pick<HistoryBenchFigures, 'load' | 'snapshot' | 'queries'>> {
  await loadSqlJs(); // the wasm itself is not the database's cost
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  const memory = () => {
    gc();
    const m = process.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed, external: m.external }; // external includes arrayBuffers
  };
  const delta = (a: ReturnType<typeof memory>, b: ReturnType<typeof memory>, ms: number): MemoryFigure => ({
    ms: Math.round(ms),
    rssDeltaMb: mb(b.rss - a.rss),
    heapDeltaMb: mb(b.heap - a.heap),
    externalDeltaMb: mb(b.external - a.external),
  });

  // Memory first, in a process that has not held the database yet (a later load would reuse freed pages).
  const before = memory();
  let t = process.hrtime.bigint();
  // The writer's load: quick_check, journal replay, lock, new segment.
  const store = await HistoryStore.open({ path: dbFile, snapshotMinJournalBytes: Number.MAX_SAFE_INTEGER });
  const loadMs = Number(process.hrtime.bigint() - t) / 1e6;
  const loaded = memory();

  const random = rng(99);
  const pickId = () => `${CLUSTERS[0]}/default/mig-${Math.floor(random() * (migrations / CLUSTERS.length)) * CLUSTERS.length}`;
  const pickVm = () => `vm-${Math.floor(random() * (migrations / 5))}`;
  // What the first text query and the first summary cost: each builds its in-memory index from the table.
  const once = (fn: () => unknown) => {
    const s = process.hrtime.bigint();
    fn();
    return round(Number(process.hrtime.bigint() - s) / 1e6, 1);
  };
  const firstTextMs = once(() => store.all({ text: pickVm(), limit: 100 }));
  const firstSummaryMs = once(() => store.summaryByCluster());
  // A keyset page deep in the listing: the cursor of the 50th page of 100.
  let deepCursor = store.page({ limit: 100 }).next;
  for (let i = 1; i < 50 && deepCursor; i++) deepCursor = store.page({ limit: 100, after: deepCursor }).next;
  const seedQueries: Record<string, [() => unknown[] | unknown, number]> = {
    'all (newest 100)': [() => store.all({ limit: 100 }), 300],
    'all (page 50 of 100)': [() => store.all({ limit: 100, offset: 5000 }), 100],
    'all (completed, 100)': [() => store.all({ filter: 'completed', limit: 100 }), 300],
    'all (text filter, 100)': [() => store.all({ text: pickVm(), limit: 100 }), 100],
    'count (text filter)': [() => store.count({ text: pickVm() }), 100],
    'page (keyset, after page 50)': [() => store.page({ limit: 100, after: deepCursor }).migrations, 300],
    active: [() => store.active(), 100],
    'byId (with transitions)': [() => store.byId(pickId()), 1000],
    'byDatacenter (500)': [() => store.byDatacenter(DATACENTERS[Math.floor(random() * DATACENTERS.length)]), 100],
    byVm: [() => store.byVm(pickVm()), 1000],
    'byVm (cluster)': [() => store.byVm(pickVm(), { cluster: CLUSTERS[Math.floor(random() * CLUSTERS.length)] }), 1000],
    transitions: [() => store.transitions(pickId()), 1000],
    'count (all)': [() => store.count(), 50],
    'summaryByCluster (cached)': [() => store.summaryByCluster(), 100],
  };
  const queries: Record<string, LatencyFigure> = {};
  for (const [name, [query, runs]] of Object.entries(seedQueries)) {
    query(); // warm the statement cache
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const s = process.hrtime.bigint();
      const result = query();
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      rows += Array.isArray(result) ? result.length : result ? 1 : 0;
    }
    times.sort((a, b) => a - b);
    queries[name] = { p50Ms: round(percentile(times, 50), 3), p99Ms: round(percentile(times, 99), 3), runs, rows: Math.round(rows / runs) };
  }
  // The summary is recomputed after any change: measure that too.
  const summaryTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    store.record({ ...syntheticMigration(migrations + i, random, 10).migration }, []);
    const s = process.hrtime.bigint();
    store.summaryByCluster();
    summaryTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  summaryTimes.sort((a, b) => a - b);
  queries['summaryByCluster (after a change)'] = { p50Ms: round(percentile(summaryTimes, 50), 3), p99Ms: round(percentile(summaryTimes, 99), 3), runs: 10, rows: CLUSTERS.length };
  // active() is kept until the data changes: what it costs right after one.
  const activeTimes: number[] = [];
  let activeRows = 0;
  for (let i = 0; i < 20; i++) {
    store.record({ ...syntheticMigration(migrations + 100 + i, random, 10).migration, state: 'running', phase: 'Running' }, []);
    const s = process.hrtime.bigint();
    activeRows = store.active().length;
    activeTimes.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  activeTimes.sort((a, b) => a - b);
  queries['active (after a change)'] = { p50Ms: round(percentile(activeTimes, 50), 3), p99Ms: round(percentile(activeTimes, 99), 3), runs: 20, rows: activeRows };
  queries['first text query (builds its index)'] = { p50Ms: firstTextMs, p99Ms: 0, runs: 1, rows: 0 };
  queries['first summaryByCluster (counts)'] = { p50Ms: firstSummaryMs, p99Ms: 0, runs: 1, rows: CLUSTERS.length };

  const exportStart = process.hrtime.bigint();
  const csvBytes = await store.exportToFile(path.join(path.dirname(dbFile), 'export.csv'), 'csv');
  queries['exportToFile (csv, everything)'] = { p50Ms: round(Number(process.hrtime.bigint() - exportStart) / 1e6, 0), p99Ms: 0, runs: 1, rows: Math.round(csvBytes / 1024) };

  // Snapshot: export + write + fsync + rename, on the loaded database.
  const beforeSnapshot = memory();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  t = process.hrtime.bigint();
  await store.snapshot();
  const snapshotMs = Number(process.hrtime.bigint() - t) / 1e6;
  loop.disable();
  const process_ = process.memoryUsage();
  const afterSnapshot = { rss: process_.rss, heap: process_.heapUsed, external: process_.external };
  await store.close();

  // Warm reloads (sql.js and the JIT ready), with and without SQLite's quick_check.
  const reload = async (verifyOnLoad: boolean) => {
    const s = process.hrtime.bigint();
    const again = await HistoryStore.open({ path: dbFile, mode: 'read-only', follow: false, verifyOnLoad });
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    await again.close();
    return Math.round(ms);
  };
  const warmReloadMs = await reload(true);
  const withoutQuickCheckMs = await reload(false);
  return {
    load: { ...delta(before, loaded, loadMs), warmReloadMs, withoutQuickCheckMs },
    snapshot: { ...delta(beforeSnapshot, afterSnapshot, snapshotMs), eventLoopBlockedMaxMs: round(loop.max / 1e6, 1) },
    queries,
  };
}

export async function runHistoryBench(options: { migrations?: number; ingestRecords?: number } = {}): Promise<HistoryBenchFigures> {
  const migrations = options.migrations ?? 100_000;
  const ingestRecords = options.ingestRecords ?? 50_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-history-bench-'));
  try {
    const ingest = await benchIngest(dir, ingestRecords);
    const dbFile = path.join(dir, 'big', 'history.db');
    const database = await buildDatabase(dbFile, migrations);
    const measured = await new Promise<Pick<HistoryBenchFigures, 'load' | 'snapshot' | 'queries'>>((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--child', dbFile, String(migrations)], {
        cwd: path.resolve(__dirname, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => (out += d));
      child.once('error', reject);
      child.once('exit', (code) => {
        try {
          if (code !== 0) throw new Error(`measuring child exited with ${code}`);
          resolve(JSON.parse(out.trim().split('\n').pop()!));
        } catch (err) {
          reject(err);
        }
      });
    });
    return { ingest, database, ...measured };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printFigures(f: HistoryBenchFigures): void {
  const lines = [
    `ingest (durable, group commit): ${f.ingest.transitionsPerSec} transitions/s; acknowledged every 100: ${f.ingest.acknowledgedTransitionsPerSec}/s (flush p50 ${f.ingest.flushLatencyP50Ms} ms, p99 ${f.ingest.flushLatencyP99Ms} ms); ${f.ingest.snapshotsDuringIngest} background snapshot(s)`,
    `database: ${f.database.migrations} migrations, ${f.database.transitions} transitions, ${f.database.fileMb} MB file, built in ${f.database.buildMs} ms (${f.database.replayRecordsPerSec} records/s applied)`,
    `load: ${f.load.ms} ms first in a fresh process (warm reload ${f.load.warmReloadMs} ms, ${f.load.withoutQuickCheckMs} ms without quick_check), RSS +${f.load.rssDeltaMb} MB, heap +${f.load.heapDeltaMb} MB, external +${f.load.externalDeltaMb} MB`,
    `snapshot: ${f.snapshot.ms} ms (event loop blocked up to ${f.snapshot.eventLoopBlockedMaxMs} ms), RSS +${f.snapshot.rssDeltaMb} MB, heap +${f.snapshot.heapDeltaMb} MB, external +${f.snapshot.externalDeltaMb} MB`,
    'queries (p50 / p99 ms, rows):',
    ...Object.entries(f.queries).map(([name, q]) => `  ${name.padEnd(32)} ${String(q.p50Ms).padStart(8)} / ${String(q.p99Ms).padStart(8)}   ${q.rows}`),
  ];
  console.log(lines.join('\n'));
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (args[0] === '--child') {
    measureLoadedDatabase(args[1], Number(args[2]))
      .then((f) => console.log(JSON.stringify(f)))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  } else {
    runHistoryBench({ migrations: opt('--migrations'), ingestRecords: opt('--ingest') })
      .then((f) => (args.includes('--json') ? console.log(JSON.stringify(f, null, 2)) : printFigures(f)))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  }
}
