// The history panel's host logic against a real HistoryStore: pages (never the whole table),
// filters, the per-cluster summary, a migration's timeline, live updates, exports, and untrusted
// messages from the webview.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import { HistoryPanelSession } from '../../../src/ui/history-panel/core/history-panel-session';
import type { HistoryHostMessage, HistoryPanelViewState } from '../../../src/protocol/history-panel';
import { finished, migration, tempDir, transitions, waitFor } from '../history/support/fixtures';

const T0 = 1_700_000_000_000;

describe('history panel session', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: HistoryStore;
  let posted: HistoryPanelViewState[];
  let warnings: string[];
  let session: HistoryPanelSession;

  before(async () => {
    dir = tempDir('panel');
    store = await HistoryStore.open({ path: path.join(dir.dir, 'h.sqlite') });
    // 240 finished on two clusters (every 4th failed) and 10 running.
    for (let i = 0; i < 240; i++) {
      const cluster = i % 2 === 0 ? 'blixard:east' : 'kubevirt:west';
      const id = `${cluster}/m${i}`;
      const state = i % 4 === 3 ? 'failed' : 'succeeded';
      store.record(finished(id, state, T0 + i * 1000, 1000 + i * 10, { cluster, vm: `vm-${i % 30}`, sourceNode: `node-${i % 3}`, targetNode: `node-${(i + 1) % 3}` }), transitions(id, ['Pending', 'Running', state === 'failed' ? 'Failed' : 'Succeeded'], T0 + i * 1000));
    }
    for (let i = 0; i < 10; i++) store.record(migration(`kubevirt:west/live${i}`, { cluster: 'kubevirt:west', createdAt: T0 + 500_000 + i, vm: `live-${i}` }));
    await store.flush();
  });

  after(async () => {
    await store.close();
    dir.cleanup();
  });

  beforeEach(async () => {
    posted = [];
    warnings = [];
    session = new HistoryPanelSession({
      history: async () => store,
      post: (m: HistoryHostMessage) => posted.push(m.state),
      exportTo: async (format, query) => {
        const file = path.join(dir.dir, `export.${format}`);
        await store.exportToFile(file, format, { filter: query.filter, ...(query.text ? { text: query.text } : {}) });
        return { file, rows: store.count({ filter: query.filter, ...(query.text ? { text: query.text } : {}) }) };
      },
      clusterLabel: (id) => ({ 'blixard:east': 'East', 'kubevirt:west': 'West' })[id],
      log: { warn: (m) => warnings.push(m) },
      changeDebounceMs: 10,
      summaryIntervalMs: 0,
    });
    await session.start();
  });

  afterEach(() => session.dispose());

  const last = () => posted[posted.length - 1];

  it('shows the first page, the total and the summary per cluster with names people know', () => {
    const s = last();
    assert.equal(s.status, 'ready');
    assert.equal(s.rows.length, 100);
    assert.equal(s.total, 250);
    assert.equal(s.rows[0].id, 'kubevirt:west/live9', 'newest first');
    assert.equal(s.rows[0].cluster, 'West');
    const east = s.summary.find((c) => c.clusterId === 'blixard:east')!;
    assert.equal(east.cluster, 'East');
    assert.equal(east.count, 120);
    assert.equal(east.active, 0);
    assert.ok(east.successRate !== null && east.successRate > 0.4 && east.successRate <= 1);
    assert.ok(east.p50DurationMs! <= east.p95DurationMs!);
    assert.equal(s.summary.find((c) => c.clusterId === 'kubevirt:west')!.active, 10);
  });

  it('filters by active / completed / all and by text, one page at a time', async () => {
    session.handle({ type: 'query', filter: 'active', text: '', offset: 0, pageSize: 100 });
    await session.whenIdle();
    assert.equal(last().total, 10);
    assert.ok(last().rows.every((r) => r.state === 'running'));
    session.handle({ type: 'query', filter: 'completed', text: 'vm-7', offset: 0, pageSize: 100 });
    await session.whenIdle();
    assert.ok(last().rows.length > 0);
    assert.ok(last().rows.every((r) => r.vm.includes('vm-7') && r.state !== 'running'));
    session.handle({ type: 'query', filter: 'all', text: 'node-2', offset: 0, pageSize: 100 });
    await session.whenIdle();
    assert.ok(last().rows.every((r) => r.sourceNode === 'node-2' || r.targetNode === 'node-2'));
  });

  it('pages through the history and shows the last page for an offset past the end', async () => {
    session.handle({ type: 'query', filter: 'all', text: '', offset: 200, pageSize: 100 });
    await session.whenIdle();
    assert.equal(last().rows.length, 50);
    session.handle({ type: 'query', filter: 'all', text: '', offset: 9000, pageSize: 100 });
    await session.whenIdle();
    assert.equal(last().query.offset, 200);
    assert.equal(last().rows.length, 50);
  });

  it('pages on from the last row shown (keyset), not by skipping rows, and shows what offsets would', async () => {
    // The same store, with a record of how the panel asked.
    const asked: string[] = [];
    const recording = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'page' && key !== 'all') return typeof value === 'function' ? value.bind(target) : value;
        return (query: { offset?: number; after?: unknown }) => {
          asked.push(key === 'page' ? `page${query.after ? ' after a cursor' : ''}` : `all at ${query.offset}`);
          return (value as (q: unknown) => unknown).call(target, query);
        };
      },
    });
    const paged = new HistoryPanelSession({ history: async () => recording, post: () => undefined, exportTo: async () => undefined, clusterLabel: () => undefined, log: { warn: () => undefined }, summaryIntervalMs: 0 });
    try {
      await paged.start();
      const pages: string[][] = [paged.viewState.rows.map((r) => r.id)];
      for (const offset of [100, 200]) {
        paged.handle({ type: 'query', filter: 'all', text: '', offset, pageSize: 100 });
        await paged.whenIdle();
        pages.push(paged.viewState.rows.map((r) => r.id));
      }
      assert.deepEqual(asked, ['page', 'page after a cursor', 'page after a cursor']);
      const byOffset = [0, 100, 200].map((offset) => store.all({ filter: 'all', limit: 100, offset }).map((m) => m.id));
      assert.deepEqual(pages, byOffset, 'the same rows as by offset');
      // A page not reached by paging (a jump) is asked by offset.
      paged.handle({ type: 'query', filter: 'all', text: '', offset: 150, pageSize: 100 });
      await paged.whenIdle();
      assert.equal(asked.at(-1), 'all at 150');
    } finally {
      paged.dispose();
    }
  });

  it('opens a migration with its phase timeline, and says when the history no longer has it', async () => {
    session.handle({ type: 'detail', id: 'kubevirt:west/m3' });
    await session.whenIdle();
    const d = last().detail!;
    assert.equal(d.migration.state, 'failed');
    assert.deepEqual(d.transitions.map((t) => t.phase), ['Pending', 'Running', 'Failed']);
    session.handle({ type: 'detail', id: 'kubevirt:west/nope' });
    await session.whenIdle();
    assert.equal(last().detail, undefined);
    assert.equal(last().detailMissing, 'kubevirt:west/nope');
    session.handle({ type: 'detail', id: null });
    await session.whenIdle();
    assert.equal(last().detailMissing, undefined);
  });

  it('orders phases entered in the same second by their lifecycle, not by name', async () => {
    const id = 'kubevirt:west/same-second';
    const at = T0 + 700_000;
    store.record(finished(id, 'succeeded', at, 2000, { cluster: 'kubevirt:west' }), [
      { migrationId: id, phase: 'Pending', at },
      { migrationId: id, phase: 'Scheduling', at: at + 1000 },
      { migrationId: id, phase: 'Scheduled', at: at + 1000 },
      { migrationId: id, phase: 'Succeeded', at: at + 2000 },
    ]);
    session.handle({ type: 'detail', id });
    await session.whenIdle();
    assert.deepEqual(last().detail!.transitions.map((t) => t.phase), ['Pending', 'Scheduling', 'Scheduled', 'Succeeded']);
  });

  it('ignores messages outside its protocol and logs only the first few', () => {
    const before = posted.length;
    for (let i = 0; i < 20; i++) session.handle({ type: 'query', filter: 'all; DROP TABLE migrations', text: '', offset: 0, pageSize: 100 });
    session.handle({ type: 'export', format: 'csv', path: '/etc/passwd' });
    assert.equal(posted.length, before);
    assert.equal(warnings.length, 5);
    assert.match(warnings[0], /ignored a message/);
  });

  it('follows the history as it changes', async () => {
    const total = last().total;
    store.record(migration('kubevirt:west/new', { cluster: 'kubevirt:west', createdAt: T0 + 900_000 }));
    const updated = await waitFor('the new row', () => (last().total === total + 1 ? last() : undefined), 10_000);
    assert.equal(updated.rows[0].id, 'kubevirt:west/new');
  });

  it('exports what the filter selects and says where it went', async () => {
    session.handle({ type: 'query', filter: 'active', text: '', offset: 0, pageSize: 100 });
    await session.whenIdle();
    const outcome = await session.export('csv');
    assert.ok(outcome);
    assert.match(last().notice?.text ?? '', /^Exported 1[01] migrations to .*export\.csv$/);
    const lines = readFileSync(outcome.file, 'utf8').trim().split('\n');
    assert.match(lines[0], /^id,cluster,kind/);
    assert.equal(lines.length - 1, outcome.rows);
    assert.ok(lines.slice(1).every((l) => l.includes(',running,')));
  });

  it('says so when the history cannot be opened', async () => {
    const broken = new HistoryPanelSession({
      history: async () => {
        throw new Error('The migration history is unavailable: disk full');
      },
      post: (m) => posted.push(m.state),
      exportTo: async () => undefined,
      clusterLabel: () => undefined,
      log: { warn: () => {} },
    });
    await broken.start();
    assert.equal(last().status, 'unavailable');
    assert.match(last().error ?? '', /disk full/);
    assert.equal(await broken.export('csv'), undefined);
    broken.dispose();
  });
});
