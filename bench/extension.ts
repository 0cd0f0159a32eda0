// Figures for the extension itself, measured in a real VS Code (code-server 4.100.3, VS Code
// 1.100.3) driven by Chromium:
//   - activate() time (measured by the extension) and require() of the bundle in the host, each
//     from a fresh extension host (--activation-samples of them): p50 and spread;
//   - VS Code's own activation figure from "Developer: Show Running Extensions" (code loading
//     + the activate() call), over several fresh extension hosts;
//   - time to first render of the Clusters tree for --clusters × --nodes × --vms-per-node (real
//     Blixard dev clusters over gRPC, one process per cluster), a cached redraw, and
//     getChildren for one node;
//   - with --history-migrations N: the history (through the worker client the extension uses)
//     opening, ingesting, snapshotting, answering panel queries, applying retention and exporting
//     at N migrations, under an event-loop watchdog on the extension host's thread;
//   - bundle sizes.
// --profile DIR writes .cpuprofile files of the host (activation, the tree's first render and
// its cached redraw, the history's activities) and prints their top self-time functions.
//
//   node --import tsx bench/extension.ts [--clusters 3] [--nodes 3] [--vms-per-node 1000]
//     [--activation-samples 5] [--history-migrations 0] [--history-ingest 20000] [--history-without-port-scan] [--profile DIR] [--json]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { Workbench } from '../test/e2e/support/workbench';
import type { HostFigures } from './extension-host-probe';
import { topSelfTime } from './host-cpu-profile';
import { seedHistoryFile } from './history-host';

const ROOT = path.resolve(__dirname, '..');

export interface Spread {
  samples: number[];
  p50: number;
  min: number;
  max: number;
}

export interface ExtensionBenchFigures {
  /** The host that measured the tree, and the history's figures from another fresh host. */
  host: HostFigures;
  /** Each from a fresh extension host that did nothing else. */
  activation: { activateMs: Spread; requireBundleMs: Spread; requireBundleCpuMs: Spread; togetherMs: Spread };
  /** "Activation: N ms" in Running Extensions, each from a fresh extension host (page reload). */
  vscodeReportedActivationMs: { samples: number[]; p50: number; max: number };
  /** The same figure for the built-in extensions activated in the same hosts (median of each host's), for scale on a busy machine. */
  builtinActivationMsP50: number;
  /** 1-minute load average / CPU count while measuring: above 1 the figures are inflated by waiting for a CPU. */
  loadPerCpu: number;
  bundle: { extensionJsKb: number; eagerKb: number; vendorKb: Record<string, number> };
  /** With --profile: the top self-time functions of each profile written. */
  profiles?: Record<string, Array<{ ms: number; fn: string }>>;
}

export interface ExtensionBenchOptions {
  clusters?: number;
  nodes?: number;
  vmsPerNode?: number;
  activationSamples?: number;
  /** 0 (default): no history figures. */
  historyMigrations?: number;
  historyIngest?: number;
  /** The history's host with VS Code's port auto-forwarding off (its `ps` runs block the host). */
  historyWithoutPortScan?: boolean;
  profileDir?: string;
}

