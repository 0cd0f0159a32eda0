// Durable ingest and open as they ship: a watcher fed by a source that replays KubeVirt-like migrations as
// fast as it can, its HistoryRecorder, and the history in its worker thread (HistoryWorkerClient,
// journal fsync on) — into a fresh history and into one that already holds --existing migrations
// (the issue asks for a million). Two streams: a watcher's bursts (200 migrations in flight, each
// phase change of each one a record, one turn of the event loop per phase step), and a storm of
// distinct migrations (every record a migration of its own with one transition: nothing to fold).
// It also opens each seeded history to its first answer. An event-loop watchdog on this thread
// (the extension host's, in the extension) reports how long the ingest and the open blocked it.
//
//   node --import tsx bench/history-ingest.ts [--migrations 20000] [--existing 0,1000000] [--json]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Emitter } from '../src/base/event';
import { HistoryStore } from '../src/history/history-store';
import { HistoryWorkerClient } from '../src/history/worker/history-worker-client';
import { digestFileOf } from '../src/history/snapshots/snapshot-digest';
import type { ConnectionState } from '../src/model/cluster';
import type { Migration, MigrationObservation, MigrationStreamEvent, PhaseTransition } from '../src/model/migration';
import type { ClusterSource } from '../src/sources/cluster-source';
import { KUBEVIRT_TRAITS } from '../src/sources/kubevirt/kubevirt-kind';
import { HistoryRecorder } from '../src/watch/history-recorder';
import { MigrationWatcher } from '../src/watch/migration-watcher';
import { watchEventLoop, type BlockFigure } from '../test/support/event-loop-watchdog';

const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];
const T0 = 1_700_000_000_000;
/** Ingested migrations are newer than every seeded one, as a watcher's are in a history it has kept. */
const INGEST_T0 = T0 + 100_000_000_000;

export interface IngestRun {
  stream: 'bursts' | 'distinct';
  existingMigrations: number;
  transitions: number;
  seconds: number;
  transitionsPerSecond: number;
  /** The longest block of this thread while it ingested (watchdog). */
  hostBlock: BlockFigure;
}

export interface OpenRun {
  existingMigrations: number;
  fileMiB: number;
  /** HistoryWorkerClient.open → the first answer (the newest 100), and how long this thread was blocked meanwhile. */
  firstAnswer: BlockFigure;
}

export interface HistoryIngestFigures {
  durable: true;
  runs: IngestRun[];
  opens: OpenRun[];
  /** Seeding the existing migrations (in-process, recordMany in bursts), per size. */
  seedSeconds: Record<string, number>;
}

/** A source that replays generated observations; everything else is refused. */
export class ReplaySource implements ClusterSource {
  readonly kind = 'kubevirt' as const;
  readonly traits = KUBEVIRT_TRAITS;
  readonly label = 'ingest';
  readonly warnings: string[] = [];
  readonly connection: ConnectionState = { state: 'connected' };
  private readonly events = new Emitter<MigrationStreamEvent>();
  readonly onMigrationEvent = this.events.event;
  readonly onDidChange = new Emitter<never>().event;
  readonly onDidChangeConnection = new Emitter<ConnectionState>().event;
  constructor(readonly id: string) {}
  emit(observation: MigrationObservation): void {
    this.events.fire({ type: 'observation', observation });
  }
  listNodes(): never {
    throw new Error('replay only');
  }
  listVms(): never {
    throw new Error('replay only');
  }
  startVm(): never {
    throw new Error('replay only');
  }
  stopVm(): never {
    throw new Error('replay only');
  }
  migrate(): never {
    throw new Error('replay only');
  }
  cancel(): never {
    throw new Error('replay only');
  }
  dispose(): void {
    this.events.dispose();
  }
}

