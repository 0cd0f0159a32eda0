// Figures for the migration dialog's host side: how fast the message gate rejects and accepts,
// what a validation pass costs with many nodes (the webview runs one per keystroke), and the
// latencies a person feels against real clusters — open → form, submit → tracking, submit →
// first phase shown — on a Blixard dev cluster (gRPC on loopback) and on the local KubeVirt API server.
//   node --import tsx bench/dialog.ts [--runs 10] [--json]

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDevCluster } from '../companion/blixard-node/dev-cluster';
import { MigrationDialogSession } from '../src/ui/dialog/core/migration-dialog-session';
import type { MigrationFeed } from '../src/ui/dialog/core/migration-feed';
import { validateMigration } from '../src/protocol/migration-validation';
import { isWebviewMessage, type NodeView } from '../src/protocol/migration-dialog';
import { SourceStreamFeed } from '../src/ui/dialog/core/source-stream-feed';
import type { ClusterSource } from '../src/sources/cluster-source';
import { createBlixardSource } from '../src/sources/blixard/blixard-source';
import { KubevirtSource } from '../src/sources/kubevirt/kubevirt-source';
import { BLIXARD_TRAITS } from '../src/sources/blixard/blixard-kind';
import { seedCluster, startKubeApiServer } from '../test/support/kube-api-server';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const round = (n: number) => Math.round(n * 100) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

function gateFigures(): Record<string, number> {
  const messages: unknown[] = [
    { type: 'ready' },
    { type: 'submit', targetNodeId: '2', live: true, force: false },
    { type: 'submit', targetNodeId: 2, live: true, force: false },
    { type: 'runCommand', command: 'x' },
    { type: 'submit', targetNodeId: 'x'.repeat(600), live: true, force: false },
    null,
    [1, 2, 3],
    { type: '__proto__' },
  ];
  const n = 1_000_000;
  let accepted = 0;
  const t = performance.now();
  for (let i = 0; i < n; i++) if (isWebviewMessage(messages[i % messages.length])) accepted++;
  const ms = performance.now() - t;
  return { gateMessagesPerSec: Math.round((n / ms) * 1000), gateAcceptedShare: round(accepted / n) };
}

function validationFigures(): Record<string, number> {
  const nodes: NodeView[] = Array.from({ length: 1000 }, (_, i) => ({
    id: String(i + 1),
    name: `node-${i + 1}`,
    status: 'follower',
    schedulable: true,
    capacityVcpus: 64,
    capacityMemoryMb: 262144,
    freeVcpus: i % 64,
    freeMemoryMb: (i * 997) % 262144,
  }));
  const vm = { id: 'vm', name: 'vm', nodeId: '1', state: 'running' as const, phase: 'Running', vcpus: 8, memoryMb: 16384 };
  const runs = 2000;
  const t = performance.now();
  for (let i = 0; i < runs; i++) validateMigration({ traits: BLIXARD_TRAITS, vm, nodes }, { targetNodeId: String((i % 1000) + 1), live: true, force: i % 2 === 0 });
  return { validateWith1000NodesUs: round(((performance.now() - t) / runs) * 1000) };
}

async function sessionFigures(source: ClusterSource, vmIds: string[], targetOf: (from: string) => string | null): Promise<Record<string, number>> {
  const open: number[] = [];
  const toTracking: number[] = [];
  const toFirstPhase: number[] = [];
  for (const vmId of vmIds) {
    const feed: MigrationFeed & { dispose(): void } = new SourceStreamFeed();
    const session = new MigrationDialogSession({ source, vmId, feed, post: () => undefined, close: () => undefined, log: { info() {}, warn() {}, error() {} } });
    let t = performance.now();
    await session.start();
    open.push(performance.now() - t);
    const from = session.viewState.vm?.nodeId as string;
    t = performance.now();
    session.handle({ type: 'submit', targetNodeId: targetOf(from), live: true, force: false });
    await until(() => session.viewState.stage === 'tracking', 30_000, 'tracking');
    toTracking.push(performance.now() - t);
    await until(() => (session.viewState.migration?.phases.length ?? 0) > 0, 30_000, 'a phase');
    toFirstPhase.push(performance.now() - t);
    await until(() => ['succeeded', 'failed', 'cancelled'].includes(session.viewState.migration?.state ?? ''), 120_000, 'the end');
    session.dispose();
    feed.dispose();
  }
  return { openToFormMs: round(median(open)), submitToTrackingMs: round(median(toTracking)), submitToFirstPhaseMs: round(median(toFirstPhase)) };
}

async function main(): Promise<void> {
  const runs = arg('runs', 6);
  const figures: Record<string, unknown> = { ...gateFigures(), ...validationFigures() };

  const cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: runs * 2, runtime: { bootMs: 10, stopMs: 10, bandwidthMbps: 0 } });
  const blixard = createBlixardSource({ id: 'bench', endpoints: cluster.endpoints });
  try {
    // Odd VMs run; migrate each running one once.
    const vms = Array.from({ length: runs }, (_, i) => `vm-${2 * i + 1}`);
    figures.blixard = await sessionFigures(blixard, vms, (from) => (from === '1' ? '2' : '1'));
  } finally {
    blixard.dispose();
    await cluster.stop();
  }

  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-dialog-bench-'));
  const server = await startKubeApiServer({ timing: { perPhaseMs: 20 } });
  try {
    seedCluster(server, { nodes: 3, vmisPerNode: runs, notMigratableEvery: 0, bareVmi: false });
    const kubeconfig = path.join(dir, 'config');
    await server.writeKubeconfig(kubeconfig);
    const kube = new KubevirtSource({ kubeconfigPaths: [kubeconfig], context: 'kubevirt-test' });
    await kube.listNodes(); // load client-node and sync the informers first: the figure is the dialog's, not the module loader's
    try {
      const vms = Array.from({ length: runs }, (_, i) => `default/vm-${String(i + 1).padStart(3, '0')}`);
      figures.kubevirt = await sessionFigures(kube, vms, () => null);
    } finally {
      kube.dispose();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  else for (const [k, v] of Object.entries(figures)) console.log(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
