// Migration plans (issue 14): the planner at 1,000 VMs over 100 nodes — evacuating one node of
// 100 VMs, rebalancing a skewed cluster — its time and the quality of its result (the spread of
// use, max − min across the nodes, before and after; the moves made); and an evacuation of 50 VMs
// run on a real dev cluster with concurrency 4 and a fixed simulated migration time: wall time
// against the ideal ceil(50/4) × one migration, and the highest node use the cluster reported
// during the run (it must never pass 100 %).
//
//   node --import tsx bench/plans.ts [--json] [--quick]

import { startDevCluster } from '../companion/blixard-node/dev-cluster';
import type { ClusterNode, Vm } from '../src/model/cluster';
import { readClusterSnapshot } from '../src/plans/cluster-snapshot';
import { PlanRunner } from '../src/plans/plan-runner';
import { countStates } from '../src/plans/plan-run-state';
import { planMigrations, useSpread } from '../src/plans/planner';
import type { ClusterSnapshot, MigrationPlan, PlanRequest } from '../src/plans/plan-types';
import { createBlixardSource } from '../src/sources/blixard/blixard-source';

export interface PlanningFigures {
  nodes: number;
  vms: number;
  medianMs: number;
  maxMs: number;
  moves: number;
  blocked: number;
  /** Spread of use (max − min fraction, the larger of vCPU and memory) before → after, in points. */
  spreadBefore: number;
  spreadAfter: number;
}

export interface RunFigures {
  vms: number;
  concurrency: number;
  oneMigrationMs: number;
  wallMs: number;
  idealMs: number;
  overheadPercent: number;
  highestNodeUsePercent: number;
  done: number;
}

export interface PlansBenchFigures {
  evacuate: PlanningFigures;
  rebalance: PlanningFigures;
  run: RunFigures;
}

export interface PlansBenchOptions {
  nodes: number;
  vms: number;
  runVms: number;
  runConcurrency: number;
  repeats: number;
}

