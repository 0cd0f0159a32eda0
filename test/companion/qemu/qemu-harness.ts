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
