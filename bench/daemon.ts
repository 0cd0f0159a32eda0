// Benchmark of the Blixard node daemon: MigrateVm throughput and latency on dev-cluster (memory
// store) and on 3 daemon processes over a real etcd, both with zero runtime delays; ListVms and
// GetClusterStatus latency with 10,000 VMs; and the time of a 4 GiB simulated live migration at
// the default bandwidth. `node --import tsx bench/daemon.ts [--json] [--migrations N] [--concurrency N]`

import { startDevCluster } from '../companion/blixard-node/dev-cluster';
import { SIMULATED_RUNTIME_DEFAULTS } from '../companion/blixard-node/runtime/simulated-runtime';
import { connect, eventually, type BlixardTestClient } from '../test/companion/blixard-test-client';
import { EtcdHarness } from '../test/companion/etcd-harness';
import { exitOf, startCli } from '../test/companion/cli-process';

export interface LatencyFigures {
  p50Ms: number;
  p99Ms: number;
  calls: number;
}

export interface MigrateThroughputFigures extends LatencyFigures {
  migrationsPerSec: number;
  concurrency: number;
}

/** One caller at a time (latency without queueing), then many (throughput). */
export interface MigrateFigures {
  sequential: MigrateThroughputFigures;
  concurrent: MigrateThroughputFigures;
}

export interface DaemonBenchFigures {
  migrateMemory: MigrateFigures;
  migrateEtcd: MigrateFigures;
  reads10k: { vms: number; listVms: LatencyFigures; getClusterStatus: LatencyFigures; listVmsResponseKb: number };
  liveMigration4GiB: { memoryMb: number; bandwidthMbps: number; dirtyRateMbps: number; durationMs: number; precopyRounds: number };
}

export interface DaemonBenchOptions {
  /** MigrateVm calls per store with `concurrency` callers (default 600; a third of it one at a time). */
  migrations?: number;
  /** Concurrent callers (default 16). */
  concurrency?: number;
  /** VMs for the read figures (default 10,000). */
  readVms?: number;
}

/** Roomy nodes, so placement never gets in the way of the figures. */
const BIG_NODE = { vcpus: 1024, memoryMb: 4_000_000, diskGb: 10_000 };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function latency(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), calls: samples.length };
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return [Number(process.hrtime.bigint() - t0) / 1e6, value];
}

/**
 * Drives `total` MigrateVm calls from `concurrency` callers, each owning its own VMs (live
 * migrations of running VMs, round-robin over the nodes and the daemons they call).
 */
async function driveMigrations(clients: BlixardTestClient[], vmNames: string[], nodeOf: Map<string, number>, nodes: number, total: number, concurrency: number): Promise<MigrateThroughputFigures> {
  const samples: number[] = [];
  let issued = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const mine = vmNames.filter((_, i) => i % concurrency === worker);
      for (let k = 0; issued < total; k++) {
        issued++;
        const vm = mine[k % mine.length];
        const target = (nodeOf.get(vm)! % nodes) + 1;
        const client = clients[(worker + k) % clients.length];
        const [ms, res] = await timed(() => client.call('MigrateVm', { vm_name: vm, target_node_id: target, live_migration: true }, 60_000));
        if (res.status !== 'MIGRATION_STATUS_COMPLETED') throw new Error(`migration of ${vm} ended ${res.status}: ${res.message}`);
        nodeOf.set(vm, target);
        samples.push(ms);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...latency(samples), migrationsPerSec: round(samples.length / seconds, 1), concurrency };
}

const BIG_NODE_FLAG = `vcpus=${BIG_NODE.vcpus},memory=${BIG_NODE.memoryMb},disk=${BIG_NODE.diskGb}`;
const ZERO_DELAY_FLAGS = ['--boot-ms', '0', '--stop-ms', '0', '--bandwidth-mbps', '0'];