/** A fixed pseudo-random sequence, so every run plans the same cluster. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function syntheticCluster(nodeCount: number, vmCount: number, place: (i: number, random: () => number) => number): ClusterSnapshot {
  const random = lcg(14);
  // Nodes of 192 vCPU / 384 GiB; VMs of 1–2 vCPU and 1–4 GiB (100 fill about 80 % of a node).
  const nodes: ClusterNode[] = Array.from({ length: nodeCount }, (_, i) => ({ id: String(i + 1), name: `node-${i + 1}`, status: 'follower', schedulable: true, capacity: { vcpus: 192, memoryMb: 384 * 1024 } }));
  const vms: Vm[] = Array.from({ length: vmCount }, (_, i) => ({
    id: `vm-${i + 1}`,
    name: `vm-${i + 1}`,
    nodeId: String(place(i, random) + 1),
    state: 'running',
    phase: 'VM_STATE_RUNNING',
    vcpus: 1 + Math.floor(random() * 2),
    memoryMb: 1024 * (1 + Math.floor(random() * 4)),
  }));
  return { cluster: 'bench', nodes, vms, traits: { anyNode: false, live: 'choice' } };
}

function timePlanning(snapshot: ClusterSnapshot, request: PlanRequest, repeats: number): PlanningFigures {
  const times: number[] = [];
  let plan: MigrationPlan | undefined;
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    plan = planMigrations(snapshot, request);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const spread = (when: 'before' | 'after') => {
    const s = useSpread(plan!.nodes, when);
    return Math.round(Math.max(s.cpu, s.memory) * 1000) / 10;
  };
  return {
    nodes: snapshot.nodes.length,
    vms: snapshot.vms.length,
    medianMs: round(times[Math.floor(times.length / 2)]),
    maxMs: round(times[times.length - 1]),
    moves: plan!.entries.length,
    blocked: plan!.blockers.length,
    spreadBefore: spread('before'),
    spreadAfter: spread('after'),
  };
}

async function measureRun(vmCount: number, concurrency: number): Promise<RunFigures> {
  // 4 nodes of 52 vCPU / 52 GiB; every VM 1 vCPU / 1 GiB, so every migration takes the same
  // simulated time. Node 1 holds the 50 to evacuate; the others 33 each and room for about 17 more,
  // so the targets end the run nearly full: the place where a transient overcommit would show.
  const capacity = { vcpus: 52, memoryMb: 52 * 1024 };
  const cluster = await startDevCluster({ nodes: 4, basePort: 0, vms: 0, capacity, runtime: { bootMs: 10, stopMs: 10, bandwidthMbps: 20_000, dirtyRateMbps: 50, progressIntervalMs: 100 }, log: () => {} });
  const source = createBlixardSource({ id: 'bench', name: 'bench', endpoints: cluster.endpoints });
  try {
    let n = 0;
    const create = (nodeId: number) => cluster.nodes[0].operations.createVm({ name: `vm-${++n}`, vcpus: 1, memoryMb: 1024, configPath: '', nodeId, initialState: 'RUNNING' });
    for (let i = 0; i < vmCount; i++) await create(1);
    for (const nodeId of [2, 3, 4]) for (let i = 0; i < 33; i++) await create(nodeId);
    // One migration alone, after one that warms the connection and the stream: the unit of the ideal.
    const probe = await create(2);
    await (await source.migrate({ vmId: probe.name, targetNodeId: '3', live: true })).completion;
    const single = performance.now();
    await (await source.migrate({ vmId: probe.name, targetNodeId: '2', live: true })).completion;
    const oneMigrationMs = performance.now() - single;

    const snapshot = await readClusterSnapshot(source);
    const plan = planMigrations(snapshot, { kind: 'evacuate', nodeId: '1' }, { concurrency: { perCluster: concurrency, perSourceNode: concurrency } });
    let highest = 0;
    let sampling = true;
    const sample = async () => {
      while (sampling) {
        for (const n of await source.listNodes().catch(() => [] as ClusterNode[])) {
          if (!n.capacity || !n.used) continue;
          highest = Math.max(highest, n.used.vcpus / n.capacity.vcpus, n.used.memoryMb / n.capacity.memoryMb);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const sampler = sample();
    const started = performance.now();
    const final = await new PlanRunner(source, plan).run();
    const wallMs = performance.now() - started;
    sampling = false;
    await sampler;
    const idealMs = Math.ceil(plan.entries.length / concurrency) * oneMigrationMs;
    return {
      vms: plan.entries.length,
      concurrency,
      oneMigrationMs: round(oneMigrationMs),
      wallMs: round(wallMs),
      idealMs: round(idealMs),
      overheadPercent: round(((wallMs - idealMs) / idealMs) * 100),
      highestNodeUsePercent: round(highest * 100),
      done: countStates(final).done,
    };
  } finally {
    source.dispose();
    await cluster.stop();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function runPlansBench(options: PlansBenchOptions): Promise<PlansBenchFigures> {
  // Node 1 holds a tenth of the VMs (100 of 1,000), the rest spread at random.
  const evacuatedCount = Math.round(options.vms / 10);
  const evacuate = syntheticCluster(options.nodes, options.vms, (i, random) => (i < evacuatedCount ? 0 : 1 + Math.floor(random() * (options.nodes - 1))));
  // Entering maintenance cordons the node first: the spread is of the nodes that take VMs.
  evacuate.nodes[0].schedulable = false;
  evacuate.nodes[0].maintenance = { reason: 'bench' };
  // Skewed: a third of the nodes hold most VMs.
  const skewed = syntheticCluster(options.nodes, options.vms, (i, random) => (random() < 0.7 ? Math.floor(random() * Math.ceil(options.nodes / 3)) : Math.floor(random() * options.nodes)));
  return {
    evacuate: timePlanning(evacuate, { kind: 'evacuate', nodeId: '1' }, options.repeats),
    rebalance: timePlanning(skewed, { kind: 'rebalance', threshold: 0.1 }, options.repeats),
    run: await measureRun(options.runVms, options.runConcurrency),
  };
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  runPlansBench(quick ? { nodes: 20, vms: 200, runVms: 12, runConcurrency: 4, repeats: 3 } : { nodes: 100, vms: 1000, runVms: 50, runConcurrency: 4, repeats: 7 })
    .then((f) => {
      console.log(process.argv.includes('--json') ? JSON.stringify(f) : JSON.stringify(f, null, 2));
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
