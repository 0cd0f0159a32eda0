// A VM runtime without a hypervisor: boots and shutdowns take configurable times, and live
// migration runs a real pre-copy computation in real time — memory sent at a bandwidth while the
// guest dirties pages at a rate — so progress figures and convergence behave like QEMU's.

import { NonConvergenceError, type MigrationPeer, type RuntimeVm, type SwitchoverResult, type TransferProgress, type VmRuntime } from './vm-runtime';
import { delay } from '../abortable-delay';
import { SimulatedConsoles } from './simulated-console';

export interface SimulatedRuntimeOptions {
  /** Time for a VM to boot (default 1000 ms). */
  bootMs?: number;
  /** Time for a VM to shut down (default 500 ms). */
  stopMs?: number;
  /** Migration link bandwidth in megabits per second; 0 = unlimited, transfers are instant (default 10000). */
  bandwidthMbps?: number;
  /** Rate at which a running guest dirties memory, megabits per second (default 800). */
  dirtyRateMbps?: number;
  /** Largest acceptable pause at switchover (default 300 ms); pre-copy runs until the rest fits in it. */
  maxDowntimeMs?: number;
  /** Pre-copy rounds before giving up (default 30). */
  maxRounds?: number;
  /** How often progress is reported during a round (default 100 ms). */
  progressIntervalMs?: number;
}

export const SIMULATED_RUNTIME_DEFAULTS: Required<SimulatedRuntimeOptions> = {
  bootMs: 1000,
  stopMs: 500,
  bandwidthMbps: 10_000,
  dirtyRateMbps: 800,
  maxDowntimeMs: 300,
  maxRounds: 30,
  progressIntervalMs: 100,
};

const MIB = 1024 * 1024;

export class SimulatedRuntime implements VmRuntime {
  readonly kind = 'simulated';
  private readonly options: Required<SimulatedRuntimeOptions>;
  private readonly running = new Set<string>();
  /** Each running VM's serial console (vm-console.ts). */
  readonly consoles = new SimulatedConsoles();

  constructor(options: SimulatedRuntimeOptions = {}) {
    this.options = { ...SIMULATED_RUNTIME_DEFAULTS, ...definedOnly(options) };
  }

  get settings(): Readonly<Required<SimulatedRuntimeOptions>> {
    return this.options;
  }

  async start(vm: RuntimeVm, signal?: AbortSignal): Promise<void> {
    await delay(this.options.bootMs, signal);
    this.running.add(vm.name);
    this.consoles.boot(vm.name);
  }

  async stop(vm: RuntimeVm, signal?: AbortSignal): Promise<void> {
    await delay(this.options.stopMs, signal);
    this.running.delete(vm.name);
    this.consoles.end(vm.name, true);
  }

  adopt(vm: RuntimeVm): void {
    this.running.add(vm.name);
    this.consoles.resume(vm.name);
  }

  release(name: string): void {
    this.running.delete(name);
    this.consoles.end(name, false);
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  list(): string[] {
    return [...this.running];
  }

  initialProgress(vm: RuntimeVm): TransferProgress {
    const totalBytes = vm.memoryMb * MIB;
    return {
      totalBytes,
      transferredBytes: 0,
      remainingBytes: totalBytes,
      dirtyRateBytesPerSec: Math.round((this.options.dirtyRateMbps * 1e6) / 8),
      bandwidthBytesPerSec: Math.round((this.options.bandwidthMbps * 1e6) / 8),
      precopyRound: 1,
    };
  }

  async precopy(vm: RuntimeVm, _target: MigrationPeer, onProgress: (p: TransferProgress) => void, signal: AbortSignal): Promise<TransferProgress> {
    const progress = this.initialProgress(vm);
    const totalBytes = progress.totalBytes;
    const bandwidth = (this.options.bandwidthMbps * 1e6) / 8; // bytes per second
    const dirtyRate = (this.options.dirtyRateMbps * 1e6) / 8;
    if (bandwidth <= 0) {
      // Unlimited link: the whole memory crosses in no time, nothing is dirtied meanwhile.
      progress.transferredBytes = totalBytes;
      progress.remainingBytes = 0;
      onProgress({ ...progress });
      return progress;
    }
    const downtimeBudget = (bandwidth * this.options.maxDowntimeMs) / 1000;
    let toSend = totalBytes; // the dirty set this round must send (the whole memory in round 1)
    let previousDirty = Infinity;
    for (;;) {
      let dirtied = 0;
      let last = Date.now();
      while (toSend > 0) {
        const wait = Math.min(this.options.progressIntervalMs, (toSend / bandwidth) * 1000);
        await delay(wait, signal);
        const now = Date.now();
        // Real time paces the transfer, but the figures follow link time (bytes / bandwidth):
        // a busy machine that wakes up late slows the transfer down without inflating how
        // much the guest dirtied meanwhile, so outcomes do not depend on the host's load.
        const seconds = Math.max((now - last) / 1000, wait / 1000);
        last = now;
        const sent = Math.min(toSend, bandwidth * seconds);
        toSend -= sent;
        progress.transferredBytes += sent;
        dirtied = Math.min(totalBytes, dirtied + dirtyRate * (sent / bandwidth));
        progress.remainingBytes = Math.round(toSend + dirtied);
        progress.transferredBytes = Math.round(progress.transferredBytes);
        onProgress({ ...progress });
      }
      if (dirtied <= downtimeBudget) {
        progress.remainingBytes = Math.round(dirtied);
        return { ...progress };
      }
      if (dirtied >= previousDirty || progress.precopyRound >= this.options.maxRounds) {
        throw new NonConvergenceError(
          `live migration cannot converge: the guest dirties memory at ${this.options.dirtyRateMbps} Mbit/s, ` +
            `${dirtyRate >= bandwidth ? 'at or above' : 'too close to'} the ${this.options.bandwidthMbps} Mbit/s migration bandwidth ` +
            `(${(dirtied / MIB).toFixed(0)} MiB still dirty after ${progress.precopyRound} pre-copy rounds)`,
          { ...progress, remainingBytes: Math.round(dirtied) },
        );
      }
      previousDirty = dirtied;
      toSend = dirtied;
      progress.precopyRound++;
    }
  }

  async switchover(vm: RuntimeVm, _target: MigrationPeer, last: TransferProgress, signal: AbortSignal): Promise<SwitchoverResult> {
    this.consoles.pause(vm.name); // the guest is paused for the last pages; it resumes on the target
    const pausedAt = Date.now();
    const bandwidth = (this.options.bandwidthMbps * 1e6) / 8;
    if (bandwidth > 0 && last.remainingBytes > 0) await delay((last.remainingBytes / bandwidth) * 1000, signal);
    this.running.delete(vm.name);
    this.consoles.end(vm.name, false); // handed over: the target resumes the guest's counter
    // The pause this model made, measured as QEMU measures its own: from stop to hand-over.
    return { downtimeMs: Math.max(1, Date.now() - pausedAt) };
  }

  async close(): Promise<void> {
    this.running.clear();
    this.consoles.endAll();
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

