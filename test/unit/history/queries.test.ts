import { strict as assert } from 'node:assert';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { HistoryError } from '../../../src/history/history-error';
import { csvField } from '../../../src/history/csv';
import { loadSqlJs } from '../../../src/history/database/sqljs-loader';
import { isoTime } from '../../../src/history/history-export';
import { finished, migration, tempDir, transitions } from './support/fixtures';

/** A small, hand-made history whose answers are known. */
async function seeded(dir: string): Promise<HistoryStore> {
  const store = await HistoryStore.open({ path: path.join(dir, 'history.db') });
  const t0 = 1_700_000_000_000;
  // prod: 4 succeeded (durations 10, 20, 30, 40 s), 1 failed, 1 running; dc-1 and dc-2
  [10, 20, 30, 40].forEach((s, i) =>
    store.record(finished(`prod/ns/ok${i}`, 'succeeded', t0 + i * 60_000, s * 1000, { datacenter: i < 2 ? 'dc-1' : 'dc-2', vm: `web-${i}`, namespace: 'ns' }), transitions(`prod/ns/ok${i}`, ['Pending', 'Running', 'Succeeded'], t0 + i * 60_000)),
  );
  store.record(finished('prod/ns/bad', 'failed', t0 + 5 * 60_000, 5000, { datacenter: 'dc-1', vm: 'db-1', namespace: 'ns', failureReason: 'target ran out of memory' }), transitions('prod/ns/bad', ['Pending', 'Failed'], t0 + 5 * 60_000));
  store.record(migration('prod/ns/live', { createdAt: t0 + 6 * 60_000, datacenter: 'dc-2', vm: 'web-0', namespace: 'ns', sourceNode: 'node-c', targetNode: 'node-d' }), transitions('prod/ns/live', ['Pending', 'Running'], t0 + 6 * 60_000));
  // lab: one pending, one cancelled; the same VM name as prod but another cluster and namespace
  store.record(migration('lab/other/p1', { cluster: 'lab', kind: 'blixard', createdAt: t0 + 7 * 60_000, vm: 'web-0', namespace: 'other', state: 'pending', phase: 'Pending' }), []);
  store.record(finished('lab/other/c1', 'cancelled', t0 + 8 * 60_000, 1000, { cluster: 'lab', kind: 'blixard', vm: 'build_1%', namespace: 'other' }), []);
  await store.flush();
  return store;
}

