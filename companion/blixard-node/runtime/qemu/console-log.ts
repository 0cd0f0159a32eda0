// A VM's serial console log, written by QEMU itself (the console chardev's `logfile=…,logappend=on`)
// so that nothing the guest prints is lost while no daemon is attached (between a daemon's crash
// and its restart). This side follows the file for live output and keeps it bounded: past
// `maxBytes` the file is copied to `<log>.1` and truncated in place. QEMU opened it O_APPEND, so
// its next write lands at the new end; the tail is `<log>.1` + `<log>`, at most 2 × maxBytes.
// Bytes QEMU writes between the copy and the truncation are lost (a few bytes, once per rotation).
//
// The log outlives its QEMU: a VM that leaves this node and comes back continues it. Each boot or
// arrival (a "life") rotates what the last one left into `<log>.1` and opens the file with a
// marker line the daemon writes, so the file holds the current life and the tail served never
// runs an old life into the new one unmarked. `<log>.meta.json` holds the log's id, the position
// of the file's first byte (what rotation moved away) and where the current life began, so
// positions stay meaningful across rotations, lives and daemon restarts, and a console client can
// resume exactly where it stopped.

import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { ConsoleChunk } from '../vm-console';

export interface ConsoleLogOptions {
  maxBytes?: number;
  pollMs?: number;
}

interface ConsoleLogMeta {
  logId: string;
  /** The position of the current file's first byte. */
  base: number;
  /** The position where the VM's current life on this node began (its marker line). */
  lifeStart: number;
}

export class ConsoleLog {
  private offset = 0;
  private partial = '';
  private timer: NodeJS.Timeout | undefined;
  private reading = false;
  private metaValue: ConsoleLogMeta | undefined;
  private readonly lineListeners = new Set<(line: string) => void>();
  private readonly dataListeners = new Set<(data: Buffer, end: number) => void>();
  private readonly maxBytes: number;
  private readonly pollMs: number;

  constructor(readonly path: string, options: ConsoleLogOptions = {}) {
    this.maxBytes = options.maxBytes ?? 1024 * 1024;
    this.pollMs = options.pollMs ?? 100;
  }

  get rotatedPath(): string {
    return `${this.path}.1`;
  }

  get metaPath(): string {
    return `${this.path}.meta.json`;
  }

  /** Names this log; stable while its folder is kept (daemon restarts, the VM's returns). */
  get logId(): string {
    return this.meta.logId;
  }

  /** The position just after the last byte written so far. */
  get end(): number {
    return this.meta.base + sizeOf(this.path);
  }

  /**
   * A new life of the VM on this node (a boot, or an incoming live migration), before its QEMU
   * starts: what an earlier life left in the file becomes the rotated part (so the log, its
   * positions and its bound go on, and the file itself holds the current life only), then
   * `marker` opens the file on a line of its own. Followers read on from the marker.
   */
  beginLife(marker: string): void {
    this.stop();
    this.metaValue = undefined; // what an earlier QemuProcess in this folder last wrote
    const size = sizeOf(this.path);
    if (size > 0) {
      fs.copyFileSync(this.path, this.rotatedPath);
      this.writeMeta({ ...this.meta, base: this.meta.base + size });
      fs.truncateSync(this.path, 0);
    }
    this.writeMeta({ ...this.meta, lifeStart: this.meta.base });
    fs.appendFileSync(this.path, `${marker.replace(/[\r\n]+/g, ' ')}\r\n`);
    this.offset = 0;
    this.partial = '';
  }

  /** Follows from the current end (adopting a running VM: what came before is in tail()). */
  seekToEnd(): void {
    this.metaValue = undefined;
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

  /** Every chunk of raw output from now on, with the position just after it (for a live attach). */
  onData(listener: (data: Buffer, end: number) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  /** The last `maxBytes` the guest printed in its current life here (rotated part included). */
  tail(maxBytes = this.maxBytes): Buffer {
    return this.read(undefined, maxBytes).data;
  }

  /** What the log holds after `position` (undefined: the current life), at most its last `maxBytes`. */
  read(position: number | undefined, maxBytes = this.maxBytes): ConsoleChunk {
    const { base, lifeStart } = this.meta;
    const rotated = readOrEmpty(this.rotatedPath);
    const current = readOrEmpty(this.path);
    const firstKept = base - rotated.length;
    const end = base + current.length;
    // A position past the end is from a log that went back (a crash mid-rotation): the life is safer than nothing.
    const asked = position === undefined || position > end ? lifeStart : position;
    const from = Math.min(end, Math.max(firstKept, end - Math.max(0, maxBytes), asked));
    return { data: Buffer.concat([rotated, current]).subarray(from - firstKept), end };
  }

  /** Reads what is new now (also called by the timer). */
  async poll(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      let size = sizeOf(this.path);
      if (size < this.offset) {
        // Truncated by someone else (another follower rotated): its meta says where the file begins now.
        this.metaValue = undefined;
        this.offset = 0;
      }
      if (size > this.offset) {
        this.deliver(await readRange(this.path, this.offset, size), this.meta.base + size);
        this.offset = size;
      }
      if (size > this.maxBytes) {
        await fs.promises.copyFile(this.path, this.rotatedPath);
        const base = this.meta.base;
        size = sizeOf(this.rotatedPath);
        if (size > this.offset) this.deliver(await readRange(this.rotatedPath, this.offset, size), base + size);
        // The new base first: a crash before the truncation skips positions, it never reuses them.
        this.writeMeta({ ...this.meta, base: base + size });
        await fs.promises.truncate(this.path, 0);
        this.offset = 0;
      }
    } catch {
      // The file is not there yet (QEMU starting) or went away with the VM: nothing to read.
    } finally {
      this.reading = false;
    }
  }

  private get meta(): ConsoleLogMeta {
    if (!this.metaValue) {
      const stored = readMeta(this.metaPath);
      // No meta: a new log, or one from before positions were kept (its whole file is one life).
      this.metaValue = stored ?? { logId: randomUUID(), base: 0, lifeStart: 0 };
      if (!stored) this.writeMeta(this.metaValue);
    }
    return this.metaValue;
  }

  private writeMeta(meta: ConsoleLogMeta): void {
    this.metaValue = meta;
    try {
      const partial = `${this.metaPath}.${process.pid}.tmp`;
      fs.writeFileSync(partial, JSON.stringify(meta));
      fs.renameSync(partial, this.metaPath);
    } catch {
      // The VM's folder went away: the log goes with it.
    }
  }

  private deliver(data: Buffer, end: number): void {
    if (data.length === 0) return;
    for (const listener of [...this.dataListeners]) listener(data, end);
    const text = this.partial + data.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const clean = line.replace(/\r$/, '');
      for (const listener of [...this.lineListeners]) listener(clean);
    }
  }
}

function readMeta(path: string): ConsoleLogMeta | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(path, 'utf8')) as Partial<ConsoleLogMeta>;
    const { logId, base, lifeStart } = value;
    if (typeof logId !== 'string' || !logId || !Number.isSafeInteger(base) || !Number.isSafeInteger(lifeStart)) return undefined;
    return { logId, base: base!, lifeStart: lifeStart! };
  } catch {
    return undefined;
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
