// `npm run bench`: every benchmark of the project in one run, one table, and bench/results.json.
//
// Sections (each a bench/*.ts of its own, also runnable alone): the release VSIX, the extension
// in a real VS Code (activation, tree render), the dialog's host side, the KubeVirt source, the
// watcher (event → line latency next to `kubectl get vmim -w` in the same run, ingest), the
// Blixard daemon (RPC latency and throughput), the history (ingest, queries at 100,000
// migrations), how long the history's work blocks the thread using it (worker vs in-process, an
// event-loop watchdog), the QEMU runtime with real guests (boot, live and cold migration, the dialog's ETA
// against the real completion, RSS), migration plans (planning 1,000 VMs over 100 nodes, running an evacuation). A section that fails is reported as such and the others still run; the exit code
// says whether all succeeded.
//
//   node --import tsx bench/run.ts [--quick] [--only vsix,extension,dialog,dialog-chart,kubevirt,watcher,daemon,history,history-host,history-ingest,history-charts,qemu,plans,serve,prometheus] [--out FILE]
//
// --quick: smaller sizes (about a minute or two instead of several), for a smoke run.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listVsix } from '../scripts/vsix-archive';
import { ensureReleaseVsix } from '../test/journeys/support/release-vsix';
import type { DaemonBenchFigures, DaemonBenchOptions } from './daemon';
import type { ExtensionBenchFigures, ExtensionBenchOptions } from './extension';
import type { HistoryBenchFigures } from './history';
import type { HistoryHostFigures } from './history-host';
import type { HistoryChartsFigures } from './history-charts';
import type { HistoryIngestFigures } from './history-ingest';
import type { PlansBenchFigures, PlansBenchOptions } from './plans';
import type { ServeBenchFigures, ServeBenchOptions } from './serve';
import type { PollFigures } from './prometheus-progress';
import type { QemuBenchFigures, QemuBenchOptions } from './qemu';
import { qemuRows } from './qemu-rows';
import type { WatcherBenchFigures, WatcherBenchOptions } from './watcher';

const ROOT = path.resolve(__dirname, '..');

interface Sizes {
  extension: ExtensionBenchOptions;
  daemon: DaemonBenchOptions;
  watcher: WatcherBenchOptions;
  history: { migrations: number; ingestRecords: number };
  historyHost: { migrations: number; ingestRecords: number };
  historyIngest: { migrations: number; existing: number[] };
  kubevirt: { nodes: number; vmisPerNode: number; migrations: number };
  dialogRuns: number;
  qemu: QemuBenchOptions;
  plans: PlansBenchOptions;
  serve: ServeBenchOptions;
  prometheus: { migrations: string; polls: number };
  dialogChartEvents: number;
  historyCharts: { migrations: number; runs: number };
}

/** bench/dialog-chart.ts's figures: one progress event of the followed migration, host and webview. */
interface DialogChartFigures {
  hostWithoutSeriesUsPerEvent: number;
  hostFirst100Events: { usPerEvent: number; messageBytesMax: number; pointsMin: number; pointsMax: number };
  hostSteadyState: { usPerEvent: number; messageBytesMax: number; pointsMin: number; pointsMax: number };
  webviewFullSeries: { guardUs: number; verdictUs: number };
}

const FULL: Sizes = {
  extension: { clusters: 10, nodes: 10, vmsPerNode: 1000, activationSamples: 5, historyMigrations: 100_000, historyIngest: 20_000, historyWithoutPortScan: true },
  daemon: { migrations: 600, concurrency: 16, readVms: 10_000 },
  watcher: { migrations: 120, ingestMigrations: 5000 },
  history: { migrations: 100_000, ingestRecords: 50_000 },
  historyHost: { migrations: 100_000, ingestRecords: 20_000 },
  historyIngest: { migrations: 20_000, existing: [0, 100_000, 1_000_000] },
  kubevirt: { nodes: 3, vmisPerNode: 1000, migrations: 50 },
  dialogRuns: 6,
  qemu: { runs: 5, etaBandwidthMbps: 100 },
  plans: { nodes: 100, vms: 1000, runVms: 50, runConcurrency: 4, repeats: 7 },
  serve: { migrations: 100_000, seconds: 10, sseMigrations: 40, fuzzRequests: 10_000 },
  prometheus: { migrations: '1,10,100,500', polls: 20 },
  dialogChartEvents: 20_000,
  historyCharts: { migrations: 100_000, runs: 7 },
};

