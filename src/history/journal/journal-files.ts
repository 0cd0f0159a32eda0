// Where the journal's pieces live and how they are read back. The writer appends to numbered
// segments (a new one each time it starts and each time it snapshots), so a snapshot can retire
// whole files and nobody ever appends after another process's torn tail. Followers forward their
// writes through inbox files of their own.

import { openSync, readSync, closeSync, readdirSync, fstatSync, constants, type Dirent } from 'node:fs';
import path from 'node:path';
import { describeFileKind } from '../../model/regular-file';
import { decodeEntries, type DecodedEntry } from './journal-codec';
import { HistoryError } from '../history-error';

export interface HistoryPaths {
  db: string;
  prevDb: string;
  lock: string;
  lockBreak: string;
  journalDir: string;
  inboxDir: string;
}

export function historyPaths(dbFile: string): HistoryPaths {
  const db = path.resolve(dbFile);
  return {
    db,
    prevDb: `${db}.prev`,
    lock: `${db}.lock`,
    lockBreak: `${db}.lock.break`,
    journalDir: `${db}.journal`,
    inboxDir: `${db}.inbox`,
  };
}

const SEGMENT_PATTERN = /^segment-(\d{10})\.jsonl$/;

export function segmentFile(journalDir: string, segment: number): string {
  return path.join(journalDir, `segment-${String(segment).padStart(10, '0')}.jsonl`);
}

/**
 * Told about an entry named like a journal file that is not a regular file (a symbolic link, a
 * FIFO, a folder): it is never opened, so a link cannot make the history read a file elsewhere.
 */
export type IgnoredEntry = (file: string, kind: string) => void;

/** Segment numbers present as regular files, ascending. */
export function listSegments(journalDir: string, onIgnored?: IgnoredEntry): number[] {
  return listMatching(journalDir, SEGMENT_PATTERN, onIgnored)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

const INBOX_PATTERN = /^inbox-(.+)\.jsonl$/;

export function inboxFile(inboxDir: string, ownerTag: string): string {
  return path.join(inboxDir, `inbox-${ownerTag}.jsonl`);
}

/** Inbox file names (not paths) present as regular files. */
export function listInboxes(inboxDir: string, onIgnored?: IgnoredEntry): string[] {
  return listMatching(inboxDir, INBOX_PATTERN, onIgnored).map((m) => m[0]);
}

function listMatching(dir: string, pattern: RegExp, onIgnored: IgnoredEntry | undefined): RegExpMatchArray[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RegExpMatchArray[] = [];
  for (const entry of entries) {
    const m = pattern.exec(entry.name);
    if (!m) continue;
    if (entry.isFile()) out.push(m);
    else onIgnored?.(path.join(dir, entry.name), describeFileKind(entry));
  }
  return out;
}

/** A record line longer than this is damage, not a record (the longest real ones, a follower's forwarded batch, are a few MiB). */
export const MAX_RECORD_LINE_BYTES = 64 << 20;
/** How far a damaged over-long line is scanned at a time for its end. */
const SKIP_SCAN_BYTES = 1 << 20;

export interface ChunkRead {
  /** Each entry's `end` is an offset in the file. */
  entries: DecodedEntry[];
  /** Offset in the file up to which complete lines were read; resume here. */
  nextOffset: number;
  /** The file ended inside a line (a record being written, or torn by a crash). */
  partialTail: number;
  corruptLines: number;
  /** The file's size when read. */
  fileSize: number;
}

/**
 * Reads complete lines from `offset`, at most about `maxBytes` (always at least one line, unless
 * it is longer than MAX_RECORD_LINE_BYTES: then it is skipped as one damaged line). Undefined
 * when the file is gone. Never follows a symbolic link or opens anything but a regular file.
 */
export function readJournalChunk(file: string, offset: number, maxBytes = Number.MAX_SAFE_INTEGER): ChunkRead | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new HistoryError('refused-path', `${file} is a symbolic link; the history does not follow links in its journal`);
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new HistoryError('refused-path', `${file} is ${describeFileKind(st)}, not a journal file`);
    const fileSize = st.size;
    let want = Math.min(fileSize - offset, maxBytes);
    for (;;) {
      if (want <= 0) return { entries: [], nextOffset: offset, partialTail: 0, corruptLines: 0, fileSize };
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      const slice = got < want ? buf.subarray(0, got) : buf;
      const decoded = decodeEntries(slice);
      const reachedEnd = offset + got >= fileSize;
      // A chunk boundary inside one long line: read further until the line is whole.
      if (decoded.consumed === 0 && !reachedEnd) {
        if (want >= MAX_RECORD_LINE_BYTES) return skipOverlongLine(fd, offset, offset + want, fileSize);
        want = Math.min(fileSize - offset, want * 2, MAX_RECORD_LINE_BYTES);
        continue;
      }
      return {
        entries: offset === 0 ? decoded.entries : decoded.entries.map((d) => ({ entry: d.entry, end: offset + d.end })),
        nextOffset: offset + decoded.consumed,
        partialTail: reachedEnd ? got - decoded.consumed : 0,
        corruptLines: decoded.corruptLines,
        fileSize,
      };
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Finds the end of a line (starting at `lineStart`) too long to be a record, scanning from
 * `scanFrom` a block at a time, and reports it as one damaged line.
 */
function skipOverlongLine(fd: number, lineStart: number, scanFrom: number, fileSize: number): ChunkRead {
  const buf = Buffer.allocUnsafe(SKIP_SCAN_BYTES);
  for (let at = scanFrom; at < fileSize; ) {
    const n = readSync(fd, buf, 0, Math.min(SKIP_SCAN_BYTES, fileSize - at), at);
    if (n === 0) break;
    const newline = buf.subarray(0, n).indexOf(0x0a);
    if (newline >= 0) return { entries: [], nextOffset: at + newline + 1, partialTail: 0, corruptLines: 1, fileSize };
    at += n;
  }
  // No end before the end of the file: the rest is one torn line.
  return { entries: [], nextOffset: lineStart, partialTail: fileSize - lineStart, corruptLines: 0, fileSize };
}
