// What the QEMU tests share: the check that QEMU and the guest kernel are installed (a missing one
// fails the suite with the install hint, never skips it), state folders, a registry of every QEMU
// started so after-hooks kill them all even when a test failed half-way, and console helpers.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseAccel, type Accel } from '../../../companion/blixard-node/runtime/qemu/accel';
import { QemuProcess, type QemuProcessOptions } from '../../../companion/blixard-node/runtime/qemu/qemu-process';
import type { MigrationInfo } from '../../../companion/blixard-node/runtime/qemu/qmp-types';
import { builtInTestGuest, HEARTBEAT_LINE, BOOT_LINE, QEMU_INSTALL_HINT, type GuestBoot } from '../../../companion/blixard-node/runtime/qemu/test-guest';

export function requireQemu(): void {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
  } catch {
    assert.fail(`qemu-system-x86_64 is not installed; ${QEMU_INSTALL_HINT}`);
  }
}

/** Fails (with the hint) when the kernel or busybox is missing. */
export async function testGuest(hostname = 'guest'): Promise<GuestBoot> {
  requireQemu();
  return builtInTestGuest({ hostname });
}

export async function accel(): Promise<Accel> {
  return (await chooseAccel({ guest: await testGuest() })).accel;
}

export class QemuFleet {
  private readonly processes: QemuProcess[] = [];
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'blixard-qemu-test-'));

  stateDir(name: string): string {
    return path.join(this.root, name);
  }

  /** A QemuProcess whose QEMU the fleet kills at the end, however the test ended. */
  track(process: QemuProcess): QemuProcess {
    this.processes.push(process);
    return process;
  }

  async create(name: string, options: Partial<QemuProcessOptions> & { memoryMb?: number; stateName?: string } = {}): Promise<QemuProcess> {
    const boot = await testGuest(name);
    const stateDir = this.stateDir(options.stateName ?? name);
    return this.track(new QemuProcess({ name, vcpus: 1, memoryMb: options.memoryMb ?? 128, boot }, { accel: await accel(), stateDir, ...options }));
  }

  async cleanup(): Promise<void> {
    for (const process of this.processes) {
      if (process.pid !== undefined && !process.exited) {
        try {
          globalThis.process.kill(process.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await process.detach().catch(() => undefined);
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Resolves with the next heartbeat counter on this console (above `after`, if given). */
export function nextHeartbeat(process: QemuProcess, timeoutMs = 15_000, after = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no heartbeat above ${after} from ${process.spec.name} within ${timeoutMs} ms; console: ${process.console.tail(400).toString()}`));
    }, timeoutMs);
    const unsubscribe = process.console.onLine((line) => {
      const match = HEARTBEAT_LINE.exec(line);
      if (match && Number(match[1]) > after) {
        clearTimeout(timer);
        unsubscribe();
        resolve(Number(match[1]));
      }
    });
  });
}

/** Every line this console prints from now on, until the returned function is called. */
export function recordLines(process: QemuProcess): { lines: string[]; stop: () => void } {
  const lines: string[] = [];
  const stop = process.console.onLine((line) => lines.push(line));
  return { lines, stop };
}

export function heartbeats(lines: string[]): number[] {
  return lines.map((line) => HEARTBEAT_LINE.exec(line)).filter((m) => m !== null).map((m) => Number(m[1]));
}

export function bootLines(lines: string[]): string[] {
  return lines.filter((line) => BOOT_LINE.test(line));
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls query-migrate until `done(info)` or the timeout; returns every answer seen. */
export async function pollMigration(source: QemuProcess, done: (info: MigrationInfo) => boolean, timeoutMs = 60_000): Promise<MigrationInfo[]> {
  const seen: MigrationInfo[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await source.qmp.execute('query-migrate');
    seen.push(info);
    if (done(info)) return seen;
    if (info.status === 'failed') throw new Error(`migration failed: ${info['error-desc']}`);
    if (Date.now() > deadline) throw new Error(`migration not done within ${timeoutMs} ms: ${JSON.stringify(info)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resident memory of a process in MiB (/proc/PID/status VmRSS). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** A live QEMU (zombies excluded) whose command line names a VM folder under a test's root. */
export interface QemuUnderRoot {
  pid: number;
  /** The folder its -pidfile is in: ROOT/node-N/vms/NAME for a node's runtime. */
  vmDir: string;
}

/** Scans /proc for qemu-system processes whose -pidfile lies under `root`. */
export function qemusUnder(root: string): QemuUnderRoot[] {
  const found: QemuUnderRoot[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      // The state is the field after the parenthesised command name, which may itself hold spaces.
      const state = /\) (\S)/.exec(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      const pidFile = args[args.indexOf('-pidfile') + 1];
      if (!/qemu-system/.test(args[0] ?? '') || state === 'Z' || !args.includes('-pidfile') || !pidFile.startsWith(root + path.sep)) continue;
      found.push({ pid: Number(entry), vmDir: path.dirname(pidFile) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A node runtime's VM folder under a test root (QemuRuntime.vmDir with stateDir ROOT/node-N). */
export function nodeVmDir(root: string, nodeId: number, vmName: string): string {
  return path.join(root, `node-${nodeId}`, 'vms', vmName);
}

/** One VM as the cluster records it; `running` when its record says a guest should run (STARTING, RUNNING, STOPPING). */
export interface RecordedVm {
  name: string;
  nodeId: number;
  running: boolean;
}

/**
 * What breaks "every VM on exactly one node, no orphan QEMU, no migration stuck": a running VM
 * without exactly one QEMU in its node's folder, a QEMU no running VM's record accounts for (an
 * orphan: left on a migration's other node, or of a stopped VM), a migration not in a final phase.
 */
export function strayProblems(root: string, vms: RecordedVm[], unfinishedMigrations: string[]): string[] {
  const problems = unfinishedMigrations.map((m) => `migration ${m} is not in a final phase`);
  const qemus = qemusUnder(root);
  const accounted = new Set<number>();
  for (const vm of vms) {
    const own = qemus.filter((q) => q.vmDir === nodeVmDir(root, vm.nodeId, vm.name));
    own.forEach((q) => accounted.add(q.pid));
    if (vm.running && own.length !== 1) problems.push(`VM ${vm.name} runs on node ${vm.nodeId} by its record, with ${own.length} QEMU processes there`);
    if (!vm.running && own.length > 0) problems.push(`VM ${vm.name} is not running by its record, yet QEMU pid ${own.map((q) => q.pid).join(', ')} runs it on node ${vm.nodeId}`);
  }
  for (const q of qemus) if (!accounted.has(q.pid)) problems.push(`orphan QEMU pid ${q.pid} in ${path.relative(root, q.vmDir)}`);
  return problems;
}

/** Waits (QEMUs take a moment to quit) until `strayProblems` finds nothing; fails with what it found last. */
export async function assertNoStrays(root: string, read: () => Promise<{ vms: RecordedVm[]; unfinishedMigrations: string[] }> | { vms: RecordedVm[]; unfinishedMigrations: string[] }, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { vms, unfinishedMigrations } = await read();
    const problems = strayProblems(root, vms, unfinishedMigrations);
    if (problems.length === 0) return;
    if (Date.now() > deadline) assert.fail(`after ${timeoutMs} ms: ${problems.join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
