// The history panel's charts (history-charts.ts) against a plain recomputation from the rows the
// listing returns, at a few thousand migrations, under each of the panel's filters; and the plans
// SQLite picks for them (a range of an index with a time range or a plan, never worse than the
// listing's own count).

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { HistoryWorkerClient } from '../../../src/history/worker/history-worker-client';
import { chartSql, RECENT_DAYS, type ChartQuery, type HistoryCharts } from '../../../src/history/database/history-charts';
import { loadSqlJs } from '../../../src/history/database/sqljs-loader';
import { ensureSchema } from '../../../src/history/database/schema';
import type { Migration, MigrationState } from '../../../src/model/migration';
import { migration, tempDir } from './support/fixtures';

const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);
const HOUR = 3_600_000;
const STATES: MigrationState[] = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'running', 'pending'];

function seedRow(i: number): Migration {
  const cluster = `c${i % 3}`;
  const state = STATES[(i * 3 + (i >> 4)) % STATES.length];
  const createdAt = T0 + ((i * 37) % (21 * 24)) * HOUR + (i % 60) * 1000;
  const final = state === 'succeeded' || state === 'failed' || state === 'cancelled';
  const durationMs = final ? 1000 + ((i * 7919) % 90_000) : undefined;
  return migration(`${cluster}/ns/m${i}`, {
    cluster,
    vm: `vm-${i % 50}`,
    namespace: 'ns',
    state,
    phase: state,
    createdAt,
    ...(i % 11 === 0 ? {} : { sourceNode: `${cluster}-n${i % 4}`, targetNode: `${cluster}-n${(i * 3 + 1) % 5}` }),
    ...(durationMs !== undefined ? { startedAt: createdAt, endedAt: createdAt + durationMs, durationMs } : {}),
    ...(i % 5 === 0 ? { planId: `drain-${i % 3}` } : {}),
  });
}

function nearestRank(sorted: number[], p: number): number {
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

/** The charts recomputed from the rows, in JavaScript: what the SQL must agree with. */
function recomputed(rows: Migration[], query: ChartQuery, newest: number): HistoryCharts {
  const offset = (query.utcOffsetMinutes ?? 0) * 60_000;
  const dayOf = (t: number) => Math.floor((t + offset) / 86_400_000) * 86_400_000 - offset;
  const inRange = rows.filter((m) => (query.since === undefined || m.createdAt >= query.since) && (query.until === undefined || m.createdAt < query.until));
  const days = new Map<number, Record<MigrationState, number>>();
  for (const m of inRange) {
    const d = days.get(dayOf(m.createdAt)) ?? { pending: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    d[m.state]++;
    days.set(dayOf(m.createdAt), d);
  }
  const recentSince = dayOf(newest) - (RECENT_DAYS - 1) * 86_400_000;
  const percentiles = (key: (m: Migration) => string, recentOnly = false) => {
    const groups = new Map<string, number[]>();
    for (const m of inRange) if ((!recentOnly || m.createdAt >= recentSince) && m.state === 'succeeded' && m.durationMs !== undefined) groups.set(key(m), [...(groups.get(key(m)) ?? []), m.durationMs]);
    return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, ds]) => {
      ds.sort((a, b) => a - b);
      return { k, count: ds.length, p50DurationMs: nearestRank(ds, 50), p95DurationMs: nearestRank(ds, 95) };
    });
  };
  const flows = new Map<string, number>();
  for (const m of inRange) if (m.sourceNode && m.targetNode) flows.set(JSON.stringify([m.cluster, m.sourceNode, m.targetNode]), (flows.get(JSON.stringify([m.cluster, m.sourceNode, m.targetNode])) ?? 0) + 1);
  return {
    days: [...days].sort(([a], [b]) => a - b).map(([day, counts]) => ({ day, counts })),
    durations: percentiles((m) => m.cluster).map(({ k, ...p }) => ({ cluster: k, ...p })),
    durationDays: percentiles((m) => `${m.cluster}\u0000${String(dayOf(m.createdAt)).padStart(16, '0')}`, true).map(({ k, ...p }) => ({ cluster: k.split('\u0000')[0], day: Number(k.split('\u0000')[1]), ...p })),
    flows: [...flows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, count]) => {
      const [cluster, source, target] = JSON.parse(k) as string[];
      return { cluster, source, target, count };
    }),
  };
}

