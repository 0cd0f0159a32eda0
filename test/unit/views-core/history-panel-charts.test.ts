// The history panel's charts against a real history (in this thread and through the worker): the
// state carries what the history aggregated in SQL under the table's filters, with the clusters'
// names; a flow cell's message narrows the table to that source → target (the charts stay those
// of the filters), and a malformed flow in a message is refused like any untrusted input.

import * as assert from 'node:assert/strict';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import { HistoryWorkerClient } from '../../../src/history/worker/history-worker-client';
import { HistoryPanelSession, type HistoryPanelQueries } from '../../../src/ui/history-panel/core/history-panel-session';
import { isHistoryStateMessage, isHistoryWebviewMessage, isPersistedHistoryState, type HistoryPanelViewState } from '../../../src/protocol/history-panel';
import { migration, tempDir } from '../history/support/fixtures';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 2, 12);

async function seed(store: Pick<HistoryStore, 'record' | 'flush'>): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const state = i % 4 === 3 ? 'failed' : 'succeeded';
    store.record(migration(`dev/m${i}`, { cluster: 'dev', createdAt: T0 + (i % 5) * DAY, vm: `vm-${i}`, state, phase: state, durationMs: 1000 * (i + 1), sourceNode: `n${i % 2}`, targetNode: `n${2 + (i % 3)}` }), []);
  }
  await store.flush();
}

describe('history panel: charts', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeEach(() => (dir = tempDir('panel-charts')));
  afterEach(() => dir.cleanup());

  for (const where of ['in this thread', 'through the worker'] as const) {
    it(`shows the history's charts and filters the table by a flow (${where})`, async () => {
      const file = path.join(dir.dir, 'h.sqlite');
      const history = where === 'in this thread' ? await HistoryStore.open({ path: file }) : await HistoryWorkerClient.open({ path: file });
      const posted: HistoryPanelViewState[] = [];
      const session = new HistoryPanelSession({
        history: async () => history as HistoryPanelQueries,
        post: (m) => {
          assert.ok(isHistoryStateMessage(m), 'the state passes the webview guard');
          posted.push(m.state);
        },
        exportTo: async () => undefined,
        clusterLabel: (id) => (id === 'dev' ? 'Dev cluster' : undefined),
        log: { warn: () => {} },
        changeDebounceMs: 10,
        summaryIntervalMs: 0,
      });
      try {
        await seed(history as HistoryStore);
        await session.start();
        await session.whenIdle();
        const first = posted[posted.length - 1];
        const charts = first.charts!;
        assert.equal(charts.days.length, 5);
        assert.equal(charts.days.reduce((n, d) => n + d.counts.succeeded + d.counts.failed, 0), 40);
        assert.deepEqual(charts.durations.map((d) => [d.clusterId, d.cluster, d.count]), [['dev', 'Dev cluster', 30]]);
        assert.equal(charts.flows.reduce((n, f) => n + f.count, 0), 40);
        const flow = charts.flows.find((f) => f.source === 'n1' && f.target === 'n3')!;
        assert.equal(flow.cluster, 'Dev cluster');

        const ask = { type: 'query', filter: 'all', text: '', offset: 0, pageSize: 100, flow: { cluster: 'dev', source: 'n1', target: 'n3' } };
        assert.ok(isHistoryWebviewMessage(ask));
        session.handle(ask);
        await session.whenIdle();
        const narrowed = posted[posted.length - 1];
        assert.equal(narrowed.total, flow.count);
        assert.ok(narrowed.rows.every((r) => r.sourceNode === 'n1' && r.targetNode === 'n3'));
        assert.deepEqual(narrowed.charts!.flows, charts.flows, 'the flows stay those of the filters');
        assert.ok(isPersistedHistoryState({ v: 1, query: narrowed.query }));

        // The state filter narrows the charts too.
        session.handle({ ...ask, filter: 'completed', text: 'vm-1' });
        await session.whenIdle();
        const filtered = posted[posted.length - 1].charts!;
        const matching = await history.count({ filter: 'completed', text: 'vm-1' });
        assert.ok(matching > 0 && matching < 40);
        assert.equal(filtered.days.reduce((n, d) => n + d.counts.succeeded + d.counts.failed, 0), matching);
        assert.equal(filtered.flows.reduce((n, f) => n + f.count, 0), matching);
      } finally {
        session.dispose();
        await history.close();
      }
    });
  }

  it('refuses a flow that is not a cluster and two node names', () => {
    const base = { type: 'query', filter: 'all', text: '', offset: 0, pageSize: 100 };
    for (const flow of [{}, { cluster: 'dev', source: 'n1' }, { cluster: 'dev', source: 'n1', target: '' }, { cluster: 'dev', source: 'n1', target: 'n2', sql: 'x' }, { cluster: 'dev', source: 'a\u0000', target: 'b' }, 'dev/n1/n2']) {
      assert.equal(isHistoryWebviewMessage({ ...base, flow }), false, JSON.stringify(flow));
    }
  });
});
