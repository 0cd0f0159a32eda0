// Figures for the KubeVirt source against the local KubeVirt-compatible API server (HTTPS on
// loopback): time to the first tree answer with N nodes × M VMIs, listVms/listNodes latency
// served from the informer caches, the latency from the server committing a VMIM change to
// the source emitting its observation — with the server in the bench's own process (as measured
// before issue 13) and in a process of its own (as a real API server is; the figure) — and the
// time to recover (relist) after a 410.
//   node --import tsx bench/kubevirt-source.ts [--nodes 3] [--vmis-per-node 1000] [--migrations 50] [--gap-ms 15] [--json]

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KubevirtSource } from '../src/sources/kubevirt/kubevirt-source';
import { seedCluster, startKubeApiServer } from '../test/support/kube-api-server';
import { monotonicMs, startKubeApiServerProcess } from './kube-api-server-process';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const round = (n: number) => Math.round(n * 100) / 100;

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface LatencyFigure {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

/**
 * Server commit → observation with the API server in a process of its own, on the shared
 * monotonic clock: migrations started `gapMs` apart (the latency of one event), then as many
 * created at once (a burst: 50 migrations in lockstep put ~100 watch events into each
 * millisecond, and the figure is then the source's throughput, each event waiting for the ones
 * ahead of it).
 */
async function observationLatencyFromOwnProcess(dir: string, nodes: number, perNode: number, migrations: number, gapMs: number): Promise<{ spread: LatencyFigure; burst: LatencyFigure }> {
  const kubeconfig = path.join(dir, 'config-own-process');
  const server = await startKubeApiServerProcess({ nodes, vmisPerNode: perNode, perPhaseMs: 20, bookmarkIntervalMs: 1000, kubeconfig });
  const source = new KubevirtSource({ kubeconfigPaths: [kubeconfig], context: 'kubevirt-test' });
  try {
    const committedAt = new Map<string, number>();
    server.onCommit((c) => committedAt.set(`${c.name}@${c.phase}`, c.at));
    const observedAt = new Map<string, number>();
    let synced = 0;
    const subscription = source.onMigrationEvent((e) => {
      if (e.type === 'synced') synced++;
      if (e.type !== 'observation') return;
      const key = `${e.observation.migration.name}@${e.observation.migration.phase}`;
      if (!observedAt.has(key)) observedAt.set(key, monotonicMs());
    });
    await source.listNodes();
    await waitUntil(() => synced > 0, 30_000, 'the migration stream to sync');
    const ended = (n: string) => observedAt.has(`${n}@Succeeded`) || observedAt.has(`${n}@Failed`);
    const latencyOf = async (names: string[]): Promise<LatencyFigure> => {
      await waitUntil(() => names.every(ended), 120_000, 'every migration to end');
      // The last commits' messages may still be on their way.
      await new Promise((r) => setTimeout(r, 100));
      const latencies: number[] = [];
      for (const name of names) {
        for (const [key, at] of observedAt) if (key.startsWith(`${name}@`) && committedAt.has(key)) latencies.push(at - committedAt.get(key)!);
      }
      return { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), samples: latencies.length };
    };
    const spreadNames: string[] = [];
    for (const vmi of server.migratableVmis.slice(0, migrations)) {
      spreadNames.push(...(await server.createMigrations([vmi])));
      await new Promise((r) => setTimeout(r, gapMs));
    }
    const spread = await latencyOf(spreadNames);
    const burst = await latencyOf(await server.createMigrations(server.migratableVmis.slice(migrations, 2 * migrations)));
    subscription.dispose();
    return { spread, burst };
  } finally {
    source.dispose();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const nodes = arg('nodes', 3);
  const perNode = arg('vmis-per-node', 1000);
  const migrations = arg('migrations', 50);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-kubevirt-bench-'));
  // First, before this process holds a cluster of its own (whose garbage would be collected during it).
  const ownProcess = await observationLatencyFromOwnProcess(dir, nodes, perNode, migrations, arg('gap-ms', 15));
  const server = await startKubeApiServer({ bookmarkIntervalMs: 1000, timing: { perPhaseMs: 20 } });
  try {
    seedCluster(server, { nodes, vmisPerNode: perNode });
    const kubeconfig = path.join(dir, 'config');
    await server.writeKubeconfig(kubeconfig);
    const source = new KubevirtSource({ kubeconfigPaths: [kubeconfig], context: 'kubevirt-test' });

    // Warm the module loader so the figure is about the cluster, not tsx compiling client-node.
    await import('@kubernetes/client-node');
    let t = performance.now();
    const nodeList = await source.listNodes();
    const firstTreeMs = performance.now() - t;
    t = performance.now();
    const firstVms = await source.listVms(nodeList[0].id);
    const firstListVmsMs = performance.now() - t;

    const listVmsMs: number[] = [];
    const listNodesMs: number[] = [];
    for (let i = 0; i < 200; i++) {
      t = performance.now();
      await source.listVms(nodeList[i % nodeList.length].id);
      listVmsMs.push(performance.now() - t);
      t = performance.now();
      await source.listNodes();
      listNodesMs.push(performance.now() - t);
    }

    // Event latency: server commit of a VMIM change → observation emitted by the source.
    const committedAt = new Map<string, number>();
    const latencies: number[] = [];
    const stop = server.onChange((e) => {
      const o = e.stored.object;
      if (o.kind === 'VirtualMachineInstanceMigration' && o.status?.phase) committedAt.set(`${o.metadata.name}@${o.status.phase}`, performance.now());
    });
    const seen = new Set<string>();
    let synced = 0;
    const subscription = source.onMigrationEvent((e) => {
      if (e.type === 'synced') synced++;
      if (e.type !== 'observation') return;
      const key = `${e.observation.migration.name}@${e.observation.migration.phase}`;
      if (seen.has(key)) return;
      seen.add(key);
      const at = committedAt.get(key);
      if (at !== undefined) latencies.push(performance.now() - at);
    });
    await waitUntil(() => synced > 0, 30_000, 'the migration stream to sync');
    const vmis = server.objects.list('virtualmachineinstances').filter((v) => v.metadata.ownerReferences?.length && v.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'LiveMigratable' && c.status === 'True'));
    const names: string[] = [];
    for (const vmi of vmis.slice(0, migrations)) names.push(server.createMigration({ vmiName: vmi.metadata.name!, namespace: 'default' }).metadata.name!);
    await waitUntil(() => names.every((n) => seen.has(`${n}@Succeeded`) || seen.has(`${n}@Failed`)), 120_000, 'every migration to end');
    stop();

    // Recovery: the next watches get 410 and the source relists everything.
    const syncedBefore = synced;
    t = performance.now();
    server.faults.expireNextWatch(3);
    server.faults.dropWatches();
    await waitUntil(() => synced > syncedBefore, 60_000, 'the relist after 410');
    const relistMs = performance.now() - t;
    subscription.dispose();
    source.dispose();
    await server.stop();

    const figures = {
      cluster: { nodes, vmisPerNode: perNode, vmis: nodes * perNode },
      migrations,
      firstTreeMs: round(firstTreeMs),
      firstListVmsMs: round(firstListVmsMs),
      vmsOnFirstNode: firstVms.length,
      listVms: { p50Ms: round(percentile(listVmsMs, 50)), p99Ms: round(percentile(listVmsMs, 99)) },
      listNodes: { p50Ms: round(percentile(listNodesMs, 50)), p99Ms: round(percentile(listNodesMs, 99)) },
      /** Server in the bench's own process: its work for other migrations stands between commit and read. */
      observationLatencySameProcess: { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), samples: latencies.length },
      /** Server in a process of its own, as a real API server is; migrations started --gap-ms apart. */
      observationLatency: ownProcess.spread,
      /** The same server, as many migrations created at once: the source's throughput under a burst. */
      observationLatencyBurst: ownProcess.burst,
      relistAfter410Ms: round(relistMs),
    };
    if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
    else {
      console.log(`KubeVirt source, ${nodes} nodes × ${perNode} VMIs (local API server, HTTPS loopback)`);
      console.log(`  first tree answer (list+watch of nodes, VMIs, VMIMs): ${figures.firstTreeMs} ms`);
      console.log(`  listVms(node) with ${firstVms.length} VMIs: p50 ${figures.listVms.p50Ms} ms, p99 ${figures.listVms.p99Ms} ms`);
      console.log(`  listNodes: p50 ${figures.listNodes.p50Ms} ms, p99 ${figures.listNodes.p99Ms} ms`);
      const same = figures.observationLatencySameProcess;
      const { spread, burst } = ownProcess;
      console.log(`  server commit → observation, server in its own process (${spread.samples} phase changes, migrations ${arg('gap-ms', 15)} ms apart): p50 ${spread.p50Ms} ms, p99 ${spread.p99Ms} ms`);
      console.log(`  the same, ${migrations} migrations created at once (${burst.samples}): p50 ${burst.p50Ms} ms, p99 ${burst.p99Ms} ms`);
      console.log(`  server commit → observation, server in the bench's process (${same.samples}): p50 ${same.p50Ms} ms, p99 ${same.p99Ms} ms`);
      console.log(`  410 Gone → relisted and synced: ${figures.relistAfter410Ms} ms`);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
