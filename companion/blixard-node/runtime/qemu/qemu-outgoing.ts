// The source side of one QEMU live migration, split where the daemon's phases are:
//   precopy    migrate-set-capabilities (pause-before-switchover, auto-converge), migrate-set-parameters
//              (max-bandwidth, downtime-limit), `migrate`, then query-migrate polled until QEMU reaches
//              'pre-switchover': pre-copy converged and the guest is paused, waiting for us.
//   switchover migrate-continue, polled until 'completed'; QEMU's `downtime` is the pause it measured.
// pause-before-switchover is what lets the daemon commit SWITCHING before the guest leaves the source
// (QEMU's `migrate` alone would run pre-copy and switchover in one go); the cost is the time of that
// one commit, inside the measured downtime.

import { NonConvergenceError, type TransferProgress } from '../vm-runtime';
import type { QmpClient } from './qmp-client';
import type { MigrationInfo } from './qmp-types';

export interface OutgoingMigrationOptions {
  /** Mbit/s; 0 = as fast as QEMU can. */
  bandwidthMbps: number;
  maxDowntimeMs: number;
  autoConverge: boolean;
  /** Give up when the remaining bytes have not reached a new low for this long. */
  stallTimeoutMs: number;
  /** Give up when pre-copy takes longer than this. */
  transferTimeoutMs: number;
  pollIntervalMs: number;
}

const MIB = 1024 * 1024;
/** "Unlimited": QEMU's default max-bandwidth (128 MiB/s in 7.2) would throttle a loopback transfer. */
const UNLIMITED_BYTES_PER_SEC = 100 * 1024 * MIB;

export function progressFrom(info: MigrationInfo, fallbackTotal: number): TransferProgress {
  const ram = info.ram;
  return {
    totalBytes: ram?.total ?? fallbackTotal,
    transferredBytes: ram?.transferred ?? 0,
    remainingBytes: ram?.remaining ?? fallbackTotal,
    dirtyRateBytesPerSec: Math.round((ram?.['dirty-pages-rate'] ?? 0) * (ram?.['page-size'] ?? 4096)),
    bandwidthBytesPerSec: Math.round((ram?.mbps ?? 0) * 125_000),
    precopyRound: Math.max(1, ram?.['dirty-sync-count'] ?? 1),
    // QEMU counts every page not yet scanned in `remaining`, written or not, and sends a
    // never-written one as a few bytes: what is left may cross far faster than the link's rate.
    remainingIsUpperBound: true,
  };
}

/** Runs pre-copy until QEMU pauses at pre-switchover; cancels it (guest keeps running) on abort, stall or budget. */
export async function runPrecopy(
  qmp: QmpClient,
  uri: string,
  totalBytes: number,
  options: OutgoingMigrationOptions,
  onProgress: (p: TransferProgress) => void,
  signal: AbortSignal,
): Promise<TransferProgress> {
  await qmp.execute('migrate-set-capabilities', {
    capabilities: [
      { capability: 'pause-before-switchover', state: true },
      { capability: 'auto-converge', state: options.autoConverge },
    ],
  });
  const bandwidth = options.bandwidthMbps > 0 ? Math.round(options.bandwidthMbps * 125_000) : UNLIMITED_BYTES_PER_SEC;
  await qmp.execute('migrate-set-parameters', { 'max-bandwidth': bandwidth, 'downtime-limit': options.maxDowntimeMs });
  signal.throwIfAborted();
  await qmp.execute('migrate', { uri });
  const startedAt = Date.now();
  let lowest = Infinity;
  let lowestAt = startedAt;
  for (;;) {
    if (signal.aborted) {
      await cancelOutgoing(qmp);
      throw signal.reason;
    }
    const info = await qmp.execute('query-migrate');
    const progress = progressFrom(info, totalBytes);
    switch (info.status) {
      case 'pre-switchover':
      case 'device':
      case 'completed':
        return progress;
      case 'failed':
        throw new Error(`QEMU's migration failed: ${info['error-desc'] ?? 'no reason given'}`);
      case 'cancelled':
      case 'cancelling':
        throw new Error('QEMU cancelled the migration');
      default:
        break;
    }
    if (info.status === 'active') onProgress(progress);
    const now = Date.now();
    if (progress.remainingBytes < lowest) {
      lowest = progress.remainingBytes;
      lowestAt = now;
    }
    const stalled = now - lowestAt > options.stallTimeoutMs;
    const overBudget = now - startedAt > options.transferTimeoutMs;
    if (stalled || overBudget) {
      await cancelOutgoing(qmp);
      const why = stalled
        ? `the remaining memory has not shrunk for ${options.stallTimeoutMs} ms`
        : `pre-copy exceeded its ${options.transferTimeoutMs} ms budget`;
      throw new NonConvergenceError(
        `live migration cannot converge: ${why} (QEMU: ${(progress.remainingBytes / MIB).toFixed(1)} MiB remaining, ` +
          `dirty rate ${(progress.dirtyRateBytesPerSec / MIB).toFixed(1)} MiB/s, ${(info.ram?.mbps ?? 0).toFixed(0)} Mbit/s, ` +
          `${progress.precopyRound} dirty-sync rounds, expected downtime ${info['expected-downtime'] ?? '?'} ms, limit ${options.maxDowntimeMs} ms)`,
        progress,
      );
    }
    await sleep(options.pollIntervalMs);
  }
}

/** Leaves pre-switchover and waits for QEMU to complete; returns the final figures and QEMU's downtime. */
export async function runSwitchover(qmp: QmpClient, totalBytes: number, pollIntervalMs: number): Promise<{ progress: TransferProgress; downtimeMs?: number }> {
  const first = await qmp.execute('query-migrate');
  if (first.status === 'pre-switchover') await qmp.execute('migrate-continue', { state: 'pre-switchover' });
  for (;;) {
    const info = await qmp.execute('query-migrate');
    if (info.status === 'completed') return { progress: { ...progressFrom(info, totalBytes), remainingBytes: 0 }, downtimeMs: info.downtime };
    if (info.status === 'failed' || info.status === 'cancelled') {
      await resumeIfPaused(qmp);
      throw new Error(`QEMU's switchover ${info.status}${info['error-desc'] ? `: ${info['error-desc']}` : ''}`);
    }
    await sleep(Math.min(pollIntervalMs, 20));
  }
}

/** migrate_cancel, waited for; the guest keeps running (or is resumed) here. */
export async function cancelOutgoing(qmp: QmpClient): Promise<void> {
  await qmp.execute('migrate_cancel').catch(() => undefined);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const info = await qmp.execute('query-migrate').catch(() => undefined);
    if (!info || !['setup', 'active', 'cancelling', 'pre-switchover', 'device'].includes(info.status ?? 'none')) break;
    await sleep(20);
  }
  await resumeIfPaused(qmp);
}

async function resumeIfPaused(qmp: QmpClient): Promise<void> {
  const status = await qmp.execute('query-status').catch(() => undefined);
  if (status && !status.running && (status.status === 'paused' || status.status === 'finish-migrate' || status.status === 'postmigrate')) {
    await qmp.execute('cont').catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
