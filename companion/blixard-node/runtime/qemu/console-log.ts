// A VM's serial console log, written by QEMU itself (the console chardev's `logfile=…,logappend=on`)
// so that nothing the guest prints is lost while no daemon is attached (between a daemon's crash
// and its restart). This side follows the file for live output and keeps it bounded: past
// `maxBytes` the file is copied to `<log>.1` and truncated in place. QEMU opened it O_APPEND, so
// its next write lands at the new end; the tail is `<log>.1` + `<log>`, at most 2 × maxBytes.
// Bytes QEMU writes between the copy and the truncation are lost (a few bytes, once per rotation).

import * as fs from 'node:fs';

export interface ConsoleLogOptions {
  maxBytes?: number;
  pollMs?: number;
}

export class ConsoleLog {
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly dataListeners = new Set<(data: Buffer) => void>();
  private readonly maxBytes: number;
  private readonly pollMs: number;

  constructor(readonly path: string, options: ConsoleLogOptions = {}) {
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
    this.pollMs = options.pollMs ?? 100;
  }

  get rotatedPath(): string {
    return `${this.path}.1`;
  }

  /** Follows from the current end (adopting a running VM: what came before is in tail()). */
  seekToEnd(): void {
    this.offset = sizeOf(this.path);
    this.partial = '';
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Every complete line (without its line ending) from now on. */
  onLine(listener: (line: string) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  /** Every chunk of raw output from now on (for a live attach). */
  onData(listener: (data: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  /** The last `maxBytes` the guest printed (rotated part included). */
  tail(maxBytes = this.maxBytes): Buffer {
    const both = Buffer.concat([readOrEmpty(this.rotatedPath), readOrEmpty(this.path)]);
    return both.subarray(Math.max(0, both.length - maxBytes));
  }

  /** Reads what is new now (also called by the timer). */
  async poll(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      let size = sizeOf(this.path);
      if (size < this.offset) this.offset = 0; // truncated by someone else (another follower rotated)
      if (size > this.offset) {
        this.deliver(await readRange(this.path, this.offset, size));
        this.offset = size;
      }
      if (size > this.maxBytes) {
        await fs.promises.copyFile(this.path, this.rotatedPath);
        size = sizeOf(this.rotatedPath);
        if (size > this.offset) this.deliver(await readRange(this.rotatedPath, this.offset, size));
        await fs.promises.truncate(this.path, 0);
        this.offset = 0;
      }
    } catch {
      // The file is not there yet (QEMU starting) or went away with the VM: nothing to read.
    } finally {
      this.reading = false;
    }
  }

  private deliver(data: Buffer): void {
    if (data.length === 0) return;
    for (const listener of [...this.dataListeners]) listener(data);
    const text = this.partial + data.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const clean = line.replace(/\r$/, '');
      for (const listener of [...this.lineListeners]) listener(clean);
    }
  }
}

function sizeOf(path: string): number {
  try {
    return fs.statSync(path).size;
  } catch {
    return 0;
  }
}

function readOrEmpty(path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