const QUICK: Sizes = {
  extension: { clusters: 3, nodes: 3, vmsPerNode: 200, activationSamples: 2, historyMigrations: 10_000, historyIngest: 5000, historyWithoutPortScan: true },
  daemon: { migrations: 120, concurrency: 8, readVms: 2000 },
  watcher: { migrations: 30, ingestMigrations: 1000 },
  history: { migrations: 10_000, ingestRecords: 5000 },
  historyHost: { migrations: 10_000, ingestRecords: 5000 },
  historyIngest: { migrations: 5000, existing: [0, 10_000] },
  kubevirt: { nodes: 3, vmisPerNode: 200, migrations: 20 },
  dialogRuns: 3,
  qemu: { runs: 2, etaBandwidthMbps: 100 },
  plans: { nodes: 20, vms: 200, runVms: 12, runConcurrency: 4, repeats: 3 },
  serve: { migrations: 10_000, seconds: 3, sseMigrations: 10, fuzzRequests: 2000 },
  prometheus: { migrations: '1,10,100', polls: 8 },
  dialogChartEvents: 5000,
  historyCharts: { migrations: 10_000, runs: 3 },
};

const SECTIONS = ['vsix', 'extension', 'dialog', 'dialog-chart', 'kubevirt', 'watcher', 'daemon', 'history', 'history-host', 'history-ingest', 'history-charts', 'qemu', 'plans', 'serve', 'prometheus'] as const;
type Section = (typeof SECTIONS)[number];

/** One line of the table. */
interface Row {
  area: string;
  figure: string;
  value: string;
  conditions: string;
}

interface SectionOutcome {
  ok: boolean;
  seconds: number;
  figures?: unknown;
  error?: string;
}

interface VsixFigures {
  file: string;
  bytes: number;
  mb: number;
  files: number;
  unpackedMb: number;
}

interface KubevirtSourceFigures {
  cluster: { nodes: number; vmisPerNode: number; vmis: number };
  migrations: number;
  firstTreeMs: number;
  listVms: { p50Ms: number; p99Ms: number };
  observationLatency: { p50Ms: number; p99Ms: number; samples: number };
  observationLatencyBurst: { p50Ms: number; p99Ms: number; samples: number };
  observationLatencySameProcess: { p50Ms: number; p99Ms: number; samples: number };
  relistAfter410Ms: number;
}

interface DialogFigures {
  gateMessagesPerSec: number;
  validateWith1000NodesUs: number;
  blixard: { openToFormMs: number; submitToTrackingMs: number; submitToFirstPhaseMs: number };
  kubevirt: { openToFormMs: number; submitToTrackingMs: number; submitToFirstPhaseMs: number };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n').slice(0, 6).join('\n') : String(err);
}

/** Runs a bench script that only has a main() as a child process and returns its last stdout line as JSON. */
function runScript(script: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', script), ...args, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`bench/${script} exited ${code ?? signal}: ${err.trim().split('\n').slice(-5).join('\n')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`bench/${script} printed no JSON: ${out.slice(-300)}`));
      }
    });
  });
}

function benchFile(name: string): boolean {
  return existsSync(path.join(ROOT, 'bench', `${name}.ts`));
}

async function measureVsix(): Promise<VsixFigures> {
  const file = ensureReleaseVsix();
  const entries = listVsix(readFileSync(file)).filter((e) => !e.name.endsWith('/'));
  const bytes = statSync(file).size;
  return {
    file: path.relative(ROOT, file),
    bytes,
    mb: Math.round((bytes / 1024 / 1024) * 100) / 100,
    files: entries.filter((e) => e.name.startsWith('extension/')).length,
    unpackedMb: Math.round((entries.reduce((s, e) => s + e.size, 0) / 1024 / 1024) * 100) / 100,
  };
}

