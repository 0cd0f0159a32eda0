// How long the history's work blocks the thread that uses it — the extension host's, in the
// extension — with the history in its worker thread (what ships) and, for comparison, in that
// thread itself (as before issue 13). An event-loop watchdog (perf_hooks.monitorEventLoopDelay at
// 1 ms resolution, and a 1 ms interval probe's longest gap) watches while the history opens,
// ingests, snapshots, answers the history panel's queries, applies retention and exports CSV, at a
// size given by --migrations. It also reports the thread's RSS growth and the time to the first
// answer after open.
//
//   node --import tsx bench/history-host.ts [--migrations 100000] [--ingest 20000] [--worker-only] [--json]
//
// --worker-only leaves out the in-process comparison (at a million migrations it would hold a
// second copy of the database in this process).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../src/history/history-store';
import type { HistoryAccess } from '../src/history/history-access';
import { HistoryWorkerClient } from '../src/history/worker/history-worker-client';
import type { Migration, PhaseTransition } from '../src/model/migration';
import { watchEventLoop, type BlockFigure } from '../test/support/event-loop-watchdog';

export type { BlockFigure } from '../test/support/event-loop-watchdog';

const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];
const T0 = 1_700_000_000_000;


export interface HistoryHostFigures {
  migrations: number;
  ingestRecords: number;
  seedMs: number;
  fileMiB: number;
  worker: Record<string, BlockFigure>;
  inProcess?: Record<string, BlockFigure>;
  rssGrowthMiB: { worker: number; inProcess?: number };
  /** Growth of this thread's own JavaScript heap with the history in its worker (RSS counts the worker's too). */
  hostHeapGrowthMiB: number;
}

function record(i: number): { migration: Migration; transitions: PhaseTransition[] } {
  const id = `prod/default/m${i}`;
  const at = T0 + i * 1000;
  const migration: Migration = {
    id, kind: 'kubevirt', cluster: `c${i % 10}`, namespace: 'default', vm: `vm-${i % 2000}`, name: `m${i}`, sourceNode: `node-${i % 7}`, targetNode: `node-${(i + 1) % 7}`,
    mode: 'PreCopy', origin: 'user', phase: 'Succeeded', state: 'succeeded', createdAt: at, startedAt: at, endedAt: at + 30_000, durationMs: 30_000, labels: {},
  };
  return { migration, transitions: PHASES.map((phase, k) => ({ migrationId: id, phase, at: at + k * 1000 })) };
}


async function exercise(open: () => Promise<HistoryAccess>, dir: string, migrations: number, ingestRecords: number): Promise<{ figures: Record<string, BlockFigure>; rssGrowthMiB: number; heapGrowthMiB: number }> {
  const figures: Record<string, BlockFigure> = {};
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  let history!: HistoryAccess;
  figures['open → first answer'] = await watchEventLoop(async () => {
    history = await open();
    await history.all({ limit: 100 });
  });
  figures[`ingest ${ingestRecords.toLocaleString('en')} transitions`] = await watchEventLoop(async () => {
    for (let i = 0; i < ingestRecords; i++) {
      const r = record(migrations + i);
      history.record(r.migration, r.transitions.slice(0, 1));
      if (i % 200 === 199) await new Promise((resolve) => setImmediate(resolve)); // a watcher's bursts
    }
    await history.flush();
  });
  figures['snapshot'] = await watchEventLoop(() => history.snapshot());
  figures['panel queries (page, text filter, summary, detail)'] = await watchEventLoop(async () => {
    for (let i = 0; i < 20; i++) {
      await Promise.all([history.count({ filter: 'all', text: `vm-${i * 7}` }), history.all({ filter: 'all', text: `vm-${i * 7}`, limit: 100 }), history.summaryByCluster(), history.byId(`prod/default/m${i * 13}`)]);
    }
  });
  figures['retention (oldest 10 %)'] = await watchEventLoop(async () => {
    history.setRetention({ maxMigrations: Math.round((migrations + ingestRecords) * 0.9) });
    await history.applyRetention();
  });
  figures['CSV export (everything)'] = await watchEventLoop(() => history.exportToFile(path.join(dir, `export-${Date.now()}.csv`), 'csv'));
  global.gc?.();
  const rssGrowthMiB = Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20);
  const heapGrowthMiB = Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
  await history.close();
  return { figures, rssGrowthMiB, heapGrowthMiB };
}

export async function runHistoryHostBench(options: { migrations?: number; ingestRecords?: number; workerOnly?: boolean } = {}): Promise<HistoryHostFigures> {
  const migrations = options.migrations ?? 100_000;
  const ingestRecords = options.ingestRecords ?? 20_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-history-host-'));
  try {
    const seedFile = path.join(dir, 'seed.db');
    const seedStarted = Date.now();
    const seed = await HistoryStore.open({ path: seedFile });
    for (let i = 0; i < migrations; i++) {
      const r = record(i);
      seed.record(r.migration, r.transitions);
      if (i % 5000 === 4999) await seed.flush();
    }
    await seed.close();
    const seedMs = Date.now() - seedStarted;
    const copy = (name: string) => {
      const file = path.join(dir, `${name}.db`);
      fs.copyFileSync(seedFile, file, fs.constants.COPYFILE_FICLONE);
      return file;
    };
    // The worker first: the in-process run would leave sql.js's heap in this process's RSS.
    const workerFile = copy('worker');
    const worker = await exercise(() => HistoryWorkerClient.open({ path: workerFile }), dir, migrations, ingestRecords);
    const inProcessFile = options.workerOnly ? undefined : copy('in-process');
    const inProcess = inProcessFile ? await exercise(() => HistoryStore.open({ path: inProcessFile }), dir, migrations, ingestRecords) : undefined;
    return {
      migrations,
      ingestRecords,
      seedMs,
      fileMiB: Math.round(fs.statSync(seedFile).size / 2 ** 20),
      worker: worker.figures,
      ...(inProcess ? { inProcess: inProcess.figures } : {}),
      rssGrowthMiB: { worker: worker.rssGrowthMiB, ...(inProcess ? { inProcess: inProcess.rssGrowthMiB } : {}) },
      hostHeapGrowthMiB: worker.heapGrowthMiB,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function option(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (require.main === module) {
  runHistoryHostBench({ migrations: option('--migrations'), ingestRecords: option('--ingest'), workerOnly: process.argv.includes('--worker-only') })
    .then((figures) => {
      console.log(process.argv.includes('--json') ? JSON.stringify(figures) : JSON.stringify(figures, null, 2));
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
