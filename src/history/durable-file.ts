// The few file operations whose order matters for crash safety: a file replaced atomically
// (temp file, fsync, rename, fsync of the directory) and a directory entry made durable.
// Everything is created readable by the user alone.

import { promises as fsp, mkdirSync, openSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates the directory (and missing parents) readable by the user alone; an existing one is left as it is. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Makes renames and creations inside `dir` survive a power loss. Best effort where directories cannot be opened (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    await handle?.close().catch(() => {});
  }
}

export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    if (!isUnsupportedDirSync(err)) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isUnsupportedDirSync(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL' || code === 'EACCES';
}

/**
 * Writes `data` to `target` so that after a crash the target holds either its old or its new
 * content, whole. `beforeRename` runs once the new content is durable in the temp file, just
 * before it takes the target's place (the snapshot uses it to keep the previous generation).
 */
export async function writeFileAtomic(target: string, data: Uint8Array, beforeRename?: () => Promise<void>): Promise<void> {
  const dir = path.dirname(target);
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await fsp.open(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await beforeRename?.();
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.unlink(temp).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}
