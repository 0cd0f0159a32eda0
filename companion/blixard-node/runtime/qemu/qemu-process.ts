// One QEMU process for one VM, with its files in the VM's state folder:
//   qemu.pid      written by QEMU (-pidfile), read to adopt it after a daemon restart
//   qmp.sock      QMP (qmp-client.ts)
//   console.sock  the serial console's chardev (unix socket server): input to the guest, live attach
//   console.log   everything the guest printed, written by QEMU itself, kept bounded, across the VM's
//                 lives on this node (console-log.ts; console.log.1 and console.log.meta.json beside it)
//   stderr.log    QEMU's own stderr, so the last line explains an exit even to an adopter
// QEMU runs in its own process group so a Ctrl-C or a daemon crash does not take guests with it:
// the daemon adopts them when it comes back.

import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Accel } from './accel';
import { ConsoleLog } from './console-log';
import { QmpClient } from './qmp-client';
import type { GuestBoot } from './test-guest';
import { BootWatch, type BootReadiness } from './boot-watch';

export interface QemuVmSpec {
  name: string;
  vcpus: number;
  memoryMb: number;
  boot: GuestBoot;
  /** A raw disk image, attached as a virtio disk (same file on the source and target of a migration). */
  disk?: string;
}

export interface QemuProcessOptions {
  /** This VM's own folder (created if missing). */
  stateDir: string;
  accel: Accel;
  qemuBinary?: string;
  /** Target side of a live migration: "tcp:127.0.0.1:PORT", or "defer" (then QMP migrate-incoming). */
  incoming?: string;
  /** When start() counts the guest as up: its boot line on the console (the test guest) or its first console line (boot-watch.ts). */
  readyWhen?: BootReadiness;
  consoleLogMaxBytes?: number;
}

/** How QEMU ended. */
export interface QemuExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** QEMU's last stderr line, if it wrote one. */
  lastStderrLine?: string;
  /** This object stopped it (powerdown, kill, quit after migration). */
  requested: boolean;
  /** Human-readable, for a FAILED reason. */
  reason: string;
}

export class QemuStartError extends Error {
  constructor(message: string, readonly exit?: QemuExit) {
    super(message);
    this.name = 'QemuStartError';
  }
}

export function qemuPaths(stateDir: string) {
  return {
    pid: path.join(stateDir, 'qemu.pid'),
    qmp: path.join(stateDir, 'qmp.sock'),
    consoleSocket: path.join(stateDir, 'console.sock'),
    consoleLog: path.join(stateDir, 'console.log'),
    stderrLog: path.join(stateDir, 'stderr.log'),
  };
}

export class QemuProcess {
  readonly paths: ReturnType<typeof qemuPaths>;
  readonly console: ConsoleLog;
  private child: ChildProcess | undefined;
  private qmpClient: QmpClient | undefined;
  private pidValue: number | undefined;
  private exitInfo: QemuExit | undefined;
  private requestedStop = false;
  private livenessTimer: NodeJS.Timeout | undefined;
  private readonly events = new EventEmitter();

  constructor(readonly spec: QemuVmSpec, private readonly options: QemuProcessOptions) {
    this.paths = qemuPaths(options.stateDir);
    this.console = new ConsoleLog(this.paths.consoleLog, { maxBytes: options.consoleLogMaxBytes });
  }

  get pid(): number | undefined {
    return this.pidValue;
  }

  get exited(): QemuExit | undefined {
    return this.exitInfo;
  }

  /** The QMP connection (after start or adopt). */
  get qmp(): QmpClient {
    if (!this.qmpClient) throw new Error(`QEMU of ${this.spec.name} is not connected`);
    return this.qmpClient;
  }

  /** The command line, for tests and logs. */
  args(): string[] {
    const { spec, paths } = this;
    const args = [
      '-name', spec.name,
      '-M', 'pc', '-accel', this.options.accel,
      '-m', String(spec.memoryMb), '-smp', String(spec.vcpus),
      '-nodefaults', '-no-user-config', '-display', 'none',
      '-chardev', `socket,id=console,path=${paths.consoleSocket},server=on,wait=off,logfile=${paths.consoleLog},logappend=on`,
      '-serial', 'chardev:console',
      '-qmp', `unix:${paths.qmp},server=on,wait=off`,
      '-pidfile', paths.pid,
      '-kernel', spec.boot.kernel, '-append', spec.boot.append,
    ];
    if (spec.boot.initrd) args.push('-initrd', spec.boot.initrd);
    if (spec.disk) args.push('-drive', `file=${spec.disk.replace(/,/g, ',,')},format=raw,if=virtio`);
    if (this.options.incoming) args.push('-incoming', this.options.incoming);
    return args;
  }