async function runSection(section: Section, sizes: Sizes): Promise<unknown> {
  switch (section) {
    case 'vsix':
      return measureVsix();
    case 'extension': {
      if (!benchFile('extension')) throw new Error('bench/extension.ts is missing');
      const { runExtensionBench } = await import('./extension');
      return runExtensionBench(sizes.extension);
    }
    case 'dialog':
      if (!benchFile('dialog')) throw new Error('bench/dialog.ts is missing');
      return runScript('dialog.ts', ['--runs', String(sizes.dialogRuns)]);
    case 'dialog-chart':
      return runScript('dialog-chart.ts', ['--events', String(sizes.dialogChartEvents)]);
    case 'history-charts': {
      const { runHistoryChartsBench } = await import('./history-charts');
      return runHistoryChartsBench(sizes.historyCharts);
    }
    case 'kubevirt': {
      if (!benchFile('kubevirt-source')) throw new Error('bench/kubevirt-source.ts is missing');
      const k = sizes.kubevirt;
      return runScript('kubevirt-source.ts', ['--nodes', String(k.nodes), '--vmis-per-node', String(k.vmisPerNode), '--migrations', String(k.migrations)]);
    }
    case 'watcher': {
      if (!benchFile('watcher')) throw new Error('bench/watcher.ts is missing');
      const { runWatcherBench } = await import('./watcher');
      return runWatcherBench(sizes.watcher);
    }
    case 'daemon': {
      if (!benchFile('daemon')) throw new Error('bench/daemon.ts is missing');
      const { runDaemonBench } = await import('./daemon');
      return runDaemonBench(sizes.daemon);
    }
    case 'history': {
      if (!benchFile('history')) throw new Error('bench/history.ts is missing');
      const { runHistoryBench } = await import('./history');
      return runHistoryBench(sizes.history);
    }
    case 'history-host': {
      const { runHistoryHostBench } = await import('./history-host');
      return runHistoryHostBench(sizes.historyHost);
    }
    case 'history-ingest': {
      const { runHistoryIngestBench } = await import('./history-ingest');
      return runHistoryIngestBench(sizes.historyIngest);
    }
    case 'qemu': {
      if (!benchFile('qemu')) throw new Error('bench/qemu.ts is missing');
      const { runQemuBench } = await import('./qemu');
      return runQemuBench(sizes.qemu);
    }
    case 'plans': {
      const { runPlansBench } = await import('./plans');
      return runPlansBench(sizes.plans);
    }
    case 'serve': {
      const { runServeBench } = await import('./serve');
      return runServeBench(sizes.serve);
    }
    case 'prometheus':
      // A child of its own: it forks the KubeVirt stand-in and runs a real Prometheus.
      return runScript('prometheus-progress.ts', ['--migrations', sizes.prometheus.migrations, '--polls', String(sizes.prometheus.polls)]);
  }
}

const ms = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '—' : n >= 100 ? `${Math.round(n)} ms` : `${Math.round(n * 100) / 100} ms`);
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const p50p99 = (x: { p50Ms: number; p99Ms: number }) => `p50 ${ms(x.p50Ms)} · p99 ${ms(x.p99Ms)}`;

