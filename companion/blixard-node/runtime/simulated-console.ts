// The serial consoles of the simulated runtime's VMs, so every Blixard VM has one and the console
// RPC, the CLI and the extension work on the default runtime: a boot line, then a heartbeat line
// with a counter every second, and each line typed at it echoed back as "$ <line>". Like the
// QEMU test guest's, the counter lives in the guest's memory: it survives a live migration or
// a daemon restart (the next console resumes it) and starts again at a reboot.

import { randomUUID } from 'node:crypto';
import type { ConsoleChunk, VmConsole, VmConsoles } from './vm-console';

export interface SimulatedConsoleOptions {
  /** Time between heartbeat lines (default 1000 ms). */
  heartbeatMs?: number;
  /** Bytes of output a console keeps for its tail (default 64 KiB). */
  tailBytes?: number;
}

/** The longest input line the guest keeps; the rest of a longer line is dropped, as a tty would. */
const MAX_INPUT_LINE = 1024;

/**
 * A guest handed over at a live migration's switchover, by name: the counter its next console in
 * this process (a dev cluster's daemons share one) resumes from. Taken once, and only for a short
 * while — a switchover reaches the target's adopt within a second — so that a later cluster in the
 * same process (the tests run many) never inherits a guest of the same name. Daemons in separate
 * processes share nothing: there a migrated guest's console starts again (a boot line, counter 0).
 */
const handoffs = new Map<string, { counter: number; at: number }>();
const HANDOFF_TTL_MS = 10_000;

function takeHandoff(vmName: string): number | undefined {
  const handoff = handoffs.get(vmName);
  handoffs.delete(vmName);
  return handoff && Date.now() - handoff.at <= HANDOFF_TTL_MS ? handoff.counter : undefined;
}

class SimulatedConsole implements VmConsole {
  /** One log per console object: a guest that resumes in another daemon has a new one. */
  readonly logId = randomUUID();
  private readonly chunks: Buffer[] = [];
  private held = 0;
  /** Every byte ever printed: the position just after the newest. */
  private printed = 0;
  private readonly listeners = new Set<(data: Buffer, end: number) => void>();
  private timer: NodeJS.Timeout | undefined;
  private inputLine = '';

  constructor(
    private readonly vmName: string,
    private counter: number,
    private readonly options: Required<SimulatedConsoleOptions>,
  ) {}

  get heartbeat(): number {
    return this.counter;
  }

  tail(maxBytes: number): Buffer {
    return this.read(undefined, maxBytes).data;
  }

  read(position: number | undefined, maxBytes: number): ConsoleChunk {
    const all = Buffer.concat(this.chunks);
    const firstKept = this.printed - all.length;
    const from = Math.max(firstKept, this.printed - Math.max(0, maxBytes), position ?? 0);
    return { data: all.subarray(Math.min(all.length, from - firstKept)), end: this.printed };
  }

  onData(listener: (data: Buffer, end: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  write(data: Buffer): void {
    for (const ch of data.toString('utf8')) {
      if (ch === '\r' || ch === '\n') {
        if (this.inputLine) this.print(`$ ${this.inputLine}\n`);
        this.inputLine = '';
      } else if (ch === '\x7f' || ch === '\b') {
        this.inputLine = this.inputLine.slice(0, -1);
      } else if (ch >= ' ' && this.inputLine.length < MAX_INPUT_LINE) {
        this.inputLine += ch;
      }
    }
  }

  boot(): void {
    this.print(`simulated guest ${this.vmName} booted\n`);
    this.run();
  }

  run(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.print(`heartbeat ${++this.counter}\n`), this.options.heartbeatMs);
    this.timer.unref();
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private print(text: string): void {
    const chunk = Buffer.from(text, 'utf8');
    this.chunks.push(chunk);
    this.held += chunk.length;
    this.printed += chunk.length;
    while (this.held - this.chunks[0].length >= this.options.tailBytes) this.held -= this.chunks.shift()!.length;
    for (const listener of [...this.listeners]) listener(chunk, this.printed);
  }
}

export class SimulatedConsoles implements VmConsoles {
  private readonly consoles = new Map<string, SimulatedConsole>();
  private readonly options: Required<SimulatedConsoleOptions>;

  constructor(options: SimulatedConsoleOptions = {}) {
    this.options = { heartbeatMs: options.heartbeatMs ?? 1000, tailBytes: options.tailBytes ?? 64 * 1024 };
  }

  open(vmName: string): VmConsole | undefined {
    return this.consoles.get(vmName);
  }

  /** A fresh boot: the boot line, the counter from 0. */
  boot(vmName: string): void {
    this.consoles.get(vmName)?.pause();
    handoffs.delete(vmName);
    const console = new SimulatedConsole(vmName, 0, this.options);
    this.consoles.set(vmName, console);
    console.boot();
  }

  /** The guest runs here without booting (adopted, arrived, or resumed after a failed switchover). */
  resume(vmName: string): void {
    const existing = this.consoles.get(vmName);
    if (existing) return existing.run();
    const handedOver = takeHandoff(vmName);
    const console = new SimulatedConsole(vmName, handedOver ?? 0, this.options);
    this.consoles.set(vmName, console);
    // A guest that was not handed over (seeded running, or its daemon restarted) has, as far as its console knows, just booted.
    if (handedOver === undefined) console.boot();
    else console.run();
  }

  /** The guest is paused (switchover): no output until it resumes, here or on the target. */
  pause(vmName: string): void {
    const console = this.consoles.get(vmName);
    if (!console) return;
    console.pause();
    handoffs.set(vmName, { counter: console.heartbeat, at: Date.now() });
  }

  /** The VM no longer runs here: powered off (its counter is gone) or handed to another node. */
  end(vmName: string, poweredOff: boolean): void {
    const console = this.consoles.get(vmName);
    if (!console) return;
    console.pause();
    this.consoles.delete(vmName);
    if (poweredOff) handoffs.delete(vmName);
    else handoffs.set(vmName, { counter: console.heartbeat, at: Date.now() });
  }

  /** The runtime closes: its guests' consoles (and anything they handed over) go with it. */
  endAll(): void {
    for (const [name, console] of this.consoles) {
      console.pause();
      handoffs.delete(name);
    }
    this.consoles.clear();
  }
}
