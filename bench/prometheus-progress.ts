// Issue 16: what following KubeVirt migrations through Prometheus costs. N migrations run at
// once on the local KubeVirt stand-in (its own process, as a cluster would be), whose virt-handler
// /metrics a real Prometheus (Debian's 2.42) scrapes every second; the KubeVirt source's poller
// (migration-progress-poller.ts, through PrometheusConnection) queries it as it does every 2 s,
// here back to back. Per poll: wall time (query sent → figures handed to the source), this
// process's CPU, Prometheus' CPU (from /proc), the answer's size; and each divided by N.
//
//   node --import tsx bench/prometheus-progress.ts [--json] [--quick] [--migrations 1,10,100,500] [--polls 30]

import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PrometheusServer } from '../test/support/prometheus-server';
import { MigrationProgressPoller, progressQuery, type TransferringMigration } from '../src/sources/kubevirt/migration-progress-poller';
import { PrometheusConnection } from '../src/sources/kubevirt/prometheus-client';
import { silentLogger } from '../src/base/logger';

export interface PollFigures {
  migrations: number;
  polls: number;
  wallMedianMs: number;
  wallP95Ms: number;
  /** Median, over the polls that handed figures over. */
  clientCpuMsPerPoll: number;
  prometheusCpuMsPerPoll: number;
  answerBytes: number;
  /** Polls that handed new figures over (timed). */
  timed: number;
  /** Per running migration: client CPU + Prometheus CPU, µs. */
  cpuUsPerMigration: number;
}

type FromChild = { type: 'ready'; metricsUrl: string; vmis: string[] } | { type: 'failed'; message: string };

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The stand-in, in a process of its own: `count` migrations that stay in Running for 10 minutes. */
async function serve(count: number): Promise<void> {
  const { seedCluster, startKubeApiServer } = await import('../test/support/kube-api-server');
  const server = await startKubeApiServer({ virtHandlerMetrics: true, timing: { perPhaseMs: 5, phaseMs: { Running: 600_000 } } });
  const { vmis } = seedCluster(server, { nodes: Math.max(2, Math.ceil(count / 50)), totalVmis: count + 1, notMigratableEvery: 0, bareVmi: false });
  const chosen = vmis.slice(0, count);
  for (const vmi of chosen) server.createMigration({ vmiName: vmi });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && chosen.some((v) => !server.metrics!.figuresOf('default', v))) await new Promise((r) => setTimeout(r, 50));
  process.send!({ type: 'ready', metricsUrl: server.metrics!.url, vmis: chosen } satisfies FromChild);
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime, clock ticks (100 Hz)
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

async function measure(count: number, polls: number): Promise<PollFigures> {
  const child = fork(__filename, ['--serve', String(count)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await new Promise<Extract<FromChild, { type: 'ready' }>>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`stand-in exited ${code}`)));
      child.on('message', (m: FromChild) => (m.type === 'ready' ? resolve(m) : reject(new Error(m.message))));
    });
    const prometheus = await PrometheusServer.start({ targets: [ready.metricsUrl], scrapeIntervalMs: 1000 });
    try {
      const migrations: TransferringMigration[] = ready.vmis.map((vmi, i) => ({ key: `default/m-${i}`, namespace: 'default', vmi, startedAt: Date.now() - 60_000 }));
      const connection = new PrometheusConnection(prometheus.url, {}, 10_000);
      while ((await connection.query('count(kubevirt_vmi_migration_data_remaining_bytes)'))[0]?.value !== count) await new Promise((r) => setTimeout(r, 200));
      const answerBytes = (await (await fetch(`${prometheus.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query: progressQuery(migrations) }) })).arrayBuffer()).byteLength;
      // Warm-up (JIT, the connection's first sockets), outside the measured span.
      for (let i = 0; i < 5; i++) await connection.query(progressQuery(migrations));
      const walls: number[] = [];
      const cpus: number[] = [];
      let started = 0;
      let cpuAtStart = process.cpuUsage();
      const ticks0 = cpuTicks(prometheus.pid!);
      // As the source runs it (every interval, a query, the figures handed over), at 1 s here.
      const poller = new MigrationProgressPoller(connection, {
        label: 'bench',
        logger: silentLogger,
        intervalMs: 1000,
        missingAfterMs: 3_600_000,
        transferring: () => {
          started = performance.now();
          cpuAtStart = process.cpuUsage();
          return migrations;
        },
        // A poll between two scrapes finds the figures unchanged and hands nothing over: timed only when it does.
        changed: () => {
          walls.push(performance.now() - started);
          const used = process.cpuUsage(cpuAtStart);
          cpus.push((used.user + used.system) / 1000);
        },
      });
      poller.wake();
      while (poller.queries < polls) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      poller.dispose();
      const ticks = cpuTicks(prometheus.pid!) - ticks0;
      // Prometheus also scraped during the run (once per poll): its CPU per poll includes one scrape of N×5 series.
      // This process's CPU from the query's start to the figures handed over (waiting for the answer costs none).
      const clientCpuMsPerPoll = percentile(cpus, 50);
      const prometheusCpuMsPerPoll = (ticks * 10) / polls;
      return {
        migrations: count,
        polls,
        timed: walls.length,
        wallMedianMs: round(percentile(walls, 50)),
        wallP95Ms: round(percentile(walls, 95)),
        clientCpuMsPerPoll: round(clientCpuMsPerPoll),
        prometheusCpuMsPerPoll: round(prometheusCpuMsPerPoll),
        answerBytes,
        cpuUsPerMigration: round(((clientCpuMsPerPoll + prometheusCpuMsPerPoll) * 1000) / count),
      };
    } finally {
      await prometheus.stop();
    }
  } finally {
    child.kill('SIGTERM');
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const counts = (option('--migrations') ?? (quick ? '1,10,100' : '1,10,100,500')).split(',').map(Number);
  const polls = Number(option('--polls') ?? (quick ? 8 : 20));
  const results: PollFigures[] = [];
  for (const count of counts) {
    const r = await measure(count, polls);
    results.push(r);
    if (!process.argv.includes('--json')) console.error(JSON.stringify(r));
  }
  console.log(JSON.stringify({ polls, results }));
}

if (process.argv[2] === '--serve') {
  serve(Number(process.argv[3])).catch((e: Error) => process.send!({ type: 'failed', message: e.message }));
} else {
  main().then(() => process.exit(0), (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  });
}