/** Runs a dev-cluster in its own process (as users run it), so the bench client does not share its event loop. */
async function withDevClusterProcess<T>(vms: number, body: (clients: BlixardTestClient[]) => Promise<T>): Promise<T> {
  const { child, match } = await startCli(
    ['dev-cluster', '--nodes', '3', '--base-port', '0', '--vms', String(vms), '--quiet', '--capacity', BIG_NODE_FLAG, ...ZERO_DELAY_FLAGS],
    /^blixard dev-cluster ready: (\S+)\n/m,
  );
  const clients = match[1].split(',').map((e) => connect(e, undefined, { 'grpc.max_receive_message_length': 64 * 1024 * 1024 }));
  try {
    return await body(clients);
  } finally {
    clients.forEach((c) => c.close());
    child.kill('SIGTERM');
    await exitOf(child);
  }
}

/** The running VMs (dev-cluster seeds odd ones running) and where they are. */
async function runningVms(client: BlixardTestClient): Promise<Map<string, number>> {
  const { vms } = await client.call('ListVms', {}, 60_000);
  return new Map(vms.filter((v: { state: string }) => v.state === 'VM_STATE_RUNNING').map((v: { name: string; node_id: number }) => [v.name, v.node_id]));
}

/** Warm-up, then a sequential run and a concurrent run on the same cluster. */
async function measureMigrations(clients: BlixardTestClient[], nodeOf: Map<string, number>, total: number, concurrency: number): Promise<MigrateFigures> {
  const names = [...nodeOf.keys()];
  await driveMigrations(clients, names, nodeOf, 3, Math.min(60, total), concurrency);
  const sequential = await driveMigrations(clients, names, nodeOf, 3, Math.ceil(total / 3), 1);
  const concurrent = await driveMigrations(clients, names, nodeOf, 3, total, concurrency);
  return { sequential, concurrent };
}

async function benchMemoryMigrations(total: number, concurrency: number): Promise<MigrateFigures> {
  return withDevClusterProcess(concurrency * 8, async (clients) => measureMigrations(clients, await runningVms(clients[0]), total, concurrency));
}

export async function benchEtcdMigrations(total: number, concurrency: number): Promise<MigrateFigures> {
  const etcd = await EtcdHarness.start();
  const daemons: Awaited<ReturnType<typeof startCli>>[] = [];
  const clients: BlixardTestClient[] = [];
  try {
    for (const id of [1, 2, 3]) {
      daemons.push(
        await startCli(
          ['--id', String(id), '--listen', '127.0.0.1:0', '--store', `etcd://${etcd.endpoint}`, '--quiet', '--capacity', BIG_NODE_FLAG, ...ZERO_DELAY_FLAGS],
          new RegExp(`^blixard-node ${id} ready: (\\S+)\\n`, 'm'),
        ),
      );
      clients.push(connect(daemons.at(-1)!.match[1]));
    }
    await eventually(async () => (await clients[0].call('GetClusterStatus')).nodes.length === 3, 15_000, 'three members');
    // Seed through the public API: create, place, start.
    const nodeOf = new Map<string, number>();
    for (let i = 0; i < concurrency * 4; i++) {
      const name = `bench-${i}`;
      await clients[0].call('CreateVm', { name, vcpus: 1, memory_mb: 256 });
      let node = (await clients[0].call('GetVmStatus', { name })).vm_info.node_id as number;
      const want = (i % 3) + 1;
      if (node !== want) {
        await clients[0].call('MigrateVm', { vm_name: name, target_node_id: want });
        node = want;
      }
      await clients[0].call('StartVm', { name });
      nodeOf.set(name, node);
    }
    return await measureMigrations(clients, nodeOf, total, concurrency);
  } finally {
    clients.forEach((c) => c.close());
    for (const d of daemons) d.child.kill('SIGTERM');
    await Promise.all(daemons.map((d) => exitOf(d.child)));
    await etcd.stop();
  }
}

