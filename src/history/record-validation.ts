// Checks what record() is given (and what a journal line holds) before it touches the database,
// so a malformed migration is refused with a sentence saying why instead of storing garbage.

import type { Migration, MigrationState, PhaseTransition } from '../model/migration';
import { scrubSecrets } from '../base/secret-registry';
import { isPlanId, planIdProblem } from '../model/plan-id';
import type { RecordEntry } from './journal/journal-codec';

const STATES: ReadonlySet<MigrationState> = new Set(['pending', 'running', 'succeeded', 'failed', 'cancelled']);

/** Why the record is unusable, or undefined when it is fine. */
export function findRecordProblem(migration: Migration, transitions: readonly PhaseTransition[]): string | undefined {
  if (!migration || typeof migration !== 'object') return 'the migration is missing';
  for (const key of ['id', 'kind', 'cluster', 'vm', 'name', 'mode', 'origin', 'phase'] as const) {
    if (typeof migration[key] !== 'string' || (key === 'id' && migration.id.length === 0)) return `migration.${key} must be a non-empty string`;
  }
  if (!STATES.has(migration.state)) return `migration ${migration.id} has an unknown state "${String(migration.state)}"`;
  if (!isTime(migration.createdAt)) return `migration ${migration.id} has no valid createdAt`;
  for (const key of ['startedAt', 'endedAt', 'durationMs'] as const) {
    if (migration[key] !== undefined && migration[key] !== null && !isTime(migration[key])) return `migration ${migration.id} has an invalid ${key}`;
  }
  if (migration.downtimeMs !== undefined && migration.downtimeMs !== null && !isDuration(migration.downtimeMs)) return `migration ${migration.id} has an invalid downtimeMs`;
  for (const key of ['datacenter', 'namespace', 'sourceNode', 'targetNode', 'failureReason', 'uid'] as const) {
    const value = migration[key];
    if (value !== undefined && value !== null && typeof value !== 'string') return `migration ${migration.id} has a non-text ${key}`;
  }
  if (migration.planId !== undefined && migration.planId !== null && !isPlanId(migration.planId)) return `migration ${migration.id} has an invalid planId (${planIdProblem(migration.planId)})`;
  if (migration.labels !== undefined && (typeof migration.labels !== 'object' || migration.labels === null)) return `migration ${migration.id} has invalid labels`;
  if (!Array.isArray(transitions)) return 'transitions must be an array';
  for (const t of transitions) {
    if (!t || t.migrationId !== migration.id) return `a transition does not belong to migration ${migration.id}`;
    if (typeof t.phase !== 'string' || t.phase.length === 0) return `a transition of ${migration.id} has no phase`;
    if (!isTime(t.at)) return `transition ${t.phase} of ${migration.id} has an invalid time`;
  }
  return undefined;
}

/** The journal line of a record: the one form every write takes (journal, database, inbox), so the one place a failure reason is scrubbed of secrets. */
export function toRecordEntry(migration: Migration, transitions: readonly PhaseTransition[]): RecordEntry {
  const m = typeof migration.failureReason === 'string' ? { ...migration, failureReason: scrubSecrets(migration.failureReason) } : migration;
  return { t: 'r', m, p: transitions.map((t) => [t.phase, t.at]) };
}

/** The same checks for a record read back from a journal or inbox file. */
export function isUsableRecordEntry(entry: RecordEntry): boolean {
  if (!entry.m || !Array.isArray(entry.p)) return false;
  const transitions: PhaseTransition[] = [];
  for (const pair of entry.p) {
    if (!Array.isArray(pair)) return false;
    transitions.push({ migrationId: entry.m.id, phase: pair[0], at: pair[1] });
  }
  return findRecordProblem(entry.m, transitions) === undefined;
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
