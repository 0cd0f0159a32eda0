// Figures for what the window's migration views ask of the history at scale: the history panel's
// answers (a page with its total, the per-cluster summary, a text-filtered page, a migration's
// detail) and the Migrations view's Recent group, on 100,000 migrations / ~900,000 transitions,
// plus the time to open that history as the watcher does at startup.
//   node --import tsx bench/migrations-views.ts [--migrations N] [--json]

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../src/history';
import { HistoryPanelSession } from '../src/ui/history-panel/core/history-panel-session';
import type { HistoryHostMessage } from '../src/protocol/history-panel';
import type { Migration, MigrationState } from '../src/model/migration';
import { MigrationWatcher } from '../src/watch/migration-watcher';
import { MigrationsViewModel } from '../src/ui/migrations/core/migrations-view-model';

export interface Latency {
  p50Ms: number;
  p99Ms: number;
  runs: number;
}

export interface MigrationsViewsBenchFigures {
  migrations: number;
  transitions: number;
  /** HistoryStore.open on the snapshot, as the watcher's start does. */
  openHistoryMs: number;
  panel: {
    /** count + one page of 100 rows, newest first. */
    firstPage: Latency;
    /** The same with a text filter (LIKE over VM, nodes, cluster, namespace, name). */
    textFilteredPage: Latency;
    /** A page deep in the table (offset 50,000). */
    deepPage: Latency;
    /** Per-cluster count, success rate, p50/p95 duration. */
    summary: Latency;
    /** One migration and its timeline. */
    detail: Latency;
  };
  /** The Migrations view working out Active and Recent (25) after a change. */
  viewRecompute: Latency;
}

const CLUSTERS = ['blixard:east', 'blixard:west', 'kubevirt:prod', 'kubevirt:staging'];
const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running'];

function syntheticMigration(i: number): { migration: Migration; phases: string[] } {
  const cluster = CLUSTERS[i % CLUSTERS.length];
  const roll = (i * 7919) % 100;
  const state: MigrationState = roll < 1 ? 'running' : roll < 90 ? 'succeeded' : roll < 97 ? 'failed' : 'cancelled';
  const createdAt = 1_700_000_000_000 + i * 30_000;
  const durationMs = 5_000 + ((i * 104_729) % 600_000);
  const phases = state === 'running' ? PHASES : [...PHASES, state === 'succeeded' ? 'Succeeded' : 'Failed'];
  const migration: Migration = {
    id: `${cluster}/default/mig-${i}`,
    kind: cluster.startsWith('blixard') ? 'blixard' : 'kubevirt',
    cluster,
    datacenter: i % 2 === 0 ? 'eu-1' : 'us-1',
    namespace: 'default',
    vm: `vm-${i % 5000}`,
    name: `mig-${i}`,
    sourceNode: `node-${i % 50}`,
    targetNode: `node-${(i + 7) % 50}`,
    mode: 'PreCopy',
    origin: 'user',
    phase: phases[phases.length - 1],
    state,
    createdAt,
    startedAt: createdAt + 100,
    labels: {},
  };
  if (state !== 'running') {
    migration.endedAt = createdAt + durationMs;
    migration.durationMs = durationMs;
  }
  return { migration, phases };
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const r = (n: number) => Math.round(n * 100) / 100;
  return { p50Ms: r(at(50)), p99Ms: r(at(99)), runs: sorted.length };
}

function time(runs: number, fn: (i: number) => void): Latency {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn(i);
    samples.push(performance.now() - t);
  }
  return latency(samples);
}

export async function runMigrationsViewsBench(options: { migrations?: number } = {}): Promise<MigrationsViewsBenchFigures> {
  const count = options.migrations ?? 100_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-bench-views-'));
  const file = path.join(dir, 'history', 'migrations.sqlite');
  try {
    const writer = await HistoryStore.open({ path: file });
    for (let i = 0; i < count; i++) {
      const { migration, phases } = syntheticMigration(i);
      writer.record(migration, phases.map((phase, k) => ({ migrationId: migration.id, phase, at: migration.createdAt + k * 1000 })));
      if (i % 5000 === 4999) await writer.flush();
    }
    await writer.close();

    const opened = performance.now();
    const store = await HistoryStore.open({ path: file, mode: 'read-only', follow: false });
    const openHistoryMs = Math.round(performance.now() - opened);
    const stats = store.stats();

    let last: HistoryHostMessage | undefined;
    const session = new HistoryPanelSession({
      history: async () => store,
      post: (m) => (last = m),
      exportTo: async () => undefined,
      clusterLabel: () => undefined,
      log: { warn: () => {} },
    });
    await session.start();
    const deliver = (m: unknown) => session.handle(m);
    const firstPage = time(30, () => deliver({ type: 'query', filter: 'all', text: '', offset: 0, pageSize: 100 }));
    const textFilteredPage = time(30, (i) => deliver({ type: 'query', filter: 'completed', text: `node-${i % 50}`, offset: 0, pageSize: 100 }));
    const deepPage = time(30, () => deliver({ type: 'query', filter: 'all', text: '', offset: Math.floor(count / 2), pageSize: 100 }));
    const summary = time(10, () => store.summaryByCluster());
    const detail = time(30, (i) => deliver({ type: 'detail', id: syntheticMigration((i * 3331) % count).migration.id }));
    if (!last || last.state.rows.length === 0) throw new Error('the panel answered nothing');
    session.dispose();

    const watcher = new MigrationWatcher();
    const model = new MigrationsViewModel();
    model.attach(watcher, store);
    const viewRecompute = time(30, () => {
      // What a history change makes the view do.
      (model as unknown as { membershipDirty: boolean }).membershipDirty = true;
      model.flush();
    });
    model.dispose();
    watcher.dispose();
    await store.close();
    return { migrations: stats.migrations, transitions: stats.transitions, openHistoryMs, panel: { firstPage, textFilteredPage, deepPage, summary, detail }, viewRecompute };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(f: MigrationsViewsBenchFigures): void {
  const row = (name: string, l: Latency) => `  ${name.padEnd(34)} ${String(l.p50Ms).padStart(8)} / ${String(l.p99Ms).padStart(8)}`;
  console.log(
    [
      `migration views on ${f.migrations.toLocaleString('en-US')} migrations / ${f.transitions.toLocaleString('en-US')} transitions`,
      `open the history (read, quick_check, load): ${f.openHistoryMs} ms`,
      'history panel and Migrations view (p50 / p99 ms):',
      row('panel: first page (100) + total', f.panel.firstPage),
      row('panel: text-filtered page + total', f.panel.textFilteredPage),
      row('panel: page at offset N/2', f.panel.deepPage),
      row('panel: summary per cluster', f.panel.summary),
      row('panel: one migration + timeline', f.panel.detail),
      row('view: Active + Recent recompute', f.viewRecompute),
    ].join('\n'),
  );
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--migrations');
  runMigrationsViewsBench({ migrations: i >= 0 ? Number(args[i + 1]) : undefined })
    .then((f) => (args.includes('--json') ? console.log(JSON.stringify(f, null, 2)) : print(f)))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
