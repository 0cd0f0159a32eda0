import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { HistoryError } from '../../../src/history/history-error';
import { loadSqlJs } from '../../../src/history/database/sqljs-loader';
import { CURRENT_SCHEMA_VERSION } from '../../../src/history/database/schema';
import { seedQuerySql, type BoundSql } from '../../../src/history/database/history-queries';
import { migration, recordingLogger, tempDir } from './support/fixtures';

// The v1 layout exactly as it was shipped, written by hand here so the upgrade is tested against
// a real v1 file rather than against whatever the current code would produce.
const V1_SCHEMA = `
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE migrations (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, cluster TEXT NOT NULL, datacenter TEXT, namespace TEXT,
  vm TEXT NOT NULL, name TEXT NOT NULL, source_node TEXT, target_node TEXT, mode TEXT NOT NULL,
  origin TEXT NOT NULL, phase TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL,
  started_at INTEGER, ended_at INTEGER, duration_ms INTEGER, failure_reason TEXT, progress TEXT,
  labels TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE transitions (migration_id TEXT NOT NULL, phase TEXT NOT NULL, at INTEGER NOT NULL, UNIQUE (migration_id, phase));
CREATE INDEX migrations_state ON migrations (state);
CREATE INDEX migrations_vm ON migrations (vm);
`;

// The indexes of v2–v4 where v5 changed them, to turn a current file back into an older one.
const V4_INDEXES = 'DROP INDEX migrations_by_vm_time; CREATE INDEX migrations_by_vm ON migrations (vm, cluster, namespace);';
// What v6 added (plans), to turn a current file back into a v5 one.
const V5_LAYOUT = 'DROP INDEX migrations_by_plan; ALTER TABLE migrations DROP COLUMN plan_id; DROP TABLE plan_runs;';

