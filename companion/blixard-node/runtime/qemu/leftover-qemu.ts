// A QEMU an earlier life of this daemon left in a VM's folder that no record wants here any more:
// an incoming guest whose migration ended while the target daemon was down, a source's copy after
// the guest moved on, a guest that was stopping or booting when its daemon died. QEMU runs in its
// own process group, so a daemon's death never takes these with it: the next daemon kills them.

import * as fs from 'node:fs';
import { isAlive, qemuPaths, readCmdline } from './qemu-process';

/** The pid of the QEMU running from `vmDir` (its pid file, checked against /proc), if one runs. */
export function leftoverQemuPid(vmDir: string): number | undefined {
  const paths = qemuPaths(vmDir);
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(paths.pid, 'utf8').trim(), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const cmdline = readCmdline(pid);
  // The pid may have been reused by another program since: only a QEMU on this folder's QMP socket is ours.
  if (!cmdline || !/qemu-system/.test(cmdline[0] ?? '') || !cmdline.some((arg) => arg.includes(paths.qmp))) return undefined;
  return pid;
}

/** Kills the leftover QEMU of `vmDir`, if any, and waits (up to 5 s) until it is gone; returns its pid. */
export async function killLeftoverQemu(vmDir: string): Promise<number | undefined> {
  const pid = leftoverQemuPid(vmDir);
  if (pid === undefined) return undefined;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return pid; // gone already
  }
  for (let waited = 0; isAlive(pid) && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return pid;
}
