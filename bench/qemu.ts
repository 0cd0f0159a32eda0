// Figures of the daemon's QEMU runtime with real guests (the built-in test guest) on a dev cluster
// of 3 daemons in this process: boot to first heartbeat, live migration of 128 and 512 MiB guests
// (duration, QEMU's downtime, bytes sent, dirty-sync rounds), the ETA the migration dialog shows at
// 25 % and 50 % against the real completion (the dialog's host session on a real Blixard source
// over gRPC, its posted progress run through the webview's own progressFigures), cold migration,
// and the RSS of each guest's QEMU. Fails with the install hint when QEMU or the kernel is missing.
//   node --import tsx bench/qemu.ts [--json] [--runs N] [--eta-bandwidth-mbps N]

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevCluster, type DevCluster } from '../companion/blixard-node/dev-cluster';
import { chooseAccel, type Accel } from '../companion/blixard-node/runtime/qemu/accel';
import { QemuRuntime } from '../companion/blixard-node/runtime/qemu/qemu-runtime';
import { builtInTestGuest, HEARTBEAT_LINE, QEMU_INSTALL_HINT } from '../companion/blixard-node/runtime/qemu/test-guest';
import { progressFigures, ProgressTrend, transferRate, type ProgressFigures } from '../src/protocol/progress-figures';
import type { DialogViewState, ProgressView } from '../src/protocol/migration-dialog';
import { createBlixardSource } from '../src/sources/blixard/blixard-source';
import { MigrationDialogSession } from '../src/ui/dialog/core/migration-dialog-session';
import { SourceStreamFeed } from '../src/ui/dialog/core/source-stream-feed';
import { rssMiB } from '../test/companion/qemu/qemu-harness';

export interface QemuBenchOptions {
  /** Boots, live migrations per size, cold migrations and ETA runs (default 3 each). */
  runs?: number;
  /** The ETA runs' source node sends at most this (QEMU max-bandwidth), so a 512 MiB copy gives many progress updates (default 100). */
  etaBandwidthMbps?: number;
}

/** p50 and range of a few samples. */
export interface Spread {
  p50: number;
  min: number;
  max: number;
  samples: number[];
}

export interface LiveFigures {
  memoryMb: number;
  durationMs: Spread;
  downtimeMs: Spread;
  transferredMiB: Spread;
  rounds: Spread;
}

/**
 * What the dialog showed at a mark, and how long the migration really took from there. The mark is
 * a share of the transfer's real duration (`by: 'time'`), or of the progress bar (`by: 'bar'`: the
 * first update at or past it; QEMU's bar jumps when its scan reaches never-written memory).
 */
export interface EtaReading {
  by: 'time' | 'bar';
  mark: number;
  atMs: number;
  fraction: number;
  shown: string | undefined;
  shownMs: number | undefined;
  /** remaining ÷ (rate − dirty rate) before the dialog rounds it up to whole seconds. */
  unroundedMs: number | undefined;
  actualMs: number;
  errorPercent: number | undefined;
  transferredMiB: number;
  remainingMiB: number;
  rateMbps: number | undefined;
  round: number;
}

export interface EtaRun {
  durationMs: number;
  progressUpdates: number;
  finalTransferredMiB: number;
  readings: EtaReading[];
  /** Every progress update as the dialog drew it: ms since submit, bar fraction, MiB sent, MiB remaining, ETA shown. */
  timeline: Array<[number, number, number, number, string]>;
}

/** ETA runs of one guest: its memory as booted (mostly never written), or with `filledMiB` written by the guest first. */
export interface EtaSeries {
  filledMiB: number;
  runs: EtaRun[];
  /** At 25 % and 50 % of the transfer's duration. */
  errorPercentAt25: Spread;
  errorPercentAt50: Spread;
  /** When the bar first showed 25 % and 50 % (or more). */
  barErrorPercentAt25: Spread;
  barErrorPercentAt50: Spread;
}

export interface QemuBenchFigures {
  accel: Accel;
  qemuVersion: string;
  bootToHeartbeatMs: Spread;
  bootToRunningMs: Spread;
  live128: LiveFigures;
  live512: LiveFigures;
  eta: { memoryMb: number; bandwidthMbps: number; asBooted: EtaSeries; filled: EtaSeries };
  coldMs: Spread;
  rssMiB: { booted128: Spread; booted512: number; target512AfterLive: number };
  loadAverage: { start: number[]; end: number[] };
}