export async function runExtensionBench(options: ExtensionBenchOptions = {}): Promise<ExtensionBenchFigures> {
  const eagerKb = build();
  const probe = path.join(ROOT, 'out', 'bench', 'extension-host-probe.js');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'bench', 'extension-host-probe.ts')],
    outfile: probe,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    external: ['vscode'],
    logLevel: 'warning',
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-bench-ext-'));
  try {
    const profileDir = options.profileDir ? path.resolve(options.profileDir) : undefined;
    const host = await measureInHost(probe, dir, {
      BLIXARD_BENCH_CLUSTERS: String(options.clusters ?? 3),
      BLIXARD_BENCH_NODES: String(options.nodes ?? 3),
      BLIXARD_BENCH_VMS_PER_NODE: String(options.vmsPerNode ?? 1000),
      ...(profileDir ? { BLIXARD_BENCH_PROFILE_DIR: profileDir } : {}),
    });
    // The history in a host of its own: after the tree, 100,000 VMs' elements in the host's heap
    // make its garbage collection pauses part of every figure. With --history-without-port-scan,
    // that host does not look for ports to forward: code-server's remote extension host runs
    // `ps` for it from its own thread (a spawn from a large process blocked it 20–90 ms at a
    // time in a profile), which is VS Code's work, not the history's.
    const historyMigrations = options.historyMigrations ?? 0;
    if (historyMigrations > 0) {
      const seeded = path.join(dir, 'history-seed.db');
      await seedHistoryFile(seeded, historyMigrations);
      const { history } = await measureInHost(probe, dir, {
        BLIXARD_BENCH_HISTORY_FILE: seeded,
        BLIXARD_BENCH_HISTORY_MIGRATIONS: String(historyMigrations),
        BLIXARD_BENCH_HISTORY_INGEST: String(options.historyIngest ?? 20_000),
        ...(profileDir ? { BLIXARD_BENCH_PROFILE_DIR: profileDir } : {}),
      }, options.historyWithoutPortScan ? { 'remote.autoForwardPorts': false, 'remote.autoForwardPortsSource': 'output' } : undefined);
      host.history = history;
    }
    const samples: HostFigures[] = [];
    const samplesWanted = options.activationSamples ?? 5;
    for (let i = 0; i < samplesWanted; i++) samples.push(await measureInHost(probe, dir, {}));
    if (samples.length === 0) samples.push(host);
    const { ours: vscodeReportedActivationMs, builtinP50 } = samplesWanted > 0 ? await measureReportedActivation(samplesWanted) : { ours: spread([]), builtinP50: NaN };
    const loadPerCpu = Math.round((os.loadavg()[0] / os.cpus().length) * 10) / 10;
    const kb = (file: string) => Math.round(statSync(path.join(ROOT, 'dist', file)).size / 1024);
    return {
      host,
      activation: {
        activateMs: spread(samples.map((s) => s.activateMs)),
        requireBundleMs: spread(samples.map((s) => s.requireBundleMs)),
        requireBundleCpuMs: spread(samples.map((s) => s.requireBundleCpuMs)),
        togetherMs: spread(samples.map((s) => Math.round((s.activateMs + s.requireBundleMs) * 10) / 10)),
      },
      vscodeReportedActivationMs,
      builtinActivationMsP50: builtinP50,
      loadPerCpu,
      bundle: {
        extensionJsKb: kb('extension.js'),
        eagerKb,
        vendorKb: { 'client-node': kb('vendor/client-node.js'), 'grpc-js': kb('vendor/grpc-js.js'), 'proto-loader': kb('vendor/proto-loader.js') },
      },
      ...(profileDir ? { profiles: readProfiles(profileDir) } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds dist/ and returns the size of what activation loads: extension.js and the chunks it requires at its top level, transitively. */
function build(): number {
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('build failed');
  const dist = path.join(ROOT, 'dist');
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(path.join(dist, file))) return;
    seen.add(file);
    // Only top-level requires (`var import_x = require("./extension-chunk-….js");`, as esbuild
    // converts a static import); lazy ones sit inside functions.
    for (const m of readFileSync(path.join(dist, file), 'utf8').matchAll(/^var import_\w+ = require\("\.\/(extension-chunk-[\w-]+\.js)"\);$/gm)) visit(m[1]);
  };
  visit('extension.js');
  return Math.round([...seen].reduce((sum, f) => sum + statSync(path.join(dist, f)).size, 0) / 1024);
}

async function measureInHost(probe: string, dir: string, env: Record<string, string>, userSettings?: Record<string, unknown>): Promise<HostFigures> {
  const results = path.join(dir, `host-${Date.now()}.json`);
  const workbench = await Workbench.open({ extensionTestsPath: probe, env: { BLIXARD_BENCH_RESULTS: results, BLIXARD_BENCH_CLUSTERS: '0', ...env }, userSettings });
  try {
    const deadline = Date.now() + 15 * 60_000;
    while (!existsSync(results)) {
      if (Date.now() > deadline) throw new Error('the extension host did not report within 15 minutes');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const outcome = JSON.parse(readFileSync(results, 'utf8')) as { ok: boolean; figures?: HostFigures; error?: string };
    if (!outcome.ok || !outcome.figures) throw new Error(`in-host measurement failed: ${outcome.error}`);
    return outcome.figures;
  } finally {
    await workbench.close();
  }
}

async function measureReportedActivation(samples: number): Promise<{ ours: ExtensionBenchFigures['vscodeReportedActivationMs']; builtinP50: number }> {
  const workbench = await Workbench.open({});
  const values: number[] = [];
  const builtins: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      if (i > 0) {
        await workbench.page.reload();
        await workbench.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      }
      // onStartupFinished: the figure appears once the workbench gets there.
      let times: Record<string, number> = {};
      const deadline = Date.now() + 60_000;
      while (times['blixard.blixard-migrations'] === undefined && Date.now() < deadline) {
        times = await workbench.reportedActivationTimes().catch(() => ({}));
        if (times['blixard.blixard-migrations'] === undefined) await workbench.page.waitForTimeout(1000);
      }
      const ours = times['blixard.blixard-migrations'] ?? times['Blixard Migrations'];
      if (ours === undefined) throw new Error('Running Extensions never showed an activation time for blixard.blixard-migrations');
      values.push(ours);
      const others = Object.entries(times).filter(([id]) => id !== 'blixard.blixard-migrations' && id !== 'Blixard Migrations').map(([, ms]) => ms);
      if (others.length > 0) builtins.push(median(others));
    }
  } finally {
    await workbench.close();
  }
  return { ours: { samples: values, p50: median(values), max: Math.max(...values) }, builtinP50: builtins.length ? median(builtins) : NaN };
}