describe('HistoryStore: queries and exports', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: HistoryStore;
  beforeEach(async () => {
    tmp = tempDir('queries');
    store = await seeded(tmp.dir);
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  const ids = (ms: Array<{ id: string }>) => ms.map((m) => m.id);

  it('all(): newest first, paged, filtered by state', () => {
    assert.deepEqual(ids(store.all()), ['lab/other/c1', 'lab/other/p1', 'prod/ns/live', 'prod/ns/bad', 'prod/ns/ok3', 'prod/ns/ok2', 'prod/ns/ok1', 'prod/ns/ok0']);
    assert.deepEqual(ids(store.all({ limit: 2, offset: 1 })), ['lab/other/p1', 'prod/ns/live']);
    assert.deepEqual(ids(store.all({ filter: 'active' })), ['lab/other/p1', 'prod/ns/live']);
    assert.deepEqual(ids(store.all({ filter: 'completed', limit: 3 })), ['lab/other/c1', 'prod/ns/bad', 'prod/ns/ok3']);
    assert.equal(store.count(), 8);
    assert.equal(store.count({ filter: 'completed' }), 6);
  });

  it('all(): the text filter matches VM, nodes and cluster, case-insensitively, with LIKE characters taken literally', () => {
    assert.deepEqual(ids(store.all({ text: 'WEB-0' })), ['lab/other/p1', 'prod/ns/live', 'prod/ns/ok0']);
    assert.deepEqual(ids(store.all({ text: 'node-c' })), ['prod/ns/live']);
    assert.deepEqual(ids(store.all({ text: 'lab', filter: 'active' })), ['lab/other/p1']);
    assert.deepEqual(ids(store.all({ text: '_1%' })), ['lab/other/c1']);
    assert.deepEqual(ids(store.all({ text: '%' })), ['lab/other/c1']);
    assert.equal(store.count({ text: 'web' }), 6);
  });

  it('rejects bad paging and filters with a clear error', () => {
    const invalid = (e: unknown) => e instanceof HistoryError && e.code === 'invalid-argument';
    assert.throws(() => store.all({ limit: -1 }), invalid);
    assert.throws(() => store.all({ offset: 1.5 }), invalid);
    assert.throws(() => store.all({ filter: 'finished' as never }), invalid);
  });

  it('active(): pending and running only', () => {
    assert.deepEqual(ids(store.active()), ['lab/other/p1', 'prod/ns/live']);
  });

  it('byId(): the migration with its timeline, undefined when unknown', () => {
    const entry = store.byId('prod/ns/bad')!;
    assert.equal(entry.migration.failureReason, 'target ran out of memory');
    assert.deepEqual(
      entry.transitions.map((t) => t.phase),
      ['Pending', 'Failed'],
    );
    assert.equal(store.byId('nope'), undefined);
    assert.deepEqual(store.transitions('nope'), []);
  });

  it('orders phases entered in the same second by their lifecycle, not by name (byId, transitions, exports)', () => {
    // KubeVirt's phaseTransitionTimestamps have one-second precision: a fast migration passes
    // Scheduling and Scheduled in the same second, and "Scheduled" sorts first by name.
    const id = 'prod/ns/same-second';
    const at = 1_900_000_000_000;
    const phases = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];
    store.record(finished(id, 'succeeded', at, 1000), phases.map((phase) => ({ migrationId: id, phase, at })));
    assert.deepEqual(store.byId(id)!.transitions.map((t) => t.phase), phases);
    assert.deepEqual(store.transitions(id).map((t) => t.phase), phases);
    const exported = (JSON.parse(store.exportJson()) as Array<{ id: string; transitions: Array<{ phase: string }> }>).find((m) => m.id === id)!;
    assert.deepEqual(exported.transitions.map((t) => t.phase), phases);
  });

  it('byDatacenter() and byVm() with cluster and namespace', () => {
    assert.deepEqual(ids(store.byDatacenter('dc-1')), ['prod/ns/bad', 'prod/ns/ok1', 'prod/ns/ok0']);
    assert.deepEqual(ids(store.byDatacenter('dc-1', { limit: 1 })), ['prod/ns/bad']);
    assert.deepEqual(ids(store.byDatacenter('dc-9')), []);
    assert.deepEqual(ids(store.byVm('web-0')), ['lab/other/p1', 'prod/ns/live', 'prod/ns/ok0']);
    assert.deepEqual(ids(store.byVm('web-0', { cluster: 'prod' })), ['prod/ns/live', 'prod/ns/ok0']);
    assert.deepEqual(ids(store.byVm('web-0', { cluster: 'lab', namespace: 'other' })), ['lab/other/p1']);
    assert.deepEqual(ids(store.byVm('web-0', { namespace: 'nope' })), []);
  });

  it('summaryByCluster(): counts, success rate (a cancellation is not a failure) and nearest-rank p50/p95 of succeeded durations', () => {
    assert.deepEqual(store.summaryByCluster(), [
      { cluster: 'lab', count: 2, active: 1, succeeded: 0, failed: 0, cancelled: 1, successRate: null, p50DurationMs: null, p95DurationMs: null },
      { cluster: 'prod', count: 6, active: 1, succeeded: 4, failed: 1, cancelled: 0, successRate: 0.8, p50DurationMs: 20_000, p95DurationMs: 40_000 },
    ]);
    // Cached between changes, recomputed after one.
    store.record(finished('prod/ns/live', 'succeeded', 1_700_000_000_000 + 6 * 60_000, 50_000, { datacenter: 'dc-2', vm: 'web-0', namespace: 'ns' }), []);
    const prod = store.summaryByCluster().find((c) => c.cluster === 'prod')!;
    assert.deepEqual([prod.active, prod.succeeded, prod.p95DurationMs], [0, 5, 50_000]);
    // A user's cancellation leaves the success rate where it was.
    store.record(finished('prod/ns/stopped', 'cancelled', 1_700_000_000_000 + 7 * 60_000, 1_000, { datacenter: 'dc-2', vm: 'web-0', namespace: 'ns' }), []);
    const after = store.summaryByCluster().find((c) => c.cluster === 'prod')!;
    assert.deepEqual([after.cancelled, after.successRate], [1, 5 / 6]);
  });

  it('percentiles over many durations pick the nearest rank', async () => {
    for (let i = 1; i <= 100; i++) store.record(finished(`big/m${i}`, 'succeeded', i, i * 100, { cluster: 'big' }), []);
    const big = store.summaryByCluster().find((s) => s.cluster === 'big')!;
    assert.equal(big.p50DurationMs, 5000);
    assert.equal(big.p95DurationMs, 9500);
    assert.equal(big.successRate, 1);
  });

  it('exportCsv(): a header, one quoted row per migration, the timeline in one column', () => {
    store.record(finished('prod/ns/quote', 'failed', 1_800_000_000_000, 1, { vm: 'vm,"odd"\nname', failureReason: '=HYPERLINK("http://x")' }), transitions('prod/ns/quote', ['Pending', 'Failed'], 1_800_000_000_000));
    const csv = store.exportCsv();
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'id,cluster,kind,datacenter,namespace,vm,name,source_node,target_node,mode,origin,state,phase,created_at,started_at,ended_at,duration_ms,downtime_ms,failure_reason,timeline,plan_id');
    assert.ok(csv.includes('"vm,""odd""\nname"'), csv);
    assert.ok(csv.includes(`"'=HYPERLINK(""http://x"")"`), 'a formula is neutralised and quoted');
    assert.ok(csv.includes('Pending@2027-01-15T08:00:00.000Z; Failed@2027-01-15T08:00:01.000Z'));
    assert.equal(csv.endsWith('\r\n'), true);
    assert.equal(store.exportCsv({ filter: 'active' }).split('\r\n').filter(Boolean).length, 3);
  });

  it('csvField() quotes only what needs quoting', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvField('-1', true), "'-1");
    assert.equal(csvField(-1, false), '-1');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(null), '');
  });

  it('the export writes times as toISOString does, across days, years and its edges', () => {
    const times = [0, 1, 999, 59_999, 86_399_999, 86_400_000, 951_782_400_000, 1_700_000_000_123, Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(10000, 0, 1), -1, -86_400_001, 8.64e15];
    for (let t = 1_600_000_000_000; t < 1_900_000_000_000; t += 7_777_777_777) times.push(t, t + 1);
    for (const t of times) assert.equal(isoTime(t), new Date(t).toISOString(), String(t));
    assert.equal(isoTime(1.5), new Date(1.5).toISOString());
    assert.equal(isoTime(Number.NaN), 'NaN', 'not a time: written as it was');
    assert.equal(isoTime(undefined), undefined);
  });

  it('exportJson(): every migration with its transitions, parseable', () => {
    const parsed = JSON.parse(store.exportJson()) as Array<{ id: string; transitions: Array<{ phase: string; at: number }> }>;
    assert.equal(parsed.length, 8);
    assert.equal(parsed[0].id, 'lab/other/c1');
    assert.deepEqual(
      parsed.find((m) => m.id === 'prod/ns/ok0')!.transitions.map((t) => t.phase),
      ['Pending', 'Running', 'Succeeded'],
    );
    assert.deepEqual(JSON.parse(store.exportJson({ filter: 'active', text: 'nothing-matches' })), []);
  });

  it('exportToFile() streams a large history in pages', async () => {
    for (let i = 0; i < 2500; i++) store.record(migration(`bulk/m${i}`, { cluster: 'bulk', createdAt: i }), transitions(`bulk/m${i}`, ['Pending'], i));
    const file = path.join(tmp.dir, 'export.json');
    const bytes = await store.exportToFile(file, 'json');
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Array<{ id: string }>;
    assert.equal(parsed.length, 2508);
    assert.equal(new Set(parsed.map((m) => m.id)).size, 2508, 'paging neither repeats nor skips');
    assert.equal(statSync(file).size, bytes);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const csvFile = path.join(tmp.dir, 'export.csv');
    await store.exportToFile(csvFile, 'csv', { text: 'bulk' });
    assert.equal(readFileSync(csvFile, 'utf8').split('\r\n').filter(Boolean).length, 2501);
  });

  it('the text filter answers as LIKE does (the export still runs the LIKE), through updates, deletions and a reused name', async () => {
    const t0 = 1_750_000_000_000;
    const odd = [
      migration('lab/ns/Upper', { vm: 'Web-ÄÖ', sourceNode: 'Node_A', targetNode: undefined, createdAt: t0 }),
      finished('lab/ns/pct', 'succeeded', t0 + 1, 10, { vm: '100%-db', sourceNode: 'n\\1', namespace: undefined }),
      finished('lab/ns/uml', 'failed', t0 + 2, 10, { vm: 'büro', name: 'ÄÖ-move' }),
      migration('lab/ns/same-time', { vm: 'web-x', createdAt: t0 + 2 }),
    ];
    for (const m of odd) store.record(m, []);
    const needles = ['web', 'WEB', 'ä', 'Ä', 'äö', '%', '_', '\\', '%-d', 'node', 'NODE_a', 'b-', 'lab', 'ns/', 'ok', 'o', 'nothing', 'e-0', 'ÖR'];
    const check = (when: string) => {
      for (const text of needles) {
        for (const filter of ['all', 'active', 'completed'] as const) {
          const byLike = (JSON.parse(store.exportJson({ text, filter })) as Array<{ id: string }>).map((m) => m.id);
          assert.deepEqual(ids(store.all({ text, filter, limit: 1000 })), byLike, `${when}: all({ text: ${JSON.stringify(text)}, filter: ${filter} })`);
          assert.equal(store.count({ text, filter }), byLike.length, `${when}: count(${JSON.stringify(text)}, ${filter})`);
          assert.deepEqual(ids(store.all({ text, filter, limit: 2, offset: 1 })), byLike.slice(1, 3), `${when}: a page of ${JSON.stringify(text)}`);
        }
      }
    };
    check('as recorded');
    // Kept current from here on: a node learnt later, a state that ends, a row deleted, a name reused.
    store.record({ ...odd[0], targetNode: 'Target-Z', state: 'succeeded', phase: 'Succeeded', durationMs: 5, endedAt: t0 + 5 }, []);
    store.record(migration('prod/ns/live', { createdAt: 1_700_000_000_000 + 6 * 60_000, datacenter: 'dc-2', vm: 'web-0', namespace: 'ns', sourceNode: 'node-c', targetNode: 'node-q' }), []);
    store.record(migration('lab/ns/same-time', { vm: 'web-x', createdAt: t0 + 9, uid: 'second', name: 'again' }), []);
    store.setRetention({ maxMigrations: 8 });
    assert.ok((await store.applyRetention()) > 0);
    check('after changes');
    assert.deepEqual(ids(store.all({ text: 'target-z' })), ['lab/ns/Upper']);
    assert.deepEqual(ids(store.all({ text: 'node-d' })), [], 'the node it no longer names');
  });

  it('page(): keyset pages walk every migration once, in the listing order, while rows are added', () => {
    let recorded = 0;
    const walk = (query: Parameters<HistoryStore['page']>[0]) => {
      const seen: string[] = [];
      let after: ReturnType<HistoryStore['page']>['next'];
      for (let n = 0; n < 20; n++) {
        const page = store.page({ ...query, after });
        seen.push(...ids(page.migrations));
        if (!page.next) return seen;
        after = page.next;
        // A migration recorded between pages is newer than the cursor: it does not shift the walk.
        recorded++;
        store.record(migration(`new/ns/m${recorded}`, { cluster: 'new', createdAt: 1_900_000_000_000 + recorded }), []);
      }
      throw new Error('no last page');
    };
    const everything = ids(store.all());
    assert.deepEqual(walk({ limit: 3 }), everything);
    const now = ids(store.all());
    assert.deepEqual(walk({ limit: 100 }), now);
    const active = ids(store.active());
    assert.ok(active.length > 3);
    assert.deepEqual(walk({ limit: 1, filter: 'active' }), active);
    assert.deepEqual(walk({ limit: 2, text: 'web' }), ['lab/other/p1', 'prod/ns/live', 'prod/ns/ok3', 'prod/ns/ok2', 'prod/ns/ok1', 'prod/ns/ok0']);
    assert.deepEqual(store.page({ filter: 'completed', text: 'nothing' }), { migrations: [] });
    const invalid = (e: unknown) => e instanceof HistoryError && e.code === 'invalid-argument';
    assert.throws(() => store.page({ after: { createdAt: Number.NaN, seq: 1 } }), invalid);
    assert.throws(() => store.page({ text: 'web', after: { createdAt: 1, seq: 1.5 } }), invalid);
  });

  it('summaryByCluster() kept current through changes equals one counted afresh', async () => {
    assert.equal(store.summaryByCluster().length, 2); // counted now, kept current from here on
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 30; i++) store.record(finished(`edge/ns/m${i}`, i % 4 ? 'succeeded' : 'failed', t0 + i, (i * 7919) % 1000, { cluster: i % 2 ? 'edge' : 'Édge' }), []);
    store.record(finished('prod/ns/live', 'succeeded', t0 + 6 * 60_000, 7, { datacenter: 'dc-2', vm: 'web-0', namespace: 'ns' }), []);
    store.record(finished('prod/ns/ok0', 'succeeded', t0, 10_000, { cluster: 'prod', vm: 'web-0', namespace: 'ns', durationMs: undefined }), []);
    store.record(finished('lab/other/c1', 'cancelled', t0 + 8 * 60_000, 1000, { cluster: 'moved', kind: 'blixard', vm: 'build_1%', namespace: 'other' }), []);
    store.setRetention({ maxMigrations: 20 });
    assert.ok((await store.applyRetention()) > 0);
    await store.flush();
    const kept = store.summaryByCluster();
    const reopened = await HistoryStore.open({ path: path.join(tmp.dir, 'history.db'), mode: 'read-only', follow: false });
    try {
      assert.deepEqual(kept, reopened.summaryByCluster());
      assert.deepEqual(reopened.summaryByCluster().map((c) => c.cluster), ['edge', 'lab', 'moved', 'prod', 'Édge']);
    } finally {
      await reopened.close();
    }
  });

  it('keeps its in-memory figures current across a snapshot, and the snapshot holds none of their triggers', async () => {
    assert.equal(store.count({ text: 'web' }), 6);
    assert.equal(store.summaryByCluster().find((c) => c.cluster === 'prod')!.count, 6);
    await store.snapshot();
    store.record(finished('prod/ns/after', 'succeeded', 1_800_000_000_000, 60_000, { vm: 'web-9' }), []);
    assert.equal(store.count({ text: 'web' }), 7);
    assert.deepEqual([store.summaryByCluster().find((c) => c.cluster === 'prod')!.count, store.summaryByCluster().find((c) => c.cluster === 'prod')!.p95DurationMs], [7, 60_000]);
    await store.snapshot();
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(path.join(tmp.dir, 'history.db')));
    try {
      assert.deepEqual(raw.exec(`SELECT name FROM sqlite_master WHERE type = 'trigger'`), [], 'TEMP triggers stay in the process');
      raw.exec(`INSERT INTO migrations (id, kind, cluster, vm, name, mode, origin, phase, state, created_at) VALUES ('x', 'blixard', 'c', 'v', 'n', 'cold', 'user', 'Pending', 'pending', 1)`);
    } finally {
      raw.close();
    }
  });
});
