// Appends journal lines with group commit: lines gather for at most `commitIntervalMs` (or until
// `maxBatchRecords`), then go out in one write and one fdatasync. flush() resolves once every
// line appended before it is on disk. rotate() moves on to a new file only after every earlier
// line is written and synced in the old one — readers rely on "a later segment exists" meaning
// "the earlier one is complete". Used for the writer's journal segments and a follower's inbox;
// each file has exactly one appender.

import { openSync, fstatSync, closeSync, write, fdatasync, ftruncate, close } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { PRIVATE_FILE_MODE, fsyncDirSync } from '../durable-file';
import { HistoryError } from '../history-error';

function writeAsync(fd: number, buffer: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => write(fd, buffer, offset, length, null, (err, bytesWritten) => (err ? reject(err) : resolve(bytesWritten))));
}
const fdatasyncAsync = promisify(fdatasync);
const ftruncateAsync = promisify(ftruncate);
const closeAsync = promisify(close);

export interface GroupCommitOptions {
  /** Longest a line waits before its batch is written and synced. */
  commitIntervalMs: number;
  /** A batch this large is written at once, without waiting for the interval. */
  maxBatchRecords: number;
}

export interface AppenderHooks {
  onWriteError: (err: Error) => void;
  /** Asked before each batch; false stops writing and keeps the lines (see close()). */
  mayWrite?: () => boolean;
  onWriteRefused?: () => void;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Rotation {
  file: string;
  /** Lines up to this sequence number belong in the old file. */
  boundary: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const MAX_BATCH_BYTES = 1 << 20;
const RETRY_AFTER_FAILURE_MS = 1000;

export class JournalAppender {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Sequence number of the last line appended / handed to a write / known durable. */
  private appendedSeq = 0;
  private takenSeq = 0;
  private durableSeq = 0;
  private waiters: Waiter[] = [];
  private rotation: Rotation | undefined;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private refused = false;
  private fileSize: number;

  private constructor(
    private currentFile: string,
    private fd: number,
    initialSize: number,
    private readonly options: GroupCommitOptions,
    private readonly hooks: AppenderHooks,
  ) {
    this.fileSize = initialSize;
  }

  /**
   * Opens `file` for appending. `createNew` insists the file does not exist yet (a new journal
   * segment); its directory entry is synced so records acknowledged in it survive a power loss.
   */
  static open(file: string, createNew: boolean, options: GroupCommitOptions, hooks: AppenderHooks): JournalAppender {
    const { fd, size } = openForAppend(file, createNew);
    return new JournalAppender(file, fd, size, options, hooks);
  }

  get file(): string {
    return this.currentFile;
  }

  /** Bytes in the current file, counting lines appended but not yet written. */
  get size(): number {
    return this.fileSize + this.pendingBytes;
  }

  get hasUnflushed(): boolean {
    return this.durableSeq < this.appendedSeq;
  }

  append(line: Buffer): void {
    if (this.closed) throw new HistoryError('closed', 'The history journal is closed.');
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.appendedSeq++;
    if (this.pending.length >= this.options.maxBatchRecords || this.pendingBytes >= MAX_BATCH_BYTES) this.scheduleNow();
    else this.scheduleLater(this.options.commitIntervalMs);
  }

  /** Resolves when every line appended so far is durable; rejects if writing them failed. */
  flush(): Promise<void> {
    const seq = this.appendedSeq;
    if (this.durableSeq >= seq) return Promise.resolve();
    if (this.refused) return Promise.reject(new HistoryError('io', 'The history writer lock was lost before these records were written.'));
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.scheduleNow();
    });
  }

  /**
   * Continues in `file` (created new) once every line appended so far is durable in the current
   * one. Lines appended meanwhile go to the new file.
   */
  rotate(file: string): Promise<void> {
    if (this.closed) return Promise.reject(new HistoryError('closed', 'The history journal is closed.'));
    if (this.rotation) return Promise.reject(new Error('a rotation is already under way'));
    return new Promise((resolve, reject) => {
      this.rotation = { file, boundary: this.appendedSeq, resolve, reject };
      this.scheduleNow();
    });
  }