/** Turns each section's figures into the rows of the one table. */
function rowsOf(section: Section, outcome: SectionOutcome, sizes: Sizes): Row[] {
  const area = {
    vsix: 'Package',
    extension: 'Extension',
    dialog: 'Dialog',
    'dialog-chart': 'Dialog',
    'history-charts': 'History',
    kubevirt: 'KubeVirt source',
    watcher: 'Watcher',
    daemon: 'Blixard daemon',
    history: 'History',
    'history-host': 'History',
    'history-ingest': 'History',
    qemu: 'QEMU runtime',
    plans: 'Migration plans',
    serve: 'HTTP API (serve)',
    prometheus: 'KubeVirt via Prometheus',
  }[section];
  if (!outcome.ok) return [{ area, figure: 'not measured', value: 'FAILED', conditions: outcome.error ?? '' }];
  switch (section) {
    case 'vsix': {
      const f = outcome.figures as VsixFigures;
      return [{ area, figure: 'VSIX size', value: `${f.mb} MB · ${f.files} files`, conditions: `${f.file}, ${f.unpackedMb} MB unpacked (limit 5 MB)` }];
    }
    case 'extension': {
      const f = outcome.figures as ExtensionBenchFigures;
      const a = f.activation;
      const spread = (x: { p50: number; min: number; max: number }) => `p50 ${ms(x.p50)} (${ms(x.min)}–${ms(x.max)})`;
      const hosts = `${a.activateMs.samples.length} fresh hosts, VS Code ${f.host.vscodeVersion} (code-server)`;
      const rows: Row[] = [
        { area, figure: 'require() + activate()', value: spread(a.togetherMs), conditions: `${hosts}; load/CPU ${f.loadPerCpu}` },
        { area, figure: 'activate()', value: spread(a.activateMs), conditions: 'measured by the extension' },
        { area, figure: 'require() of dist/extension.js', value: spread(a.requireBundleMs), conditions: `${f.bundle.extensionJsKb} kB entry, ${f.bundle.eagerKb} kB with its eager chunks, in the extension host (CPU ${spread(a.requireBundleCpuMs)})` },
        {
          area,
          figure: 'activation reported by VS Code',
          value: `p50 ${ms(f.vscodeReportedActivationMs.p50)} · max ${ms(f.vscodeReportedActivationMs.max)}`,
          conditions: `"Show Running Extensions", ${f.vscodeReportedActivationMs.samples.length} fresh hosts; built-ins p50 ${ms(f.builtinActivationMsP50)}`,
        },
      ];
      const t = f.host.tree;
      if (t) {
        const tree = `${t.clusters} clusters × ${t.nodesPerCluster} nodes × ${count(t.vmsPerNode)} VMs`;
        rows.push(
          { area, figure: 'tree first render', value: ms(t.firstRenderMs), conditions: `${tree}, gRPC to real dev clusters included; cached redraw ${ms(t.secondRenderMs)}` },
          { area, figure: 'getChildren, 1 node', value: `p50 ${ms(t.getChildrenMs.p50)} · p99 ${ms(t.getChildrenMs.p99)}`, conditions: `${count(t.vmsPerNode)} VMs; with getTreeItem each: p50 ${ms(t.getChildrenAndItemsMs.p50)}` },
        );
      }
      const h = f.host.history;
      for (const [activity, b] of Object.entries(h?.activities ?? {})) {
        rows.push({
          area,
          figure: `host's longest block by the history: ${activity}`,
          value: `${ms(Math.max(b.maxMs, b.probeGapMs))} (p99 ${ms(b.p99Ms)})`,
          conditions: `in the extension host, worker client; ${count(h!.migrations)} migrations (${h!.fileMiB} MiB); took ${ms(b.tookMs)}; host heap ${h!.hostHeapGrowthMiB < 0 ? '−' : '+'}${Math.abs(h!.hostHeapGrowthMiB)} MiB`,
        });
      }
      return rows;
    }
    case 'dialog': {
      const f = outcome.figures as DialogFigures;
      return [
        { area, figure: 'open → form', value: `Blixard ${ms(f.blixard.openToFormMs)} · KubeVirt ${ms(f.kubevirt.openToFormMs)}`, conditions: `median of ${sizes.dialogRuns} sessions, dev cluster / local API server` },
        { area, figure: 'submit → first phase', value: `Blixard ${ms(f.blixard.submitToFirstPhaseMs)} · KubeVirt ${ms(f.kubevirt.submitToFirstPhaseMs)}`, conditions: `validation with 1,000 nodes ${f.validateWith1000NodesUs} µs; gate ${count(f.gateMessagesPerSec)} msg/s` },
      ];
    }
    case 'kubevirt': {
      const f = outcome.figures as KubevirtSourceFigures;
      return [
        { area, figure: 'first tree answer', value: ms(f.firstTreeMs), conditions: `${f.cluster.nodes} nodes × ${count(f.cluster.vmisPerNode)} VMIs, HTTPS loopback; listVms ${p50p99(f.listVms)}` },
        { area, figure: 'server commit → observation', value: p50p99(f.observationLatency), conditions: `server in its own process, migrations 15 ms apart; ${f.observationLatency.samples} phase changes; relist after 410 ${ms(f.relistAfter410Ms)}` },
        { area, figure: 'commit → observation, burst', value: p50p99(f.observationLatencyBurst), conditions: `the same server, ${f.migrations} migrations created at once (throughput-bound)` },
        { area, figure: 'commit → observation, same process', value: p50p99(f.observationLatencySameProcess), conditions: 'server in the bench process, migrations created at once (the method before issue 13)' },
      ];
    }
    case 'watcher': {
      const f = outcome.figures as WatcherBenchFigures;
      const l = f.latency;
      const conditions = `${l.migrations} migrations, ${count(l.transitions)} transitions, one API server, same run`;
      return [
        { area, figure: 'watch event → output line', value: p50p99(l.toOutputLine), conditions: `blixard-migrations watch; ${conditions}` },
        { area, figure: 'watch event → kubectl line', value: p50p99(l.kubectl), conditions: `kubectl get vmim -w -A; ${conditions}` },
        { area, figure: 'ours / kubectl', value: `p50 ${l.ratioToKubectl.p50} · p99 ${l.ratioToKubectl.p99}`, conditions: `below 1: our line first; missing: ours ${l.missing.outputLine}, kubectl ${l.missing.kubectl}` },
        { area, figure: 'watch event → history journal', value: p50p99(l.toHistoryJournal), conditions: 'read by another process' },
        { area, figure: 'ingest', value: `${count(f.ingest.transitionsPerSecond)} transitions/s`, conditions: `watcher → recorder → history, journal fsync on; ${count(f.ingest.transitions)} transitions` },
      ];
    }
    case 'daemon': {
      const f = outcome.figures as DaemonBenchFigures;
      const migrate = (store: string, x: DaemonBenchFigures['migrateMemory'], where: string): Row[] => [
        { area, figure: `MigrateVm latency, ${store}`, value: p50p99(x.sequential), conditions: `one caller, ${x.sequential.calls} calls; ${where}` },
        {
          area,
          figure: `MigrateVm throughput, ${store}`,
          value: `${x.concurrent.migrationsPerSec} migrations/s`,
          conditions: `${x.concurrent.concurrency} concurrent callers, ${x.concurrent.calls} calls (${p50p99(x.concurrent)}); ${where}`,
        },
      ];
      return [
        ...migrate('memory store', f.migrateMemory, 'dev-cluster process, zero runtime delays'),
        ...migrate('etcd store', f.migrateEtcd, '3 daemon processes on a real etcd, zero runtime delays'),
        { area, figure: 'ListVms', value: p50p99(f.reads10k.listVms), conditions: `${count(f.reads10k.vms)} VMs (~${count(f.reads10k.listVmsResponseKb)} KiB); GetClusterStatus ${p50p99(f.reads10k.getClusterStatus)}` },
        { area, figure: '4 GiB live migration', value: ms(f.liveMigration4GiB.durationMs), conditions: `simulated ${count(f.liveMigration4GiB.bandwidthMbps)} Mbit/s link, ${f.liveMigration4GiB.precopyRounds} pre-copy rounds` },
      ];
    }
    case 'history': {
      const f = outcome.figures as HistoryBenchFigures;
      const db = `${count(f.database.migrations)} migrations, ${count(f.database.transitions)} transitions (${f.database.fileMb} MB file)`;
      const rows: Row[] = [
        { area, figure: 'ingest', value: `${count(f.ingest.transitionsPerSec)} transitions/s`, conditions: `journal fsync on (group commit); acknowledged every 100: ${count(f.ingest.acknowledgedTransitionsPerSec)}/s` },
      ];
      const picks: Array<[string, string]> = [
        ['all (newest 100)', 'query: all (newest 100)'],
        ['active', 'query: active'],
        ['byId (with transitions)', 'query: by id'],
        ['byDatacenter (500)', 'query: by datacenter (500)'],
        ['byVm', 'query: by VM'],
      ];
      for (const [key, figure] of picks) {
        const q = f.queries[key];
        if (q) rows.push({ area, figure, value: p50p99(q), conditions: `${db}; ${q.rows} row(s)` });
      }
      rows.push({ area, figure: 'load · snapshot', value: `${ms(f.load.ms)} · ${ms(f.snapshot.ms)}`, conditions: `${db}; RSS +${f.load.rssDeltaMb} MB on load` });
      return rows;
    }
    case 'history-host': {
      const f = outcome.figures as HistoryHostFigures;
      const db = `${count(f.migrations)} migrations (${f.fileMiB} MiB file)`;
      const block = (b: { maxMs: number; probeGapMs: number; p99Ms: number }) => `${ms(Math.max(b.maxMs, b.probeGapMs))} (p99 ${ms(b.p99Ms)})`;
      return Object.keys(f.worker).map((activity) => ({
        area,
        figure: `longest block of the host: ${activity}`,
        value: `${block(f.worker[activity])} in a worker${f.inProcess ? ` · ${block(f.inProcess[activity])} in-process` : ''}`,
        conditions: `${db}; event-loop watchdog (monitorEventLoopDelay + 1 ms probe); took ${ms(f.worker[activity].tookMs)}${f.inProcess ? ` · ${ms(f.inProcess[activity].tookMs)}` : ''}; host heap +${f.hostHeapGrowthMiB} MiB, process RSS +${f.rssGrowthMiB.worker}${f.inProcess ? ` · +${f.rssGrowthMiB.inProcess}` : ''} MiB`,
      }));
    }
    case 'history-ingest': {
      const f = outcome.figures as HistoryIngestFigures;
      const block = (b: { maxMs: number; probeGapMs: number; p99Ms: number }) => `host longest block ${ms(Math.max(b.maxMs, b.probeGapMs))} (p99 ${ms(b.p99Ms)})`;
      const into = (n: number) => (n === 0 ? 'a new history' : `a history of ${count(n)} migrations`);
      return [
        ...f.opens.map((o) => ({ area, figure: `open → first answer at ${count(o.existingMigrations)} migrations`, value: ms(o.firstAnswer.tookMs), conditions: `${o.fileMiB} MiB file, worker thread; ${block(o.firstAnswer)}` })),
        ...f.runs.map((r) => ({
          area,
          figure: `durable ingest, ${r.stream === 'bursts' ? "a watcher's bursts" : 'distinct migrations'}`,
          value: `${count(r.transitionsPerSecond)} transitions/s`,
          conditions: `${count(r.transitions)} transitions into ${into(r.existingMigrations)}: watcher → recorder → worker, journal fsync on; ${block(r.hostBlock)}`,
        })),
      ];
    }
    case 'dialog-chart': {
      const f = outcome.figures as DialogChartFigures;
      const us = (n: number) => `${n} µs`;
      return [
        { area, figure: 'transfer chart: one progress event on the host', value: `${us(f.hostSteadyState.usPerEvent)} per event`, conditions: `series kept at ${f.hostSteadyState.pointsMin}–${f.hostSteadyState.pointsMax} points however long it runs, message ≤ ${count(f.hostSteadyState.messageBytesMax)} bytes; first 100 events ${us(f.hostFirst100Events.usPerEvent)}, without a series ${us(f.hostWithoutSeriesUsPerEvent)}; ${count(sizes.dialogChartEvents)} events at 10 Hz` },
        { area, figure: 'transfer chart: the webview per message', value: `${us(f.webviewFullSeries.guardUs)} guard · ${us(f.webviewFullSeries.verdictUs)} verdict`, conditions: 'a full series: the message guard over it, and the convergence verdict read from it' },
      ];
    }
    case 'history-charts': {
      const f = outcome.figures as HistoryChartsFigures;
      return f.worker.map((r) => ({
        area,
        figure: `charts(), ${r.query}`,
        value: `median ${ms(r.medianMs)} · max ${ms(r.maxMs)}`,
        conditions: `through the worker, ${count(f.migrations)} migrations (${r.days} days, ${r.flows} flows); in the store's thread ${ms(f.inProcess.find((x) => x.query === r.query)?.medianMs)}; ≤ 100 ms wanted`,
      }));
    }
    case 'qemu':
      return qemuRows(outcome.figures as QemuBenchFigures).map((r) => ({ area, ...r }));
    case 'serve':
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return (require('./serve') as typeof import('./serve')).serveRows(outcome.figures as ServeBenchFigures).map((r) => ({ area, ...r }));
    case 'prometheus':
      return (outcome.figures as { results: PollFigures[] }).results.map((r) => ({
        area,
        figure: `KubeVirt progress poll, ${r.migrations} running migration${r.migrations === 1 ? '' : 's'}`,
        value: `${Math.round(r.cpuUsPerMigration)} µs CPU per migration per poll`,
        conditions: `this process ${ms(r.clientCpuMsPerPoll)} + Prometheus ${ms(r.prometheusCpuMsPerPoll)} per poll (with its scrape); wall p50 ${ms(r.wallMedianMs)} · p95 ${ms(r.wallP95Ms)}; answer ${count(r.answerBytes)} bytes; ${r.polls} polls at 1 s, Prometheus 2.42 scraping every 1 s`,
      }));
    case 'plans': {
      const f = outcome.figures as PlansBenchFigures;
      const planning = (what: string, p: PlansBenchFigures['evacuate']) => ({
        area,
        figure: `plan: ${what}`,
        value: `p50 ${ms(p.medianMs)} · max ${ms(p.maxMs)}`,
        conditions: `${count(p.vms)} VMs over ${p.nodes} nodes; ${p.moves} moves, ${p.blocked} blocked; spread of use ${p.spreadBefore} → ${p.spreadAfter} points`,
      });
      const r = f.run;
      return [
        planning('evacuate a node of 100 VMs', f.evacuate),
        planning('rebalance (threshold 10 points)', f.rebalance),
        { area, figure: `run an evacuation of ${r.vms} VMs`, value: `${ms(r.wallMs)} (+${r.overheadPercent} % over ideal)`, conditions: `concurrency ${r.concurrency}, dev cluster, one migration ${ms(r.oneMigrationMs)}; ideal ceil(${r.vms}/${r.concurrency}) × one = ${ms(r.idealMs)}; highest node use seen ${r.highestNodeUsePercent} %` },
      ];
    }
  }
}

