// The history panel's charts, aggregated by SQLite over the whole history (never the rows carried
// to JavaScript and counted there): migrations per day by outcome, the nearest-rank p50/p95 of
// succeeded migrations' durations per cluster (overall and per day: a window function's ordered
// walk, from the (cluster, state, duration_ms) index) and the flows (how many migrations each
// source node sent to each target node, per cluster). The panel's filters apply (state, text,
// plan, cluster, time range): the conditions are the listing's (listConditions), so a chart counts
// what the table lists. The SQL of each is in `chartSql`, which the unit test EXPLAINs.

import type { SqlValue } from 'sql.js';
import type { MigrationState } from '../../model/migration';
import { HistoryError } from '../history-error';
import { listConditions, type ListQuery } from './history-queries';
import type { BoundSql } from './listing-order';
import type { SqlSession } from './sql-session';

export interface ChartQuery extends Omit<ListQuery, 'limit' | 'offset'> {
  /** Only migrations created at or after this time (ms since the epoch). */
  since?: number;
  /** Only migrations created before this time. */
  until?: number;
  /** Minutes east of UTC of the days counted (the viewer's zone: a day starts at their midnight). Default 0. */
  utcOffsetMinutes?: number;
}

export interface DayOutcomes {
  /** Local midnight of the day, ms since the epoch (UTC midnight shifted by the offset asked for). */
  day: number;
  counts: Record<MigrationState, number>;
}

export interface DurationPercentiles {
  cluster: string;
  /** Succeeded migrations with a duration. */
  count: number;
  p50DurationMs: number;
  p95DurationMs: number;
}

export interface DayDurationPercentiles extends DurationPercentiles {
  day: number;
}

export interface Flow {
  cluster: string;
  source: string;
  target: string;
  count: number;
}

export interface HistoryCharts {
  days: DayOutcomes[];
  durations: DurationPercentiles[];
  durationDays: DayDurationPercentiles[];
  flows: Flow[];
}

const DAY_MS = 86_400_000;
/** The per-day percentiles cover the history's newest this many days. */
export const RECENT_DAYS = 7;
const MAX_OFFSET_MINUTES = 14 * 60;

/**
 * Nearest rank, as ClusterSummaries reads it: the ceil(p·n/100)-th smallest, at least the first
 * (integer arithmetic: SQLite's ceil() is an optional extension).
 */
const rankSql = (p: number) => `max(1, (${p} * n + 99) / 100)`;

/**
 * The filtered rows as a CTE `f` ahead of everything else, so its parameters come first in the
 * text and the day offset's `?` after them (listConditions numbers its text pattern ?N, and a
 * plain `?` after it takes the next number: text order is parameter order).
 */
function filtered(query: ChartQuery, columns: string, extra: string[] = []): { sql: string; params: SqlValue[]; offsetMs: number } {
  const { where, params, offsetMs } = whereOf(query, extra);
  return { sql: `WITH f AS (SELECT ${columns} FROM migrations ${where})`, params, offsetMs };
}

/** The WHERE clause of the panel's filters and a time range (the listing's conditions, then the range), and the day offset. */
function whereOf(query: ChartQuery, extra: string[] = []): { where: string; params: SqlValue[]; offsetMs: number } {
  const offsetMinutes = query.utcOffsetMinutes ?? 0;
  if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) throw new HistoryError('invalid-argument', `utcOffsetMinutes must be an integer from -${MAX_OFFSET_MINUTES} to ${MAX_OFFSET_MINUTES}.`);
  const range: string[] = [];
  const rangeParams: SqlValue[] = [];
  for (const [bound, op] of [['since', '>='], ['until', '<']] as const) {
    const value = query[bound];
    if (value === undefined) continue;
    if (!Number.isFinite(value)) throw new HistoryError('invalid-argument', `${bound} must be a time in milliseconds.`);
    range.push(`created_at ${op} ?`);
    rangeParams.push(value);
  }
  const { where, params } = listConditions(query, [...range, ...extra]);
  return { where, params: [...params, ...rangeParams], offsetMs: offsetMinutes * 60_000 };
}

/** The day number (days since the epoch in the viewer's zone) of f.created_at; the offset is the next `?`. */
const DAY_SQL = '(created_at + ?) / 86400000';

