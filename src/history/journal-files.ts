// Where the journal's pieces live and how they are read back. The writer appends to numbered
// segments (a new one each time it starts and each time it snapshots), so a snapshot can retire
// whole files and nobody ever appends after another process's torn tail. Followers forward their
// writes through inbox files of their own.

import { openSync, readSync, closeSync, readdirSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { decodeEntries, type DecodedEntry } from './journal-codec';

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

/** Segment numbers present, ascending. */
export function listSegments(journalDir: string): number[] {
  return listMatching(journalDir, SEGMENT_PATTERN)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

const INBOX_PATTERN = /^inbox-(.+)\.jsonl$/;

export function inboxFile(inboxDir: string, ownerTag: string): string {
  return path.join(inboxDir, `inbox-${ownerTag}.jsonl`);
}

/** Inbox file names (not paths) present. */
export function listInboxes(inboxDir: string): string[] {
  return listMatching(inboxDir, INBOX_PATTERN).map((m) => m[0]);
}

function listMatching(dir: string, pattern: RegExp): RegExpMatchArray[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: RegExpMatchArray[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (m) out.push(m);
  }
  return out;
}

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

/** Reads complete lines from `offset`, at most about `maxBytes` (always at least one line). Undefined when the file is gone. */
export function readJournalChunk(file: string, offset: number, maxBytes = Number.MAX_SAFE_INTEGER): ChunkRead | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const fileSize = fstatSync(fd).size;
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
        want = Math.min(fileSize - offset, want * 2);
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