function readProfiles(dir: string): Record<string, Array<{ ms: number; fn: string }>> {
  const out: Record<string, Array<{ ms: number; fn: string }>> = {};
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) out[path.join(dir, f)] = topSelfTime(JSON.parse(readFileSync(path.join(dir, f), 'utf8')), 15);
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function spread(samples: number[]): Spread {
  return { samples, p50: median(samples), min: Math.min(...samples), max: Math.max(...samples) };
}

function printFigures(f: ExtensionBenchFigures): void {
  const h = f.host;
  const a = f.activation;
  const s = (x: Spread) => `p50 ${x.p50} ms (${x.min}–${x.max}) [${x.samples.join(', ')}]`;
  const lines = [
    `VS Code ${h.vscodeVersion} (code-server), extension host on Node ${process.versions.node.split('.')[0]}; ${a.activateMs.samples.length} fresh hosts`,
    `activate(): ${s(a.activateMs)} (measured by the extension)`,
    `require() of dist/extension.js (${f.bundle.extensionJsKb} kB; ${f.bundle.eagerKb} kB with the chunks it loads) in the host: ${s(a.requireBundleMs)}; CPU ${s(a.requireBundleCpuMs)}`,
    `require() + activate(): ${s(a.togetherMs)}`,
    `VS Code's reported activation (load code + activate call), ${f.vscodeReportedActivationMs.samples.length} fresh hosts: p50 ${f.vscodeReportedActivationMs.p50} ms, max ${f.vscodeReportedActivationMs.max} ms [${f.vscodeReportedActivationMs.samples.join(', ')}]; built-in extensions in the same hosts: p50 ${f.builtinActivationMsP50} ms; load per CPU ${f.loadPerCpu}`,
  ];
  const t = h.tree;
  if (t) {
    lines.push(
      `first render, ${t.clusters} clusters × ${t.nodesPerCluster} nodes × ${t.vmsPerNode} VMs (gRPC included): ${t.firstRenderMs} ms; cached redraw: ${t.secondRenderMs} ms (dev clusters started in ${t.clustersStartMs} ms)`,
      `first expansion of a ${t.vmsPerNode}-VM node: p50 ${t.nodeFirstExpandMs.p50} ms, max ${t.nodeFirstExpandMs.max} ms`,
      `getChildren, ${t.vmsPerNode}-VM node: p50 ${t.getChildrenMs.p50} ms, p99 ${t.getChildrenMs.p99} ms; with getTreeItem for each: p50 ${t.getChildrenAndItemsMs.p50} ms, p99 ${t.getChildrenAndItemsMs.p99} ms`,
      `workbench reveal of a VM in each of the ${t.clusters * t.nodesPerCluster} nodes: ${t.workbenchRevealAllNodesMs} ms (${t.workbenchRevealRetries} tried again after VS Code rejected them mid-redraw)`,
      `extension host heap after: ${t.heapUsedMb} MB`,
    );
  }
  if (h.history) {
    lines.push(`history in the extension host, ${h.history.migrations} migrations (${h.history.fileMiB} MiB), worker client; host heap +${h.history.hostHeapGrowthMiB} MiB, RSS +${h.history.rssGrowthMiB} MiB:`);
    for (const [activity, b] of Object.entries(h.history.activities)) lines.push(`  ${activity}: longest block ${Math.max(b.maxMs, b.probeGapMs)} ms (histogram ${b.maxMs}, probe ${b.probeGapMs}), p99 ${b.p99Ms} ms; took ${b.tookMs} ms`);
  }
  lines.push(`vendor bundles (loaded on first use): ${Object.entries(f.bundle.vendorKb).map(([k, v]) => `${k} ${v} kB`).join(', ')}`);
  for (const [file, top] of Object.entries(f.profiles ?? {})) lines.push(`profile ${file}:`, ...top.map((x) => `  ${x.ms} ms  ${x.fn}`));
  console.log(lines.join('\n'));
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string) => (opt(name) === undefined ? undefined : Number(opt(name)));
  runExtensionBench({
    clusters: num('--clusters'),
    nodes: num('--nodes'),
    vmsPerNode: num('--vms-per-node'),
    activationSamples: num('--activation-samples'),
    historyMigrations: num('--history-migrations'),
    historyIngest: num('--history-ingest'),
    historyWithoutPortScan: args.includes('--history-without-port-scan'),
    profileDir: opt('--profile'),
  })
    .then((f) => (args.includes('--json') ? console.log(JSON.stringify(f, null, 2)) : printFigures(f)))
    .then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
}
