// How the Migrations view says which history it shows: nothing added without a history server,
// "team history · host" while the server answers, "this machine" (and one line above the groups,
// which keeps the view from its welcome text) while it does not — and that a change of source
// redraws the view, a repeated one does not.

import * as assert from 'node:assert/strict';
import path from 'node:path';
import { MigrationsViewModel, type MigrationsViewChange } from '../../../src/ui/migrations/core/migrations-view-model';
import { historyFallbackLook, historySourceSuffix, historySourceView } from '../../../src/ui/migrations/core/migrations-presentation';
import { WatchSession } from '../../../src/watch/watch-session';
import { recordingLogger, tempDir } from '../history/support/fixtures';

describe('the history source in the Migrations view', () => {
  it('words each source', () => {
    assert.equal(historySourceSuffix({ kind: 'local' }), '');
    assert.equal(historySourceSuffix({ kind: 'server', host: 'history.example.com:8480' }), ' · team history · history.example.com:8480');
    assert.equal(historySourceSuffix({ kind: 'fallback', host: 'h:1', code: 'timeout', reason: 'x' }), ' · this machine');
    const refused = historyFallbackLook({ kind: 'fallback', host: 'h:1', code: 'unauthorized', reason: 'the history server h:1 refused the token (401)\nmore' });
    assert.equal(refused.label, 'Team history token refused');
    assert.equal(refused.description, "h:1: showing this machine's history");
    assert.match(refused.tooltip, /^The history server h:1 refused the token \(401\)\. .*Set History Server Token/);
    assert.equal(historyFallbackLook({ kind: 'fallback', host: 'h:1', code: 'bad-answer', reason: 'r' }).label, 'Team history not a history server');
  });

  it('words each source for the history panel, as Recent and its fallback line do', () => {
    assert.equal(historySourceView({ kind: 'local' }), undefined, 'without a server the panel says nothing, as before');
    assert.deepEqual(historySourceView({ kind: 'server', host: 'h:1' })?.text, 'Team history · h:1');
    assert.equal(historySourceView({ kind: 'connecting', host: 'h:1' })?.text, "This machine's history · reaching h:1…");
    const refused = historySourceView({ kind: 'fallback', host: 'h:1', code: 'unauthorized', reason: 'the history server h:1 refused the token (401)' });
    assert.equal(refused?.kind, 'fallback');
    assert.equal(refused?.text, "Team history token refused · h:1: showing this machine's history");
    assert.match(refused?.tooltip ?? '', /Set History Server Token/);
  });

  it('redraws on a change of source, and a fallback keeps the view from its welcome text', async () => {
    const dir = tempDir('history-source');
    const session = await WatchSession.start({ historyPath: path.join(dir.dir, 'h.sqlite'), log: recordingLogger() });
    const model = new MigrationsViewModel({ debounceMs: 10 });
    try {
      const changes: MigrationsViewChange[][] = [];
      model.onDidChange((c) => changes.push(c));
      model.attach(session.watcher, session.history);
      assert.ok(model.isEmpty);
      changes.length = 0;
      const fallback = { kind: 'fallback', host: 'h:1', code: 'unreachable', reason: 'refused' } as const;
      model.setHistorySource(fallback);
      assert.deepEqual(changes, [[{ kind: 'root' }]]);
      assert.ok(!model.isEmpty);
      model.setHistorySource({ ...fallback });
      assert.equal(changes.length, 1, 'the same source again draws nothing');
      model.setHistorySource({ kind: 'server', host: 'h:1' });
      assert.equal(changes.length, 2);
      assert.ok(model.isEmpty);
    } finally {
      model.dispose();
      await session.shutdown();
      dir.cleanup();
    }
  });
});
