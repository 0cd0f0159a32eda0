// Small, pure formats for the history panel: times, durations, rates, routes.

import type { HistoryRowView } from '../../src/protocol/history-panel';
import { formatClockTime, formatDuration, formatPercent } from '../../src/model/vocabulary';

/** "2025-03-01 10:15:02" in the viewer's local time. */
export function dateTime(at: number | undefined): string {
  return at === undefined ? '—' : formatClockTime(at, true).replace(/^\?$/, '—');
}

export function clock(at: number): string {
  return formatClockTime(at).replace(/^\?$/, '—');
}

/** Durations and shares read as everywhere else (src/model/vocabulary.ts). */
export const duration = formatDuration;
export const percent = formatPercent;

export function vmName(row: Pick<HistoryRowView, 'vm' | 'namespace'>): string {
  return row.namespace ? `${row.namespace}/${row.vm}` : row.vm;
}

export function route(row: Pick<HistoryRowView, 'sourceNode' | 'targetNode'>): string {
  return `${row.sourceNode ?? '?'} → ${row.targetNode ?? '?'}`;
}

/** How long a migration ran: its recorded duration, else from its times (still running: until now). */
export function rowDuration(row: HistoryRowView, now: number): number | undefined {
  if (row.durationMs !== undefined) return row.durationMs;
  const start = row.startedAt ?? row.createdAt;
  if (row.endedAt !== undefined) return row.endedAt - start;
  return row.state === 'pending' || row.state === 'running' ? now - start : undefined;
}

export const STATE_MARK: Record<HistoryRowView['state'], string> = {
  pending: '◌',
  running: '●',
  succeeded: '✓',
  failed: '✕',
  cancelled: '⊘',
};

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