describe('history charts: aggregated in SQL', function () {
  this.timeout(120_000);
  const N = 3000;
  let tmp: ReturnType<typeof tempDir>;
  let store: HistoryStore;
  before(async () => {
    tmp = tempDir('charts');
    store = await HistoryStore.open({ path: path.join(tmp.dir, 'history.db') });
    store.recordMany(Array.from({ length: N }, (_, i) => ({ migration: seedRow(i), transitions: [] })));
    await store.flush();
  });
  after(async () => {
    await store.close();
    tmp.cleanup();
  });

  const queries: Array<[string, ChartQuery]> = [
    ['everything', {}],
    ['completed', { filter: 'completed' }],
    ['active', { filter: 'active' }],
    ['a text', { text: 'vm-1' }],
    ['a cluster', { cluster: 'c1' }],
    ['a plan', { planId: 'drain-2' }],
    ['a time range', { since: T0 + 3 * 24 * HOUR, until: T0 + 10 * 24 * HOUR + 5 * HOUR }],
    ['a zone east of UTC, completed, a cluster', { utcOffsetMinutes: 330, filter: 'completed', cluster: 'c2' }],
    ['a zone west of UTC, a text, a time range', { utcOffsetMinutes: -480, text: 'c0-n1', since: T0 + 5 * HOUR }],
    ['one flow', { cluster: 'c1', sourceNode: 'c1-n2', targetNode: 'c1-n0' }],
  ];
  for (const [name, query] of queries) {
    it(`agrees with a recomputation from the rows: ${name}`, () => {
      const { utcOffsetMinutes: _z, since: _s, until: _u, ...listing } = query;
      const rows = store.all({ ...listing, limit: N });
      assert.ok(rows.length > 0 && rows.length <= N);
      const charts = store.charts(query);
      const newest = Math.max(...store.all({ limit: 1 }).map((m) => m.createdAt));
      assert.deepEqual(charts, recomputed(rows, query, newest));
      assert.ok(charts.durationDays.length > 0 || charts.durations.length === 0 || query.until !== undefined);
    });
  }

  it('answers through the worker as the store does', async () => {
    const client = await HistoryWorkerClient.open({ path: path.join(tmp.dir, 'history.db') });
    try {
      assert.deepEqual(await client.charts({ filter: 'completed', cluster: 'c0' }), store.charts({ filter: 'completed', cluster: 'c0' }));
    } finally {
      await client.close();
    }
  });

  it('refuses arguments that are not a filter', () => {
    assert.throws(() => store.charts({ utcOffsetMinutes: 9999 }), /utcOffsetMinutes/);
    assert.throws(() => store.charts({ since: Number.NaN }), /since/);
    assert.throws(() => store.charts({ cluster: 3 as unknown as string }), /cluster/);
  });

  it('reads a time range or a plan as a range of an index, and scans no more than the listing count does', async () => {
    const SQL = await loadSqlJs();
    // The plan on an empty history is the plan for a million rows: the history never runs ANALYZE.
    const raw = new SQL.Database();
    ensureSchema(raw);
    try {
      const plan = (q: { sql: string; params: unknown[] }) => raw.exec(`EXPLAIN QUERY PLAN ${q.sql}`, q.params as never)[0].values.map((r) => String(r[3]));
      const ranged = { since: T0, until: T0 + 24 * HOUR };
      const queries: Array<[string, (q: ChartQuery) => { sql: string; params: unknown[] }]> = [
        ['days', chartSql.days],
        ['durationCounts', chartSql.durationCounts],
        ['durationAtRank', (q) => chartSql.durationAtRank(q, 'c1', 10)],
        ['durationDays', chartSql.durationDays],
        ['flows', chartSql.flows],
      ];
      for (const [name, q] of queries) {
        // Checked below: an ordered walk of the durations index, whatever the bounds.
        if (name === 'durationAtRank') continue;
        assert.ok(plan(q(ranged)).some((s) => /^SEARCH migrations USING (COVERING )?INDEX migrations_by_created \(created_at>\? AND created_at<\?\)$/.test(s)), `${name} (a time range): ${JSON.stringify(plan(q(ranged)))}`);
        assert.ok(plan(q({ planId: 'drain-1' })).some((s) => /^SEARCH migrations USING INDEX migrations_by_plan \(plan_id=\?\)$/.test(s)), `${name} (a plan): ${JSON.stringify(plan(q({ planId: 'drain-1' })))}`);
        // Without a bound every row counts: one pass, as count(*) of the listing makes.
        assert.equal(plan(q({})).filter((s) => /^SCAN migrations/.test(s)).length, 1, `${name}: ${JSON.stringify(plan(q({})))}`);
      }
      // The flows of the whole history are a walk of their covering index in its order: no lookup per row, no sort.
      assert.deepEqual(plan(chartSql.flows({})), ['SCAN migrations USING COVERING INDEX migrations_flows']);
      assert.ok(plan(chartSql.flows({ cluster: 'c1' })).some((s) => /^SEARCH migrations USING COVERING INDEX migrations_flows \(cluster=\?/.test(s)), JSON.stringify(plan(chartSql.flows({ cluster: 'c1' }))));
      // Under a filter the index does not hold, never a walk of it with a lookup per row.
      for (const q of [{ filter: 'completed' }, { text: 'node-3' }] as ChartQuery[]) assert.ok(!plan(chartSql.flows(q)).some((s) => /migrations_flows/.test(s)), JSON.stringify(plan(chartSql.flows(q))));
      // A percentile is an ordered walk of the (cluster, state, duration_ms) index to its rank: no sort.
      const walk = plan(chartSql.durationAtRank({}, 'c1', 10));
      assert.ok(walk.some((s) => /^SEARCH migrations USING COVERING INDEX migrations_durations \(cluster=\? AND state=\?( AND duration_ms>\?)?\)$/.test(s)) && !walk.some((s) => /TEMP B-TREE/.test(s)), JSON.stringify(walk));
      const walkInRange = plan(chartSql.durationAtRank(ranged, 'c1', 10));
      assert.ok(walkInRange.some((s) => /migrations_durations \(cluster=\? AND state=\?/.test(s)) && !walkInRange.some((s) => /TEMP B-TREE/.test(s)), JSON.stringify(walkInRange));
    } finally {
      raw.close();
    }
  });
});
