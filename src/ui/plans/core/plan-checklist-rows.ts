// What the "Migration Plan" checklist and the status bar show of a running plan, free of
// `vscode`: one row per entry (waiting / running with its phase and progress / done / failed with
// the reason / blocked / cancelled), and the plan's progress in a few words.

import { countStates, type PlanRunEntry, type PlanRunState } from '../../../plans/plan-run-state';

export interface ChecklistRow {
  label: string;
  description: string;
  tooltip: string;
  /** A codicon id. */
  icon: string;
  /** A theme colour id, where the state has one. */
  color?: string;
}

/** `names` turns node ids into what a person reads. */
export function checklistRow(entry: PlanRunEntry, names: (nodeId: string) => string): ChecklistRow {
  const where = `${names(entry.from)} → ${entry.to ? names(entry.to) : "the cluster's choice"} · ${entry.mode}`;
  const s = entry.status;
  const row = (state: string, icon: string, color?: string, detail?: string): ChecklistRow => ({
    label: `${entry.order}. ${entry.vm}`,
    description: `${state}${detail ? ` · ${detail}` : ''} · ${where}`,
    tooltip: `${entry.vm}: ${where}\n${state}${detail ? `: ${detail}` : ''}${entry.after?.length ? `\nafter ${entry.after.join(', ')}` : ''}`,
    icon,
    ...(color ? { color } : {}),
  });
  switch (s.state) {
    case 'running': {
      const progress = typeof s.progress === 'number' && Number.isFinite(s.progress) ? `${Math.round(Math.max(0, Math.min(1, s.progress > 1 ? s.progress / 100 : s.progress)) * 100)} %` : undefined;
      return row('running', 'sync~spin', undefined, [s.phase, progress].filter(Boolean).join(' ') || undefined);
    }
    case 'done':
      return row('done', 'pass', 'testing.iconPassed', s.note);
    case 'failed':
      return row('failed', 'error', 'errorForeground', s.reason);
    case 'blocked':
      return row('blocked', 'circle-slash', 'problemsWarningIcon.foreground', s.reason);
    case 'cancelled':
      return row('cancelled', 'circle-slash', undefined, s.reason);
    default:
      return row('waiting', 'clock');
  }
}

/**
 * "3/10 done · 2 running · 1 failed", then the runner's note when it has one ("the window opens at
 * 22:00", "the window ended at 02:00; 7 entries not started"): the status bar, the notification, the summary.
 */
export function progressText(state: PlanRunState): string {
  const c = countStates(state);
  const parts = [`${c.done}/${state.entries.length} done`];
  if (c.running > 0) parts.push(`${c.running} running`);
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  if (c.blocked > 0) parts.push(`${c.blocked} blocked`);
  if (c.cancelled > 0) parts.push(`${c.cancelled} cancelled`);
  if (state.note) parts.push(state.note);
  return parts.join(' · ');
}

/** The share of entries that ended, 0..1 (for withProgress increments). */
export function endedShare(state: PlanRunState): number {
  if (state.entries.length === 0) return 1;
  const c = countStates(state);
  return (c.done + c.failed + c.blocked + c.cancelled) / state.entries.length;
}
