// Figures for the live-migration progress bar: fraction, bytes, rate and time left, worded by the
// one vocabulary (src/model/vocabulary.ts). Pure and free of `vscode`; the webview renders these.

import { formatBytes, formatRate, formatTimeLeft } from '../model/vocabulary';
import type { ProgressView } from './migration-dialog';

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
  // Rounded up: "ETA 0s" with a gigabyte still to copy is a promise the transfer will break.
  const eta = net !== undefined && net > 0 ? formatTimeLeft((progress.remainingBytes / net) * 1000) : undefined;
  return {
    fraction,
    transferred: formatBytes(progress.transferredBytes),
    remaining: formatBytes(progress.remainingBytes),
    total: formatBytes(total),
    rate: rate !== undefined ? formatRate(rate) : undefined,
    eta: progress.remainingBytes === 0 ? '0s' : eta,
    round: progress.precopyRound,
  };
}