function migrationAt(cluster: string, n: number, step: number, base = INGEST_T0): Migration {
  const phase = PHASES[step];
  const created = base + n * 10;
  return {
    id: `${cluster}/default/m-${n}`,
    kind: 'kubevirt',
    cluster,
    namespace: 'default',
    vm: `vm-${n % 1000}`,
    name: `m-${n}`,
    sourceNode: `node-${n % 7}`,
    targetNode: `node-${(n + 1) % 7}`,
    mode: 'PreCopy',
    origin: 'user',
    phase,
    state: phase === 'Succeeded' ? 'succeeded' : phase === 'Pending' ? 'pending' : 'running',
    createdAt: created,
    ...(phase === 'Succeeded' ? { startedAt: created, endedAt: created + step * 1000, durationMs: step * 1000 } : {}),
    labels: {},
  };
}

const phasesUpTo = (id: string, n: number, step: number, base = INGEST_T0): PhaseTransition[] => PHASES.slice(0, step + 1).map((phase, i) => ({ migrationId: id, phase, at: base + n * 10 + i * 1000 }));
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** 200 migrations in flight, each phase step of all of them one turn of the event loop. */
export async function replayBursts(source: ReplaySource, count: number): Promise<number> {
  for (let first = 0; first < count; first += 200) {
    const last = Math.min(count, first + 200);
    for (let step = 0; step < PHASES.length; step++) {
      for (let n = first; n < last; n++) {
        const migration = migrationAt(source.id, n, step);
        source.emit({ migration, phases: phasesUpTo(migration.id, n, step) });
      }
      await turn();
    }
  }
  return count * PHASES.length;
}

/** Every observation a migration of its own, seen once in its final phase with one transition. */
async function replayDistinct(source: ReplaySource, count: number): Promise<number> {
  for (let n = 0; n < count; n++) {
    const migration = migrationAt(source.id, n, PHASES.length - 1);
    source.emit({ migration, phases: [{ migrationId: migration.id, phase: 'Succeeded', at: INGEST_T0 + n * 10 }] });
    if (n % 200 === 199) await turn();
  }
  return count;
}

/** Durable ingest of one stream into the history at `file` (created, or holding `existingMigrations`). */
export async function durableIngest(file: string, stream: IngestRun['stream'], migrations: number, existingMigrations: number): Promise<IngestRun> {
  const history = await HistoryWorkerClient.open({ path: file, logger: { info: () => {}, warn: (m: string) => console.error('warn:', m), error: (m: string) => console.error('error:', m) } });
  const watcher = new MigrationWatcher({ recorded: history.recorded });
  const recorder = new HistoryRecorder(watcher, history, { log: { info: () => {}, warn: (m: string) => console.error('recorder:', m) } });
  const source = new ReplaySource(`ingest-${stream}`);
  watcher.addSource(source);
  try {
    // As in a window whose Migrations view and history panel have asked: the in-memory active set,
    // per-cluster summaries and text index are kept current by triggers on every row written.
    await Promise.all([history.active(), history.summaryByCluster(), history.count({ filter: 'all', text: 'vm-1' })]);
    let transitions = 0;
    let seconds = 0;
    let emitted = 0;
    watcher.onTransition(() => emitted++);
    const hostBlock = await watchEventLoop(async () => {
      const started = performance.now();
      transitions = stream === 'bursts' ? await replayBursts(source, migrations) : await replayDistinct(source, migrations);
      // The watcher may still hold events back while it asks the history about ids it may hold.
      for (const deadline = Date.now() + 60_000; emitted < transitions; await turn()) {
        if (Date.now() > deadline) throw new Error(`the watcher emitted ${emitted} of ${transitions} transitions`);
      }
      await recorder.flush();
      seconds = (performance.now() - started) / 1000;
    });
    const stats = await history.stats();
    if (stats.transitions < transitions + existingMigrations * PHASES.length) throw new Error(`expected ${transitions} transitions recorded besides the ${existingMigrations * PHASES.length} there were, the history holds ${stats.transitions} (${recorder.pendingCount} records waiting in the recorder)`);
    return { stream, existingMigrations, transitions, seconds: Math.round(seconds * 1000) / 1000, transitionsPerSecond: Math.round(transitions / seconds), hostBlock };
  } finally {
    watcher.dispose();
    recorder.dispose();
    source.dispose();
    await history.close();
  }
}

