// The shipped CLI bundle as the tests run it: built when missing or older than its sources, run
// to completion, or run under hard limits on time and memory (hostile input must never hang it
// or grow it without bound; a run that would is killed, and the test fails, instead of eating
// the machine).

import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
export const CLI = path.join(ROOT, 'dist/cli/blixard-migrations.js');
const PEAK_MEMORY_PRELOAD = path.join(__dirname, 'report-peak-memory.cjs');

/** Newest modification time of any file under the folders the bundle is built from. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) walk(path.join(ROOT, d));
  return newest;
}

/** Builds the bundle when it is missing or older than its sources (npm test builds first anyway). */
export function ensureBundle(): void {
  const stale = !existsSync(CLI) || !existsSync(path.join(ROOT, 'dist/vendor/client-node.js')) || statSync(CLI).mtimeMs < newestSource(['src', 'proto']);
  if (!stale) return;
  const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  assert.equal(built.status, 0, `building the CLI bundle failed: ${built.stderr}`);
}

export function runCli(args: string[], timeoutMs = 30_000) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: timeoutMs });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface BoundedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
  /** Peak resident memory: getrusage's as the child exited, or the last /proc reading when it was killed. */
  peakRssBytes: number;
  /** Why the child was killed, if it was. */
  killedFor?: 'time' | 'memory';
  /** With `interrupt`: how long after its SIGINT the child took to exit. */
  exitedAfterSigintMs?: number;
}

export interface BoundedRunLimits {
  timeoutMs: number;
  maxRssBytes: number;
  /** Send SIGINT once stderr matches `when` (the run reached the point under test), or after `orAfterMs` regardless. */
  interrupt?: { when: RegExp; orAfterMs: number };
}

/**
 * Runs the CLI and kills it (SIGKILL) past `timeoutMs` or once its resident memory passes
 * `maxRssBytes` (read from /proc every 20 ms, so a runaway is stopped long before it hurts).
 */
export function runCliBounded(args: string[], limits: BoundedRunLimits): Promise<BoundedRun> {
  assert.ok(existsSync('/proc/self/status'), 'the bounded CLI runs read memory from /proc (Linux)');
  const scratch = mkdtempSync(path.join(tmpdir(), 'blixard-cli-rss-'));
  const peakFile = path.join(scratch, 'peak');
  const started = Date.now();
  const child = spawn(process.execPath, ['-r', PEAK_MEMORY_PRELOAD, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BLIXARD_PEAK_RSS_FILE: peakFile } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  let killedFor: BoundedRun['killedFor'];
  let lastRss = 0;
  let sigintAt: number | undefined;
  const watch = setInterval(() => {
    lastRss = Math.max(lastRss, residentBytes(child.pid!));
    if (limits.interrupt && sigintAt === undefined && (limits.interrupt.when.test(stderr) || Date.now() - started > limits.interrupt.orAfterMs)) {
      sigintAt = Date.now();
      child.kill('SIGINT');
    }
    if (killedFor) return;
    if (lastRss > limits.maxRssBytes) killedFor = 'memory';
    else if (Date.now() - started > limits.timeoutMs) killedFor = 'time';
    if (killedFor) child.kill('SIGKILL');
  }, 20);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(watch);
      const reported = existsSync(peakFile) ? Number(readFileSync(peakFile, 'utf8')) * 1024 : 0;
      rmSync(scratch, { recursive: true, force: true });
      const exited = Date.now();
      resolve({
        code,
        stdout,
        stderr,
        elapsedMs: exited - started,
        peakRssBytes: Math.max(reported, lastRss),
        ...(killedFor ? { killedFor } : {}),
        ...(sigintAt !== undefined ? { exitedAfterSigintMs: exited - sigintAt } : {}),
      });
    });
  });
}

function residentBytes(pid: number): number {
  try {
    // VmHWM: the peak so far, so a spike between two looks is not missed.
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // exited between two looks
  }
}
