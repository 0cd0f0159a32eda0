// How a Migration is a row of the `migrations` table and back: the columns in order, the
// upsert that keeps final states final and touches a row only when something differs, and the
// mapping of a record to its parameters and of a row to a Migration.

import type { SqlValue } from 'sql.js';
import type { Migration } from '../../model/migration';
import { FINAL_STATES_SQL } from './schema';

export const COLUMNS =
  'seq, id, kind, cluster, datacenter, namespace, vm, name, source_node, target_node, mode, origin, phase, state, created_at, started_at, ended_at, duration_ms, failure_reason, progress, labels, uid, downtime_ms';
const WRITABLE = COLUMNS.split(', ').slice(1);

// A final view is never replaced by a non-final one (a stale replay or a late duplicate must not
// bring a finished migration back to life); otherwise the latest record wins. The row is only
// touched when something differs, so "changed" means changed.
export const UPSERT = `INSERT INTO migrations (${WRITABLE.join(', ')}) VALUES (${WRITABLE.map(() => '?').join(', ')})
ON CONFLICT(id) DO UPDATE SET ${WRITABLE.slice(1)
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}
WHERE NOT (migrations.state IN ${FINAL_STATES_SQL} AND excluded.state NOT IN ${FINAL_STATES_SQL})
  AND (${WRITABLE.slice(1)
    .map((c) => `migrations.${c} IS NOT excluded.${c}`)
    .join(' OR ')})
RETURNING seq`;

/** UPSERT's parameters for `m` stored under `id`. */
export function upsertParams(id: string, m: Migration): SqlValue[] {
  return [
    id,
    m.kind,
    m.cluster,
    m.datacenter ?? null,
    m.namespace ?? null,
    m.vm,
    m.name,
    m.sourceNode ?? null,
    m.targetNode ?? null,
    m.mode,
    m.origin,
    m.phase,
    m.state,
    m.createdAt,
    m.startedAt ?? null,
    m.endedAt ?? null,
    m.durationMs ?? null,
    m.failureReason ?? null,
    m.progress ? JSON.stringify(m.progress) : null,
    JSON.stringify(m.labels ?? {}),
    m.uid ?? null,
    m.downtimeMs ?? null,
  ];
}

/** A row selected as COLUMNS → Migration. */
export function toMigration(r: SqlValue[]): Migration {
  const m: Migration = {
    id: String(r[1]),
    kind: String(r[2]) as Migration['kind'],
    cluster: String(r[3]),
    vm: String(r[6]),
    name: String(r[7]),
    mode: String(r[10]) as Migration['mode'],
    origin: String(r[11]) as Migration['origin'],
    phase: String(r[12]),
    state: String(r[13]) as Migration['state'],
    createdAt: Number(r[14]),
    labels: JSON.parse(String(r[20] ?? '{}')) as Record<string, string>,
  };
  if (r[4] !== null) m.datacenter = String(r[4]);
  if (r[5] !== null) m.namespace = String(r[5]);
  if (r[8] !== null) m.sourceNode = String(r[8]);
  if (r[9] !== null) m.targetNode = String(r[9]);
  if (r[15] !== null) m.startedAt = Number(r[15]);
  if (r[16] !== null) m.endedAt = Number(r[16]);
  if (r[17] !== null) m.durationMs = Number(r[17]);
  if (r[18] !== null) m.failureReason = String(r[18]);
  if (r[19] !== null) m.progress = JSON.parse(String(r[19])) as Migration['progress'];
  if (r[21] !== null && r[21] !== undefined) m.uid = String(r[21]);
  if (r[22] !== null && r[22] !== undefined) m.downtimeMs = Number(r[22]);
  return m;
}
