// Figures for the live-migration progress bar and the elapsed clock: bytes, rate, ETA, durations.
// Pure and free of `vscode`; the webview formats with these, tests check them.

import type { ProgressView } from './protocol';

export interface ProgressFigures {
  /** 0..1: how much of the guest's memory is on the target (pre-copy re-sends dirtied pages, so bytes sent can exceed the total). */
  fraction: number;
  transferred: string;
  remaining: string;
  total: string;
  /** e.g. "112 MiB/s", or undefined when no rate is known yet. */
  rate?: string;
  /** e.g. "12s", or undefined when the rate is unknown or the copy is not converging. */
  eta?: string;
  round: number;
}

export interface ProgressSample {
  at: number;
  transferredBytes: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "4s", "1m 05s", "2h 03m". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const totalSeconds = Math.floor(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * The transfer rate: the runtime's measured bandwidth when it reports one, otherwise derived
 * from two samples of transferred bytes (the previous update and this one).
 */
export function transferRate(progress: ProgressView, previous?: ProgressSample, now?: number): number | undefined {
  if (progress.bandwidthBytesPerSec && progress.bandwidthBytesPerSec > 0) return progress.bandwidthBytesPerSec;
  if (previous && now !== undefined && now > previous.at && progress.transferredBytes > previous.transferredBytes) {
    return ((progress.transferredBytes - previous.transferredBytes) * 1000) / (now - previous.at);
  }
  return undefined;
}

export function progressFigures(progress: ProgressView, previous?: ProgressSample, now?: number): ProgressFigures {
  const total = progress.totalBytes > 0 ? progress.totalBytes : progress.transferredBytes + progress.remainingBytes;
  const fraction = total > 0 ? Math.min(1, Math.max(0, 1 - progress.remainingBytes / total)) : 0;
  const rate = transferRate(progress, previous, now);
  // Pre-copy converges at (rate − dirty rate); when the guest dirties memory faster than we copy, no honest ETA exists.
  const net = rate !== undefined ? rate - (progress.dirtyRateBytesPerSec || 0) : undefined;
  const eta = net !== undefined && net > 0 ? formatDuration((progress.remainingBytes / net) * 1000) : undefined;
  return {
    fraction,
    transferred: formatBytes(progress.transferredBytes),
    remaining: formatBytes(progress.remainingBytes),
    total: formatBytes(total),
    rate: rate !== undefined ? `${formatBytes(rate)}/s` : undefined,
    eta: progress.remainingBytes === 0 ? '0s' : eta,
    round: progress.precopyRound,
  };
}
