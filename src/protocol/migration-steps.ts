// The stepper shown after submit: a kind's phase list with a time on each phase reached.
// Pure and free of `vscode` (the webview renders it, tests check it).

import type { ClusterKind } from '../model/cluster';
import type { MigrationState } from '../model/migration';
import type { PhaseTimeView } from './migration-dialog';

export const KUBEVIRT_STEPS = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running'] as const;
export const BLIXARD_STEPS = ['Preparing', 'Transferring', 'Switching'] as const;

export type StepStatus = 'done' | 'current' | 'pending' | 'skipped' | 'failed' | 'cancelled';

export interface Step {
  phase: string;
  status: StepStatus;
  /** When the migration entered this phase, if known. */
  at?: number;
}

/** "MIGRATION_STATUS_TRANSFERRING" → "Transferring"; KubeVirt words pass through. */
export function normalisePhase(kind: ClusterKind, raw: string): string {
  if (kind !== 'blixard') return raw;
  const word = raw.replace(/^MIGRATION_STATUS_/i, '').toLowerCase();
  return word ? word[0].toUpperCase() + word.slice(1) : raw;
}

function finalStepName(kind: ClusterKind, state: MigrationState): string {
  if (state === 'failed') return 'Failed';
  // KubeVirt records an abort as Failed with abortStatus; the watcher's state says cancelled, and so do we.
  if (state === 'cancelled') return 'Cancelled';
  return kind === 'kubevirt' ? 'Succeeded' : 'Completed';
}

/**
 * Builds the steps: the kind's ordered phases plus one final step (Succeeded/Completed while the
 * migration runs or succeeds, Failed/Cancelled when it ends that way). Phases the migration
 * skipped (a missed intermediate update, or a cold Blixard move without Transferring) stay
 * marked skipped rather than pretend to have happened.
 */
export function buildSteps(
  kind: ClusterKind,
  migration: { phase: string; state: MigrationState; endedAt?: number },
  transitions: readonly PhaseTimeView[],
): Step[] {
  const { phase: currentPhase, state } = migration;
  const order: readonly string[] = kind === 'kubevirt' ? KUBEVIRT_STEPS : BLIXARD_STEPS;
  const times = new Map<string, number>();
  for (const t of transitions) {
    const phase = normalisePhase(kind, t.phase);
    if (!times.has(phase) || t.at < (times.get(phase) as number)) times.set(phase, t.at);
  }
  const current = normalisePhase(kind, currentPhase);
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

  const finalName = finalStepName(kind, state);
  const finalAt = final ? (times.get(finalName) ?? (state === 'cancelled' ? times.get('Failed') : undefined) ?? migration.endedAt) : undefined;
  const finalStatus: StepStatus = !final ? 'pending' : state === 'succeeded' ? 'done' : state === 'cancelled' ? 'cancelled' : 'failed';
  steps.push(finalAt !== undefined ? { phase: finalName, status: finalStatus, at: finalAt } : { phase: finalName, status: finalStatus });
  return steps;
}
