// A migration plan's run as the history keeps it (table `plan_runs`, schema v6): the plan's id
// (the one its migrations carry), the document it was run from, its cluster and kind, when it
// started, ended and last changed, its status and its run state — plans/plan-run-state.ts'
// PlanRunState, held here as plain JSON the history does not interpret (history/ does not know
// plans/; the plans layer checks a state it reads back with readRunState). Each change is one
// journal line, so a crash mid-plan loses nothing once recordPlanRun() has answered.

import { isPlanId, planIdProblem } from '../model/plan-id';
import { hasControlCharacters } from '../base/text';
import type { PlanRunRecord } from '../model/plan-run-record';

export type { PlanRunRecord };

export interface PlanRunQuery {
  cluster?: string;
  /** At most this many, most recently changed first (default 200). */
  limit?: number;
}

/** A run state bigger than this is refused: a plan of thousands of entries is a few hundred KB. */
export const MAX_PLAN_RUN_STATE_BYTES = 8 << 20;
const MAX_TEXT = 4096;

/** Why `run` cannot be kept, or undefined when it can. */
export function findPlanRunProblem(run: PlanRunRecord): string | undefined {
  if (!run || typeof run !== 'object') return 'the plan run is missing';
  if (!isPlanId(run.planId)) return `planId: ${planIdProblem(run.planId)}`;
  for (const key of ['cluster', 'kind', 'status'] as const) {
    const v = run[key];
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT || hasControlCharacters(v)) return `plan run ${run.planId} has no usable ${key}`;
  }
  if (run.document !== undefined && (typeof run.document !== 'string' || run.document.length > MAX_TEXT || hasControlCharacters(run.document))) return `plan run ${run.planId} has an unusable document path`;
  if (!isTime(run.updatedAt)) return `plan run ${run.planId} has no valid updatedAt`;
  for (const key of ['startedAt', 'endedAt'] as const) if (run[key] !== undefined && !isTime(run[key])) return `plan run ${run.planId} has an invalid ${key}`;
  if (!run.state || typeof run.state !== 'object') return `plan run ${run.planId} has no state`;
  return undefined;
}

/** The state as the column holds it; undefined when it is too large to keep. */
export function serialisedState(run: PlanRunRecord): string | undefined {
  const json = JSON.stringify(run.state);
  return json.length > MAX_PLAN_RUN_STATE_BYTES ? undefined : json;
}

/** Only the record's own fields, so what is journaled and stored is exactly what is described above. */
export function plainPlanRun(run: PlanRunRecord): PlanRunRecord {
  return {
    planId: run.planId,
    ...(run.document !== undefined ? { document: run.document } : {}),
    cluster: run.cluster,
    kind: run.kind,
    ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}),
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    updatedAt: run.updatedAt,
    status: run.status,
    state: run.state,
  };
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
