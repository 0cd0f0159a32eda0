// `--runtime qemu`: every VM is one QEMU process (qemu-process.ts), its files in
// STATE_DIR/vms/NAME. Boot waits for the guest; stop is system_powerdown, then SIGKILL after a
// timeout; a restarted daemon adopts the QEMUs still running (pid file + QMP socket); a QEMU that
// dies unasked is reported through onUnexpectedExit so the agent marks the VM FAILED. Live
// migration: the target's prepareIncoming starts a QEMU with `-incoming tcp:…`, the source runs
// qemu-outgoing.ts against it.

import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MigrationPeer, RuntimeVm, RuntimeVmRequest, SwitchoverResult, TransferProgress, UnexpectedVmExit, VmRuntime } from '../vm-runtime';
import type { VmConsoles } from '../vm-console';
import { chooseAccel, type Accel } from './accel';
import { QemuProcess } from './qemu-process';
import { builtInTestGuest } from './test-guest';
import { checkQemuVm, resolveBoot } from './vm-config';
import { cancelOutgoing, runPrecopy, runSwitchover, type OutgoingMigrationOptions } from './qemu-outgoing';
import { killLeftoverQemu } from './leftover-qemu';

export interface QemuRuntimeOptions {
  /** This node's folder: each VM's files go to STATE_DIR/vms/NAME. */
  stateDir: string;
  /** Default: probed once (accel.ts). */
  accel?: Accel;
  qemuBinary?: string;
  /** Live-migration bandwidth, Mbit/s (QEMU max-bandwidth); 0 = unlimited (default 10000, as the simulated runtime). */
  bandwidthMbps?: number;
  /** QEMU downtime-limit, ms (default 300, as the simulated runtime). */
  maxDowntimeMs?: number;
  /** QEMU's auto-converge capability: throttle a guest that dirties memory faster than it can be sent. */
  autoConverge?: boolean;
  /** A live migration whose remaining bytes reach no new low for this long is cancelled and FAILS (default 10000). */
  stallTimeoutMs?: number;
  /** Longest pre-copy before it is cancelled and FAILS (default 300000). */
  transferTimeoutMs?: number;
  /** Boot to first console line / running (default 60000). */
  bootTimeoutMs?: number;
  /** system_powerdown to SIGKILL (default 10000). */
  stopTimeoutMs?: number;
  /** query-migrate polling during pre-copy (default 100). */
  pollIntervalMs?: number;
  /** Host the target's incoming QEMU listens on (default 127.0.0.1: every node of a dev cluster is on this host). */
  incomingHost?: string;
  /**
   * close() kills the guests instead of leaving them for the next daemon to adopt: for a dev
   * cluster, whose embedded store (and so every record of them) ends with it.
   */
  killGuestsOnClose?: boolean;
  log?: (line: string) => void;
}

type Role = 'running' | 'adopting' | 'incoming';

interface Entry {
  qp: QemuProcess;
  role: Role;
  /** A migration away is under way (or paused at pre-switchover). */
  outgoing?: boolean;
  /** Adopted: whether the QEMU a dead daemon left had already handed the guest over (settleAdopted). */
  settled?: Promise<boolean>;
}

const MIB = 1024 * 1024;

export class QemuRuntime implements VmRuntime {
  readonly kind = 'qemu';
  private readonly vms = new Map<string, Entry>();
  /** VMs whose QEMU is being spawned (start, prepareIncoming): not leftovers, though not held yet. */
  private readonly spawning = new Set<string>();
  private readonly events = new EventEmitter();
  private accel?: Promise<Accel>;
  private closed = false;

  constructor(private readonly options: QemuRuntimeOptions) {}

