// The journal's on-disk form: one record per line, "<crc32 as 8 hex digits> <json>\n". A line
// whose checksum does not match, or a last line without its newline, is a record torn by a crash
// (or damaged on disk): it is recognised and dropped, never half-applied. Lines re-synchronise
// at the next newline, so one bad record does not take the rest of a segment with it.

import type { Migration } from '../../model/migration';
import type { PlanRunRecord } from '../plan-runs';
import { crc32 } from './crc32';

/** One call to record(): the migration's latest view and the phases it carries. */
export interface RecordEntry {
  t: 'r';
  m: Migration;
  /** [phase, at] pairs. */
  p: Array<[string, number]>;
}

/** Migrations removed by retention, so a replay does not bring them back. */
export interface DeleteEntry {
  t: 'd';
  ids: string[];
}

/** Records a follower forwarded through its inbox file, with how far that file is now consumed. */
export interface ForwardEntry {
  t: 'f';
  src: string;
  end: number;
  recs: RecordEntry[];
}

/** A migration plan's run state (history/plan-runs.ts), whole: the newest line for a plan id wins. */
export interface PlanRunJournalEntry {
  t: 'p';
  run: PlanRunRecord;
}

export type JournalEntry = RecordEntry | DeleteEntry | ForwardEntry | PlanRunJournalEntry;

const NEWLINE = 0x0a;
const SPACE = 0x20;
const HEADER_BYTES = 9; // 8 hex digits and a space

export function encodeEntry(entry: JournalEntry): Buffer {
  const json = JSON.stringify(entry);
  const line = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(json, 'utf8') + 1);
  line.write(json, HEADER_BYTES, 'utf8');
  line.write(crc32(line, HEADER_BYTES, line.length - 1).toString(16).padStart(8, '0'), 0, 'latin1');
  line[8] = SPACE;
  line[line.length - 1] = NEWLINE;
  return line;
}

export interface DecodedEntry {
  entry: JournalEntry;
  /** Offset just past this record's newline, relative to the decoded buffer. */
  end: number;
}

export interface DecodeResult {
  entries: DecodedEntry[];
  /** Bytes covered by complete lines (good or bad); the rest is an unterminated tail. */
  consumed: number;
  /** Complete lines that failed their checksum or did not parse. */
  corruptLines: number;
}

export function decodeEntries(buf: Buffer): DecodeResult {
  const entries: DecodedEntry[] = [];
  let corruptLines = 0;
  let pos = 0;
  for (;;) {
    const newline = buf.indexOf(NEWLINE, pos);
    if (newline < 0) break;
    const entry = decodeLine(buf, pos, newline);
    if (entry) entries.push({ entry, end: newline + 1 });
    else corruptLines++;
    pos = newline + 1;
  }
  return { entries, consumed: pos, corruptLines };
}

function decodeLine(buf: Buffer, start: number, newline: number): JournalEntry | undefined {
  if (newline - start < HEADER_BYTES + 2 || buf[start + 8] !== SPACE) return undefined;
  const expected = Number.parseInt(buf.toString('latin1', start, start + 8), 16);
  if (!Number.isFinite(expected) || crc32(buf, start + HEADER_BYTES, newline) !== expected) return undefined;
  try {
    const value = JSON.parse(buf.toString('utf8', start + HEADER_BYTES, newline)) as JournalEntry;
    return value && typeof value === 'object' && typeof value.t === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
