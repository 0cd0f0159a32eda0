// Figures for the extension itself, measured in a real VS Code (code-server 1.100.3) driven by
// Chromium:
//   - activate() time (measured by the extension) and require() of the bundle in the host;
//   - VS Code's own activation figure from "Developer: Show Running Extensions" (code loading
//     + the activate() call), over several fresh extension hosts;
//   - time to first render of the Clusters tree for 3 clusters × 3 nodes × 1,000 VMs (real
//     Blixard dev clusters over gRPC), a cached redraw, and getChildren for a 1,000-VM node;
//   - bundle sizes.
//
//   node --import tsx bench/extension.ts [--vms-per-node 1000] [--activation-samples 5] [--json]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { Workbench } from '../test/e2e/support/workbench';
import type { HostFigures } from './extension-host-probe';

const ROOT = path.resolve(__dirname, '..');

export interface ExtensionBenchFigures {
  host: HostFigures;
  /** "Activation: N ms" in Running Extensions, each from a fresh extension host (page reload). */
  vscodeReportedActivationMs: { samples: number[]; p50: number; max: number };
  /** The same figure for the built-in extensions activated in the same hosts (median of each host's), for scale on a busy machine. */
  builtinActivationMsP50: number;
  /** 1-minute load average / CPU count while measuring: above 1 the figures are inflated by waiting for a CPU. */
  loadPerCpu: number;
  bundle: { extensionJsKb: number; vendorKb: Record<string, number> };
}

export interface ExtensionBenchOptions {
  vmsPerNode?: number;
  activationSamples?: number;
}

export async function runExtensionBench(options: ExtensionBenchOptions = {}): Promise<ExtensionBenchFigures> {
  build();
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
  const host = await measureInHost(probe, options.vmsPerNode ?? 1000);
  const { ours: vscodeReportedActivationMs, builtinP50 } = await measureReportedActivation(options.activationSamples ?? 5);
  const loadPerCpu = Math.round((os.loadavg()[0] / os.cpus().length) * 10) / 10;
  const kb = (file: string) => Math.round(statSync(path.join(ROOT, 'dist', file)).size / 1024);
  return {
    host,
    vscodeReportedActivationMs,
    builtinActivationMsP50: builtinP50,
    loadPerCpu,
    bundle: {
      extensionJsKb: kb('extension.js'),
      vendorKb: { 'client-node': kb('vendor/client-node.js'), 'grpc-js': kb('vendor/grpc-js.js'), 'proto-loader': kb('vendor/proto-loader.js') },
    },
  };
}

function build(): void {
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('build failed');
}

async function measureInHost(probe: string, vmsPerNode: number): Promise<HostFigures> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-bench-ext-'));
  const results = path.join(dir, 'host.json');
  const workbench = await Workbench.open({
    extensionTestsPath: probe,
    env: { BLIXARD_BENCH_RESULTS: results, BLIXARD_BENCH_VMS_PER_NODE: String(vmsPerNode) },
  });
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
    rmSync(dir, { recursive: true, force: true });
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function printFigures(f: ExtensionBenchFigures): void {
  const h = f.host;
  console.log(
    [
      `VS Code ${h.vscodeVersion} (code-server), extension host on Node ${process.versions.node.split('.')[0]}`,
      `activate(): ${h.activateMs} ms (measured by the extension)`,
      `require() of dist/extension.js (${f.bundle.extensionJsKb} kB) in the host: ${h.requireBundleMs} ms`,
      `require() CPU time: ${h.requireBundleCpuMs} ms`,
      `VS Code's reported activation (load code + activate call), ${f.vscodeReportedActivationMs.samples.length} fresh hosts: p50 ${f.vscodeReportedActivationMs.p50} ms, max ${f.vscodeReportedActivationMs.max} ms [${f.vscodeReportedActivationMs.samples.join(', ')}]; built-in extensions in the same hosts: p50 ${f.builtinActivationMsP50} ms; load per CPU ${f.loadPerCpu}`,
      `first render, ${h.clusters} clusters × ${h.nodesPerCluster} nodes × ${h.vmsPerNode} VMs (gRPC included): ${h.firstRenderMs} ms; cached redraw: ${h.secondRenderMs} ms`,
      `first expansion of a ${h.vmsPerNode}-VM node: p50 ${h.nodeFirstExpandMs.p50} ms, max ${h.nodeFirstExpandMs.max} ms`,
      `getChildren, ${h.vmsPerNode}-VM node: p50 ${h.getChildrenMs.p50} ms, p99 ${h.getChildrenMs.p99} ms; with getTreeItem for each: p50 ${h.getChildrenAndItemsMs.p50} ms, p99 ${h.getChildrenAndItemsMs.p99} ms`,
      `workbench reveal of a VM in each of the ${h.clusters * h.nodesPerCluster} nodes: ${h.workbenchRevealAllNodesMs} ms (${h.workbenchRevealRetries} tried again after VS Code rejected them mid-redraw)`,
      `extension host heap after: ${h.heapUsedMb} MB; vendor bundles (loaded on first use): ${Object.entries(f.bundle.vendorKb).map(([k, v]) => `${k} ${v} kB`).join(', ')}`,
    ].join('\n'),
  );
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  runExtensionBench({ vmsPerNode: opt('--vms-per-node'), activationSamples: opt('--activation-samples') })
    .then((f) => (args.includes('--json') ? console.log(JSON.stringify(f, null, 2)) : printFigures(f)))
    .then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
}