const MIB = 1024 * 1024;
const round1 = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spread(samples: number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, samples };
}

/** Seconds back out of formatTimeLeft's wording ("0s", "<1s", "12s", "1m 05s"). */
function etaMs(shown: string | undefined): number | undefined {
  if (shown === undefined) return undefined;
  shown = shown.replace(/^≤ /, ''); // QEMU's bound: its figure is what the error is measured on
  if (shown === '<1s') return 500;
  const s = /^(\d+)s$/.exec(shown);
  if (s) return Number(s[1]) * 1000;
  const m = /^(\d+)m (\d+)s$/.exec(shown);
  return m ? (Number(m[1]) * 60 + Number(m[2])) * 1000 : undefined;
}

function requireQemu(): string {
  try {
    return execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    throw new Error(`qemu-system-x86_64 is not installed; ${QEMU_INSTALL_HINT}`);
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export async function runQemuBench(options: QemuBenchOptions = {}): Promise<QemuBenchFigures> {
  const runs = options.runs ?? 3;
  const etaBandwidthMbps = options.etaBandwidthMbps ?? 100;
  const qemuVersion = requireQemu();
  const accel = (await chooseAccel({ guest: await builtInTestGuest() })).accel;
  const loadStart = os.loadavg().map(round1);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-qemu-bench-'));
  const vmDir = (nodeId: number, name: string) => path.join(root, `node-${nodeId}`, 'vms', name);
  // Nodes 1 and 2 send at the daemon's default (10,000 Mbit/s, unlimited on loopback); node 3 at the ETA runs' limit.
  const runtimes = new Map<number, QemuRuntime>();
  const createRuntime = (nodeId: number) => {
    const runtime = new QemuRuntime({ stateDir: path.join(root, `node-${nodeId}`), accel, bandwidthMbps: nodeId === 3 ? etaBandwidthMbps : undefined, killGuestsOnClose: true, log: () => undefined });
    runtimes.set(nodeId, runtime);
    return runtime;
  };
  let cluster: DevCluster | undefined;
  try {
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 0, createRuntime });
    const ops = cluster.nodes[0].operations;
    const recordOf = (name: string) => cluster!.nodes[0].view.vms.get(name)?.value;
    const pidOf = (name: string) => Number(fs.readFileSync(path.join(vmDir(recordOf(name)!.nodeId, name), 'qemu.pid'), 'utf8').trim());
    const rss = (name: string) => round1(rssMiB(pidOf(name)));
    const consoleSays = (name: string, pattern: RegExp) => {
      const file = path.join(vmDir(recordOf(name)!.nodeId, name), 'console.log');
      return fs.existsSync(file) && pattern.test(fs.readFileSync(file, 'utf8'));
    };
    const heartbeatSeen = (name: string) => consoleSays(name, HEARTBEAT_LINE);
    const start = async (name: string) => {
      const t0 = Date.now();
      const started = await ops.startVm(name);
      if (!started.success) throw new Error(started.message);
      const running = Date.now() - t0;
      await until(() => heartbeatSeen(name), 60_000, `${name}'s first heartbeat`);
      return { running, heartbeat: Date.now() - t0 };
    };
    const create = (name: string, memoryMb: number, nodeId: number) => ops.createVm({ name, vcpus: 1, memoryMb, configPath: '', nodeId });
    const migrate = async (name: string, targetNodeId: number, live: boolean) => {
      const t0 = Date.now();
      const m = await ops.migrateVm({ vmName: name, targetNodeId, live, force: false });
      if (m.status !== 'COMPLETED') throw new Error(`${live ? 'live' : 'cold'} migration of ${name} to node ${targetNodeId}: ${m.status} ${m.message}`);
      return { ms: Date.now() - t0, m };
    };

    // Boots, one guest at a time, each stopped again so the next boots on an otherwise quiet machine.
    const toRunning: number[] = [];
    const toHeartbeat: number[] = [];
    const rss128: number[] = [];
    for (let i = 1; i <= runs; i++) {
      await create(`boot-${i}`, 128, 1);
      const t = await start(`boot-${i}`);
      toRunning.push(t.running);
      toHeartbeat.push(t.heartbeat);
      await sleep(2000);
      rss128.push(rss(`boot-${i}`));
      await ops.stopVm(`boot-${i}`);
    }

    const live = async (name: string, memoryMb: number): Promise<LiveFigures> => {
      const samples = { duration: [] as number[], downtime: [] as number[], sent: [] as number[], rounds: [] as number[] };
      for (let i = 0; i < runs; i++) {
        const { ms, m } = await migrate(name, recordOf(name)!.nodeId === 1 ? 2 : 1, true);
        samples.duration.push(ms);
        samples.downtime.push(m.downtimeMs ?? NaN);
        samples.sent.push(round1((m.progress?.transferredBytes ?? NaN) / MIB));
        samples.rounds.push(m.progress?.precopyRound ?? NaN);
        await sleep(1000);
      }
      return { memoryMb, durationMs: spread(samples.duration), downtimeMs: spread(samples.downtime), transferredMiB: spread(samples.sent), rounds: spread(samples.rounds) };
    };

    await create('vm-128', 128, 1);
    await start('vm-128');
    const live128 = await live('vm-128', 128);
    const cold: number[] = [];
    for (let i = 0; i < runs; i++) {
      cold.push((await migrate('vm-128', recordOf('vm-128')!.nodeId === 1 ? 2 : 1, false)).ms);
      await until(() => heartbeatSeen('vm-128'), 60_000, 'a heartbeat after the cold migration');
    }
    await ops.stopVm('vm-128');

    await create('vm-512', 512, 1);
    await start('vm-512');
    await sleep(2000);
    const booted512 = rss('vm-512');
    const live512 = await live('vm-512', 512);
    const target512AfterLive = rss('vm-512');
    await ops.stopVm('vm-512');

    await create('eta-512', 512, 3);
    await start('eta-512');
    await sleep(2000);
    const source = createBlixardSource({ id: 'bench-qemu', endpoints: cluster.endpoints });
    const etaSeries = async (filledMiB: number): Promise<EtaSeries> => {
      const etaRuns: EtaRun[] = [];
      for (let i = 0; i < runs; i++) {
        etaRuns.push(await watchedMigration(source, 'eta-512', '1'));
        // Back to the slow node at full speed, for the next run.
        await migrate('eta-512', 3, true);
        await sleep(1000);
      }
      const errorsAt = (by: EtaReading['by'], mark: number) => spread(etaRuns.map((r) => r.readings.find((x) => x.by === by && x.mark === mark)?.errorPercent ?? NaN));
      return {
        filledMiB,
        runs: etaRuns,
        errorPercentAt25: errorsAt('time', 0.25),
        errorPercentAt50: errorsAt('time', 0.5),
        barErrorPercentAt25: errorsAt('bar', 0.25),
        barErrorPercentAt50: errorsAt('bar', 0.5),
      };
    };
    let asBooted: EtaSeries;
    let filled: EtaSeries;
    try {
      asBooted = await etaSeries(0);
      // The guest writes non-zero data into its RAM-backed root (its shell is on the console), so
      // most of what QEMU reports remaining must really cross the wire. The marker is computed by
      // the shell, so the echoed command line does not match it.
      const fillMiB = 256;
      // One random MiB copied fillMiB times: a handful of processes (slow to start under TCG) and
      // big writes (`yes | head -c` wrote about 0.5 MiB/s here).
      const fill = `head -c ${MIB} /dev/urandom > /tmp/a; i=0; while [ $i -lt ${fillMiB} ]; do cat /tmp/a; i=$((i+1)); done > /tmp/fill; rm /tmp/a; echo blixard-bench-$((6*7))\n`;
      runtimes.get(3)!.consoles.open('eta-512')!.write(Buffer.from(fill));
      await until(() => consoleSays('eta-512', /^blixard-bench-42/m), 180_000, 'the guest to fill its memory');
      filled = await etaSeries(fillMiB);
    } finally {
      source.dispose();
    }
    return {
      accel,
      qemuVersion,
      bootToHeartbeatMs: spread(toHeartbeat),
      bootToRunningMs: spread(toRunning),
      live128,
      live512,
      eta: { memoryMb: 512, bandwidthMbps: etaBandwidthMbps, asBooted, filled },
      coldMs: spread(cold),
      rssMiB: { booted128: spread(rss128), booted512, target512AfterLive },
      loadAverage: { start: loadStart, end: os.loadavg().map(round1) },
    };
  } finally {
    await cluster?.stop().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * One live migration started and followed by the dialog's host session, as the panel would: every
 * state it posts goes through the webview tracking view's own steps (a new sample when the bytes
 * sent change, then progressFigures), timed on arrival.
 */
async function watchedMigration(source: ReturnType<typeof createBlixardSource>, vmId: string, targetNodeId: string): Promise<EtaRun> {
  const feed = new SourceStreamFeed();
  // What the webview's tracking view holds: one trend per migration, every posted update observed.
  const trend = new ProgressTrend();
  const updates: Array<{ at: number; progress: ProgressView; figures: ProgressFigures; rate?: number }> = [];
  let finalState: DialogViewState | undefined;
  let endedAt = 0;
  const session = new MigrationDialogSession({
    source,
    vmId,
    feed,
    close: () => undefined,
    log: { info() {}, warn() {}, error() {} },
    post: (message) => {
      const m = message.state.migration;
      const now = Date.now();
      if (m && ['succeeded', 'failed', 'cancelled'].includes(m.state)) {
        if (!finalState) [finalState, endedAt] = [message.state, now];
        return;
      }
      const p = m?.progress;
      if (p && trend.observe(p, now)) updates.push({ at: now, progress: { ...p }, figures: progressFigures(p, trend), rate: transferRate(p, trend) });
    },
  });
  try {
    await session.start();
    const submittedAt = Date.now();
    session.handle({ type: 'submit', targetNodeId, live: true, force: false });
    await until(() => finalState !== undefined, 10 * 60_000, `the end of ${vmId}'s migration`);
    if (finalState?.migration?.state !== 'succeeded') throw new Error(`ETA run: the migration ended ${finalState?.migration?.state}: ${finalState?.migration?.failureReason ?? ''}`);
    const readings: EtaReading[] = [];
    const marks = [0.25, 0.5].flatMap((mark) => [{ by: 'time' as const, mark }, { by: 'bar' as const, mark }]);
    for (const { by, mark } of marks) {
      const u = updates.find((x) => (by === 'time' ? x.at - submittedAt >= mark * (endedAt - submittedAt) : x.figures.fraction >= mark));
      if (!u) continue;
      const f = u.figures;
      const rate = u.rate;
      const actualMs = endedAt - u.at;
      const shownMs = etaMs(f.eta);
      readings.push({
        by,
        mark,
        atMs: u.at - submittedAt,
        fraction: Math.round(f.fraction * 1000) / 1000,
        shown: f.eta,
        shownMs,
        unroundedMs: f.etaMs === undefined ? undefined : Math.round(f.etaMs),
        actualMs,
        errorPercent: shownMs === undefined ? undefined : Math.round(((shownMs - actualMs) / actualMs) * 100),
        transferredMiB: round1(u.progress.transferredBytes / MIB),
        remainingMiB: round1(u.progress.remainingBytes / MIB),
        rateMbps: rate === undefined ? undefined : Math.round((rate * 8) / 1e6),
        round: u.progress.precopyRound,
      });
    }
    const finalProgress = finalState.migration.progress;
    const timeline = updates.map((u): [number, number, number, number, string] => {
      const f = u.figures;
      return [u.at - submittedAt, Math.round(f.fraction * 1000) / 1000, round1(u.progress.transferredBytes / MIB), round1(u.progress.remainingBytes / MIB), f.eta ?? '—'];
    });
    return { durationMs: endedAt - submittedAt, progressUpdates: updates.length, finalTransferredMiB: round1((finalProgress?.transferredBytes ?? NaN) / MIB), readings, timeline };
  } finally {
    session.dispose();
    feed.dispose();
  }
}

function option(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

if (require.main === module) {
  runQemuBench({ runs: option('--runs'), etaBandwidthMbps: option('--eta-bandwidth-mbps') })
    .then((figures) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
      else console.log(JSON.stringify(figures, null, 2));
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