  /** Flushes, then releases the file. Lines that could not be written are handed back. */
  async close(): Promise<Buffer[]> {
    try {
      await this.flush();
    } catch {
      // the lines stay pending and are returned below
    }
    this.closed = true;
    this.clearSchedule();
    while (this.inFlight) await this.inFlight;
    await closeAsync(this.fd).catch(() => {});
    const left = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const moved = new HistoryError('io', 'The history journal was closed before these records were written.');
    this.rejectWaiters(Number.MAX_SAFE_INTEGER, moved);
    this.rotation?.reject(moved);
    this.rotation = undefined;
    return left;
  }

  private scheduleNow(): void {
    if (this.immediate || this.closed || this.refused) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.startBatch();
    });
  }

  private scheduleLater(ms: number): void {
    if (this.immediate || this.timer || this.closed || this.refused) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startBatch();
    }, ms);
  }

  private clearSchedule(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private startBatch(): void {
    if (this.inFlight) return; // it reschedules itself when done
    this.inFlight = this.writeBatch().finally(() => {
      this.inFlight = undefined;
      if (this.closed) return;
      if (this.pending.length > 0 || this.rotation) {
        if (this.waiters.length > 0 || this.rotation || this.pending.length >= this.options.maxBatchRecords) this.scheduleNow();
        else this.scheduleLater(this.options.commitIntervalMs);
      }
    });
  }

  private async writeBatch(): Promise<void> {
    const rotation = this.rotation;
    if (this.pending.length === 0 && !rotation) return;
    if (this.hooks.mayWrite && !this.hooks.mayWrite()) {
      // Not ours to write any more (the writer lock was lost): keep the lines for the owner to re-route.
      const lost = new HistoryError('io', 'The history writer lock was lost before these records were written.');
      this.rejectWaiters(this.appendedSeq, lost);
      rotation?.reject(lost);
      this.rotation = undefined;
      if (!this.refused) {
        this.refused = true;
        this.hooks.onWriteRefused?.();
      }
      return;
    }
    // With a rotation under way, only the lines appended before it go to the current file.
    const count = rotation ? Math.max(0, Math.min(this.pending.length, rotation.boundary - this.takenSeq)) : this.pending.length;
    if (count > 0) {
      const batch = this.pending.slice(0, count);
      const batchBytes = batch.reduce((n, b) => n + b.length, 0);
      this.pending = this.pending.slice(count);
      this.pendingBytes -= batchBytes;
      this.takenSeq += count;
      const batchEndSeq = this.takenSeq;
      const sizeBefore = this.fileSize;
      try {
        const data = batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes);
        let written = 0;
        while (written < data.length) written += await writeAsync(this.fd, data, written, data.length - written);
        await fdatasyncAsync(this.fd);
        this.fileSize = sizeBefore + batchBytes;
        this.durableSeq = batchEndSeq;
        this.settleWaiters();
      } catch (cause) {
        // Cut a partly written batch off again so the retry does not glue a fragment onto the
        // next line (which would make that whole line fail its checksum).
        await ftruncateAsync(this.fd, sizeBefore).catch(() => {});
        this.pending = batch.concat(this.pending);
        this.pendingBytes += batchBytes;
        this.takenSeq -= count;
        const err = new HistoryError('io', `Could not write the history journal ${this.currentFile}: ${(cause as Error).message}`);
        this.rejectWaiters(batchEndSeq, err);
        this.hooks.onWriteError(err);
        await new Promise((r) => setTimeout(r, RETRY_AFTER_FAILURE_MS));
        return;
      }
    }
    if (rotation && this.takenSeq >= rotation.boundary) {
      try {
        const next = openForAppend(rotation.file, true);
        const oldFd = this.fd;
        this.fd = next.fd;
        this.fileSize = next.size;
        this.currentFile = rotation.file;
        this.rotation = undefined;
        await closeAsync(oldFd).catch(() => {});
        rotation.resolve();
      } catch (err) {
        this.rotation = undefined;
        rotation.reject(err as Error);
      }
    }
  }

  private settleWaiters(): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= this.durableSeq) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private rejectWaiters(uptoSeq: number, err: Error): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= uptoSeq) w.reject(err);
      else still.push(w);
    }
    this.waiters = still;
  }
}

function openForAppend(file: string, createNew: boolean): { fd: number; size: number } {
  const fd = openSync(file, createNew ? 'ax' : 'a', PRIVATE_FILE_MODE);
  try {
    const { size } = fstatSync(fd);
    if (createNew) fsyncDirSync(path.dirname(file));
    return { fd, size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