/** A history holding `count` finished migrations (7 transitions each), written in bursts as the worker writes them. */
export async function seedHistory(file: string, count: number): Promise<void> {
  const store = await HistoryStore.open({ path: file });
  try {
    for (let first = 0; first < count; first += 5000) {
      const burst = [];
      for (let n = first; n < Math.min(count, first + 5000); n++) {
        const migration = migrationAt('seed', n, PHASES.length - 1, T0);
        burst.push({ migration, transitions: phasesUpTo(migration.id, n, PHASES.length - 1, T0) });
      }
      store.recordMany(burst);
      await store.flush();
    }
    await store.snapshot();
  } finally {
    await store.close();
  }
}

/** The database file and its snapshot digest (a history the extension wrote has one; without it open checks the whole file). */
function copyHistory(from: string, to: string): void {
  fs.copyFileSync(from, to);
  fs.copyFileSync(digestFileOf(from), digestFileOf(to));
}

async function openOnce(seedFile: string, existingMigrations: number): Promise<OpenRun> {
  const file = path.join(path.dirname(seedFile), `open-${existingMigrations}`, 'history.db');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  copyHistory(seedFile, file);
  let history: HistoryWorkerClient | undefined;
  try {
    const firstAnswer = await watchEventLoop(async () => {
      history = await HistoryWorkerClient.open({ path: file });
      await history.all({ limit: 100 });
    });
    return { existingMigrations, fileMiB: Math.round(fs.statSync(file).size / 2 ** 20), firstAnswer };
  } finally {
    await history?.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export async function runHistoryIngestBench(options: { migrations?: number; existing?: number[] } = {}): Promise<HistoryIngestFigures> {
  const migrations = options.migrations ?? 20_000;
  const sizes = options.existing ?? [0, 100_000];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-history-ingest-'));
  const runs: IngestRun[] = [];
  const opens: OpenRun[] = [];
  const seedSeconds: Record<string, number> = {};
  try {
    for (const existing of sizes) {
      const seedFile = path.join(dir, `seed-${existing}.db`);
      const started = performance.now();
      if (existing > 0) await seedHistory(seedFile, existing);
      seedSeconds[String(existing)] = Math.round((performance.now() - started) / 100) / 10;
      if (existing > 0) opens.push(await openOnce(seedFile, existing));
      for (const stream of ['bursts', 'distinct'] as const) {
        const file = path.join(dir, `${stream}-${existing}`, 'history.db');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        if (existing > 0) copyHistory(seedFile, file);
        runs.push(await durableIngest(file, stream, stream === 'bursts' ? migrations : migrations * PHASES.length, existing));
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
      fs.rmSync(seedFile, { force: true });
    }
    return { durable: true, runs, opens, seedSeconds };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  const existing = option('--existing')?.split(',').map(Number);
  runHistoryIngestBench({ migrations: option('--migrations') ? Number(option('--migrations')) : undefined, existing })
    .then((figures) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
      else for (const o of figures.opens) console.log(`open ${o.existingMigrations.toLocaleString('en')} migrations (${o.fileMiB} MiB) → first answer ${o.firstAnswer.tookMs} ms; host longest block ${o.firstAnswer.maxMs} ms (p99 ${o.firstAnswer.p99Ms})`);
      if (!process.argv.includes('--json')) for (const r of figures.runs) console.log(`${r.stream.padEnd(8)} into ${r.existingMigrations.toLocaleString('en')} existing: ${r.transitions.toLocaleString('en')} transitions in ${r.seconds} s = ${r.transitionsPerSecond.toLocaleString('en')}/s; host longest block ${r.hostBlock.maxMs} ms (p99 ${r.hostBlock.p99Ms})`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
