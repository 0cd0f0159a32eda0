// The extension's side of the HTTP API's one migration object (migration-json.ts): a server's
// answer read back into the history's Migration and timeline, checked field by field against the
// shape openapi-document.ts describes. Another server, a proxy's error page or a corrupted answer
// is a RemoteHistoryError('bad-answer') naming the field, never a half-read Migration.

import type { Migration, MigrationMode, MigrationOrigin, MigrationProgress, MigrationState, PhaseTransition } from '../../model/migration';
import type { HistoryEntry } from '../../history';
import { RemoteHistoryError } from './remote-history-error';

const STATES: ReadonlySet<string> = new Set<MigrationState>(['pending', 'running', 'succeeded', 'failed', 'cancelled']);
const ORIGINS: ReadonlySet<string> = new Set<MigrationOrigin>(['user', 'evacuation', 'workload-update', 'unknown']);
const MAX_TEXT = 4096;
const MAX_TRANSITIONS = 1000;
const MAX_LABELS = 256;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function bad(what: string): never {
  throw new RemoteHistoryError('bad-answer', `the history server answered a malformed migration (${what})`);
}

function text(o: Json, key: string, required: true): string;
function text(o: Json, key: string, required?: false): string | undefined;
function text(o: Json, key: string, required = false): string | undefined {
  const value = o[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.length > MAX_TEXT || (required && value === '' && key === 'id')) bad(key);
  return value;
}

function time(o: Json, key: string, required: boolean): number | undefined {
  const value = text(o, key, required as false);
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  if (!Number.isFinite(at)) bad(key);
  return at;
}

function count(o: Json, key: string): number | undefined {
  const value = o[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(key);
  return value;
}

function progressOf(value: unknown): MigrationProgress | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) bad('progress');
  const figures = ['totalBytes', 'transferredBytes', 'remainingBytes', 'dirtyRateBytesPerSec', 'precopyRound'] as const;
  const progress = {} as MigrationProgress;
  for (const key of figures) {
    const figure = count(value, key);
    if (figure === undefined) bad(`progress.${key}`);
    progress[key] = figure;
  }
  const bandwidth = count(value, 'bandwidthBytesPerSec');
  if (bandwidth !== undefined) progress.bandwidthBytesPerSec = bandwidth;
  if (value.remainingIsUpperBound !== undefined) {
    if (typeof value.remainingIsUpperBound !== 'boolean') bad('progress.remainingIsUpperBound');
    progress.remainingIsUpperBound = value.remainingIsUpperBound;
  }
  return progress;
}

function labelsOf(value: unknown): Record<string, string> {
  if (!isObject(value)) bad('labels');
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) bad('labels');
  const labels: Record<string, string> = {};
  for (const [key, label] of entries) {
    if (typeof label !== 'string' || label.length > MAX_TEXT || key.length > MAX_TEXT) bad('labels');
    labels[key] = label;
  }
  return labels;
}

/** A TransitionEvent's or a list's migration; `transitions` are required where the API promises them (REST). */
export function readApiMigration(value: unknown, transitionsRequired: boolean): HistoryEntry {
  if (!isObject(value)) bad('not an object');
  const state = text(value, 'state', true);
  if (!STATES.has(state)) bad('state');
  const origin = text(value, 'origin', true);
  if (!ORIGINS.has(origin)) bad('origin');
  const id = text(value, 'id', true);
  const migration: Migration = {
    id,
    kind: text(value, 'kind', true),
    cluster: text(value, 'cluster', true),
    vm: text(value, 'vm', true),
    name: text(value, 'name', true),
    mode: text(value, 'mode', true) as MigrationMode,
    origin: origin as MigrationOrigin,
    phase: text(value, 'phase', true),
    state: state as MigrationState,
    createdAt: time(value, 'createdAt', true)!,
    labels: labelsOf(value.labels),
  };
  const optionalText = ['datacenter', 'namespace', 'sourceNode', 'targetNode', 'failureReason', 'planId', 'uid'] as const;
  for (const key of optionalText) {
    const field = text(value, key);
    if (field !== undefined) migration[key] = field;
  }
  const startedAt = time(value, 'startedAt', false);
  if (startedAt !== undefined) migration.startedAt = startedAt;
  const endedAt = time(value, 'endedAt', false);
  if (endedAt !== undefined) migration.endedAt = endedAt;
  const durationMs = count(value, 'durationMs');
  if (durationMs !== undefined) migration.durationMs = durationMs;
  const downtimeMs = count(value, 'downtimeMs');
  if (downtimeMs !== undefined) migration.downtimeMs = downtimeMs;
  const progress = progressOf(value.progress);
  if (progress) migration.progress = progress;
  if (value.transitions === undefined && transitionsRequired) bad('transitions');
  return { migration, transitions: value.transitions === undefined ? [] : transitionsOf(id, value.transitions) };
}

function transitionsOf(migrationId: string, value: unknown): PhaseTransition[] {
  if (!Array.isArray(value) || value.length > MAX_TRANSITIONS) bad('transitions');
  return value.map((t) => readApiTransition(migrationId, t));
}

export function readApiTransition(migrationId: string, value: unknown): PhaseTransition {
  if (!isObject(value)) bad('transition');
  return { migrationId, phase: text(value, 'phase', true), at: time(value, 'at', true)! };
}

/** A MigrationList: its entries and the cursor of the next page. */
export function readMigrationList(value: unknown): { entries: HistoryEntry[]; next?: string } {
  if (!isObject(value) || !Array.isArray(value.items)) bad('not a migration list');
  const next = value.next;
  if (next !== undefined && (typeof next !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(next))) bad('next');
  return { entries: value.items.map((item) => readApiMigration(item, true)), ...(next !== undefined ? { next } : {}) };
}

/** A `transition` event's data: the migration as it now is, and the one transition it made. */
export function readTransitionEvent(value: unknown): { migration: Migration; transition: PhaseTransition } {
  if (!isObject(value)) bad('transition event');
  const { migration } = readApiMigration(value.migration, false);
  return { migration, transition: readApiTransition(migration.id, value.transition) };
}