async function benchReads(vmCount: number): Promise<DaemonBenchFigures['reads10k']> {
  return withDevClusterProcess(vmCount, async ([, client]) => {
    const measure = async (method: string, check: (res: Record<string, any>) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      for (let i = 0; i < 20; i++) await client.call(method); // warm-up
      const samples: number[] = [];
      let last: Record<string, unknown> = {};
      for (let i = 0; i < 300; i++) {
        const [ms, res] = await timed(() => client.call(method));
        check(res);
        samples.push(ms);
        last = res;
      }
      return { figures: latency(samples), last };
    };
    const list = await measure('ListVms', (res) => {
      if (res.vms.length !== vmCount) throw new Error(`ListVms returned ${res.vms.length} VMs`);
    });
    const status = await measure('GetClusterStatus', (res) => {
      if (res.nodes.length !== 3) throw new Error('GetClusterStatus lost a node');
    });
    return { vms: vmCount, listVms: list.figures, getClusterStatus: status.figures, listVmsResponseKb: Math.round(JSON.stringify(list.last).length / 1024) };
  });
}

async function benchLiveMigration4GiB(): Promise<DaemonBenchFigures['liveMigration4GiB']> {
  const cluster = await startDevCluster({ nodes: 2, basePort: 0, vms: 0 }); // default runtime settings
  const client = connect(cluster.endpoints[0]);
  try {
    await cluster.nodes[0].operations.createVm({ name: 'big', vcpus: 4, memoryMb: 4096, configPath: '', nodeId: 1, initialState: 'RUNNING' });
    const res = await client.call('MigrateVm', { vm_name: 'big', target_node_id: 2, live_migration: true }, 120_000);
    if (res.status !== 'MIGRATION_STATUS_COMPLETED') throw new Error(`4 GiB live migration ended ${res.status}: ${res.message}`);
    const m = (await client.call('GetMigration', { id: res.migration_id })).migration;
    return {
      memoryMb: 4096,
      bandwidthMbps: SIMULATED_RUNTIME_DEFAULTS.bandwidthMbps,
      dirtyRateMbps: SIMULATED_RUNTIME_DEFAULTS.dirtyRateMbps,
      durationMs: Number(res.duration_ms),
      precopyRounds: m.progress.precopy_round,
    };
  } finally {
    client.close();
    await cluster.stop();
  }
}

export async function runDaemonBench(options: DaemonBenchOptions = {}): Promise<DaemonBenchFigures> {
  const migrations = options.migrations ?? 600;
  const concurrency = options.concurrency ?? 16;
  return {
    migrateMemory: await benchMemoryMigrations(migrations, concurrency),
    migrateEtcd: await benchEtcdMigrations(migrations, concurrency),
    reads10k: await benchReads(options.readVms ?? 10_000),
    liveMigration4GiB: await benchLiveMigration4GiB(),
  };
}

function printFigures(f: DaemonBenchFigures): void {
  const one = (x: MigrateThroughputFigures) => `${x.migrationsPerSec} migrations/s, p50 ${x.p50Ms} ms, p99 ${x.p99Ms} ms (${x.calls} calls, ${x.concurrency} at a time)`;
  const m = (x: MigrateFigures) => `\n    ${one(x.sequential)}\n    ${one(x.concurrent)}`;
  console.log(
    [
      `MigrateVm, dev-cluster (memory store), zero runtime delays: ${m(f.migrateMemory)}`,
      `MigrateVm, 3 daemon processes over etcd, zero runtime delays: ${m(f.migrateEtcd)}`,
      `ListVms with ${f.reads10k.vms} VMs: p50 ${f.reads10k.listVms.p50Ms} ms, p99 ${f.reads10k.listVms.p99Ms} ms (~${f.reads10k.listVmsResponseKb} KiB as JSON)`,
      `GetClusterStatus with ${f.reads10k.vms} VMs: p50 ${f.reads10k.getClusterStatus.p50Ms} ms, p99 ${f.reads10k.getClusterStatus.p99Ms} ms`,
      `4 GiB live migration at the default ${f.liveMigration4GiB.bandwidthMbps} Mbit/s (guest dirtying ${f.liveMigration4GiB.dirtyRateMbps} Mbit/s): ${f.liveMigration4GiB.durationMs} ms, ${f.liveMigration4GiB.precopyRounds} pre-copy rounds`,
    ].join('\n'),
  );
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  runDaemonBench({ migrations: opt('--migrations'), concurrency: opt('--concurrency'), readVms: opt('--vms') })
    .then((f) => (args.includes('--json') ? console.log(JSON.stringify(f, null, 2)) : printFigures(f)))
    .then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
}
