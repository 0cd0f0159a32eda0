// The `plan_runs` table (schema v6): one row per plan id, replaced only by a newer state (a
// replay of the journal, or a resent write after a worker died, finds the row as new or newer
// and leaves it). Listing reads the table's small `updated_at` index, newest first.

import type { SqlValue } from 'sql.js';
import type { PlanRunQuery, PlanRunRecord } from '../plan-runs';
import { HistoryError } from '../history-error';
import type { SqlSession } from './sql-session';

const UPSERT = `INSERT INTO plan_runs (plan_id, document, cluster, kind, started_at, ended_at, updated_at, status, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(plan_id) DO UPDATE SET document = excluded.document, cluster = excluded.cluster, kind = excluded.kind, started_at = excluded.started_at,
  ended_at = excluded.ended_at, updated_at = excluded.updated_at, status = excluded.status, state = excluded.state
WHERE excluded.updated_at > plan_runs.updated_at OR (excluded.updated_at = plan_runs.updated_at AND excluded.state <> plan_runs.state)`;

const COLUMNS = 'plan_id, document, cluster, kind, started_at, ended_at, updated_at, status, state';
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 10_000;

/** Keeps `run` (its state already serialised); true when the row changed. */
export function upsertPlanRun(sql: SqlSession, run: PlanRunRecord, state: string): boolean {
  sql.run(UPSERT, [run.planId, run.document ?? null, run.cluster, run.kind, run.startedAt ?? null, run.endedAt ?? null, run.updatedAt, run.status, state]);
  return sql.rowsModified() > 0;
}

export function planRunById(sql: SqlSession, planId: string): PlanRunRecord | undefined {
  const row = sql.first(`SELECT ${COLUMNS} FROM plan_runs WHERE plan_id = ?`, [planId]);
  return row ? toPlanRun(row) : undefined;
}

export const planRunsSql = (query: PlanRunQuery = {}): { sql: string; params: SqlValue[] } => {
  const limit = query.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) throw new HistoryError('invalid-argument', `limit must be an integer from 0 to ${MAX_LIMIT}.`);
  if (query.cluster !== undefined && typeof query.cluster !== 'string') throw new HistoryError('invalid-argument', 'cluster must be a string.');
  const where = query.cluster !== undefined ? 'WHERE cluster = ?' : '';
  return { sql: `SELECT ${COLUMNS} FROM plan_runs INDEXED BY plan_runs_by_update ${where} ORDER BY updated_at DESC LIMIT ?`, params: [...(query.cluster !== undefined ? [query.cluster] : []), limit] };
};

export function planRuns(sql: SqlSession, query: PlanRunQuery = {}): PlanRunRecord[] {
  const { sql: text, params } = planRunsSql(query);
  return sql.rows(text, params).map(toPlanRun);
}

function toPlanRun(r: SqlValue[]): PlanRunRecord {
  const run: PlanRunRecord = { planId: String(r[0]), cluster: String(r[2]), kind: String(r[3]), updatedAt: Number(r[6]), status: String(r[7]), state: JSON.parse(String(r[8])) as unknown };
  if (r[1] !== null) run.document = String(r[1]);
  if (r[4] !== null) run.startedAt = Number(r[4]);
  if (r[5] !== null) run.endedAt = Number(r[5]);
  return run;
}