  /** Calls `listener` once when QEMU ends, however it ends. */
  onExit(listener: (exit: QemuExit) => void): () => void {
    if (this.exitInfo) {
      listener(this.exitInfo);
      return () => undefined;
    }
    this.events.once('exit', listener);
    return () => this.events.off('exit', listener);
  }

  waitForExit(timeoutMs: number): Promise<QemuExit | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(undefined);
      }, timeoutMs);
      const unsubscribe = this.onExit((exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  }

  /**
   * Spawns QEMU; resolves when the guest is up (boot line or first console line) or, for an incoming VM,
   * when QEMU listens for the migration stream. Rejects with QemuStartError (QEMU killed) otherwise.
   */
  async start(timeoutMs = 60_000): Promise<void> {
    await fs.promises.mkdir(this.options.stateDir, { recursive: true });
    for (const file of [this.paths.pid, this.paths.qmp, this.paths.consoleSocket]) {
      await fs.promises.rm(file, { force: true });
    }
    // The console log goes on from an earlier life of this VM here (it left and came back), after a marker.
    const how = this.options.incoming ? 'arriving on this node by live migration' : 'booting on this node';
    const marker = `--- blixard: ${this.spec.name} ${how}, ${new Date().toISOString()} ---`;
    this.console.beginLife(marker);
    const stderrFd = fs.openSync(this.paths.stderrLog, 'w');
    try {
      this.child = spawn(this.options.qemuBinary ?? 'qemu-system-x86_64', this.args(), { detached: true, stdio: ['ignore', 'ignore', stderrFd] });
    } finally {
      fs.closeSync(stderrFd);
    }
    const child = this.child;
    child.unref();
    child.on('error', (error) => this.recordExit(null, null, error.message));
    child.on('exit', (code, signal) => this.recordExit(code, signal));
    this.pidValue = child.pid;

    const boot = new BootWatch(this.spec.name, this.options.readyWhen ?? 'boot-line', marker, this.console);
    this.console.start();
    const deadline = Date.now() + timeoutMs;
    try {
      this.qmpClient = await this.connectQmp(deadline);
      boot.watchQmp(this.qmpClient);
      // An incoming QEMU is ready once it listens (before its QMP monitor answers); its guest is not booting.
      while (!this.options.incoming && !boot.ready) {
        this.throwIfExited('QEMU exited while the guest booted');
        const failure = boot.failure();
        if (failure) throw new QemuStartError(failure);
        if (Date.now() > deadline) throw new QemuStartError(boot.timedOut(timeoutMs));
        await sleep(100);
        await this.console.poll();
      }
    } catch (error) {
      await this.kill();
      if (error instanceof QemuStartError) throw new QemuStartError(error.message, this.exitInfo);
      throw new QemuStartError(`${this.spec.name}: ${(error as Error).message}`, this.exitInfo);
    } finally {
      boot.dispose();
    }
  }

  /**
   * Attaches to a QEMU another QemuProcess (or an earlier daemon) started in this state folder:
   * the pid file names it, /proc/PID/cmdline must be a QEMU using this folder's QMP socket.
   * The console is followed from its current end (what came before is in console.tail()).
   */
  async adopt(timeoutMs = 5000): Promise<void> {
    const pid = Number.parseInt((await fs.promises.readFile(this.paths.pid, 'utf8')).trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${this.paths.pid} does not hold a pid`);
    const cmdline = readCmdline(pid);
    if (!cmdline) throw new Error(`QEMU of ${this.spec.name} (pid ${pid}) is not running`);
    if (!/qemu-system/.test(cmdline[0] ?? '') || !cmdline.some((arg) => arg.includes(this.paths.qmp))) {
      throw new Error(`pid ${pid} from ${this.paths.pid} is not this VM's QEMU (${cmdline.slice(0, 3).join(' ')})`);
    }
    this.pidValue = pid;
    this.console.seekToEnd();
    this.qmpClient = await this.connectQmp(Date.now() + timeoutMs);
    this.console.start();
    this.watchAdoptedLiveness();
  }

  /** Asks the guest to power off (ACPI button); kills QEMU if it is still there after `timeoutMs`. */
  async powerdown(timeoutMs = 10_000): Promise<QemuExit> {
    if (this.exitInfo) return this.exitInfo;
    this.requestedStop = true;
    try {
      await this.qmp.execute('system_powerdown');
    } catch {
      // QEMU already going away: the exit below says how.
    }
    return (await this.waitForExit(timeoutMs)) ?? this.kill();
  }

  /** QMP quit (the source after a completed migration): QEMU exits at once, the guest lives on elsewhere. */
  async quit(timeoutMs = 5000): Promise<QemuExit> {
    if (this.exitInfo) return this.exitInfo;
    this.requestedStop = true;
    try {
      await this.qmp.execute('quit');
    } catch {
      // The socket closing under quit is how quit usually answers.
    }
    return (await this.waitForExit(timeoutMs)) ?? this.kill();
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<QemuExit> {
    if (this.exitInfo) return this.exitInfo;
    this.requestedStop = true;
    if (this.pidValue !== undefined) {
      try {
        process.kill(this.pidValue, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (!this.child) this.watchAdoptedLiveness(50);
    return (await this.waitForExit(10_000)) ?? this.recordExit(null, 'SIGKILL', 'QEMU did not go away after SIGKILL');
  }

  /** Lets go without stopping QEMU (a daemon handing over to its next run, or a test dropping the object). */
  async detach(): Promise<void> {
    this.console.stop();
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.child?.removeAllListeners('exit');
    await this.qmpClient?.close();
  }

  /** Sends bytes to the guest's serial console. */
  writeConsole(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path: this.paths.consoleSocket }, () => socket.end(data, () => resolve()));
      socket.on('error', reject);
    });
  }

  private async connectQmp(deadline: number): Promise<QmpClient> {
    for (;;) {
      this.throwIfExited('QEMU exited before its QMP socket answered');
      try {
        const client = await QmpClient.connect(this.paths.qmp, { connectTimeoutMs: Math.max(1000, deadline - Date.now()) });
        client.onClose(() => {
          // Exits are judged by the process (spawned) or by liveness polling (adopted); a closed
          // QMP socket only speeds the latter up.
          if (!this.child) this.checkAdoptedLiveness();
        });
        return client;
      } catch (error) {
        if (Date.now() > deadline) throw new QemuStartError(`QMP socket ${this.paths.qmp} did not answer: ${(error as Error).message}`);
        await sleep(50);
      }
    }
  }

  private throwIfExited(context: string): void {
    if (this.exitInfo) throw new QemuStartError(`${context}: ${this.exitInfo.reason}`, this.exitInfo);
  }

  private watchAdoptedLiveness(intervalMs = 250): void {
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.livenessTimer = setInterval(() => this.checkAdoptedLiveness(), intervalMs);
    this.livenessTimer.unref();
  }

  private checkAdoptedLiveness(): void {
    if (this.pidValue === undefined || this.exitInfo) return;
    if (isAlive(this.pidValue)) return;
    // Not our child: its exit status went to whoever started it.
    this.recordExit(null, null, undefined, 'QEMU exited (adopted, exit status unknown)');
  }

  private recordExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: string, description?: string): QemuExit {
    if (this.exitInfo) return this.exitInfo;
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    const lastStderrLine = lastLine(this.paths.stderrLog);
    const how = spawnError ?? description ?? (signal ? `QEMU was killed by ${signal}` : `QEMU exited with code ${code}`);
    const reason = lastStderrLine && !spawnError ? `${how}: ${lastStderrLine}` : how;
    this.exitInfo = { code, signal, lastStderrLine, requested: this.requestedStop, reason };
    void this.console.poll().finally(() => this.console.stop());
    this.events.emit('exit', this.exitInfo);
    return this.exitInfo;
  }
}

export function readCmdline(pid: number): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

/** Running, not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function lastLine(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').pop()?.trim() || undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
