// What the migration dialog says while its cluster's migration stream is down — shared by the host
// (which refuses a cancel then) and the webview (which shows the notice and disables Cancel), so
// both say the same words. Pure; the webview bundles it.

import { formatClockTime } from '../model/vocabulary';
import type { StreamDownView } from './migration-dialog';

/** The notice above the figures: the cluster is unreachable, and since when what is shown dates. */
export function streamDownNotice(clusterLabel: string, down: StreamDownView): string {
  return `${clusterLabel} is unreachable since ${formatClockTime(down.since)}: ${firstLine(down.reason)} What is shown was last known at ${formatClockTime(down.lastKnownAt)}; it updates by itself when the cluster is back.`;
}

/** The prefix of stale progress figures: "Last known at 10:15:04". */
export function lastKnownLabel(down: StreamDownView): string {
  return `Last known at ${formatClockTime(down.lastKnownAt)}`;
}

/**
 * Why Cancel is disabled while the cluster's stream is down. Not queued for later: a cancel sent
 * minutes on, to a migration that may have moved on or ended meanwhile, is not what the user
 * decided on; with live figures back they can press it again.
 */
export function cancelUnavailableReason(clusterLabel: string): string {
  return `Cancel is unavailable while ${clusterLabel} is unreachable: it could not be delivered, and what is shown may be out of date. It comes back when the cluster does.`;
}

function firstLine(text: string): string {
  const line = String(text).split('\n')[0].trim();
  const short = line.length > 200 ? `${line.slice(0, 199)}…` : line;
  return /[.!?…]$/.test(short) ? short : `${short}.`;
}
