// The history's activities the event-loop watchdog watches — open, ingest, snapshot, panel
// queries, retention, CSV export — run against any HistoryAccess, and the records that seed and
// feed it. Shared by bench/history-host.ts (a plain Node process) and the extension-host probe
// (bench/host-probe-history.ts), so both report the same activities the same way. No HistoryStore
// import here: the probe runs the history only through its worker client.

import path from 'node:path';
import type { HistoryAccess } from '../src/history/history-access';
import type { Migration, PhaseTransition } from '../src/model/migration';
import { watchEventLoop, type BlockFigure } from '../test/support/event-loop-watchdog';

const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];
const T0 = 1_700_000_000_000;

/** Migration i of the synthetic history: 10 clusters, 2,000 VMs, 7 phases each. */
export function historyRecord(i: number): { migration: Migration; transitions: PhaseTransition[] } {
  const id = `prod/default/m${i}`;
  const at = T0 + i * 1000;
  const migration: Migration = {
    id, kind: 'kubevirt', cluster: `c${i % 10}`, namespace: 'default', vm: `vm-${i % 2000}`, name: `m${i}`, sourceNode: `node-${i % 7}`, targetNode: `node-${(i + 1) % 7}`,
    mode: 'PreCopy', origin: 'user', phase: 'Succeeded', state: 'succeeded', createdAt: at, startedAt: at, endedAt: at + 30_000, durationMs: 30_000, labels: {},
  };
  return { migration, transitions: PHASES.map((phase, k) => ({ migrationId: id, phase, at: at + k * 1000 })) };
}

export interface HistoryActivityFigures {
  figures: Record<string, BlockFigure>;
  rssGrowthMiB: number;
  heapGrowthMiB: number;
}

/** Opens the history (a file seeded with `migrations` records) and does each activity under the watchdog; `dir` takes the CSV export. */
export async function exerciseHistory(open: () => Promise<HistoryAccess>, dir: string, migrations: number, ingestRecords: number): Promise<HistoryActivityFigures> {
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
      const r = historyRecord(migrations + i);
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
