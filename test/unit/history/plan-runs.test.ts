// Plans in the history (schema v6): a migration's plan id in its row, a plan's migrations as a
// range of the plan index (also through the worker), and each plan's run state in `plan_runs`
// — journaled, so a store that never closed (killed) still has it on the next open; never
// replaced by an older copy; refused when malformed; kept only by the writer. And a v5 file
// upgraded in place, its migrations kept, plans added.

import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { HistoryError } from '../../../src/history/history-error';
import { loadSqlJs } from '../../../src/history/database/sqljs-loader';
import type { PlanRunRecord } from '../../../src/history/plan-runs';
import { HistoryWorkerClient } from '../../../src/history/worker/history-worker-client';
import { migration, recordingLogger, tempDir } from './support/fixtures';

const PLAN = 'evacuate-0123456789abcdef01234567';
const OTHER = 'rebalance-76543210fedcba9876543210';

function run(overrides: Partial<PlanRunRecord> = {}): PlanRunRecord {
  return { planId: PLAN, document: '/plans/node1.blixard-plan.yaml', cluster: 'dev', kind: 'evacuate', startedAt: 1000, updatedAt: 2000, status: 'running', state: { version: 1, entries: [{ vm: 'a', status: { state: 'running', migrationId: 'dev/m1' } }] }, ...overrides };
}

describe('HistoryStore: plans', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  beforeEach(() => {
    tmp = tempDir('plans');
    db = path.join(tmp.dir, 'history.db');
  });
  afterEach(() => tmp.cleanup());

  it("keeps each migration's plan id and lists a plan's migrations newest first", async () => {
    const store = await HistoryStore.open({ path: db });
    try {
      for (let i = 0; i < 10; i++) store.record(migration(`dev/m${i}`, { createdAt: 1000 + i, vm: `vm-${i}`, ...(i % 3 === 0 ? {} : { planId: i % 3 === 1 ? PLAN : OTHER }) }), []);
      assert.deepEqual(store.all({ planId: PLAN }).map((m) => m.id), ['dev/m7', 'dev/m4', 'dev/m1']);
      assert.equal(store.count({ planId: OTHER }), 3);
      assert.deepEqual(store.all({ planId: PLAN, text: 'vm-4' }).map((m) => m.id), ['dev/m4']);
      assert.deepEqual(store.page({ planId: PLAN, limit: 2 }).migrations.map((m) => m.id), ['dev/m7', 'dev/m4']);
      assert.equal(store.byId('dev/m1')!.migration.planId, PLAN);
      assert.equal(store.byId('dev/m0')!.migration.planId, undefined);
      assert.match(store.exportCsv({ planId: OTHER }).split('\r\n')[1], new RegExp(`,${OTHER}$`));
      assert.equal(JSON.parse(store.exportJson({ planId: PLAN }))[0].planId, PLAN);
      assert.throws(() => store.all({ planId: 'bad id' }), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-argument');
      assert.throws(() => store.record(migration('dev/bad', { planId: 'x\u0000y' }), []), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-record' && /planId/.test(e.message));
    } finally {
      await store.close();
    }
  });

  it('keeps a plan run through the journal alone (a store that never closed), newest state winning', async () => {
    const store = await HistoryStore.open({ path: db });
    await store.recordPlanRun(run());
    await store.recordPlanRun(run({ updatedAt: 3000, status: 'finished', endedAt: 3000, state: { version: 1, entries: [] } }));
    // An older copy (a resent write, a replay) does not bring the earlier state back.
    await store.recordPlanRun(run({ updatedAt: 2500, status: 'running' }));
    await store.recordPlanRun(run({ planId: OTHER, kind: 'rebalance', document: undefined, startedAt: undefined, updatedAt: 2800, status: 'pending' }));
    await assert.rejects(store.recordPlanRun(run({ planId: 'no good' })), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-record');
    await assert.rejects(store.recordPlanRun(run({ status: 'run\nning' })), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-record');
    assert.equal(store.planRun(PLAN)!.status, 'finished');
    // Killed: no close, no snapshot; the lock is left to be found stale.
    const reader = await HistoryStore.open({ path: db, mode: 'read-only', follow: false });
    try {
      assert.deepEqual(reader.planRun(PLAN), run({ updatedAt: 3000, status: 'finished', endedAt: 3000, state: { version: 1, entries: [] } }));
      assert.deepEqual(reader.planRuns().map((r) => [r.planId, r.status]), [[PLAN, 'finished'], [OTHER, 'pending']]);
      assert.deepEqual(reader.planRuns({ cluster: 'elsewhere' }), []);
      assert.equal(reader.planRun('evacuate-none'), undefined);
      await assert.rejects(reader.recordPlanRun(run({ updatedAt: 9000 })), (e: unknown) => e instanceof HistoryError && e.code === 'read-only');
    } finally {
      await reader.close();
      await store.close();
    }
    const again = await HistoryStore.open({ path: db, mode: 'read-only', follow: false });
    try {
      assert.equal(again.planRun(PLAN)!.status, 'finished', 'and from the snapshot written at close');
    } finally {
      await again.close();
    }
  });

  it('through the worker: plan runs and the plan filter', async () => {
    const client = await HistoryWorkerClient.open({ path: db });
    try {
      client.record(migration('dev/m1', { planId: PLAN, createdAt: 5 }), []);
      client.record(migration('dev/m2', { createdAt: 6 }), []);
      await client.recordPlanRun(run());
      assert.deepEqual((await client.all({ planId: PLAN })).map((m) => m.id), ['dev/m1']);
      assert.equal((await client.planRun(PLAN))!.document, '/plans/node1.blixard-plan.yaml');
      assert.equal(await client.planRun(OTHER), undefined);
      assert.equal((await client.planRuns()).length, 1);
      await assert.rejects(client.recordPlanRun(run({ updatedAt: Number.NaN })), (e: unknown) => e instanceof HistoryError && e.code === 'invalid-record');
    } finally {
      await client.close();
    }
  });

  it('upgrades a v5 file in place: its migrations kept, plan ids and plan runs from then on', async () => {
    const first = await HistoryStore.open({ path: db });
    first.record(migration('dev/old', { createdAt: 1000, state: 'succeeded', phase: 'Completed' }), [{ migrationId: 'dev/old', phase: 'Completed', at: 1500 }]);
    await first.close();
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(db));
    raw.exec('DROP INDEX migrations_by_plan; ALTER TABLE migrations DROP COLUMN plan_id; DROP TABLE plan_runs; UPDATE schema_version SET version = 5;');
    writeFileSync(db, raw.export());
    raw.close();
    rmSync(`${db}.journal`, { recursive: true, force: true });
    rmSync(`${db}.sum`, { force: true });
    const logger = recordingLogger();
    const store = await HistoryStore.open({ path: db, logger });
    try {
      assert.ok(logger.has('info', /upgraded .* from schema 5 to 7/), JSON.stringify(logger.lines));
      assert.equal(store.byId('dev/old')!.migration.state, 'succeeded');
      assert.equal(store.byId('dev/old')!.migration.planId, undefined);
      store.record(migration('dev/new', { planId: PLAN, createdAt: 2000 }), []);
      await store.recordPlanRun(run());
      assert.deepEqual(store.all({ planId: PLAN }).map((m) => m.id), ['dev/new']);
    } finally {
      await store.close();
    }
  });
});
