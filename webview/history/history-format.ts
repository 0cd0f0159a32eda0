// Small, pure formats for the history panel: times, durations, rates, routes.

import type { HistoryRowView } from '../../src/dialog/history-protocol';

/** "2025-03-01 10:15:02" in the viewer's local time. */
export function dateTime(at: number | undefined): string {
  if (at === undefined) return '—';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '—';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function clock(at: number): string {
  return dateTime(at).slice(11);
}

/** "850 ms", "4.2 s", "2 m 05 s", "1 h 02 m". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.floor(s / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} m`;
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(rate >= 0.9995 || rate === 0 ? 0 : 1)}%`;
}

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
