// Runs inside the real extension host (as a test module, through the URL payload) for
// bench/extension.ts: measures the extension where it actually runs and writes the figures to
// $BLIXARD_BENCH_RESULTS. Always activation (activate() as the extension measures it, require()
// of a fresh copy of the bundle); then, as the environment asks, the Clusters tree against real
// Blixard dev clusters (bench/host-probe-tree.ts) and the history's event-loop figures
// (bench/host-probe-history.ts). With $BLIXARD_BENCH_PROFILE_DIR, .cpuprofile files of
// activation (when the host had not activated the extension yet), of the require() of a fresh
// copy, of the tree's first render and of the history's activities.

import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../src/extension';
import { withCpuProfile } from './host-cpu-profile';
import { measureHistoryInHost, type HostHistoryFigures } from './host-probe-history';
import { measureTree, round, type TreeFigures } from './host-probe-tree';

export interface HostFigures {
  vscodeVersion: string;
  /** activate() body, measured by the extension itself. */
  activateMs: number;
  /** Whether the probe started the activation (so the activation profile, if asked for, covers it). */
  activatedByProbe: boolean;
  /** require() of a fresh copy of dist/extension.js in this host (code loading alone). */
  requireBundleMs: number;
  /** The same, in CPU time (stable on a busy machine, where wall time includes waiting for a CPU). */
  requireBundleCpuMs: number;
  tree?: TreeFigures;
  history?: HostHistoryFigures;
}

export async function run(): Promise<void> {
  const resultsFile = process.env.BLIXARD_BENCH_RESULTS ?? '/tmp/blixard-bench-host.json';
  try {
    writeFileSync(resultsFile, JSON.stringify({ ok: true, figures: await measure() }));
  } catch (err) {
    writeFileSync(resultsFile, JSON.stringify({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  }
}

async function measure(): Promise<HostFigures> {
  const env = process.env;
  const profileDir = env.BLIXARD_BENCH_PROFILE_DIR;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const profile = (name: string) => (profileDir ? path.join(profileDir, `${name}-${Date.now()}.cpuprofile`) : undefined);
  const extension = vscode.extensions.getExtension<BlixardExtensionApi>('blixard.blixard-migrations')!;
  const activatedByProbe = !extension.isActive;
  const api = extension.isActive ? extension.exports : await withCpuProfile(profile('activation'), () => Promise.resolve(extension.activate()));
  const root = extension.extensionPath;
  const { requireBundleMs, requireBundleCpuMs } = await withCpuProfile(profile('require'), () => Promise.resolve(requireFreshCopy(root)));

  const figures: HostFigures = {
    vscodeVersion: vscode.version,
    activateMs: round(api.activation.activateMs),
    activatedByProbe,
    requireBundleMs: round(requireBundleMs),
    requireBundleCpuMs: round(requireBundleCpuMs),
  };
  const clusters = Number(env.BLIXARD_BENCH_CLUSTERS ?? 0);
  if (clusters > 0) {
    figures.tree = await measureTree(api, root, {
      clusters,
      nodes: Number(env.BLIXARD_BENCH_NODES ?? 3),
      vmsPerNode: Number(env.BLIXARD_BENCH_VMS_PER_NODE ?? 1000),
      profileFile: profile('tree-first-render'),
    });
  }
  if (env.BLIXARD_BENCH_HISTORY_FILE) {
    // The extension's own start (its watcher, its history's worker) runs just after activation:
    // let it finish, so what is measured is this history's work, not the window's startup.
    await api.migrations.whenStarted();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    figures.history = await measureHistoryInHost(root, {
      seededFile: env.BLIXARD_BENCH_HISTORY_FILE,
      migrations: Number(env.BLIXARD_BENCH_HISTORY_MIGRATIONS),
      ingestRecords: Number(env.BLIXARD_BENCH_HISTORY_INGEST ?? 20_000),
      profileFile: profile('history'),
    });
  }
  return figures;
}

/**
 * Code loading alone: a fresh copy, so Node evaluates it again (inside the extension's folder so
 * its `vscode` import resolves as the real one's does). The bundle is split (esbuild.mjs): its
 * chunks are copied too, so the copy loads them afresh.
 */
function requireFreshCopy(root: string): { requireBundleMs: number; requireBundleCpuMs: number } {
  const copyDir = path.join(root, 'out', 'bench', `extension-copy-${Date.now()}`);
  mkdirSync(copyDir, { recursive: true });
  for (const f of readdirSync(path.join(root, 'dist'))) if (/^extension.*\.js$/.test(f)) copyFileSync(path.join(root, 'dist', f), path.join(copyDir, f));
  const copy = path.join(copyDir, 'extension.js');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // A fresh copy, required by path: the timing must include loading the bundle, not a cached module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(copy);
  const requireBundleMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { requireBundleMs, requireBundleCpuMs: (cpu.user + cpu.system) / 1000 };
}
