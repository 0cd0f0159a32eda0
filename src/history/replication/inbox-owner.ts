// Names a follower's inbox after its owner (host, pid, a random tag) so the writer can tell when
// an inbox's owner is gone and, once it has consumed everything in it, remove it.

import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { isProcessAlive } from './process-liveness';

/** An inbox left by another host is judged by age alone. */
const FOREIGN_INBOX_MAX_IDLE_MS = 24 * 3600 * 1000;

export function newInboxTag(): string {
  return `${safeHost()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** True when the process that wrote the inbox file `name` (at `file`) can no longer write to it. */
export function isInboxOwnerGone(name: string, file: string): boolean {
  const m = /^inbox-(.+)-(\d+)-([0-9a-f]+)\.jsonl$/.exec(name);
  if (!m) return true;
  const [, host, pid] = m;
  if (host === safeHost()) return !isProcessAlive(Number(pid));
  try {
    return Date.now() - lstatSync(file).mtimeMs > FOREIGN_INBOX_MAX_IDLE_MS;
  } catch {
    return true;
  }
}

function safeHost(): string {
  return os.hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
}
