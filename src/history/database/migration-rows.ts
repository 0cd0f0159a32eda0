// How a Migration is a row of the `migrations` table and back: the columns in order, the insert
// and the update that keeps final states final and sets only the columns that differ, and the
// mapping of a record to its parameters and of a row to a Migration.

import type { SqlValue } from 'sql.js';
import type { Migration } from '../../model/migration';
import { FINAL_STATES, type MigrationState } from '../../model/migration';
import type { HeldIncarnation } from './incarnations';

export const COLUMNS =
  'seq, id, kind, cluster, datacenter, namespace, vm, name, source_node, target_node, mode, origin, phase, state, created_at, started_at, ended_at, duration_ms, failure_reason, progress, labels, uid, downtime_ms, plan_id';
const WRITABLE = COLUMNS.split(', ').slice(1);

/** Inserts a migration not held yet; its parameters are upsertParams(). */
export const INSERT_ROW = `INSERT INTO migrations (${WRITABLE.join(', ')}) VALUES (${WRITABLE.map(() => '?').join(', ')}) RETURNING seq`;

/** The held row a record is compared with: seq, then the writable columns in upsertParams() order. */
export const HELD_ROW = `SELECT ${COLUMNS} FROM migrations WHERE id = ?`;

/**
 * The UPDATE that brings a held row (HELD_ROW) to a record's parameters, or undefined when it
 * must stay: nothing differs, or a final view would be replaced by a non-final one (a stale
 * replay or a late duplicate must not bring a finished migration back to life). Only the columns
 * that differ are set — SQLite rewrites every index on a column a SET names, and a phase change
 * touches none of them.
 */
export function rowUpdate(held: readonly SqlValue[], params: readonly SqlValue[]): { sql: string; params: SqlValue[] } | undefined {
  if (FINAL_STATES.has(held[STATE] as MigrationState) && !FINAL_STATES.has(params[STATE - 1] as MigrationState)) return undefined;
  const columns: string[] = [];
  const values: SqlValue[] = [];
  // params[0] is the id, held[1]: the row was found by it.
  for (let i = 1; i < params.length; i++) {
    if (held[i + 1] !== params[i]) {
      columns.push(`${WRITABLE[i]} = ?`);
      values.push(params[i]);
    }
  }
  if (columns.length === 0) return undefined;
  values.push(held[0]);
  return { sql: `UPDATE migrations SET ${columns.join(', ')} WHERE seq = ?`, params: values };
}

const COLUMN_LIST = COLUMNS.split(', ');
const STATE = COLUMN_LIST.indexOf('state');
const CREATED_AT = COLUMN_LIST.indexOf('created_at');
const UID = COLUMN_LIST.indexOf('uid');

/** A HELD_ROW row as incarnation placement reads it. */
export function heldIncarnation(held: readonly SqlValue[]): HeldIncarnation {
  const incarnation: HeldIncarnation = { seq: Number(held[0]), createdAt: Number(held[CREATED_AT]), final: FINAL_STATES.has(held[STATE] as MigrationState) };
  if (held[UID] !== null && held[UID] !== undefined) incarnation.uid = String(held[UID]);
  return incarnation;
}

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
    m.planId ?? null,
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
  if (r[23] !== null && r[23] !== undefined) m.planId = String(r[23]);
  return m;
}
