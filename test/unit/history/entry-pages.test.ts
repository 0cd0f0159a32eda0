// entryPage(): the HTTP API's lists (src/serve/) — keyset pages of whole entries, newest first,
// filtered by state, cluster, VM, datacenter and a creation-time floor. A walk of every page
// returns every matching migration once, in the listing order, each with the timeline byId()
// gives; the SQL reads an index's range in that order (EXPLAINed: no table scan, no sort).

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore, type EntryPageQuery } from '../../../src/history';
import { entryPageSql } from '../../../src/history/database/entry-pages';
import { loadSqlJs } from '../../../src/history/database/sqljs-loader';
import type { Migration } from '../../../src/model/migration';
import { migration, tempDir } from './support/fixtures';

const STATES: Migration['state'][] = ['succeeded', 'failed', 'running', 'cancelled', 'pending'];

describe('HistoryStore: entryPage (the HTTP API lists)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: HistoryStore;
  const recorded: Migration[] = [];

  before(async () => {
    tmp = tempDir('entry-pages');
    store = await HistoryStore.open({ path: path.join(tmp.dir, 'history.db') });
    for (let i = 0; i < 240; i++) {
      const state = STATES[i % STATES.length];
      const m = migration(`c${i % 3}/ns/m${i}`, {
        cluster: `c${i % 3}`,
        vm: `vm-${i % 7}`,
        namespace: 'ns',
        datacenter: `dc-${i % 2}`,
        // Some share a creation time: the cursor's seq keeps them apart.
        createdAt: 1_000_000 + Math.floor(i / 2) * 1000,
        state,
        phase: state === 'running' ? 'Running' : state === 'pending' ? 'Pending' : 'Succeeded',
      });
      recorded.push(m);
      store.record(m, [
        { migrationId: m.id, phase: 'Pending', at: m.createdAt },
        { migrationId: m.id, phase: 'Running', at: m.createdAt + 10 },
      ]);
    }
    await store.flush();
  });

  after(async () => {
    await store?.close();
    tmp?.cleanup();
  });

  function walk(query: EntryPageQuery): string[] {
    const ids: string[] = [];
    let after: EntryPageQuery['after'];
    for (let pages = 0; pages < 1000; pages++) {
      const page = store.entryPage({ ...query, after });
      for (const e of page.entries) {
        ids.push(e.migration.id);
        assert.deepEqual(e, store.byId(e.migration.id), 'an entry is what byId gives');
      }
      if (!page.next) return ids;
      after = page.next;
    }
    throw new Error('no last page');
  }

  const newestFirst = (list: Migration[]) => [...list].reverse().map((m) => m.id);

  it('walks every migration once, newest first, across pages of any size', () => {
    for (const limit of [1, 7, 100, 1000]) assert.deepEqual(walk({ limit }), newestFirst(recorded), `limit ${limit}`);
  });

  it('filters by state, cluster, VM, datacenter and since, alone and together', () => {
    const cases: Array<[EntryPageQuery, (m: Migration) => boolean]> = [
      [{ state: 'active' }, (m) => m.state === 'pending' || m.state === 'running'],
      [{ state: 'completed' }, (m) => ['succeeded', 'failed', 'cancelled'].includes(m.state)],
      [{ state: 'failed' }, (m) => m.state === 'failed'],
      [{ cluster: 'c1' }, (m) => m.cluster === 'c1'],
      [{ vm: 'vm-3' }, (m) => m.vm === 'vm-3'],
      [{ datacenter: 'dc-0' }, (m) => m.datacenter === 'dc-0'],
      [{ since: 1_060_000 }, (m) => m.createdAt >= 1_060_000],
      [{ state: 'failed', cluster: 'c2', since: 1_010_000 }, (m) => m.state === 'failed' && m.cluster === 'c2' && m.createdAt >= 1_010_000],
      [{ vm: 'vm-1', state: 'active', cluster: 'c0' }, (m) => m.vm === 'vm-1' && m.cluster === 'c0' && (m.state === 'pending' || m.state === 'running')],
      [{ cluster: 'nope' }, () => false],
    ];
    for (const [query, keep] of cases) {
      const expected = newestFirst(recorded.filter(keep));
      assert.deepEqual(walk({ ...query, limit: 9 }), expected, JSON.stringify(query));
    }
  });

  it('refuses a bad limit, state or cursor with invalid-argument', () => {
    for (const query of [{ limit: 0 }, { limit: 1001 }, { limit: 1.5 }, { state: 'bogus' }, { after: { createdAt: Number.NaN, seq: 1 } }, { since: Number.POSITIVE_INFINITY }] as EntryPageQuery[]) {
      assert.throws(() => store.entryPage(query), (err: { code?: string }) => err.code === 'invalid-argument', JSON.stringify(query));
    }
  });

  it('reads a range of an index in the listing order: no table scan, no sort', async () => {
    await store.snapshot();
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(path.join(tmp.dir, 'history.db')));
    try {
      const cursor = { createdAt: 1_100_000, seq: 101 };
      const expectations: Array<[EntryPageQuery, RegExp]> = [
        [{}, /USING INDEX migrations_by_created/],
        [{ after: cursor }, /USING INDEX migrations_by_created \(created_at<\?\)/],
        [{ state: 'active', after: cursor }, /USING INDEX migrations_active/],
        [{ state: 'failed', cluster: 'c1' }, /USING INDEX migrations_by_created/],
        [{ state: 'completed', since: 5, after: cursor }, /USING INDEX migrations_by_created/],
        [{ cluster: 'c1', after: cursor }, /USING INDEX migrations_by_created/],
        [{ vm: 'vm-3', cluster: 'c1', after: cursor }, /USING INDEX migrations_by_vm_time \(vm=\?/],
        [{ datacenter: 'dc-1', after: cursor }, /USING INDEX migrations_by_datacenter \(datacenter=\?/],
      ];
      for (const [query, intended] of expectations) {
        const { sql, params } = entryPageSql(query);
        const steps = raw.exec(`EXPLAIN QUERY PLAN ${sql}`, params)[0].values.map((r) => String(r[3]));
        assert.ok(steps.some((s) => intended.test(s)), `${JSON.stringify(query)}: ${intended} not in ${JSON.stringify(steps)}`);
        assert.ok(!steps.some((s) => /^SCAN (migrations|transitions)( |$)/.test(s) && !/USING (COVERING )?INDEX/.test(s)), `${JSON.stringify(query)} scans a table: ${JSON.stringify(steps)}`);
        assert.ok(!steps.some((s) => /USE TEMP B-TREE/.test(s)), `${JSON.stringify(query)} sorts: ${JSON.stringify(steps)}`);
      }
    } finally {
      raw.close();
    }
  });
});