function printTable(rows: Row[]): void {
  const headers: Row = { area: 'Area', figure: 'Figure', value: 'Value', conditions: 'Measured on' };
  const all = [headers, ...rows];
  const width = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const w = { area: width('area'), figure: width('figure'), value: width('value') };
  const line = (r: Row) => `${r.area.padEnd(w.area)}  ${r.figure.padEnd(w.figure)}  ${r.value.padEnd(w.value)}  ${r.conditions}`;
  console.log(line(headers));
  console.log(`${'-'.repeat(w.area)}  ${'-'.repeat(w.figure)}  ${'-'.repeat(w.value)}  ${'-'.repeat(11)}`);
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const sizes = quick ? QUICK : FULL;
  const only = option('--only')?.split(',').map((s) => s.trim());
  const unknown = only?.filter((s) => !(SECTIONS as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: unknown section(s) ${unknown.join(', ')} (known: ${SECTIONS.join(', ')})`);
  const sections = SECTIONS.filter((s) => !only || only.includes(s));
  const out = path.resolve(option('--out') ?? path.join(ROOT, 'bench', 'results.json'));

  const startedAt = new Date();
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 1024 ** 3), node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100) };
  console.log(`blixard-migrations benchmarks${quick ? ' (--quick sizes)' : ''}: ${sections.join(', ')}`);
  console.log(`${machine.cpus} CPU(s) ${machine.cpuModel ?? ''}, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}`);

  const outcomes: Partial<Record<Section, SectionOutcome>> = {};
  for (const section of sections) {
    const t0 = Date.now();
    process.stdout.write(`[bench] ${section}… `);
    try {
      const figures = await runSection(section, sizes);
      outcomes[section] = { ok: true, seconds: Math.round((Date.now() - t0) / 100) / 10, figures };
      console.log(`done in ${outcomes[section]!.seconds} s`);
    } catch (err) {
      outcomes[section] = { ok: false, seconds: Math.round((Date.now() - t0) / 100) / 10, error: message(err) };
      console.log(`FAILED after ${outcomes[section]!.seconds} s: ${message(err)}`);
    }
  }

  const rows = sections.flatMap((s) => rowsOf(s, outcomes[s]!, sizes));
  console.log('');
  printTable(rows);
  const finishedAt = new Date();
  const loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`\n${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s in all; load average at the end ${loadAverageAtEnd.join(' ')}; written to ${path.relative(process.cwd(), out) || out}`);
  writeFileSync(
    out,
    JSON.stringify({ startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), quick, sizes, machine: { ...machine, loadAverageAtEnd }, sections: outcomes, table: rows }, null, 2) + '\n',
  );
  const failed = sections.filter((s) => !outcomes[s]!.ok);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main()
  .catch((err) => {
    console.error(message(err));
    process.exitCode = 1;
  })
  // Benchmarks leave servers' sockets and timers behind at times; the report is written, so end here.
  .finally(() => setTimeout(() => process.exit(process.exitCode ?? 0), 100));
