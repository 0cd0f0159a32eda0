// Each snapshot's SHA-256, kept beside it as "<file>.sum", so that loading a snapshot this
// history wrote can prove its bytes are the ones written instead of running SQLite's
// `PRAGMA quick_check`: at a million migrations (a 530 MB file) the check took 3.3 s of a
// 6.6 s open, the digest 0.4 s (OpenSSL's SHA-256 uses the CPU's SHA instructions; zlib's CRC-32
// took 2 s). A snapshot is export() of a sound database, so matching bytes are a sound file;
// any damage on disk changes the digest. A missing, stale or foreign digest — a crash between
// the two renames, a file from an older version, one copied in by hand — only means the file is
// checked the slow way, never that it is taken for damaged.

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from '../durable-file';

const FORMAT = 'sha256';

export function digestFileOf(snapshotFile: string): string {
  return `${snapshotFile}.sum`;
}

/** The digest line of a snapshot's bytes: "sha256 <hex> <size>". */
export function digestLine(bytes: Uint8Array): string {
  return `${FORMAT} ${createHash(FORMAT).update(bytes).digest('hex')} ${bytes.length}\n`;
}

/** Writes `line` (digestLine of the snapshot about to be renamed into place) as `snapshotFile`'s digest, atomically. */
export async function writeDigest(snapshotFile: string, line: string): Promise<void> {
  await writeFileAtomic(digestFileOf(snapshotFile), Buffer.from(line, 'latin1'));
}

/** Whether `bytes`, read from `snapshotFile`, are what its digest file says was written; false when there is none or it differs. */
export async function matchesDigest(snapshotFile: string, bytes: Uint8Array): Promise<boolean> {
  let line: string;
  try {
    const handle = await fsp.open(digestFileOf(snapshotFile), 'r');
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      line = buffer.toString('latin1', 0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
  const [format, , size] = line.trim().split(' ');
  // The size first: a digest of other bytes is told apart without hashing half a gigabyte.
  if (format !== FORMAT || Number(size) !== bytes.length) return false;
  return line === digestLine(bytes);
}

/** Moves a snapshot's digest along with it to the previous generation; none is fine. */
export async function moveDigest(fromSnapshot: string, toSnapshot: string): Promise<void> {
  try {
    await fsp.rename(digestFileOf(fromSnapshot), digestFileOf(toSnapshot));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Removes the digest of a snapshot found damaged (moved aside): it describes bytes that are gone. */
export async function removeDigest(snapshotFile: string): Promise<void> {
  await fsp.unlink(digestFileOf(snapshotFile)).catch(() => {});
}
