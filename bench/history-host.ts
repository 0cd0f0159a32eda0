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
import { HistoryWorkerClient } from '../src/history/worker/history-worker-client';
import type { BlockFigure } from '../test/support/event-loop-watchdog';
import { exerciseHistory, historyRecord } from './history-activities';

export type { BlockFigure } from '../test/support/event-loop-watchdog';

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

/** Writes a history file of `migrations` synthetic migrations (7 transitions each), in this process. */
export async function seedHistoryFile(file: string, migrations: number): Promise<void> {
  const seed = await HistoryStore.open({ path: file });
  for (let i = 0; i < migrations; i++) {
    const r = historyRecord(i);
    seed.record(r.migration, r.transitions);
    if (i % 5000 === 4999) await seed.flush();
  }
  await seed.close();
}

export async function runHistoryHostBench(options: { migrations?: number; ingestRecords?: number; workerOnly?: boolean } = {}): Promise<HistoryHostFigures> {
  const migrations = options.migrations ?? 100_000;
  const ingestRecords = options.ingestRecords ?? 20_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-history-host-'));
  try {
    const seedFile = path.join(dir, 'seed.db');
    const seedStarted = Date.now();
    await seedHistoryFile(seedFile, migrations);
    const seedMs = Date.now() - seedStarted;
    const copy = (name: string) => {
      const file = path.join(dir, `${name}.db`);
      fs.copyFileSync(seedFile, file, fs.constants.COPYFILE_FICLONE);
      return file;
    };
    // The worker first: the in-process run would leave sql.js's heap in this process's RSS.
    const workerFile = copy('worker');
    const worker = await exerciseHistory(() => HistoryWorkerClient.open({ path: workerFile }), dir, migrations, ingestRecords);
    const inProcessFile = options.workerOnly ? undefined : copy('in-process');
    const inProcess = inProcessFile ? await exerciseHistory(() => HistoryStore.open({ path: inProcessFile }), dir, migrations, ingestRecords) : undefined;
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
