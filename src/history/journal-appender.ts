// Appends journal lines to one file with group commit: lines gather for at most
// `commitIntervalMs` (or until `maxBatchRecords`), then go out in one write and one fdatasync.
// flush() resolves once every line appended before it is on disk. Used for the writer's journal
// segments and for a follower's inbox; each file has exactly one appender.

import { openSync, fstatSync, closeSync, write, fdatasync, ftruncate, close } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { PRIVATE_FILE_MODE, fsyncDirSync } from './durable-file';
import { HistoryError } from './history-error';

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

const MAX_BATCH_BYTES = 1 << 20;
const RETRY_AFTER_FAILURE_MS = 1000;

export class JournalAppender {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private appendedSeq = 0;
  private durableSeq = 0;
  private waiters: Waiter[] = [];
  private writing = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;
  private fileSize: number;

  private constructor(
    readonly file: string,
    private readonly fd: number,
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
    const fd = openSync(file, createNew ? 'ax' : 'a', PRIVATE_FILE_MODE);
    try {
      const { size } = fstatSync(fd);
      if (createNew) fsyncDirSync(path.dirname(file));
      return new JournalAppender(file, fd, size, options, hooks);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Bytes in the file, counting lines appended but not yet written. */
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
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.scheduleNow();
    });
  }

  /** Flushes, then releases the file. Lines that could not be written are handed back. */
  async close(): Promise<Buffer[]> {
    try {
      await this.flush();
    } catch {
      // the lines stay in `pending` and are returned to the caller below
    }
    this.closed = true;
    this.clearSchedule();
    await closeAsync(this.fd).catch(() => {});
    const left = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return left;
  }

  private scheduleNow(): void {
    if (this.immediate || this.closedAndIdle()) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.writeBatch();
    });
  }

  private scheduleLater(ms: number): void {
    if (this.immediate || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeBatch();
    }, ms);
  }

  private clearSchedule(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private closedAndIdle(): boolean {
    return this.closed && this.pending.length === 0;
  }

  private async writeBatch(): Promise<void> {
    if (this.writing || this.pending.length === 0) return;
    if (this.hooks.mayWrite && !this.hooks.mayWrite()) {
      // Not ours to write any more (the writer lock was lost): keep the lines for the owner to re-route.
      this.rejectWaiters(this.appendedSeq, new HistoryError('io', 'The history writer lock was lost before these records were written.'));
      this.hooks.onWriteRefused?.();
      return;
    }
    this.writing = true;
    const batch = this.pending;
    const batchBytes = this.pendingBytes;
    const batchEndSeq = this.appendedSeq;
    this.pending = [];
    this.pendingBytes = 0;
    const sizeBefore = this.fileSize;
    try {
      const data = batch.length === 1 ? batch[0] : Buffer.concat(batch, batchBytes);
      let written = 0;
      while (written < data.length) {
        written += await writeAsync(this.fd, data, written, data.length - written);
      }
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
      const err = new HistoryError('io', `Could not write the history journal ${this.file}: ${(cause as Error).message}`);
      this.rejectWaiters(batchEndSeq, err);
      this.hooks.onWriteError(err);
      this.writing = false;
      if (!this.closed) this.scheduleLater(RETRY_AFTER_FAILURE_MS);
      return;
    }
    this.writing = false;
    if (this.pending.length > 0) {
      if (this.waiters.length > 0 || this.pending.length >= this.options.maxBatchRecords) this.scheduleNow();
      else this.scheduleLater(this.options.commitIntervalMs);
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
