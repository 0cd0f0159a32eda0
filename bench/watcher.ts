// Figures for the migration watcher.
//
// Latency, in one run against one local KubeVirt-compatible API server (HTTPS on loopback):
// from the moment the server sends the watch event that carries a new phase to
//   - the `blixard-migrations watch` child process printing that transition's line,
//   - the same child's history journal holding the transition (read from another process),
//   - `kubectl get vmim -w -A` (real kubectl, through a kubeconfig) printing its line,
// p50/p99 each, and ours relative to kubectl's.
// Ingest: transitions per second through MigrationWatcher → HistoryRecorder → HistoryStore with
// the journal's fsync on, fed by a source as fast as it can emit.
//
//   node --import tsx bench/watcher.ts [--migrations 120] [--ingest-migrations 5000] [--json]
//     [--cpu-prof DIR]  (the CLI child runs under `node --cpu-prof`, its profiles written to DIR)

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeEntries } from '../src/history/journal/journal-codec';
import { MigrationWatcher } from '../src/watch/migration-watcher';
import { OutputLineFormatter } from '../src/watch/output-line-formatter';
import { durableIngest, ReplaySource, replayBursts } from './history-ingest';
import { seedCluster, startKubeApiServer, type ChangeEvent } from '../test/support/kube-api-server';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli/blixard-migrations.js');

