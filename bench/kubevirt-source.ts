// Figures for the KubeVirt source against the local KubeVirt-compatible API server (HTTPS on
// loopback): time to the first tree answer with N nodes × M VMIs, listVms/listNodes latency
// served from the informer caches, the latency from the server committing a VMIM change to
// the source emitting its observation, and the time to recover (relist) after a 410.
//   node --import tsx bench/kubevirt-source.ts [--nodes 3] [--vmis-per-node 1000] [--migrations 50] [--json]

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { KubevirtSource } from '../src/sources/kubevirt/kubevirt-source';
import { seedCluster, startKubeApiServer } from '../test/support/kube-api-server';

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

async function main(): Promise<void> {
  const nodes = arg('nodes', 3);
  const perNode = arg('vmis-per-node', 1000);
  const migrations = arg('migrations', 50);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-kubevirt-bench-'));
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

    const figures = {
      cluster: { nodes, vmisPerNode: perNode, vmis: nodes * perNode },
      firstTreeMs: round(firstTreeMs),
      firstListVmsMs: round(firstListVmsMs),
      vmsOnFirstNode: firstVms.length,
      listVms: { p50Ms: round(percentile(listVmsMs, 50)), p99Ms: round(percentile(listVmsMs, 99)) },
      listNodes: { p50Ms: round(percentile(listNodesMs, 50)), p99Ms: round(percentile(listNodesMs, 99)) },
      observationLatency: { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), samples: latencies.length },
      relistAfter410Ms: round(relistMs),
    };
    if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
    else {
      console.log(`KubeVirt source, ${nodes} nodes × ${perNode} VMIs (local API server, HTTPS loopback)`);
      console.log(`  first tree answer (list+watch of nodes, VMIs, VMIMs): ${figures.firstTreeMs} ms`);
      console.log(`  listVms(node) with ${firstVms.length} VMIs: p50 ${figures.listVms.p50Ms} ms, p99 ${figures.listVms.p99Ms} ms`);
      console.log(`  listNodes: p50 ${figures.listNodes.p50Ms} ms, p99 ${figures.listNodes.p99Ms} ms`);
      console.log(`  server commit → observation (${latencies.length} phase changes): p50 ${figures.observationLatency.p50Ms} ms, p99 ${figures.observationLatency.p99Ms} ms`);
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