describe('HistoryStore: schema', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  beforeEach(() => {
    tmp = tempDir('schema');
    db = path.join(tmp.dir, 'history.db');
  });
  afterEach(() => tmp.cleanup());

  async function writeDatabase(sql: string, file = db): Promise<void> {
    const SQL = await loadSqlJs();
    const raw = new SQL.Database();
    raw.exec(sql);
    writeFileSync(file, raw.export());
    raw.close();
  }

  it('upgrades a v1 database, keeping every migration and transition, and snapshots the result', async () => {
    await writeDatabase(`${V1_SCHEMA}
      INSERT INTO migrations (id, kind, cluster, datacenter, namespace, vm, name, source_node, target_node, mode, origin, phase, state, created_at, started_at, ended_at, duration_ms, failure_reason, progress, labels)
      VALUES ('prod/ns/a', 'kubevirt', 'prod', 'dc-1', 'ns', 'web', 'a', 'n1', 'n2', 'PreCopy', 'user', 'Succeeded', 'succeeded', 1000, 1100, 5100, 4000, NULL, NULL, '{"team":"x"}'),
             ('lab/b', 'blixard', 'lab', NULL, NULL, 'db', 'b', 'n1', NULL, 'cold', 'evacuation', 'Running', 'running', 2000, NULL, NULL, NULL, NULL, '{"totalBytes":1,"transferredBytes":0,"remainingBytes":1,"dirtyRateBytesPerSec":0,"precopyRound":0}', '{}');
      INSERT INTO transitions VALUES ('prod/ns/a', 'Pending', 1000), ('prod/ns/a', 'Running', 1100), ('prod/ns/a', 'Succeeded', 5100), ('lab/b', 'Pending', 2000);
    `);
    const logger = recordingLogger();
    const store = await HistoryStore.open({ path: db, logger });
    try {
      assert.ok(logger.has('info', /upgraded .* from schema 1 to 7/), JSON.stringify(logger.lines));
      const a = store.byId('prod/ns/a')!;
      assert.deepEqual(a.migration, {
        id: 'prod/ns/a', kind: 'kubevirt', cluster: 'prod', datacenter: 'dc-1', namespace: 'ns', vm: 'web', name: 'a', sourceNode: 'n1', targetNode: 'n2',
        mode: 'PreCopy', origin: 'user', phase: 'Succeeded', state: 'succeeded', createdAt: 1000, startedAt: 1100, endedAt: 5100, durationMs: 4000, labels: { team: 'x' },
      });
      assert.deepEqual(a.transitions.map((t) => [t.phase, t.at]), [['Pending', 1000], ['Running', 1100], ['Succeeded', 5100]]);
      assert.equal(store.byId('lab/b')!.migration.progress?.totalBytes, 1);
      assert.deepEqual(store.active().map((m) => m.id), ['lab/b']);
      assert.deepEqual(store.byVm('web').map((m) => m.id), ['prod/ns/a']);
      // The upgraded database keeps working for writes, including the uniqueness of (migration, phase).
      store.record(migration('prod/ns/a', { state: 'succeeded', phase: 'Succeeded', createdAt: 1000 }), [{ migrationId: 'prod/ns/a', phase: 'Pending', at: 999 }]);
      assert.equal(store.transitions('prod/ns/a').length, 3);
      await store.flush();
    } finally {
      await store.close();
    }
    // The file on disk is now the current schema.
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(db));
    assert.equal(raw.exec('SELECT version FROM schema_version')[0].values[0][0], CURRENT_SCHEMA_VERSION);
    const indexes = raw.exec(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'migrations_%' ORDER BY name`)[0].values.map((r) => r[0]);
    assert.deepEqual(indexes, ['migrations_active', 'migrations_by_created', 'migrations_by_datacenter', 'migrations_by_plan', 'migrations_by_vm_time', 'migrations_durations', 'migrations_flows', 'migrations_retention']);
    raw.close();
  });

  it('upgrades a v3 database to keep downtimes, leaving its records as they were', async () => {
    // A v3 file: the current layout without downtime_ms, as the releases before the QEMU runtime wrote it.
    const first = await HistoryStore.open({ path: db });
    first.record(migration('lab/m-old', { state: 'succeeded', phase: 'Completed', createdAt: 5000, uid: 'u-1' }), [{ migrationId: 'lab/m-old', phase: 'Completed', at: 6000 }]);
    await first.close();
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(db));
    raw.exec(`${V5_LAYOUT} ${V4_INDEXES} ALTER TABLE migrations DROP COLUMN downtime_ms; UPDATE schema_version SET version = 3;`);
    writeFileSync(db, raw.export());
    raw.close();
    rmSync(`${db}.journal`, { recursive: true, force: true });

    const logger = recordingLogger();
    const store = await HistoryStore.open({ path: db, logger });
    try {
      assert.ok(logger.has('info', /upgraded .* from schema 3 to 7/), JSON.stringify(logger.lines));
      const old = store.byId('lab/m-old')!.migration;
      assert.equal(old.downtimeMs, undefined, 'not measured is not 0');
      assert.equal(old.uid, 'u-1');
      store.record(migration('lab/m-new', { state: 'succeeded', phase: 'Completed', mode: 'live', createdAt: 9000, downtimeMs: 149 }), [{ migrationId: 'lab/m-new', phase: 'Completed', at: 9500 }]);
      await store.flush();
    } finally {
      await store.close();
    }
    const reopened = await HistoryStore.open({ path: db, mode: 'read-only' });
    try {
      assert.equal(reopened.byId('lab/m-new')!.migration.downtimeMs, 149);
      assert.match(reopened.exportCsv().split('\r\n')[1], /,149,/);
    } finally {
      await reopened.close();
    }
  });

  it('upgrades a v2 database to keep uids, leaving its records as they were', async () => {
    // A v2 file: the current layout without the uid column, as v0.1.0 wrote it.
    const first = await HistoryStore.open({ path: db });
    first.record(migration('prod/default/job', { state: 'succeeded', phase: 'Succeeded', createdAt: 5000 }), [{ migrationId: 'prod/default/job', phase: 'Succeeded', at: 6000 }]);
    await first.close();
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(db));
    raw.exec(`${V5_LAYOUT} ${V4_INDEXES} ALTER TABLE migrations DROP COLUMN downtime_ms; ALTER TABLE migrations DROP COLUMN uid; UPDATE schema_version SET version = 2;`);
    writeFileSync(db, raw.export());
    raw.close();
    rmSync(`${db}.journal`, { recursive: true, force: true });

    const logger = recordingLogger();
    const store = await HistoryStore.open({ path: db, logger });
    try {
      assert.ok(logger.has('info', /upgraded .* from schema 2 to 7/), JSON.stringify(logger.lines));
      assert.equal(store.byId('prod/default/job')!.migration.uid, undefined);
      // Records written from now on keep their uid.
      store.record(migration('prod/default/other', { uid: 'u-2', createdAt: 9000, state: 'pending', phase: 'Pending' }), [{ migrationId: 'prod/default/other', phase: 'Pending', at: 9000 }]);
      await store.flush();
    } finally {
      await store.close();
    }
    const reopened = await HistoryStore.open({ path: db, mode: 'read-only' });
    try {
      assert.equal(reopened.byId('prod/default/other')!.migration.uid, 'u-2');
      assert.equal(reopened.byId('prod/default/job')!.migration.state, 'succeeded');
    } finally {
      await reopened.close();
    }
  });

  it('refuses a database from a newer version without touching it', async () => {
    await writeDatabase(`${V1_SCHEMA} UPDATE schema_version SET version = ${CURRENT_SCHEMA_VERSION + 1};`);
    const before = readFileSync(db);
    await assert.rejects(
      HistoryStore.open({ path: db }),
      (e: unknown) => e instanceof HistoryError && e.code === 'schema-too-new' && /newer version/.test(e.message),
    );
    assert.deepEqual(readFileSync(db), before);
    assert.equal(existsSync(`${db}.lock`), false, 'the lock is released after a failed open');
  });

  it('moves aside an SQLite file that is not a history instead of writing into it', async () => {
    await writeDatabase('CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES (\'ada\');');
    const logger = recordingLogger();
    const store = await HistoryStore.open({ path: db, logger });
    try {
      assert.equal(store.count(), 0);
      assert.ok(logger.has('warn', /not a migration history/));
      assert.equal(readdirSync(tmp.dir).filter((n) => n.startsWith('history.db.corrupt-')).length, 1);
    } finally {
      await store.close();
    }
  });

  it('upgrades a v4 database to index VMs in listing order, leaving its records as they were', async () => {
    // A v4 file: the current layout with v4's (vm, cluster, namespace) index, as the releases with downtimes wrote it.
    const first = await HistoryStore.open({ path: db });
    first.record(migration('prod/ns/a', { vm: 'web', cluster: 'prod', namespace: 'ns', state: 'succeeded', phase: 'Succeeded', createdAt: 1000, downtimeMs: 12 }), []);
    first.record(migration('prod/ns/b', { vm: 'web', cluster: 'prod', namespace: 'ns', state: 'failed', phase: 'Failed', createdAt: 3000 }), []);
    await first.close();
    const SQL = await loadSqlJs();
    let raw = new SQL.Database(readFileSync(db));
    raw.exec(`${V5_LAYOUT} ${V4_INDEXES} UPDATE schema_version SET version = 4;`);
    writeFileSync(db, raw.export());
    raw.close();
    rmSync(`${db}.journal`, { recursive: true, force: true });

    const logger = recordingLogger();
    const store = await HistoryStore.open({ path: db, logger });
    try {
      assert.ok(logger.has('info', /upgraded .* from schema 4 to 7/), JSON.stringify(logger.lines));
      assert.deepEqual(store.byVm('web', { cluster: 'prod' }).map((m) => m.id), ['prod/ns/b', 'prod/ns/a']);
      assert.equal(store.byId('prod/ns/a')!.migration.downtimeMs, 12);
    } finally {
      await store.close();
    }
    raw = new SQL.Database(readFileSync(db));
    const indexes = raw.exec(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'migrations_by_vm%'`)[0].values.map((r) => r[0]);
    assert.deepEqual(indexes, ['migrations_by_vm_time']);
    assert.equal(raw.exec('SELECT version FROM schema_version')[0].values[0][0], CURRENT_SCHEMA_VERSION);
    raw.close();
  });

  it('upgrades a v6 file to index the charts\' flows, its migrations and their flows kept', async () => {
    const first = await HistoryStore.open({ path: db });
    first.record(migration('prod/ns/a', { cluster: 'prod', sourceNode: 'n1', targetNode: 'n2', state: 'succeeded', phase: 'Succeeded', createdAt: 1000 }), []);
    first.record(migration('prod/ns/b', { cluster: 'prod', sourceNode: 'n1', targetNode: 'n2', state: 'failed', phase: 'Failed', createdAt: 2000 }), []);
    await first.close();
    const SQL = await loadSqlJs();
    let raw = new SQL.Database(readFileSync(db));
    raw.exec('DROP INDEX migrations_flows; UPDATE schema_version SET version = 6;');
    writeFileSync(db, raw.export());
    raw.close();
    rmSync(`${db}.journal`, { recursive: true, force: true });

    const logger = recordingLogger();
    const store = await HistoryStore.open({ path: db, logger });
    try {
      assert.ok(logger.has('info', /upgraded .* from schema 6 to 7/), JSON.stringify(logger.lines));
      assert.deepEqual(store.charts().flows, [{ cluster: 'prod', source: 'n1', target: 'n2', count: 2 }]);
    } finally {
      await store.close();
    }
    raw = new SQL.Database(readFileSync(db));
    assert.equal(raw.exec(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'migrations_flows'`)[0].values[0][0], 1);
    assert.equal(raw.exec('SELECT version FROM schema_version')[0].values[0][0], CURRENT_SCHEMA_VERSION);
    raw.close();
  });

  it('runs each seed query as a range of its index in the listing order: no scan of the table, no sort', async () => {
    // The SQL the queries run (seedQuerySql), EXPLAINed on a real history file: a plan that is
    // right for five rows is the plan for a million, since the history never runs ANALYZE.
    const store = await HistoryStore.open({ path: db });
    for (let i = 0; i < 200; i++) {
      store.record(migration(`c${i % 3}/ns/m${i}`, { cluster: `c${i % 3}`, vm: `vm-${i % 20}`, namespace: 'ns', datacenter: `dc-${i % 2}`, createdAt: 1000 + i, state: i % 10 ? 'succeeded' : 'running', phase: i % 10 ? 'Succeeded' : 'Running', ...(i % 4 === 0 ? { planId: `evacuate-${i % 8}` } : {}) }), [
        { migrationId: `c${i % 3}/ns/m${i}`, phase: 'Pending', at: 1000 + i },
      ]);
    }
    await store.close();
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(db));
    try {
      const cursor = { createdAt: 1100, seq: 101 };
      const expectations: Array<[string, BoundSql, RegExp]> = [
        ['all (newest)', seedQuerySql.all({ limit: 100 }), /^SCAN migrations USING INDEX migrations_by_created$/],
        ['all (a later page)', seedQuerySql.all({ limit: 100, offset: 5000 }), /^SCAN migrations USING INDEX migrations_by_created$/],
        ['all (completed)', seedQuerySql.all({ filter: 'completed', limit: 100 }), /^SCAN migrations USING INDEX migrations_by_created$/],
        ['all (active)', seedQuerySql.all({ filter: 'active', limit: 100 }), /^SCAN migrations USING INDEX migrations_active$/],
        ['page (first)', seedQuerySql.page({ limit: 100 }), /^SCAN migrations USING INDEX migrations_by_created$/],
        ['page (after a cursor)', seedQuerySql.page({ limit: 100, after: cursor }), /^SEARCH migrations USING INDEX migrations_by_created \(created_at<\?\)$/],
        ['page (active, after a cursor)', seedQuerySql.page({ filter: 'active', limit: 100, after: cursor }), /^SEARCH migrations USING INDEX migrations_active \(created_at<\?\)$/],
        ['active', seedQuerySql.active(), /^SCAN migrations USING INDEX migrations_active$/],
        ['active (one row again)', seedQuerySql.activeBySeq(3), /^SEARCH migrations USING INTEGER PRIMARY KEY \(rowid=\?\)$/],
        ['byId', seedQuerySql.byId('c0/ns/m0'), /^SEARCH migrations USING INDEX sqlite_autoindex_migrations_1 \(id=\?\)$/],
        ['byDatacenter', seedQuerySql.byDatacenter('dc-1'), /^SEARCH migrations USING INDEX migrations_by_datacenter \(datacenter=\?\)$/],
        ['byVm', seedQuerySql.byVm('vm-3'), /^SEARCH migrations USING INDEX migrations_by_vm_time \(vm=\?\)$/],
        ['byVm (cluster)', seedQuerySql.byVm('vm-3', { cluster: 'c1' }), /^SEARCH migrations USING INDEX migrations_by_vm_time \(vm=\?\)$/],
        ['byVm (namespace)', seedQuerySql.byVm('vm-3', { namespace: 'ns' }), /^SEARCH migrations USING INDEX migrations_by_vm_time \(vm=\?\)$/],
        ['byVm (cluster, namespace)', seedQuerySql.byVm('vm-3', { cluster: 'c1', namespace: 'ns' }), /^SEARCH migrations USING INDEX migrations_by_vm_time \(vm=\?\)$/],
        ['transitions', seedQuerySql.transitions(3), /^SEARCH transitions USING PRIMARY KEY \(migration_seq=\?\)$/],
        ['an export page', seedQuerySql.exportPage({}, cursor, 1000), /^SEARCH migrations USING INDEX migrations_by_created \(created_at<\?\)$/],
        ['an export page (its transitions)', seedQuerySql.exportPage({}, cursor, 1000), /^SEARCH transitions USING PRIMARY KEY \(migration_seq=\?\)$/],
        ['a CSV export page', seedQuerySql.csvPage({}, cursor, 1000), /^SEARCH migrations USING INDEX migrations_by_created \(created_at<\?\)$/],
        ['a CSV export page (its transitions)', seedQuerySql.csvPage({}, cursor, 1000), /^SEARCH transitions USING PRIMARY KEY \(migration_seq=\?\)$/],
        ['all (a plan)', seedQuerySql.all({ planId: 'evacuate-4', limit: 100 }), /^SEARCH migrations USING INDEX migrations_by_plan \(plan_id=\?\)$/],
        ['all (a plan, completed, a text)', seedQuerySql.all({ planId: 'evacuate-4', filter: 'completed', text: 'vm-1', limit: 100 }), /^SEARCH migrations USING INDEX migrations_by_plan \(plan_id=\?\)$/],
        ['page (a plan, after a cursor)', seedQuerySql.page({ planId: 'evacuate-4', limit: 100, after: cursor }), /^SEARCH migrations USING INDEX migrations_by_plan \(plan_id=\? AND created_at<\?\)$/],
        ['a CSV export page (a plan)', seedQuerySql.csvPage({ planId: 'evacuate-4' }, cursor, 1000), /^SEARCH migrations USING INDEX migrations_by_plan \(plan_id=\? AND created_at<\?\)$/],
      ];
      for (const [name, { sql, params }, intended] of expectations) {
        const steps = raw.exec(`EXPLAIN QUERY PLAN ${sql}`, params)[0].values.map((r) => String(r[3]));
        assert.ok(steps.some((s) => intended.test(s)), `${name}: ${intended} not in ${JSON.stringify(steps)}`);
        assert.ok(!steps.some((s) => /^SCAN (migrations|transitions)( |$)/.test(s) && !/USING (COVERING )?INDEX/.test(s)), `${name} scans a table: ${JSON.stringify(steps)}`);
        assert.ok(!steps.some((s) => /USE TEMP B-TREE/.test(s)), `${name} sorts: ${JSON.stringify(steps)}`);
        // And the SQL runs with its parameters.
        raw.exec(sql, params);
      }
    } finally {
      raw.close();
    }
  });
});