export const chartSql = {
  days(query: ChartQuery = {}): BoundSql {
    const f = filtered(query, 'created_at, state');
    // Grouped state first (one temp B-tree, 67 → 58 ms at 100,000 migrations); historyCharts() puts the days in order.
    return { sql: `${f.sql} SELECT ${DAY_SQL} AS day, state, count(*) FROM f GROUP BY state, day`, params: [...f.params, f.offsetMs] };
  },
  /** How many succeeded migrations with a duration each cluster has (from the (cluster, state, duration_ms) index when unfiltered). */
  durationCounts(query: ChartQuery = {}): BoundSql {
    const f = filtered(query, 'cluster', ["state = 'succeeded'", 'duration_ms IS NOT NULL']);
    return { sql: `${f.sql} SELECT cluster, count(*) FROM f GROUP BY cluster ORDER BY cluster`, params: f.params };
  },
  /**
   * The rank-th smallest duration of a cluster's succeeded migrations: an ordered walk of the
   * (cluster, state, duration_ms) index to that rank — no sort, no window over every row (which
   * cost 200 ms at 100,000 migrations).
   */
  durationAtRank(query: ChartQuery, cluster: string, rank: number): BoundSql {
    if (!Number.isInteger(rank) || rank < 1) throw new HistoryError('invalid-argument', 'rank must be a positive integer.');
    const { where, params } = whereOf({ ...query, cluster }, ["state = 'succeeded'", 'duration_ms IS NOT NULL']);
    return { sql: `SELECT duration_ms FROM migrations ${where} ORDER BY duration_ms LIMIT 1 OFFSET ?`, params: [...params, rank - 1] };
  },
  durationDays(query: ChartQuery = {}): BoundSql {
    const f = filtered(query, 'cluster, created_at, duration_ms', ["state = 'succeeded'", 'duration_ms IS NOT NULL']);
    return {
      sql: `${f.sql}, d AS (SELECT cluster, ${DAY_SQL} AS day, duration_ms FROM f),
        w AS (SELECT cluster, day, duration_ms, row_number() OVER (PARTITION BY cluster, day ORDER BY duration_ms) AS rn, count(*) OVER (PARTITION BY cluster, day) AS n FROM d)
        SELECT cluster, day, n, max(CASE WHEN rn = ${rankSql(50)} THEN duration_ms END), max(CASE WHEN rn = ${rankSql(95)} THEN duration_ms END) FROM w GROUP BY cluster, day ORDER BY cluster, day`,
      params: [...f.params, f.offsetMs],
    };
  },
  flows(query: ChartQuery = {}): BoundSql {
    const f = filtered(query, 'cluster, source_node, target_node', ['source_node IS NOT NULL', 'target_node IS NOT NULL']);
    // What migrations_flows holds (schema v7) answers from it alone, in its order: 16 ms at 100,000
    // migrations. Under a filter it does not hold (a state, a text, a plan, a time range) a walk of
    // it would look up every row to test the filter; `+cluster` keeps the planner off it, so the
    // filter's own index is used or the table read once (122 ms unfiltered, never the 222 ms walk).
    const covered = (query.filter ?? 'all') === 'all' && !query.text?.trim() && query.planId === undefined && query.since === undefined && query.until === undefined;
    return { sql: `${f.sql} SELECT cluster, source_node, target_node, count(*) FROM f GROUP BY ${covered ? '' : '+'}cluster, source_node, target_node`, params: f.params };
  },
};

const EMPTY_COUNTS = (): Record<MigrationState, number> => ({ pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });

export function historyCharts(sql: SqlSession, asked: ChartQuery = {}): HistoryCharts {
  const run = ({ sql: text, params }: BoundSql) => sql.rows(text, params);
  const newest = sql.first('SELECT max(created_at) FROM migrations', [])?.[0];
  // A range bounded on both sides (the newest row's time the upper bound, which changes no answer):
  // a one-sided one looks unselective to the planner (the history never runs ANALYZE), which then
  // walked the durations index over the whole history instead of the range of migrations_by_created.
  const query = asked.since !== undefined && asked.until === undefined && newest !== null && newest !== undefined ? { ...asked, until: Number(newest) + 1 } : asked;
  const byDay = new Map<number, DayOutcomes>();
  for (const [day, state, count] of run(chartSql.days(query))) {
    const at = dayStart(Number(day), query);
    let outcomes = byDay.get(at);
    if (!outcomes) byDay.set(at, (outcomes = { day: at, counts: EMPTY_COUNTS() }));
    if (typeof state === 'string' && state in outcomes.counts) outcomes.counts[state as MigrationState] += Number(count);
  }
  const days = [...byDay.values()].sort((a, b) => a.day - b.day);
  const atRank = (cluster: string, n: number, p: number) => Number(sql.first(...boundArgs(chartSql.durationAtRank(query, cluster, nearestRank(n, p))))?.[0]);
  const durations = run(chartSql.durationCounts(query)).map(([cluster, n]) => ({ cluster: String(cluster), count: Number(n), p50DurationMs: atRank(String(cluster), Number(n), 50), p95DurationMs: atRank(String(cluster), Number(n), 95) }));
  // Per day only over the history's last RECENT_DAYS days: over a year of days the windows cost more than the rest together.
  const recent = newest === null || newest === undefined ? undefined : dayStart(Math.floor((Number(newest) + (query.utcOffsetMinutes ?? 0) * 60_000) / DAY_MS), query) - (RECENT_DAYS - 1) * DAY_MS;
  // Bounded on both sides, as above (100 → 4 ms at 100,000 migrations).
  const upTo = newest === null || newest === undefined ? undefined : Math.min(query.until ?? Number.POSITIVE_INFINITY, Number(newest) + 1);
  const durationDays = recent === undefined ? [] : run(chartSql.durationDays({ ...query, since: Math.max(query.since ?? recent, recent), until: upTo })).map(([cluster, day, n, p50, p95]) => ({ cluster: String(cluster), day: dayStart(Number(day), query), count: Number(n), p50DurationMs: Number(p50), p95DurationMs: Number(p95) }));
  const flows = run(chartSql.flows(query))
    .map(([cluster, source, target, count]) => ({ cluster: String(cluster), source: String(source), target: String(target), count: Number(count) }))
    .sort((a, b) => compareText(a.cluster, b.cluster) || compareText(a.source, b.source) || compareText(a.target, b.target));
  return { days, durations, durationDays, flows };
}

/** SQLite's BINARY collation (code unit order), which the ORDER BY gave before. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Nearest rank, as ClusterSummaries reads it: the ceil(p·n/100)-th smallest, at least the first. */
function nearestRank(n: number, p: number): number {
  return Math.max(1, Math.ceil((p / 100) * n));
}

function boundArgs({ sql, params }: BoundSql): [string, SqlValue[]] {
  return [sql, params];
}

/** A day number's local midnight in ms since the epoch. */
function dayStart(day: number, query: ChartQuery): number {
  return day * DAY_MS - (query.utcOffsetMinutes ?? 0) * 60_000;
}
