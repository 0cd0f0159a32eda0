// Reads a file that a setting, a flag or a config names, without trusting what is there: it
// must be a regular file (a FIFO would block forever, /dev/zero never ends, a directory is a
// mistake), no larger than the caller's bound, and — when asked — not a symbolic link and owned
// by a given user. Checked before opening (lstat/stat, which never blocks) and again on the open
// descriptor (O_NONBLOCK, so a FIFO swapped in between cannot hang the open), then read with the
// bound enforced while reading (a file that grows is cut off, not followed).

import { closeSync, constants, fstatSync, lstatSync, openSync, promises as fsp, readSync, statSync, type Stats } from 'node:fs';
import { formatBytes } from './vocabulary';

export interface RegularFileLimits {
  /** Refused when larger than this. */
  maxBytes: number;
  /** Read through a symbolic link (a kubeconfig's usual case). Default true; false refuses links. */
  followSymlinks?: boolean;
  /** Refused unless owned by this uid (ignored where the platform has no uids). */
  ownerUid?: number;
}

export type FileRefusal = 'not-regular' | 'symlink' | 'too-large' | 'not-owned' | 'changed';

/** A file that exists but is refused; `message` names the file and says why. ENOENT and other I/O errors are thrown as they come. */
export class RefusedFileError extends Error {
  constructor(
    readonly file: string,
    readonly refusal: FileRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedFileError';
  }
}

/** The kind tests a Stats and a Dirent both answer. */
export type FileKindTests = Pick<Stats, 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket'>;

/** What an entry is, for messages: "a directory", "a FIFO (named pipe)", … */
export function describeFileKind(stats: FileKindTests): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why `stats` (of `file`) is refused under `limits`, or undefined when it is fine. */
export function regularFileRefusal(file: string, stats: Stats, limits: RegularFileLimits): RefusedFileError | undefined {
  if (stats.isSymbolicLink()) return new RefusedFileError(file, 'symlink', `${file} is a symbolic link; it is not followed`);
  if (!stats.isFile()) return new RefusedFileError(file, 'not-regular', `${file} is ${describeFileKind(stats)}, not a regular file`);
  if (stats.size > limits.maxBytes) return tooLarge(file, stats.size, limits.maxBytes);
  if (limits.ownerUid !== undefined && hasUids() && stats.uid !== limits.ownerUid) {
    return new RefusedFileError(file, 'not-owned', `${file} belongs to uid ${stats.uid}, not to uid ${limits.ownerUid}`);
  }
  return undefined;
}

/** Reads `file` whole under `limits`, off the event loop. */
export async function readRegularFile(file: string, limits: RegularFileLimits): Promise<Buffer> {
  const follow = limits.followSymlinks ?? true;
  const before = follow ? await fsp.stat(file) : await fsp.lstat(file);
  throwIfRefused(file, before, limits);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, openFlags(follow));
  } catch (err) {
    throw asRefusal(file, err);
  }
  try {
    const opened = await handle.stat();
    throwIfRefused(file, opened, limits);
    if (opened.ino !== before.ino || opened.dev !== before.dev) throw changed(file);
    return await readBounded(file, limits.maxBytes, opened.size, (buf, offset, length, position) => handle.read(buf, offset, length, position).then((r) => r.bytesRead));
  } finally {
    await handle.close().catch(() => {});
  }
}

/** The same, synchronously: only for small files read inside a synchronous decision (a lock record). */
export function readRegularFileSync(file: string, limits: RegularFileLimits): Buffer {
  const follow = limits.followSymlinks ?? true;
  const before = follow ? statSync(file) : lstatSync(file);
  throwIfRefused(file, before, limits);
  let fd: number;
  try {
    fd = openSync(file, openFlags(follow));
  } catch (err) {
    throw asRefusal(file, err);
  }
  try {
    const opened = fstatSync(fd);
    throwIfRefused(file, opened, limits);
    if (opened.ino !== before.ino || opened.dev !== before.dev) throw changed(file);
    // One byte past the bound tells a file that grew while it was read.
    const size = limits.maxBytes + 1;
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    for (;;) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
      if (got === size) break;
    }
    if (got > limits.maxBytes) throw tooLarge(file, undefined, limits.maxBytes);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

type ReadAt = (buf: Buffer, offset: number, length: number, position: number) => Promise<number>;

/** Reads to the end, never more than `maxBytes` (one byte more is read to tell a file that grew). */
async function readBounded(file: string, maxBytes: number, expectedSize: number, readAt: ReadAt): Promise<Buffer> {
  let buf = Buffer.allocUnsafe(Math.min(expectedSize, maxBytes) + 1);
  let got = 0;
  for (;;) {
    if (got === buf.length) {
      if (got > maxBytes) throw tooLarge(file, undefined, maxBytes);
      // It grew while being read: follow, in steps, up to the bound.
      const next = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(buf.length * 2, 64 * 1024)));
      buf.copy(next, 0, 0, got);
      buf = next;
    }
    const n = await readAt(buf, got, buf.length - got, got);
    if (n === 0) break;
    got += n;
  }
  if (got > maxBytes) throw tooLarge(file, undefined, maxBytes);
  return buf.subarray(0, got);
}

function throwIfRefused(file: string, stats: Stats, limits: RegularFileLimits): void {
  const refusal = regularFileRefusal(file, stats, limits);
  if (refusal) throw refusal;
}

function openFlags(follow: boolean): number {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  // O_NOFOLLOW: a link swapped in after the lstat fails the open (ELOOP) instead of being read.
  // Both are absent on Windows (no FIFOs to open by path there; links are refused by the lstat).
  return constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (follow ? 0 : (constants.O_NOFOLLOW ?? 0));
}

function asRefusal(file: string, err: unknown): unknown {
  if ((err as NodeJS.ErrnoException)?.code === 'ELOOP') return new RefusedFileError(file, 'symlink', `${file} is a symbolic link; it is not followed`);
  return err;
}

function changed(file: string): RefusedFileError {
  return new RefusedFileError(file, 'changed', `${file} was replaced while being opened`);
}

/** `size` undefined: the file grew past the bound while it was read. */
function tooLarge(file: string, size: number | undefined, maxBytes: number): RefusedFileError {
  const what = size === undefined ? `grew past the ${formatBytes(maxBytes)} allowed while being read` : `is ${formatBytes(size)}, more than the ${formatBytes(maxBytes)} allowed`;
  return new RefusedFileError(file, 'too-large', `${file} ${what}`);
}

function hasUids(): boolean {
  return typeof process.getuid === 'function';
}
