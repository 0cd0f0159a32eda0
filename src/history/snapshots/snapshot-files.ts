// The database file and the generation before it. A snapshot is written atomically and the
// previous one is kept as "<db>.prev", with the journal segments it does not cover: if the newest
// file is ever found damaged, the history is rebuilt from the previous one plus the journal
// instead of from the journal alone. Each carries its digest ("<file>.sum", snapshot-digest.ts),
// which spares a sound file SQLite's slow check when it is loaded.

import { lstatSync, renameSync, promises as fsp } from 'node:fs';
import type { SqlJsStatic } from 'sql.js';
import { readRegularFile, regularFileRefusal, RefusedFileError } from '../../model/regular-file';
import { HistoryDatabase } from '../database/history-database';
import type { DamagedSnapshot } from '../history-damage';
import { HistoryError } from '../history-error';
import { writeFileAtomic } from '../durable-file';
import { digestLine, matchesDigest, moveDigest, removeDigest, writeDigest } from './snapshot-digest';
import type { HistoryPaths } from '../journal/journal-files';
import type { Logger } from '../../base/logger';

export const COVERED_SEGMENT_KEY = 'covered_segment';

export interface LoadedBase {
  database: HistoryDatabase;
  /** The newest journal segment whose records the loaded file already holds (0: none). */
  covered: number;
  /** Which file it came from. */
  source: 'db' | 'prev' | 'empty';
  /** Bytes of the file loaded (0 for a new database). */
  bytes: number;
  /** The file's schema was upgraded while loading. */
  upgraded: boolean;
  /** Snapshot files found damaged on the way (empty when the newest one was fine or absent). */
  damaged: DamagedSnapshot[];
  /** How the loaded file was found sound: its digest (snapshot-digest.ts), SQLite's quick_check, or not checked (not asked to, or nothing loaded). */
  checkedBy: 'digest' | 'quick_check' | 'unchecked';
}

export interface LoadOptions {
  repair: boolean;
  verify: boolean;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** A snapshot larger than this is refused, not loaded (sql.js holds it whole in memory). */
  maxBytes: number;
  /** A snapshot owned by another user is refused (undefined where there are no uids). */
  ownerUid: number | undefined;
}

/**
 * Loads the newest usable snapshot. A writer (`repair`) moves a damaged file aside as
 * "<file>.corrupt-<time>" and says so through the logger; a reader reads around it and leaves
 * the telling to its caller (the damage is returned). A path that is not a regular file of the
 * user's own (a device, a FIFO, a directory, a symbolic link, another user's file, one larger
 * than `maxBytes`) is refused with a HistoryError: never read, moved or replaced.
 */
export async function loadBase(SQL: SqlJsStatic, paths: HistoryPaths, options: LoadOptions): Promise<LoadedBase> {
  const damaged: DamagedSnapshot[] = [];
  for (const [file, source] of [
    [paths.db, 'db'],
    [paths.prevDb, 'prev'],
  ] as const) {
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(file, { maxBytes: options.maxBytes, followSymlinks: false, ownerUid: options.ownerUid });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      if (err instanceof RefusedFileError) throw refusedSnapshot(err);
      throw err;
    }
    try {
      if (bytes.length === 0) throw new Error('the file is empty');
      const headerProblem = sqliteHeaderProblem(bytes);
      if (headerProblem) throw new Error(headerProblem);
      const check = options.verify && !(await matchesDigest(file, bytes));
      const { database, schema } = HistoryDatabase.open(SQL, bytes, check);
      const covered = Number(database.getMeta(COVERED_SEGMENT_KEY) ?? 0);
      if (damaged.length > 0 && options.repair) options.logger.warn(`History: rebuilding from the previous snapshot ${file} and the journal.`);
      if (schema.from !== 0 && schema.from !== schema.to) options.logger.info(`History: upgraded ${file} from schema ${schema.from} to ${schema.to}.`);
      const checkedBy = check ? 'quick_check' : options.verify ? 'digest' : 'unchecked';
      // Checked the slow way and sound: its digest spares the next open the check (a file from an older version, one copied in).
      if (check && options.repair) await writeDigest(file, digestLine(bytes)).catch(() => {});
      return { database, covered: Number.isFinite(covered) ? covered : 0, source, bytes: bytes.length, upgraded: schema.from !== 0 && schema.from !== schema.to, damaged, checkedBy };
    } catch (err) {
      if (err instanceof HistoryError) throw err;
      const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      if (options.repair) {
        const aside = `${file}.corrupt-${timestamp()}`;
        renameSync(file, aside);
        await removeDigest(file);
        options.logger.warn(`History: ${file} is damaged (${reason}); moved it to ${aside} and rebuilt the history from what is left.`);
        damaged.push({ file, reason, movedTo: aside });
      } else {
        damaged.push({ file, reason });
      }
    }
  }
  const { database } = HistoryDatabase.open(SQL, undefined, false);
  if (damaged.length > 0 && options.repair) options.logger.warn('History: no usable snapshot left; rebuilding from the journal alone.');
  return { database, covered: 0, source: 'empty', bytes: 0, upgraded: false, damaged, checkedBy: 'unchecked' };
}

/**
 * Refuses, before anything is created beside them, snapshot paths that are not regular files of
 * the user's own (`--db /dev/zero` must not grow a `/dev/zero.journal/` folder first).
 */
export function checkSnapshotPaths(paths: HistoryPaths, limits: { maxBytes: number; ownerUid: number | undefined }): void {
  for (const file of [paths.db, paths.prevDb]) {
    const st = lstatSync(file, { throwIfNoEntry: false });
    const refusal = st && regularFileRefusal(file, st, limits);
    if (refusal) throw refusedSnapshot(refusal);
  }
}

function refusedSnapshot(err: RefusedFileError): HistoryError {
  return new HistoryError('refused-path', `${err.message}; the history only reads and replaces regular files of its own`);
}

/**
 * Writes `bytes` as the new database file, keeping the current one as the previous generation.
 * Returns whether a current file existed (and so became the previous one).
 */
export async function writeSnapshot(paths: HistoryPaths, bytes: Uint8Array): Promise<boolean> {
  let hadCurrent = false;
  const digest = digestLine(bytes);
  await writeFileAtomic(paths.db, bytes, async () => {
    try {
      await fsp.rename(paths.db, paths.prevDb);
      hadCurrent = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // Each generation's digest moves with it. A crash between here and the rename into place
    // leaves a digest that matches no file: that file is checked the slow way, nothing worse.
    if (hadCurrent) await moveDigest(paths.db, paths.prevDb);
    await writeDigest(paths.db, digest);
  });
  return hadCurrent;
}

/** Identifies the snapshot files as they are now (inode, size, time), to tell when one was replaced or moved. */
export function snapshotFingerprint(paths: HistoryPaths): string {
  return [paths.db, paths.prevDb]
    .map((file) => {
      try {
        const st = lstatSync(file);
        return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

/** A cheap look at the 100-byte SQLite header: catches a foreign or cut-off file before SQLite reads it. */
function sqliteHeaderProblem(bytes: Buffer): string | undefined {
  if (bytes.length < 100 || bytes.toString('latin1', 0, 16) !== 'SQLite format 3\0') return 'not an SQLite database';
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = bytes.readUInt32BE(28);
  // The page count is only authoritative when the "version valid for" matches the change counter.
  const countValid = bytes.readUInt32BE(24) === bytes.readUInt32BE(92);
  if (countValid && pages > 0 && bytes.length < pages * pageSize) return `truncated: ${bytes.length} bytes where the header says ${pages * pageSize}`;
  return undefined;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}
