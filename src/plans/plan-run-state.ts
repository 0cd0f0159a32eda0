// Where a running plan stands, as plain data: each entry's state, its migration's id once the
// cluster has one, and its outcome. Serialisable as it is (JSON), so it can be kept — in the
// history database later, in a JSON file beside the plan for now — and a runner given it back
// resumes: entries that ended stay ended, migrations in flight are followed, not started again.

import { createHash } from 'node:crypto';
import type { MigrationPlan, PlanEntry, PlanMode } from './plan-types';

export type EntryState =
  | { state: 'waiting' }
  /** `migrationId` absent while the cluster has not answered the request yet. */
  | { state: 'running'; startedAt: number; migrationId?: string; phase?: string; progress?: number }
  | { state: 'done'; migrationId?: string; startedAt?: number; endedAt: number; note?: string }
  | { state: 'failed'; migrationId?: string; startedAt?: number; endedAt: number; reason: string }
  | { state: 'blocked'; reason: string }
  | { state: 'cancelled'; migrationId?: string; reason: string };

export type EntryStateName = EntryState['state'];

export interface PlanRunEntry {
  vm: string;
  from: string;
  to?: string;
  mode: PlanMode;
  order: number;
  after?: readonly string[];
  status: EntryState;
}

export type PlanRunStatus = 'pending' | 'waiting-window' | 'running' | 'cancelling' | 'finished' | 'cancelled';

export interface PlanRunState {
  version: 1;
  cluster: string;
  /** Which plan this is the state of: a resumed state must be of the same entries. */
  planDigest: string;
  status: PlanRunStatus;
  startedAt?: number;
  endedAt?: number;
  /** What the runner says of the plan as a whole: "the window opens at 22:00", "the window ended at 02:00; 7 entries not started". */
  note?: string;
  entries: PlanRunEntry[];
}

/** A digest of what the runner does with a plan (vm, from, to, mode, order, after of each entry). */
export function planDigest(plan: Pick<MigrationPlan, 'cluster' | 'entries'>): string {
  const essence = plan.entries.map((e) => [e.vm, e.from, e.to ?? null, e.mode, e.order, [...(e.after ?? [])]]);
  return createHash('sha256').update(JSON.stringify([plan.cluster, essence])).digest('hex').slice(0, 32);
}

export function initialRunState(plan: MigrationPlan): PlanRunState {
  return {
    version: 1,
    cluster: plan.cluster,
    planDigest: planDigest(plan),
    status: 'pending',
    entries: [...plan.entries]
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.order - b.e.order || a.i - b.i)
      .map(({ e }) => runEntry(e)),
  };
}

function runEntry(e: PlanEntry): PlanRunEntry {
  return { vm: e.vm, from: e.from, ...(e.to !== undefined ? { to: e.to } : {}), mode: e.mode, order: e.order, ...(e.after?.length ? { after: [...e.after] } : {}), status: { state: 'waiting' } };
}

export function isEnded(s: EntryState): boolean {
  return s.state === 'done' || s.state === 'failed' || s.state === 'blocked' || s.state === 'cancelled';
}

/** How many entries are in each state. */
export function countStates(state: PlanRunState): Record<EntryStateName, number> {
  const counts: Record<EntryStateName, number> = { waiting: 0, running: 0, done: 0, failed: 0, blocked: 0, cancelled: 0 };
  for (const e of state.entries) counts[e.status.state]++;
  return counts;
}

/** A state read back from JSON, or why it cannot be used (never trusted blindly: it is a file). */
export function readRunState(json: unknown, plan: MigrationPlan): { state: PlanRunState } | { problem: string } {
  const s = json as Partial<PlanRunState> | null;
  if (!s || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.entries)) return { problem: 'not a plan run state' };
  if (s.planDigest !== planDigest(plan)) return { problem: 'the state is of another version of this plan (entries changed since it ran)' };
  const fresh = initialRunState(plan);
  const byVm = new Map(s.entries.filter((e) => e && typeof e.vm === 'string').map((e) => [e.vm, e]));
  for (const entry of fresh.entries) {
    const kept = byVm.get(entry.vm)?.status;
    if (kept && typeof kept === 'object' && typeof kept.state === 'string' && ['waiting', 'running', 'done', 'failed', 'blocked', 'cancelled'].includes(kept.state)) entry.status = { ...kept } as EntryState;
  }
  return { state: { ...fresh, status: s.status === 'finished' || s.status === 'cancelled' ? s.status : 'pending', ...(typeof s.startedAt === 'number' ? { startedAt: s.startedAt } : {}) } };
}
