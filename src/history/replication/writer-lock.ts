// One writer per history: a lock file holding the owner's pid, hostname and a heartbeat time,
// rewritten in place every heartbeat through the owner's own descriptor. A lock is stale when
// its pid is gone (same host) or its heartbeat is older than `staleMs`; breaking a stale lock
// goes through a second, short-lived ".break" file so two contenders cannot both break it and
// each believe they won. The owner re-checks that the lock path is still its file before every
// journal write, so a holder that was paused past `staleMs` steps down instead of writing twice.

import { openSync, writeSync, fsyncSync, closeSync, fstatSync, lstatSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { readRegularFileSync } from '../../model/regular-file';
import { PRIVATE_FILE_MODE } from '../durable-file';
import type { Logger } from '../../base/logger';
import { isProcessAlive } from './process-liveness';

export interface LockOwner {
  pid: number;
  hostname: string;
  token: string;
  acquiredAt: number;
  heartbeatAt: number;
}

interface LockInspection {
  owner?: LockOwner;
  ino: number;
  dev: number;
  mtimeMs: number;
}

const LOCK_RECORD_BYTES = 512;
/** More than any lock record; what is larger is not a lock this history wrote. */
const MAX_LOCK_FILE_BYTES = 4096;
/** A ".break" file older than this belongs to a contender that died while breaking. */
const BREAK_FILE_STALE_MS = 10_000;

export class WriterLock {
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    private readonly lockPath: string,
    private readonly fd: number,
    private readonly ino: number,
    private readonly dev: number,
    private readonly owner: LockOwner,
  ) {}

  /** Takes the lock if it is free or stale; undefined while another live writer holds it. */
  static tryAcquire(lockPath: string, breakPath: string, staleMs: number, logger: Pick<Logger, 'warn'>, reclaimTokens: readonly string[] = []): WriterLock | undefined {
    const created = WriterLock.create(lockPath);
    if (created) return created;
    const seen = inspect(lockPath);
    if (!seen) return WriterLock.create(lockPath); // released between our two looks
    const staleReason = whyStale(seen, staleMs, reclaimTokens);
    if (!staleReason) return undefined;

    let breakFd: number;
    try {
      breakFd = openSync(breakPath, 'wx', PRIVATE_FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      clearAbandonedBreakFile(breakPath);
      return undefined;
    }
    try {
      const again = inspect(lockPath);
      if (again) {
        const sameLock = again.ino === seen.ino && again.dev === seen.dev && again.owner?.token === seen.owner?.token;
        if (!sameLock || !whyStale(again, staleMs, reclaimTokens)) return undefined;
        unlinkSync(lockPath);
        const who = seen.owner ? `pid ${seen.owner.pid} on ${seen.owner.hostname}` : 'an unknown process';
        logger.warn(`History: took over the writer lock from ${who} (${staleReason}).`);
      }
      return WriterLock.create(lockPath);
    } finally {
      closeSync(breakFd);
      try {
        unlinkSync(breakPath);
      } catch {
        // already gone: nothing to clean
      }
    }
  }

  /** Who holds the lock now, if anyone (for messages and tests). */
  static holder(lockPath: string): LockOwner | undefined {
    return inspect(lockPath)?.owner;
  }

  private static create(lockPath: string): WriterLock | undefined {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx', PRIVATE_FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw err;
    }
    const now = Date.now();
    const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), token: randomBytes(8).toString('hex'), acquiredAt: now, heartbeatAt: now };
    try {
      writeRecord(fd, owner);
      fsyncSync(fd);
      const st = fstatSync(fd);
      return new WriterLock(lockPath, fd, st.ino, st.dev, owner);
    } catch (err) {
      closeSync(fd);
      try {
        unlinkSync(lockPath);
      } catch {
        // best effort
      }
      throw err;
    }
  }

  get token(): string {
    return this.owner.token;
  }

  /** True while the lock path is still this lock's file (nobody broke it). */
  stillOwned(): boolean {
    if (this.released) return false;
    try {
      const st = lstatSync(this.lockPath);
      return st.ino === this.ino && st.dev === this.dev;
    } catch {
      return false;
    }
  }

  /** Refreshes the heartbeat every `intervalMs`; calls `onLost` once if the lock was taken away. */
  startHeartbeat(intervalMs: number, onLost: () => void): void {
    this.heartbeatTimer = setInterval(() => {
      if (!this.stillOwned()) {
        this.stopHeartbeat();
        onLost();
        return;
      }
      this.owner.heartbeatAt = Date.now();
      try {
        writeRecord(this.fd, this.owner);
      } catch {
        // a missed heartbeat only brings staleness closer; the next one tries again
      }
    }, intervalMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Gives the lock up (removes the file if it is still ours). */
  release(): void {
    if (this.released) return;
    this.stopHeartbeat();
    try {
      if (this.stillOwned()) unlinkSync(this.lockPath);
    } catch {
      // someone else already removed or replaced it
    }
    this.released = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

function writeRecord(fd: number, owner: LockOwner): void {
  // Fixed size, written at offset 0 in one call: a reader never sees a half-old, half-new record.
  const text = JSON.stringify(owner).padEnd(LOCK_RECORD_BYTES - 1, ' ') + '\n';
  writeSync(fd, text, 0, 'utf8');
}

function inspect(lockPath: string): LockInspection | undefined {
  try {
    // lstat and a bounded read that follows no link: a link, FIFO or device at the lock path is
    // not a lock anyone wrote, and is judged by its own age, never opened.
    const st = lstatSync(lockPath);
    let owner: LockOwner | undefined;
    try {
      const parsed = JSON.parse(readRegularFileSync(lockPath, { maxBytes: MAX_LOCK_FILE_BYTES, followSymlinks: false }).toString('utf8')) as LockOwner;
      if (parsed && typeof parsed.pid === 'number' && typeof parsed.hostname === 'string') owner = parsed;
    } catch {
      // empty (being created), damaged or not a file: judged by its age alone
    }
    return { owner, ino: st.ino, dev: st.dev, mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function whyStale(seen: LockInspection, staleMs: number, reclaimTokens: readonly string[]): string | undefined {
  const now = Date.now();
  const owner = seen.owner;
  if (owner && owner.pid === process.pid && owner.hostname === os.hostname() && reclaimTokens.includes(owner.token)) return `this process's history worker that held it stopped`;
  if (owner && owner.hostname === os.hostname() && !isProcessAlive(owner.pid)) return `process ${owner.pid} is gone`;
  const lastBeat = Math.max(owner?.heartbeatAt ?? 0, seen.mtimeMs);
  if (now - lastBeat > staleMs) return `no heartbeat for ${Math.round((now - lastBeat) / 1000)} s`;
  return undefined;
}

function clearAbandonedBreakFile(breakPath: string): void {
  try {
    if (Date.now() - lstatSync(breakPath).mtimeMs > BREAK_FILE_STALE_MS) unlinkSync(breakPath);
  } catch {
    // gone already
  }
}
