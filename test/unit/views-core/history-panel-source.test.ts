// The history panel says which history it shows when a team history server is set (the line
// comes from the queries it reads, TeamHistoryConnection in the extension), follows a change of
// source on the history's next change, and says nothing without a server.

import * as assert from 'node:assert/strict';
import path from 'node:path';
import { Emitter } from '../../../src/base/event';
import { HistoryStore } from '../../../src/history';
import type { HistoryHostMessage, HistoryPanelViewState, HistorySourceView } from '../../../src/protocol/history-panel';
import { HistoryPanelSession, type HistoryPanelQueries } from '../../../src/ui/history-panel/core/history-panel-session';
import { historySourceView } from '../../../src/ui/migrations/core/migrations-presentation';
import { finished, tempDir, transitions, waitFor } from '../history/support/fixtures';

describe('history panel: which history it shows', () => {
  it('says the team history, then the fallback to this machine, then nothing once the server is unset', async () => {
    const dir = tempDir('panel-source');
    const store = await HistoryStore.open({ path: path.join(dir.dir, 'h.db') });
    const changes = new Emitter<unknown>();
    let view: HistorySourceView | undefined = historySourceView({ kind: 'server', host: 'history.example.com:8480' });
    const queries: HistoryPanelQueries = {
      all: (q) => store.all(q),
      page: (q) => store.page(q),
      count: (q) => store.count(q),
      byId: (id) => store.byId(id),
      summaryByCluster: () => store.summaryByCluster(),
      onDidChange: changes.event,
      get sourceView() {
        return view;
      },
    };
    const posted: HistoryPanelViewState[] = [];
    const session = new HistoryPanelSession({
      history: async () => queries,
      post: (m: HistoryHostMessage) => posted.push(m.state),
      exportTo: async () => undefined,
      clusterLabel: () => undefined,
      log: { warn: () => {} },
      changeDebounceMs: 5,
      summaryIntervalMs: 0,
    });
    try {
      const id = 'kubevirt:west/m1';
      store.record(finished(id, 'succeeded', 1_700_000_000_000, 1000), transitions(id, ['Pending', 'Succeeded']));
      await store.flush();
      await session.start();
      session.handle({ type: 'ready' });
      await session.whenIdle();
      const last = () => posted[posted.length - 1];
      assert.equal(last().total, 1);
      assert.deepEqual(last().source, { kind: 'server', text: 'Team history · history.example.com:8480', tooltip: last().source?.tooltip });

      view = historySourceView({ kind: 'fallback', host: 'history.example.com:8480', code: 'unreachable', reason: 'connection refused' });
      changes.fire({ kind: 'source' });
      await waitFor('the fallback line', () => last().source?.kind === 'fallback');
      assert.equal(last().source?.text, "Team history unreachable · history.example.com:8480: showing this machine's history");
      assert.match(last().source?.tooltip ?? '', /^Connection refused\./);

      view = undefined;
      changes.fire({ kind: 'source' });
      await waitFor('no line', () => !('source' in last()));
      assert.equal(last().total, 1, 'the rows are still shown');
    } finally {
      session.dispose();
      changes.dispose();
      await store.close();
      dir.cleanup();
    }
  });
});
