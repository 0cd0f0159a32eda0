// active() answered from memory (active-migrations.ts) equals the table read afresh — through
// inserts, a running migration's phase and progress, finishing, retention's deletions, a reused
// name moving aside, many changes at once, and a snapshot — and what it hands out is the caller's.

import { strict as assert } from 'node:assert';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { finished, migration, tempDir } from './support/fixtures';

describe('HistoryStore.active(): kept in memory, current after every change', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: HistoryStore;
  beforeEach(async () => {
    tmp = tempDir('active-set');
    store = await HistoryStore.open({ path: path.join(tmp.dir, 'history.db') });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  /** The SQL answer (a listing filtered to the active states reads the table each time). */
  const fromTable = () => store.all({ filter: 'active', limit: 1_000_000 });
  const same = (what: string) => assert.deepEqual(store.active(), fromTable(), what);

  it('equals the table read afresh through every kind of write', async () => {
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 30; i++) store.record(migration(`c/ns/m${i}`, { createdAt: t0 + (i % 10) * 1000, state: i % 3 ? 'running' : 'pending', phase: i % 3 ? 'Running' : 'Pending', labels: { i: String(i) } }), []);
    for (let i = 0; i < 5; i++) store.record(finished(`c/ns/done${i}`, 'succeeded', t0 + i, 1000), []);
    same('first answer (equal creation times ordered by row)');

    store.record(migration('c/ns/m4', { createdAt: t0 + 4000, phase: 'Synchronizing', progress: { totalBytes: 10, transferredBytes: 5, remainingBytes: 5, dirtyRateBytesPerSec: 1, precopyRound: 2 }, labels: { i: '4' } }), []);
    same('a phase and progress moved');
    assert.equal(store.active().find((m) => m.id === 'c/ns/m4')?.phase, 'Synchronizing');

    store.record(migration('c/ns/m5', { createdAt: t0 + 99_000, labels: { i: '5' } }), []);
    same('a creation time moved (its place in the order)');

    store.record(finished('c/ns/m7', 'failed', t0 + 7000, 10), []);
    store.record(migration('c/ns/new', { createdAt: t0 + 50_000 }), []);
    same('one finished, one new');

    store.record(migration('c/ns/m7', { createdAt: t0 + 7000 }), []);
    same('a stale non-final view does not bring a finished migration back');

    // A reused name: the new migration takes the id, the earlier one moves aside.
    store.record(migration('c/ns/m8', { createdAt: t0 + 60_000, uid: 'other-uid', phase: 'Scheduling' }), []);
    same('a reused name');

    for (let i = 0; i < 200; i++) store.record(migration(`c/ns/burst${i}`, { createdAt: t0 + 100_000 + i }), []);
    same('a burst of many changes at once');

    const all = store.active();
    for (const m of all.slice(0, 150)) store.record(finished(m.id, 'succeeded', m.createdAt, 5), []);
    same('most finished at once');

    await store.snapshot();
    store.record(migration('c/ns/after', { createdAt: t0 + 1 }), []);
    same('after a snapshot');
  });

  it('stays right while retention deletes finished migrations around the active ones', async () => {
    const now = Date.now();
    for (let i = 0; i < 20; i++) store.record(finished(`c/ns/old${i}`, 'succeeded', now - 100 * 86_400_000 + i, 10), []);
    store.record(migration('c/ns/run', { createdAt: now - 200 * 86_400_000 }), []);
    same('before');
    store.setRetention({ retentionDays: 30 });
    assert.equal(await store.applyRetention(), 20);
    same('after retention');
    assert.deepEqual(
      store.active().map((m) => m.id),
      ['c/ns/run'],
    );
    store.record(finished('c/ns/run', 'cancelled', now - 200 * 86_400_000, 10), []);
    same('after the last one ended');
    assert.deepEqual(store.active(), []);
  });

  it('hands out objects the caller may change', () => {
    store.record(migration('c/ns/a', { labels: { team: 'x' }, progress: { totalBytes: 1, transferredBytes: 0, remainingBytes: 1, dirtyRateBytesPerSec: 0, precopyRound: 0 } }), []);
    const first = store.active()[0];
    first.phase = 'Changed';
    first.labels.team = 'changed';
    first.progress!.totalBytes = 99;
    const again = store.active()[0];
    assert.equal(again.phase, 'Running');
    assert.equal(again.labels.team, 'x');
    assert.equal(again.progress!.totalBytes, 1);
  });
});
