import { readFileSync } from 'node:fs';

/**
 * Whether a process on this machine is still running.
 *
 * `kill(pid, 0)` alone is not enough: an exited process whose parent has not reaped it yet
 * (a zombie — common when the new parent of an orphan is a container init or a subreaper that
 * never calls wait) still answers signal 0, although it holds nothing and will never run again.
 * On Linux the state letter in /proc/<pid>/stat tells a zombie ('Z') or a dead task ('X') apart.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !hasExited(pid);
}

function hasExited(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Vanished between the two checks (or /proc is not mounted: then trust kill).
    return !procMounted();
  }
  // "pid (comm) S ...": comm may contain spaces and parentheses, so take the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

function procMounted(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}
