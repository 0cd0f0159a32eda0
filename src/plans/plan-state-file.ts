// Where a plan's run state is kept when no history keeps it (plan-run-keeper.ts: `run-plan`
// without --db, a window without a history of its own to write): FILE.state.json beside the plan
// document, written whole and renamed into place so a crash leaves the old state or the new one,
// never half; read back through readRunState, which checks it belongs to this version of the plan.

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readRunState, type PlanRunState } from './plan-run-state';
import type { MigrationPlan } from './plan-types';

export function runStateFileOf(planFile: string): string {
  return `${planFile}.state.json`;
}

/** Writes the state; false when it could not (the run goes on, the next change tries again). */
export function writeRunStateFile(file: string, state: PlanRunState): boolean {
  try {
    writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
    return true;
  } catch {
    return false;
  }
}

/** The kept state of this plan, nothing when there is none, or why the file cannot be used. */
export function readRunStateFile(file: string, plan: MigrationPlan): { state?: PlanRunState; problem?: string } {
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return { problem: 'not JSON' };
  }
  const kept = readRunState(json, plan);
  return 'state' in kept ? { state: kept.state } : { problem: kept.problem };
}
