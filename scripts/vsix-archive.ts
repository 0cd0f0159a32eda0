// Reads a .vsix (a zip) without an unzip binary: lists its entries and extracts them. Used by
// `npm run package` to report what went in, and by the journeys to run the packaged companion
// from an unpacked copy.

import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';

export interface VsixEntry {
  /** Path inside the archive, e.g. `extension/dist/extension.js`. */
  name: string;
  compressedSize: number;
  size: number;
  method: number;
  localHeaderOffset: number;
  /** Unix permission bits when the archive recorded them. */
  mode?: number;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** The entries of the central directory, in archive order. */
export function listVsix(archive: Buffer): VsixEntry[] {
  let end = -1;
  // The end record sits in the last 22 bytes plus an optional comment of up to 64 KiB.
  for (let i = archive.length - 22; i >= Math.max(0, archive.length - 22 - 0xffff); i--) {
    if (archive.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive (no end of central directory record)');
  const count = archive.readUInt16LE(end + 10);
  let at = archive.readUInt32LE(end + 16);
  const entries: VsixEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new Error(`corrupt zip central directory at entry ${i}`);
    const madeBy = archive.readUInt16LE(at + 4) >> 8;
    const method = archive.readUInt16LE(at + 10);
    const compressedSize = archive.readUInt32LE(at + 20);
    const size = archive.readUInt32LE(at + 24);
    const nameLength = archive.readUInt16LE(at + 28);
    const extraLength = archive.readUInt16LE(at + 30);
    const commentLength = archive.readUInt16LE(at + 32);
    const externalAttributes = archive.readUInt32LE(at + 38);
    const localHeaderOffset = archive.readUInt32LE(at + 42);
    const name = archive.toString('utf8', at + 46, at + 46 + nameLength);
    const mode = madeBy === 3 ? (externalAttributes >>> 16) & 0o777 : undefined; // 3 = Unix
    entries.push({ name, compressedSize, size, method, localHeaderOffset, mode: mode || undefined });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The uncompressed bytes of one entry. */
export function readVsixEntry(archive: Buffer, entry: VsixEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (archive.readUInt32LE(at) !== LOCAL_FILE_HEADER) throw new Error(`corrupt zip local header for ${entry.name}`);
  const start = at + 30 + archive.readUInt16LE(at + 26) + archive.readUInt16LE(at + 28);
  const raw = archive.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(raw);
  if (entry.method === 8) return inflateRawSync(raw);
  throw new Error(`${entry.name}: unsupported zip compression method ${entry.method}`);
}

/**
 * Extracts every entry under `prefix` (e.g. `extension/`) into `destination`, stripping the
 * prefix. Returns the number of files written.
 */
export function extractVsix(vsixFile: string, destination: string, prefix = 'extension/'): number {
  const archive = readFileSync(vsixFile);
  let written = 0;
  for (const entry of listVsix(archive)) {
    if (!entry.name.startsWith(prefix) || entry.name.endsWith('/')) continue;
    const relative = entry.name.slice(prefix.length);
    const target = path.resolve(destination, relative);
    // A crafted archive must not write outside the destination.
    if (!target.startsWith(path.resolve(destination) + path.sep)) throw new Error(`zip entry escapes the destination: ${entry.name}`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, readVsixEntry(archive, entry));
    if (entry.mode) chmodSync(target, entry.mode);
    written++;
  }
  return written;
}
