// A burst recorded at once (recordMany, what the worker does with its batches) must leave the
// history exactly as recording its records one by one would — rows, phases, incarnations of a
// reused name, the final-stays-final rule — and so must the journal it writes, replayed.

import assert from 'node:assert/strict';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { foldRecords, type PendingRecord } from '../../../src/history/record-coalescing';
import type { Migration } from '../../../src/model/migration';
import { migration, tempDir, transitions } from './support/fixtures';

const T = 1_700_000_000_000;

/** A burst as a watcher would send it: phases of several migrations interleaved, with the awkward cases. */
function burst(): PendingRecord[] {
  const records: PendingRecord[] = [];
  const phases = ['Pending', 'Scheduling', 'Running', 'Succeeded'];
  for (let step = 0; step < phases.length; step++) {
    for (let n = 0; n < 5; n++) {
      const id = `prod/default/m${n}`;
      const state: Migration['state'] = step === 0 ? 'pending' : step === phases.length - 1 ? 'succeeded' : 'running';
      const m = migration(id, { phase: phases[step], state, createdAt: T + n, ...(state === 'succeeded' ? { endedAt: T + 9000, durationMs: 9000 } : {}) });
      records.push({ migration: m, transitions: transitions(id, [phases[step]], T + n + step * 1000) });
    }
  }
  // A late duplicate of a non-final view after the final one: must not bring m0 back to life.
  records.push({ migration: migration('prod/default/m0', { phase: 'Running', state: 'running', createdAt: T }), transitions: transitions('prod/default/m0', ['Running'], T + 99_000) });
  // The name m1 used again by a later migration (another uid, created later), then a late record of the first.
  records.push({ migration: migration('prod/default/m1', { uid: 'second', phase: 'Pending', state: 'pending', createdAt: T + 60_000 }), transitions: transitions('prod/default/m1', ['Pending'], T + 60_000) });
  records.push({ migration: migration('prod/default/m1', { phase: 'Succeeded', state: 'succeeded', createdAt: T + 1, endedAt: T + 9000, durationMs: 9000 }), transitions: [] });
  records.push({ migration: migration('prod/default/m1', { uid: 'second', phase: 'Running', state: 'running', createdAt: T + 60_000 }), transitions: transitions('prod/default/m1', ['Running'], T + 61_000) });
  // The same phase twice: the first time stays.
  records.push({ migration: migration('prod/default/m2', { phase: 'Succeeded', state: 'succeeded', createdAt: T + 2 }), transitions: transitions('prod/default/m2', ['Running'], T + 77_000) });
  return records;
}

async function contents(store: HistoryStore): Promise<unknown> {
  const all = store.all({ filter: 'all', limit: 1000 });
  return all.map((m) => ({ ...m, phases: store.transitions(m.id) }));
}

describe('HistoryStore: a burst recorded at once', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('folding')));
  afterEach(() => tmp.cleanup());

  it('folds a migration’s records into one, keeping incarnations of a reused name apart', () => {
    const folded = foldRecords(burst());
    const ids = folded.map((f) => `${f.migration.id}${f.migration.uid ? `#${f.migration.uid}` : ''}`);
    // m1's incarnations alternate at the end: each change of incarnation starts a fold of its own, in order.
    assert.deepEqual(ids, ['prod/default/m0', 'prod/default/m1', 'prod/default/m2', 'prod/default/m3', 'prod/default/m4', 'prod/default/m1#second', 'prod/default/m1', 'prod/default/m1#second']);
    const m0 = folded[0];
    assert.equal(m0.migration.state, 'succeeded', 'the late running view does not replace the final one');
    assert.deepEqual(
      m0.transitions.map((t) => t.phase),
      ['Pending', 'Scheduling', 'Running', 'Succeeded', 'Running'],
    );
    assert.equal(folded.reduce((n, f) => n + f.sources.length, 0), burst().length, 'every record is in exactly one fold');
  });

  it('leaves the history as recording the records one by one does, also after a replay of its journal', async () => {
    const one = await HistoryStore.open({ path: path.join(tmp.dir, 'one', 'history.db') });
    const many = await HistoryStore.open({ path: path.join(tmp.dir, 'many', 'history.db') });
    for (const r of burst()) one.record(r.migration, r.transitions);
    assert.deepEqual(many.recordMany(burst()), []);
    const expected = await contents(one);
    assert.deepEqual(await contents(many), expected);
    assert.equal((expected as unknown[]).length, 6, 'five migrations and an earlier incarnation of m1');
    // The journal holds the folded records: replayed without a snapshot, they give the same history.
    await many.flush();
    const file = many.paths.db;
    await many.close();
    const { rmSync } = await import('node:fs');
    rmSync(file, { force: true });
    const replayed = await HistoryStore.open({ path: file });
    assert.deepEqual(await contents(replayed), expected);
    await Promise.all([one.close(), replayed.close()]);
  });

  it('refuses a malformed record of a burst by its index and records the rest', async () => {
    const store = await HistoryStore.open({ path: path.join(tmp.dir, 'history.db') });
    const bad = { migration: migration('prod/default/bad', { state: 'exploded' as Migration['state'] }), transitions: [] };
    const refused = store.recordMany([burst()[0], bad, burst()[1]]);
    assert.deepEqual(
      refused.map((r) => r.index),
      [1],
    );
    assert.match(refused[0].error.message, /^Not recorded: /);
    assert.deepEqual(
      store.all({ filter: 'all', limit: 10 }).map((m) => m.id).sort(),
      ['prod/default/m0', 'prod/default/m1'],
    );
    await store.close();
  });
});
