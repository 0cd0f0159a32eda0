// The history panel's plan filter against a real HistoryStore (and through the worker): the
// plans the history knows as the filter's choices (document name, cluster, dates), a plan's
// migrations only — answered from the plan index — each row with its plan id, the export of what
// the filter shows, and a plan in a webview message checked like any untrusted input.

import * as assert from 'node:assert/strict';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import { HistoryWorkerClient } from '../../../src/history/worker/history-worker-client';
import { HistoryPanelSession, type HistoryPanelQueries } from '../../../src/ui/history-panel/core/history-panel-session';
import { isHistoryWebviewMessage, isPersistedHistoryState, type HistoryPanelViewState } from '../../../src/protocol/history-panel';
import { migration, tempDir } from '../history/support/fixtures';

const EVAC = 'evacuate-0123456789abcdef01234567';
const REBAL = 'rebalance-76543210fedcba9876543210';

async function seed(store: Pick<HistoryStore, 'record' | 'recordPlanRun' | 'flush'>): Promise<void> {
  for (let i = 0; i < 30; i++) store.record(migration(`dev/m${i}`, { createdAt: 1000 + i, vm: `vm-${i}`, state: 'succeeded', phase: 'Completed', ...(i % 3 === 1 ? { planId: EVAC } : i % 3 === 2 ? { planId: REBAL } : {}) }), []);
  await store.recordPlanRun({ planId: EVAC, document: '/work/plans/evacuate-node1.blixard-plan.yaml', cluster: 'dev', kind: 'evacuate', startedAt: 5000, endedAt: 9000, updatedAt: 9000, status: 'finished', state: { version: 1 } });
  await store.recordPlanRun({ planId: REBAL, cluster: 'dev', kind: 'rebalance', startedAt: 10_000, updatedAt: 10_500, status: 'running', state: { version: 1 } });
  await store.flush();
}

function sessionOn(history: HistoryPanelQueries, posted: HistoryPanelViewState[], exports: unknown[]): HistoryPanelSession {
  return new HistoryPanelSession({
    history: async () => history,
    post: (m) => posted.push(m.state),
    exportTo: async (_format, query) => {
      exports.push(query);
      return { file: 'x', rows: 0 };
    },
    clusterLabel: () => undefined,
    log: { warn: () => {} },
    changeDebounceMs: 10,
    summaryIntervalMs: 0,
  });
}

describe('history panel: the plan filter', () => {
  let dir: { dir: string; cleanup: () => void };
  beforeEach(() => (dir = tempDir('panel-plans')));
  afterEach(() => dir.cleanup());

  for (const where of ['in this thread', 'through the worker'] as const) {
    it(`lists the plans and shows one plan's migrations (${where})`, async () => {
      const file = path.join(dir.dir, 'h.sqlite');
      const history = where === 'in this thread' ? await HistoryStore.open({ path: file }) : await HistoryWorkerClient.open({ path: file });
      const posted: HistoryPanelViewState[] = [];
      const exports: unknown[] = [];
      const session = sessionOn(history, posted, exports);
      try {
        await seed(history as HistoryStore);
        await session.start();
        await session.whenIdle();
        const first = posted[posted.length - 1];
        assert.equal(first.total, 30);
        assert.deepEqual(first.plans, [
          { id: REBAL, label: 'rebalance', cluster: 'dev', status: 'running', startedAt: 10_000 },
          { id: EVAC, label: 'evacuate-node1.blixard-plan.yaml', cluster: 'dev', status: 'finished', startedAt: 5000, endedAt: 9000 },
        ]);
        assert.equal(first.rows.find((r) => r.id === 'dev/m29')!.planId, REBAL);
        assert.equal(first.rows.find((r) => r.id === 'dev/m27')!.planId, undefined);

        const ask = { type: 'query', filter: 'all', text: '', offset: 0, pageSize: 100, plan: EVAC };
        assert.ok(isHistoryWebviewMessage(ask));
        session.handle(ask);
        await session.whenIdle();
        const s = posted[posted.length - 1];
        assert.equal(s.query.plan, EVAC);
        assert.equal(s.total, 10);
        assert.deepEqual(s.rows.map((r) => r.id).slice(0, 3), ['dev/m28', 'dev/m25', 'dev/m22']);
        assert.ok(s.rows.every((r) => r.planId === EVAC));
        // Within a plan, the text filter still applies.
        session.handle({ ...ask, text: 'vm-1' });
        await session.whenIdle();
        assert.deepEqual(posted[posted.length - 1].rows.map((r) => r.vm).sort(), ['vm-1', 'vm-10', 'vm-13', 'vm-16', 'vm-19']);
        session.handle({ type: 'export', format: 'csv' });
        await session.whenIdle();
        assert.deepEqual(exports, [{ filter: 'all', text: 'vm-1', planId: EVAC }]);
        // Back to every migration.
        session.handle({ type: 'query', filter: 'all', text: '', offset: 0, pageSize: 100 });
        await session.whenIdle();
        assert.equal(posted[posted.length - 1].total, 30);
        assert.equal(posted[posted.length - 1].query.plan, undefined);
      } finally {
        session.dispose();
        await history.close();
      }
    });
  }

  it('refuses a plan in a webview message that is not a plan id', () => {
    const base = { type: 'query', filter: 'all', text: '', offset: 0, pageSize: 100 };
    for (const plan of ['', 'a b', 'x'.repeat(64), 'evil\u202eid', 7, null, { id: EVAC }, "'; DROP TABLE migrations; --"]) {
      assert.equal(isHistoryWebviewMessage({ ...base, plan }), false, JSON.stringify(plan));
    }
    assert.equal(isHistoryWebviewMessage({ ...base, plan: EVAC, extra: 1 }), false);
    assert.equal(isPersistedHistoryState({ v: 1, query: { filter: 'all', text: '', offset: 0, pageSize: 100, plan: EVAC } }), true);
    assert.equal(isPersistedHistoryState({ v: 1, query: { filter: 'all', text: '', offset: 0, pageSize: 100, plan: '../x' } }), false);
  });
});
