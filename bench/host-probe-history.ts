// The history's event-loop figures inside the real extension host, for
// bench/extension-host-probe.ts: the history client the extension uses (HistoryWorkerClient,
// sql.js and the journal in a worker thread running dist/history-worker.js) opens a file the
// bench seeded beforehand, and bench/history-activities.ts's activities run under the
// event-loop watchdog (monitorEventLoopDelay + a 1 ms interval probe) on the host's own thread,
// beside everything else that runs there.

import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryWorkerClient } from '../src/history/worker/history-worker-client';
import type { BlockFigure } from '../test/support/event-loop-watchdog';
import { exerciseHistory } from './history-activities';
import { withCpuProfile } from './host-cpu-profile';

export interface HostHistoryFigures {
  migrations: number;
  ingestRecords: number;
  fileMiB: number;
  /** Longest block and p99 of the extension host's event loop, per activity. */
  activities: Record<string, BlockFigure>;
  /** The extension host's own JavaScript heap growth over the activities (the worker's is its own). */
  hostHeapGrowthMiB: number;
  rssGrowthMiB: number;
}

export async function measureHistoryInHost(root: string, o: { seededFile: string; migrations: number; ingestRecords: number; profileFile?: string }): Promise<HostHistoryFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-host-history-'));
  try {
    // A copy: the seeded file is reused by the next run of the bench.
    const file = path.join(dir, 'history.db');
    copyFileSync(o.seededFile, file);
    const workerScript = path.join(root, 'dist', 'history-worker.js');
    const run = await withCpuProfile(o.profileFile, () => exerciseHistory(() => HistoryWorkerClient.open({ path: file, workerScript }), dir, o.migrations, o.ingestRecords));
    return {
      migrations: o.migrations,
      ingestRecords: o.ingestRecords,
      fileMiB: Math.round(statSync(o.seededFile).size / 2 ** 20),
      activities: run.figures,
      hostHeapGrowthMiB: run.heapGrowthMiB,
      rssGrowthMiB: run.rssGrowthMiB,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
