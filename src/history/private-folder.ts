// The history trusts what its folders hold: a record in the journal or an inbox is replayed as
// fact. So the folders it keeps beside the database (`.journal/`, `.inbox/`) must be its own —
// real directories (not links), owned by the user, writable by nobody else — and the folder the
// database lives in must not let others replace its files. A folder that fails is refused, not
// re-created: one owned by someone else cannot be moved or removed (a sticky /tmp), one that was
// writable by others may already hold records anyone wrote, and replacing the user's own folder
// because of a mode would lose their history. The message says how to make it right.
// (Windows has no uids or mode bits to check; its folders inherit the profile's ACLs.)

import { lstatSync, statSync, type Stats } from 'node:fs';
import { describeFileKind } from '../model/regular-file';
import { ensurePrivateDir } from './durable-file';
import { HistoryError } from './history-error';

/**
 * Creates `dir` (and missing parents) readable by the user alone when `create`, then insists it
 * is a private folder of the user's own; a missing one is fine when not creating. Throws a
 * HistoryError ('refused-path') naming the folder, what is wrong and what to do.
 */
export function preparePrivateFolder(dir: string, what: string, create: boolean): void {
  if (create) ensurePrivateDir(dir);
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st) return;
  const problem = privateFolderProblem(st);
  if (problem) throw new HistoryError('refused-path', `${what} ${dir} ${problem}`);
}

/** The database's folder: others must not be able to replace files in it (a sticky /tmp is fine: only owners rename there). */
export function checkDatabaseFolder(dir: string): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st || !hasUnixPermissions()) return;
  if (!st.isDirectory()) throw new HistoryError('refused-path', `the folder of the history ${dir} is ${describeFileKind(st)}, not a folder`);
  if (st.mode & 0o002 && !(st.mode & 0o1000)) {
    throw new HistoryError('refused-path', `the folder of the history ${dir} is writable by every user (mode ${modeOf(st)}), so anyone could replace the history's files; keep the history in a folder of your own`);
  }
}

function privateFolderProblem(st: Stats): string | undefined {
  if (st.isSymbolicLink()) return 'is a symbolic link; the history does not follow links for its own folders (remove it)';
  if (!st.isDirectory()) return `is ${describeFileKind(st)}, not a folder (remove it)`;
  if (!hasUnixPermissions()) return undefined;
  const uid = process.getuid!();
  if (st.uid !== uid) return `belongs to uid ${st.uid}, not to you (uid ${uid}), so its records could have been written by anyone; remove it, or run as its owner`;
  if (st.mode & 0o022) {
    const who = st.mode & 0o002 ? 'every user' : 'its group';
    return `is writable by ${who} (mode ${modeOf(st)}), so its records could have been written by anyone; if it is yours, make it private (chmod 700), otherwise remove it`;
  }
  return undefined;
}

function modeOf(st: Stats): string {
  return (st.mode & 0o7777).toString(8).padStart(4, '0');
}

function hasUnixPermissions(): boolean {
  return typeof process.getuid === 'function';
}