export interface LatencyFigure {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export interface WatcherBenchFigures {
  latency: {
    migrations: number;
    /** Phase transitions the server sent (each measured once per consumer). */
    transitions: number;
    toOutputLine: LatencyFigure;
    toHistoryJournal: LatencyFigure;
    kubectl: LatencyFigure;
    /** toOutputLine / kubectl: below 1 means our line comes first. */
    ratioToKubectl: { p50: number; p99: number };
    /** Transitions a consumer never showed (should be 0 for ours). */
    missing: { outputLine: number; historyJournal: number; kubectl: number };
  };
  ingest: {
    migrations: number;
    transitions: number;
    seconds: number;
    transitionsPerSecond: number;
    /** The journal is fsynced (group commit) and flush() awaited before the clock stops. */
    durable: true;
    /** The same stream through the watcher and line formatter only, no history. */
    watcherOnlyTransitionsPerSecond: number;
  };
}

export interface WatcherBenchOptions {
  /** Migrations in the latency run (one per VMI, started a little apart). Default 120. */
  migrations?: number;
  /** Time each migration phase takes on the server. Default 150 ms. */
  perPhaseMs?: number;
  /** Migrations in the ingest run (7 phases each). Default 5000. */
  ingestMigrations?: number;
  /** Profile the CLI child (`node --cpu-prof`, 100 µs samples) into this directory. */
  cpuProfDir?: string;
}

const now = () => performance.timeOrigin + performance.now();
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function figure(samples: number[]): LatencyFigure {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted[sorted.length - 1] ?? NaN), samples: sorted.length };
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The shipped bundle is what is measured; build it when missing. */
function ensureBundle(): void {
  if (existsSync(CLI) && existsSync(path.join(ROOT, 'dist/vendor/client-node.js'))) return;
  const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the CLI failed: ${built.stderr}`);
}

/** Calls `onLine(line, time)` for each complete stdout line of a child, timed on arrival. */
function followLines(child: ChildProcess, onLine: (line: string, at: number) => void): void {
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const at = now();
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) onLine(line, at);
  });
}

/** Reads a history's journal as another process would, timing each record on arrival. */
class JournalTail {
  private readonly offsets = new Map<string, number>();
  private watcher: FSWatcher | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly onRecord: (name: string, phase: string, at: number) => void,
  ) {
    this.timer = setInterval(() => this.read(), 20);
  }

  read(): void {
    if (!this.watcher && existsSync(this.dir)) this.watcher = watch(this.dir, () => this.read());
    if (!existsSync(this.dir)) return;
    const at = now();
    for (const file of readdirSync(this.dir).filter((f) => f.endsWith('.jsonl')).sort()) {
      const full = path.join(this.dir, file);
      const from = this.offsets.get(file) ?? 0;
      const size = statSync(full).size;
      if (size <= from) continue;
      const buf = Buffer.alloc(size - from);
      const fd = openSync(full, 'r');
      try {
        readSync(fd, buf, 0, buf.length, from);
      } finally {
        closeSync(fd);
      }
      const { entries, consumed } = decodeEntries(buf);
      this.offsets.set(file, from + consumed);
      for (const { entry } of entries) {
        const records = entry.t === 'r' ? [entry] : entry.t === 'f' ? entry.recs : [];
        for (const r of records) for (const [phase] of r.p) this.onRecord(r.m.name, phase, at);
      }
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    this.watcher?.close();
  }
}

export async function benchLatency(options: WatcherBenchOptions = {}): Promise<WatcherBenchFigures['latency']> {
  ensureBundle();
  const migrations = options.migrations ?? 120;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-watcher-bench-'));
  const server = await startKubeApiServer({ bookmarkIntervalMs: 2000, timing: { perPhaseMs: options.perPhaseMs ?? 150 } });
  const children: ChildProcess[] = [];
  const tails: JournalTail[] = [];
  try {
    const { vmis } = seedCluster(server, { nodes: 4, vmisPerNode: Math.ceil(migrations / 4), notMigratableEvery: 0, bareVmi: false });
    const kubeconfig = path.join(dir, 'kubeconfig');
    await server.writeKubeconfig(kubeconfig, { contexts: [{ name: 'bench' }], currentContext: 'bench' });

    // When the server sent each new phase: "name|phase" → time.
    const sent = new Map<string, number>();
    const stop = server.onChange((event: ChangeEvent) => {
      if (event.resource.plural !== 'virtualmachineinstancemigrations') return;
      const phase = event.stored.object.status?.phase;
      const before = event.previous?.object.status?.phase;
      const key = `${event.stored.object.metadata.name}|${phase}`;
      if (phase && phase !== before && !sent.has(key)) sent.set(key, now());
    });

    const lineAt = new Map<string, number>();
    const journalAt = new Map<string, number>();
    const kubectlAt = new Map<string, number>();
    const first = (map: Map<string, number>, key: string, at: number) => {
      if (!map.has(key)) map.set(key, at);
    };

    const db = path.join(dir, 'history.db');
    const profile = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', options.cpuProfDir] : [];
    const cli = spawn(process.execPath, [...profile, CLI, 'watch', '--db', db, '--kubeconfig', kubeconfig, '--context', 'bench'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(cli);
    let cliErr = '';
    cli.stderr!.on('data', (d: Buffer) => (cliErr += d.toString()));
    // "<time>  bench  default/vm  <name>  <from> → <phase>  <src> → <dst>  +<elapsed>…"
    followLines(cli, (line, at) => {
      const fields = line.split('  ');
      const phase = /→ (\S+)$/.exec(fields[4] ?? '')?.[1];
      if (fields[3] && phase) first(lineAt, `${fields[3]}|${phase}`, at);
    });
    tails.push(new JournalTail(`${db}.journal`, (name, phase, at) => first(journalAt, `${name}|${phase}`, at)));

    const kubectl = spawn('kubectl', ['get', 'vmim', '-w', '-A'], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(kubectl);
    let kubectlErr = '';
    let kubectlFailed: string | undefined;
    kubectl.stderr!.on('data', (d: Buffer) => (kubectlErr += d.toString()));
    kubectl.on('error', (err) => (kubectlFailed = `cannot run kubectl (install the Debian package kubernetes-client): ${err.message}`));
    kubectl.on('exit', (code) => (kubectlFailed ??= `kubectl exited with code ${code}: ${kubectlErr.trim()}`));
    // "NAMESPACE  NAME  PHASE  VMI  AGE" (PHASE is empty before the controller sets it).
    followLines(kubectl, (line, at) => {
      const cells = line.trim().split(/\s+/);
      if (cells.length === 5 && cells[0] !== 'NAMESPACE') first(kubectlAt, `${cells[1]}|${cells[2]}`, at);
    });

    // The watch prints "<time>  <cluster>  connected to <endpoint>" once the stream is up.
    await waitUntil(() => / {2}connected( to |$)/m.test(cliErr), 30_000, `the CLI to connect (stderr: ${cliErr})`);
    await waitUntil(() => server.openWatchCount() >= 4 || kubectlFailed !== undefined, 30_000, 'kubectl to watch');
    if (kubectlFailed) throw new Error(kubectlFailed);
    await new Promise((r) => setTimeout(r, 500));

    for (let i = 0; i < migrations; i++) {
      server.createMigration({ vmiName: vmis[i % vmis.length] });
      await new Promise((r) => setTimeout(r, 15));
    }
    await waitUntil(() => server.objects.migrations().every((m) => m.finalPhase), 180_000, 'every migration to end');
    const keys = [...sent.keys()];
    await waitUntil(() => keys.every((k) => lineAt.has(k) && journalAt.has(k) && kubectlAt.has(k)), 15_000, 'every consumer to show every transition').catch(() => undefined);
    stop();

    const delays = (map: Map<string, number>) => keys.filter((k) => map.has(k)).map((k) => map.get(k)! - sent.get(k)!);
    const toOutputLine = figure(delays(lineAt));
    const kubectlFigure = figure(delays(kubectlAt));
    return {
      migrations,
      transitions: keys.length,
      toOutputLine,
      toHistoryJournal: figure(delays(journalAt)),
      kubectl: kubectlFigure,
      ratioToKubectl: { p50: round(toOutputLine.p50Ms / kubectlFigure.p50Ms), p99: round(toOutputLine.p99Ms / kubectlFigure.p99Ms) },
      missing: {
        outputLine: keys.filter((k) => !lineAt.has(k)).length,
        historyJournal: keys.filter((k) => !journalAt.has(k)).length,
        kubectl: keys.filter((k) => !kubectlAt.has(k)).length,
      },
    };
  } finally {
    for (const t of tails) t.dispose();
    for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : undefined)));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Ingest: the watcher and the line formatter alone (what this thread's share is), then durably
 * through the recorder and the history in its worker, as shipped (bench/history-ingest.ts, the
 * same stream of a watcher's bursts).
 */
export async function benchIngest(options: WatcherBenchOptions = {}): Promise<WatcherBenchFigures['ingest']> {
  const count = options.ingestMigrations ?? 5000;
  const alone = new MigrationWatcher();
  const aloneSource = new ReplaySource('kubevirt:ingest');
  const formatter = new OutputLineFormatter();
  let aloneLines = 0;
  alone.onTransition((e) => (aloneLines += formatter.formatTransition(e).length > 0 ? 1 : 0));
  alone.addSource(aloneSource);
  const started = now();
  const expected = await replayBursts(aloneSource, count);
  const watcherOnlySeconds = (now() - started) / 1000;
  alone.dispose();
  if (aloneLines !== expected) throw new Error(`expected ${expected} transitions, the watcher alone emitted ${aloneLines}`);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-watcher-ingest-'));
  try {
    const run = await durableIngest(path.join(dir, 'history.db'), 'bursts', count, 0);
    return {
      migrations: count,
      transitions: run.transitions,
      seconds: run.seconds,
      transitionsPerSecond: run.transitionsPerSecond,
      durable: true,
      watcherOnlyTransitionsPerSecond: Math.round(expected / watcherOnlySeconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runWatcherBench(options: WatcherBenchOptions = {}): Promise<WatcherBenchFigures> {
  const latency = await benchLatency(options);
  const ingest = await benchIngest(options);
  return { latency, ingest };
}

function printFigures(f: WatcherBenchFigures): void {
  const l = f.latency;
  const row = (name: string, x: LatencyFigure) => `  ${name.padEnd(34)} p50 ${String(x.p50Ms).padStart(7)} ms   p99 ${String(x.p99Ms).padStart(7)} ms   max ${String(x.maxMs).padStart(7)} ms   (${x.samples})`;
  console.log(`Watch event sent → shown (${l.migrations} migrations, ${l.transitions} transitions, one API server):`);
  console.log(row('blixard-migrations watch: line', l.toOutputLine));
  console.log(row('blixard-migrations watch: journal', l.toHistoryJournal));
  console.log(row('kubectl get vmim -w -A: line', l.kubectl));
  console.log(`  ratio ours/kubectl: p50 ${l.ratioToKubectl.p50}  p99 ${l.ratioToKubectl.p99}`);
  console.log(`  missing: line ${l.missing.outputLine}, journal ${l.missing.historyJournal}, kubectl ${l.missing.kubectl}`);
  const i = f.ingest;
  console.log(`Ingest (watcher → recorder → history, journal fsync on): ${i.transitions} transitions of ${i.migrations} migrations in ${i.seconds} s = ${i.transitionsPerSecond} transitions/s (watcher alone: ${i.watcherOnlyTransitionsPerSecond}/s)`);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const text = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const opt = (name: string) => (text(name) === undefined ? undefined : Number(text(name)));
  runWatcherBench({ migrations: opt('--migrations'), ingestMigrations: opt('--ingest-migrations'), perPhaseMs: opt('--per-phase-ms'), cpuProfDir: text('--cpu-prof') })
    .then((f) => (args.includes('--json') ? console.log(JSON.stringify(f, null, 2)) : printFigures(f)))
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
