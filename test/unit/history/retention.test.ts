import { strict as assert } from 'node:assert';
import path from 'node:path';
import { HistoryStore, type HistoryChange } from '../../../src/history/history-store';
import { finished, migration, tempDir, transitions } from './support/fixtures';

const DAY = 86_400_000;

describe('HistoryStore: retention', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  beforeEach(() => {
    tmp = tempDir('retention');
    db = path.join(tmp.dir, 'history.db');
  });
  afterEach(() => tmp.cleanup());

  it('removes finished migrations older than retentionDays, in batches, never active ones, and the removal survives a crash', async () => {
    const now = Date.now();
    const store = await HistoryStore.open({ path: db, retention: { retentionDays: 30 }, retentionFirstRunMs: 3_600_000, retentionBatchSize: 7 });
    for (let i = 0; i < 40; i++) store.record(finished(`c/old${i}`, i % 3 === 0 ? 'failed' : 'succeeded', now - 60 * DAY, 1000), transitions(`c/old${i}`, ['Pending', 'Succeeded'], now - 60 * DAY));
    for (let i = 0; i < 5; i++) store.record(finished(`c/recent${i}`, 'succeeded', now - 2 * DAY, 1000), []);
    store.record(migration('c/stuck', { createdAt: now - 90 * DAY, state: 'running' }), transitions('c/stuck', ['Pending'], now - 90 * DAY));
    const deletedEvents: string[][] = [];
    store.onDidChange((c: HistoryChange) => c.kind === 'deleted' && deletedEvents.push(c.migrationIds));
    const removed = await store.applyRetention();
    assert.equal(removed, 40);
    assert.ok(deletedEvents.length >= 6, 'removed in several small batches');
    assert.ok(deletedEvents.every((ids) => ids.length <= 7));
    assert.deepEqual(store.all().map((m) => m.id).sort(), ['c/recent0', 'c/recent1', 'c/recent2', 'c/recent3', 'c/recent4', 'c/stuck']);
    assert.deepEqual(store.transitions('c/old1'), []);
    await store.flush();
    // Crash without a snapshot: the deletions are in the journal, so the replay does not bring the records back.
    (store as unknown as { writer: { lock: { release(): void } } }).writer.lock.release();
    const reopened = await HistoryStore.open({ path: db, mode: 'read-only', follow: false });
    assert.equal(reopened.count(), 6);
    await reopened.close();
  });

  it('keeps at most maxMigrations, removing the oldest finished first and never an active one', async () => {
    const store = await HistoryStore.open({ path: db, retention: { maxMigrations: 5 }, retentionFirstRunMs: 3_600_000, retentionBatchSize: 2 });
    try {
      for (let i = 0; i < 10; i++) store.record(finished(`c/f${i}`, 'succeeded', 1000 + i, 10), []);
      store.record(migration('c/active-old', { createdAt: 1 }), []);
      store.record(migration('c/active-new', { createdAt: 5000, state: 'pending' }), []);
      assert.equal(await store.applyRetention(), 7);
      assert.deepEqual(store.all().map((m) => m.id), ['c/active-new', 'c/f9', 'c/f8', 'c/f7', 'c/active-old']);
      // With only active migrations over the limit, nothing more can go.
      store.setRetention({ maxMigrations: 1 });
      await store.applyRetention();
      assert.deepEqual(store.all().map((m) => m.id), ['c/active-new', 'c/active-old']);
    } finally {
      await store.close();
    }
  });

  it('runs by itself on the writer, and lets the event loop breathe between batches', async () => {
    const now = Date.now();
    const store = await HistoryStore.open({ path: db, retention: { retentionDays: 1 }, retentionFirstRunMs: 1, retentionBatchSize: 100 });
    try {
      store.record(finished('c/keep', 'succeeded', now, 10), []);
      const timersFired: number[] = [];
      for (let i = 0; i < 3000; i++) store.record(finished(`c/old${i}`, 'succeeded', now - 10 * DAY, 10), []);
      const ticker = setInterval(() => timersFired.push(Date.now()), 0);
      // retentionFirstRunMs already passed during the inserts; wait for the run to finish.
      const deadline = Date.now() + 20_000;
      while (store.count() > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      clearInterval(ticker);
      assert.equal(store.count(), 1);
      assert.ok(timersFired.length >= 2, 'timers ran while retention was deleting');
    } finally {
      await store.close();
    }
  });
});
