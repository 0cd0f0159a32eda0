// Checks what a source hands the watcher before anything trusts it: a malformed observation
// (a source bug, or a cluster object the source let through) is reported and skipped, and a
// malformed phase entry is dropped on its own so the rest of the observation still counts; a
// failure reason is scrubbed of secrets.

import type { MigrationObservation, MigrationState, PhaseTransition } from '../model/migration';
import { scrubSecrets } from '../base/secret-registry';

const STATES: ReadonlySet<MigrationState> = new Set(['pending', 'running', 'succeeded', 'failed', 'cancelled']);

export type ObservationCheck =
  | { ok: true; observation: MigrationObservation; droppedPhases: string[] }
  | { ok: false; problem: string };

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function finiteTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function optionalTime(value: unknown): boolean {
  return value === undefined || finiteTime(value);
}

/** Describes the observation for a log line without trusting any of its fields. */
export function describeObservation(value: unknown): string {
  const migration = (value as { migration?: { id?: unknown } } | undefined)?.migration;
  const id = migration && typeof migration.id === 'string' && migration.id ? migration.id : '(no id)';
  return JSON.stringify(id.length > 200 ? `${id.slice(0, 200)}…` : id);
}

export function validateObservation(value: unknown): ObservationCheck {
  if (typeof value !== 'object' || value === null) return { ok: false, problem: 'not an object' };
  const raw = value as Partial<MigrationObservation>;
  const m = raw.migration as unknown as Record<string, unknown> | undefined;
  if (typeof m !== 'object' || m === null) return { ok: false, problem: 'no migration' };
  if (!nonEmptyString(m.id)) return { ok: false, problem: 'missing migration id' };
  if (!nonEmptyString(m.vm)) return { ok: false, problem: 'missing VM name' };
  if (!nonEmptyString(m.phase)) return { ok: false, problem: 'missing phase' };
  if (!nonEmptyString(m.cluster)) return { ok: false, problem: 'missing cluster' };
  if (!STATES.has(m.state as MigrationState)) return { ok: false, problem: `unknown state ${JSON.stringify(m.state)}` };
  if (!finiteTime(m.createdAt)) return { ok: false, problem: 'creation time is not a valid time' };
  for (const field of ['startedAt', 'endedAt'] as const) {
    if (!optionalTime(m[field])) return { ok: false, problem: `${field} is not a valid time` };
  }
  if (m.durationMs !== undefined && !(typeof m.durationMs === 'number' && Number.isFinite(m.durationMs))) {
    return { ok: false, problem: 'durationMs is not a number' };
  }
  if (raw.phases !== undefined && !Array.isArray(raw.phases)) return { ok: false, problem: 'phases is not a list' };

  const phases: PhaseTransition[] = [];
  const droppedPhases: string[] = [];
  for (const entry of raw.phases ?? []) {
    const p = entry as Partial<PhaseTransition> | null;
    if (!p || !nonEmptyString(p.phase)) {
      droppedPhases.push('entry without a phase');
    } else if (!finiteTime(p.at)) {
      droppedPhases.push(`${p.phase} (time ${String(p.at)})`);
    } else {
      // The migration id is the observation's own: a phase entry cannot move to another migration.
      phases.push({ migrationId: m.id, phase: p.phase, at: p.at });
    }
  }
  const migration = { ...(m as unknown as MigrationObservation['migration']) };
  if (typeof migration.labels !== 'object' || migration.labels === null) migration.labels = {};
  if (migration.uid !== undefined && (typeof migration.uid !== 'string' || migration.uid === '')) delete migration.uid;
  // The cluster's own words (a VMIM's failureReason, a daemon's message) may echo a credential:
  // scrubbed here, at the watcher's door, so the history, the output, the views and the dialog
  // all get the same clean reason.
  if (typeof migration.failureReason === 'string') migration.failureReason = scrubSecrets(migration.failureReason);
  return { ok: true, observation: { migration, phases, deleted: raw.deleted === true }, droppedPhases };
}