  vmDir(name: string): string {
    return path.join(this.options.stateDir, 'vms', name.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  /** The QEMU running `name` here, if any (tests, logs). */
  processOf(name: string): QemuProcess | undefined {
    const entry = this.vms.get(name);
    return entry && entry.role !== 'incoming' ? entry.qp : undefined;
  }

  /** A running VM's serial console, for the console RPC (runtime/vm-console.ts reads `runtime.consoles`). */
  readonly consoles: VmConsoles = {
    open: (name) => {
      const qp = this.processOf(name);
      if (!qp) return undefined;
      const log = qp.console;
      return {
        logId: log.logId,
        tail: (maxBytes) => log.tail(maxBytes),
        read: (position, maxBytes) => log.read(position, maxBytes),
        onData: (listener) => log.onData(listener),
        write: (data) => void qp.writeConsole(data).catch(() => undefined),
      };
    },
  };

  checkVm(vm: RuntimeVmRequest): Promise<void> {
    return checkQemuVm(vm);
  }

  defaultCapacity(): { vcpus: number; memoryMb: number } {
    return { vcpus: os.cpus().length, memoryMb: Math.floor(os.freemem() / MIB) };
  }

  onUnexpectedExit(listener: (exit: UnexpectedVmExit) => void): () => void {
    this.events.on('exit', listener);
    return () => this.events.off('exit', listener);
  }

  async start(vm: RuntimeVm, signal?: AbortSignal): Promise<void> {
    if (this.isRunning(vm.name)) return;
    await checkQemuVm({ ...vm, configPath: vm.configPath ?? '' });
    await this.boot(vm, signal, undefined, (qp) => this.hold(vm.name, qp, 'running'));
  }

  async stop(vm: RuntimeVm): Promise<void> {
    const entry = this.vms.get(vm.name);
    if (!entry) return;
    this.vms.delete(vm.name);
    const exit = await entry.qp.powerdown(this.options.stopTimeoutMs ?? 10_000);
    this.log(`${vm.name}: stopped (${exit.reason})`);
  }

  adopt(vm: RuntimeVm): void {
    const entry = this.vms.get(vm.name);
    if (entry?.role === 'incoming') {
      // The live migration to this node completed: the incoming QEMU is the VM now.
      entry.role = 'running';
      this.watch(vm.name, entry.qp);
      return;
    }
    if (entry?.outgoing) {
      // A migration away ended without handing the guest over: make sure it runs here.
      entry.outgoing = false;
      void cancelOutgoing(entry.qp.qmp).catch(() => undefined);
      return;
    }
    if (entry) return;
    // The store says it runs here but this process holds no QEMU for it: a daemon restart.
    const qp = new QemuProcess(
      { name: vm.name, vcpus: vm.vcpus, memoryMb: vm.memoryMb, boot: { kernel: '', initrd: '', append: '' } },
      { stateDir: this.vmDir(vm.name), accel: 'tcg', qemuBinary: this.options.qemuBinary },
    );
    const adopting: Entry = { qp, role: 'adopting' };
    this.vms.set(vm.name, adopting);
    qp.adopt().then(
      () => {
        if (this.vms.get(vm.name) !== adopting) return void qp.detach();
        adopting.role = 'running';
        this.watch(vm.name, qp);
        this.log(`${vm.name}: adopted QEMU pid ${qp.pid}`);
        adopting.settled = this.settleAdopted(vm.name, qp);
      },
      (err: Error) => {
        if (this.vms.get(vm.name) !== adopting) return;
        this.vms.delete(vm.name);
        this.events.emit('exit', { name: vm.name, reason: `no QEMU runs VM '${vm.name}' on this node (${err.message})` } satisfies UnexpectedVmExit);
      },
    );
  }

  /**
   * A daemon that died mid-migration may have left QEMU migrating or paused at pre-switchover: the
   * migration ended with that daemon, so the guest goes on here. Or QEMU finished the migration
   * alone (postmigrate: the guest runs on the target now): then nothing resumes the stale copy here.
   */
  private async settleAdopted(name: string, qp: QemuProcess): Promise<boolean> {
    const status = (await qp.qmp.execute('query-status').catch(() => undefined))?.status;
    if (status === 'postmigrate') {
      this.log(`${name}: its live migration completed while no daemon ran here; the guest has left this node`);
      return true;
    }
    await cancelOutgoing(qp.qmp).catch(() => undefined);
    return false;
  }

  async handedOver(vm: RuntimeVm): Promise<boolean | undefined> {
    if (!this.vms.has(vm.name)) this.adopt(vm);
    let entry: Entry;
    try {
      entry = await this.runningEntry(vm.name);
    } catch {
      return undefined; // no QEMU of it here
    }
    if (entry.settled) return entry.settled;
    return (await entry.qp.qmp.execute('query-status').catch(() => undefined))?.status === 'postmigrate';
  }

  async incomingArrived(name: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const entry = this.vms.get(name);
      if (entry?.role !== 'incoming' || entry.qp.exited) return false; // its QEMU gave up on the stream and exited
      // 'inmigrate' while the stream comes in; a received guest starts running at once (no -S).
      if ((await entry.qp.qmp.execute('query-status').catch(() => undefined))?.status === 'running') return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  release(name: string): void {
    const entry = this.vms.get(name);
    if (!entry) return;
    this.vms.delete(name);
    // What is left of a VM that lives elsewhere now (a source after its migration) or should not run.
    void (entry.role === 'incoming' ? entry.qp.kill() : entry.qp.quit()).catch(() => undefined);
  }

  isRunning(name: string): boolean {
    const role = this.vms.get(name)?.role;
    return role === 'running' || role === 'adopting';
  }

  list(): string[] {
    return [...this.vms].filter(([, e]) => e.role !== 'incoming').map(([name]) => name);
  }

  initialProgress(vm: RuntimeVm): TransferProgress {
    const totalBytes = vm.memoryMb * MIB;
    return { totalBytes, transferredBytes: 0, remainingBytes: totalBytes, dirtyRateBytesPerSec: 0, bandwidthBytesPerSec: 0, precopyRound: 1 };
  }

  async prepareIncoming(vm: RuntimeVm, signal: AbortSignal): Promise<{ uri: string }> {
    this.discardIncoming(vm.name);
    const host = this.options.incomingHost ?? '127.0.0.1';
    const uri = `tcp:${host}:${await freePort(host)}`;
    await this.boot(vm, signal, uri, (qp) => {
      this.vms.set(vm.name, { qp, role: 'incoming' });
      qp.onExit(() => {
        if (this.vms.get(vm.name)?.qp === qp && this.vms.get(vm.name)?.role === 'incoming') this.vms.delete(vm.name);
      });
    });
    return { uri };
  }

  discardIncoming(name: string): void {
    const entry = this.vms.get(name);
    if (entry?.role !== 'incoming') return;
    this.vms.delete(name);
    void entry.qp.kill();
  }

  async precopy(vm: RuntimeVm, target: MigrationPeer, onProgress: (p: TransferProgress) => void, signal: AbortSignal): Promise<TransferProgress> {
    const entry = await this.runningEntry(vm.name);
    if (!target.incomingUri) throw new Error(`node ${target.nodeId} gave no address to migrate VM '${vm.name}' to`);
    entry.outgoing = true;
    try {
      return await runPrecopy(entry.qp.qmp, target.incomingUri, vm.memoryMb * MIB, this.outgoingOptions(), onProgress, signal);
    } catch (err) {
      entry.outgoing = false;
      throw err;
    }
  }

  async switchover(vm: RuntimeVm, _target: MigrationPeer, last: TransferProgress): Promise<SwitchoverResult> {
    const entry = await this.runningEntry(vm.name);
    try {
      const result = await runSwitchover(entry.qp.qmp, last.totalBytes, this.options.pollIntervalMs ?? 100);
      // The guest runs on the target now; this QEMU holds a stopped copy.
      this.vms.delete(vm.name);
      await entry.qp.quit();
      return result;
    } finally {
      entry.outgoing = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.vms.values()];
    this.vms.clear();
    // Running guests outlive the daemon (the next one adopts them); a half-received one is useless.
    await Promise.all(entries.map((e) => (e.role === 'incoming' || this.options.killGuestsOnClose ? e.qp.kill() : e.qp.detach())));
  }

  private async runningEntry(name: string): Promise<Entry> {
    const entry = this.vms.get(name);
    if (!entry || entry.role === 'incoming') throw new Error(`VM '${name}' has no QEMU on this node`);
    for (let i = 0; entry.role === 'adopting' && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
    if (entry.role !== 'running') throw new Error(`VM '${name}': its QEMU could not be adopted`);
    return entry;
  }

  private outgoingOptions(): OutgoingMigrationOptions {
    return {
      bandwidthMbps: this.options.bandwidthMbps ?? 10_000,
      maxDowntimeMs: this.options.maxDowntimeMs ?? 300,
      autoConverge: this.options.autoConverge ?? false,
      stallTimeoutMs: this.options.stallTimeoutMs ?? 10_000,
      transferTimeoutMs: this.options.transferTimeoutMs ?? 300_000,
      pollIntervalMs: this.options.pollIntervalMs ?? 100,
    };
  }

  /**
   * Spawns the VM's QEMU (after killing one an earlier daemon left in its folder) and waits until it
   * is up, or kills it; `held` records it before the VM stops counting as spawning, so a reap never
   * sees it unowned.
   */
  private async boot(vm: RuntimeVm, signal: AbortSignal | undefined, incoming: string | undefined, held: (qp: QemuProcess) => void): Promise<void> {
    this.spawning.add(vm.name);
    try {
      const leftover = await killLeftoverQemu(this.vmDir(vm.name));
      if (leftover !== undefined) this.log(`${vm.name}: killed QEMU pid ${leftover} an earlier daemon left in its folder`);
      const qp = await this.newProcess(vm, incoming);
      const onAbort = () => void qp.kill();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await qp.start(this.options.bootTimeoutMs ?? 60_000);
        signal?.throwIfAborted();
      } catch (err) {
        await qp.kill();
        throw err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      held(qp);
    } finally {
      this.spawning.delete(vm.name);
    }
  }

  async reapLeftovers(keep: ReadonlySet<string>): Promise<void> {
    const kept = new Set([...keep].map((name) => this.vmDir(name)));
    const root = path.join(this.options.stateDir, 'vms');
    const dirs = await fs.promises.readdir(root).catch(() => [] as string[]);
    for (const dir of dirs.map((d) => path.join(root, d))) {
      if (kept.has(dir) || [...this.vms.keys(), ...this.spawning].some((name) => this.vmDir(name) === dir)) continue;
      const pid = await killLeftoverQemu(dir);
      if (pid !== undefined) this.log(`${path.basename(dir)}: killed QEMU pid ${pid} an earlier daemon left running; no record wants it here`);
    }
  }

  reapLeftover(name: string): void {
    if (this.vms.has(name) || this.spawning.has(name)) return;
    void killLeftoverQemu(this.vmDir(name)).then((pid) => {
      if (pid !== undefined) this.log(`${name}: killed QEMU pid ${pid} an earlier daemon left running; the VM lives elsewhere now`);
    });
  }

  private async newProcess(vm: RuntimeVm, incoming?: string): Promise<QemuProcess> {
    const { boot, disk, readyWhen } = await resolveBoot(vm);
    this.accel ??= this.options.accel
      ? Promise.resolve(this.options.accel)
      : builtInTestGuest().then(async (guest) => (await chooseAccel({ guest, qemuBinary: this.options.qemuBinary })).accel);
    return new QemuProcess(
      { name: vm.name, vcpus: vm.vcpus, memoryMb: vm.memoryMb, boot, disk },
      { stateDir: this.vmDir(vm.name), accel: await this.accel, qemuBinary: this.options.qemuBinary, incoming, readyWhen },
    );
  }

  private hold(name: string, qp: QemuProcess, role: Role): void {
    this.vms.set(name, { qp, role });
    this.watch(name, qp);
  }

  /** A QEMU that ends unasked while it is the VM's turns the VM FAILED (the agent commits it). */
  private watch(name: string, qp: QemuProcess): void {
    qp.onExit((exit) => {
      const entry = this.vms.get(name);
      if (entry?.qp !== qp) return;
      this.vms.delete(name);
      if (exit.requested || this.closed) return;
      this.log(`${name}: ${exit.reason}`);
      this.events.emit('exit', { name, reason: `VM '${name}' died: ${exit.reason}` } satisfies UnexpectedVmExit);
    });
  }

  private log(line: string): void {
    this.options.log?.(`qemu: ${line}`);
  }
}

/** A port the kernel just gave out and took back: QEMU binds it a moment later. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
