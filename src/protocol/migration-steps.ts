// The stepper shown after submit: a kind's phase list with a time on each phase reached.
// Pure and free of `vscode` (the webview renders it, tests check it).

import type { MigrationDialogTraits } from '../model/cluster-kind';
import type { MigrationState } from '../model/migration';
import type { PhaseTimeView } from './migration-dialog';

export type StepStatus = 'done' | 'current' | 'pending' | 'skipped' | 'failed' | 'cancelled';

export interface Step {
  phase: string;
  status: StepStatus;
  /** When the migration entered this phase, if known. */
  at?: number;
}

function finalStepName(traits: Pick<MigrationDialogTraits, 'succeededPhase'>, state: MigrationState): string {
  if (state === 'failed') return 'Failed';
  // KubeVirt records an abort as Failed with abortStatus; the watcher's state says cancelled, and so do we.
  if (state === 'cancelled') return 'Cancelled';
  return traits.succeededPhase;
}

/**
 * Builds the steps: the kind's ordered phases (its `steps`, in the sources' phase words) plus one
 * final step (its `succeededPhase` while the migration runs or succeeds, Failed/Cancelled when it
 * ends that way). Phases the migration
 * skipped (a missed intermediate update, or a cold Blixard move without Transferring) stay
 * marked skipped rather than pretend to have happened.
 */
export function buildSteps(
  traits: Pick<MigrationDialogTraits, 'steps' | 'succeededPhase'>,
  migration: { phase: string; state: MigrationState; endedAt?: number },
  transitions: readonly PhaseTimeView[],
): Step[] {
  const { phase: current, state } = migration;
  const order = traits.steps;
  const times = new Map<string, number>();
  for (const { phase, at } of transitions) {
    if (!times.has(phase) || at < (times.get(phase) as number)) times.set(phase, at);
  }
  const final = state === 'succeeded' || state === 'failed' || state === 'cancelled';

  // How far the migration got: the latest ordered phase it reached (by time, or being the current one).
  let reached = -1;
  order.forEach((phase, i) => {
    if (times.has(phase) || phase === current) reached = i;
  });
  if (state === 'succeeded') reached = order.length - 1;

  const steps: Step[] = order.map((phase, i) => {
    const at = times.get(phase);
    let status: StepStatus;
    if (i < reached) status = at !== undefined ? 'done' : 'skipped';
    else if (i === reached) status = final ? (state === 'succeeded' || at !== undefined ? 'done' : 'skipped') : 'current';
    else status = 'pending';
    return at !== undefined ? { phase, status, at } : { phase, status };
  });

  const finalName = finalStepName(traits, state);
  const finalAt = final ? (times.get(finalName) ?? (state === 'cancelled' ? times.get('Failed') : undefined) ?? migration.endedAt) : undefined;
  const finalStatus: StepStatus = !final ? 'pending' : state === 'succeeded' ? 'done' : state === 'cancelled' ? 'cancelled' : 'failed';
  steps.push(finalAt !== undefined ? { phase: finalName, status: finalStatus, at: finalAt } : { phase: finalName, status: finalStatus });
  return steps;
}
