// The Migrations view's model over a real MigrationWatcher and a real HistoryStore (sql.js files
// in a temp folder): what each group lists, and that a burst of events redraws only what changed.

import * as assert from 'node:assert/strict';
import path from 'node:path';
import { Emitter } from '../../../src/base/event';
import type { HistoryStore } from '../../../src/history';
import { MigrationsViewModel, type MigrationsViewChange } from '../../../src/ui/migrations/core/migrations-view-model';
import type { MigrationWatcher } from '../../../src/watch/migration-watcher';
import { WatchSession } from '../../../src/watch/watch-session';
import { finished, recordingLogger, tempDir, transitions, waitFor } from '../history/support/fixtures';
import { kubevirtObservation, ScriptedSource, T0 } from '../watch/scripted-source';

describe('Migrations view model', () => {
  let dir: { dir: string; cleanup: () => void };
  let session: WatchSession;
  let model: MigrationsViewModel;
  let source: ScriptedSource;
  let changes: MigrationsViewChange[][];

  beforeEach(async () => {
    dir = tempDir('view-model');
    session = await WatchSession.start({ historyPath: path.join(dir.dir, 'h.sqlite'), log: recordingLogger(), historyOptions: { pollIntervalMs: 50 } });
    assert.ok(session.history, `the history opened: ${session.historyError}`);
    source = new ScriptedSource('kv1');
    session.setSources([source]);
    model = new MigrationsViewModel({ debounceMs: 20, recentLimit: 3 });
    changes = [];
    model.onDidChange((c) => changes.push(c));
    model.attach(session.watcher, session.history);
  });

  afterEach(async () => {
    model.dispose();
    await session.shutdown();
    dir.cleanup();
  });

  async function nextChanges(what: string): Promise<MigrationsViewChange[]> {
    const seen = changes.length;
    return waitFor(what, () => (changes.length > seen ? changes.slice(seen).flat() : undefined), 10_000);
  }

  it('is empty (the welcome text shows) until something happens, then lists the active migration with its timeline', async () => {
    assert.equal(model.isEmpty, true);
    assert.deepEqual(changes, [[{ kind: 'root' }]], 'attach draws the root once');
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduling'));
    assert.deepEqual(await nextChanges('the first migration'), [{ kind: 'root' }]);
    assert.deepEqual(model.active().map((m) => m.id), ['kv1/default/m1']);
    assert.deepEqual(model.timeline('kv1/default/m1').map((t) => t.phase), ['Pending', 'Scheduling']);
  });

  it('redraws only the migration that changed while groups keep their members', async () => {
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduling'));
    source.observe(kubevirtObservation('kv1', 'm2', 'Pending', { createdAt: T0 + 5 }));
    await nextChanges('two migrations');
    source.observe(kubevirtObservation('kv1', 'm2', 'PreparingTarget', { createdAt: T0 + 5 }));
    assert.deepEqual(await nextChanges('m2 moving on'), [{ kind: 'migration', group: 'active', migrationId: 'kv1/default/m2' }]);
    assert.equal(model.migration('active', 'kv1/default/m2')?.phase, 'PreparingTarget');
  });

  it('moves an ended migration from Active to Recent, newest end first, at most the limit', async () => {
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
      source.observe(kubevirtObservation('kv1', name, 'Running', { createdAt: T0 + i }));
    }
    await nextChanges('four running');
    for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
      source.observe(kubevirtObservation('kv1', name, 'Succeeded', { createdAt: T0 + i, endedAt: T0 + 10_000 + i }));
    }
    const redraw = await waitFor('both groups redrawn', async () => {
      const all = changes.flat();
      return all.some((c) => c.kind === 'group' && c.group === 'recent') && model.active().length === 0 ? all : undefined;
    });
    assert.ok(redraw.some((c) => c.kind === 'group' && c.group === 'active'));
    assert.deepEqual(model.recent().map((m) => m.name), ['d', 'c', 'b']);
  });

  it('shows finished migrations the history holds from earlier sessions and other windows', async () => {
    assert.ok(session.history, `history: ${session.historyError}`);
    const history = session.history as HistoryStore;
    history.record(finished('kv1/default/old', 'failed', T0 - 60_000, 3000, { cluster: 'kv1', failureReason: 'target unreachable' }), transitions('kv1/default/old', ['Pending', 'Failed'], T0 - 60_000));
    await nextChanges('the recorded migration');
    assert.deepEqual(model.recent().map((m) => m.id), ['kv1/default/old']);
    assert.deepEqual(model.timeline('kv1/default/old').map((t) => t.phase), ['Pending', 'Failed'], 'timeline from the history when the watcher never saw it');
    assert.equal(model.migration('recent', 'kv1/default/old')?.failureReason, 'target unreachable');
  });

  it('shows a cluster whose stream is down, and clears it when the stream is back', async () => {
    source.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    await nextChanges('a migration');
    source.connect({ state: 'unreachable', reason: 'connect ECONNREFUSED', retryInMs: 2000 });
    assert.deepEqual(await nextChanges('the stream going down'), [{ kind: 'root' }]);
    assert.deepEqual(model.streamsDown().map((d) => d.clusterId), ['kv1']);
    assert.equal(model.streamDown('kv1'), true);
    source.connect({ state: 'connected' });
    await nextChanges('the stream coming back');
    assert.deepEqual(model.streamsDown(), []);
  });

  it('lists a reachable cluster that cannot stream migrations, without marking its migrations stale', async () => {
    source.connect({ state: 'connected', limitation: 'migrations are not followed: not allowed to watch virtualmachineinstancemigrations' });
    assert.deepEqual(await nextChanges('the limitation'), [{ kind: 'root' }]);
    assert.deepEqual(model.streamsDown().map((d) => [d.clusterId, d.state.state]), [['kv1', 'connected']]);
    assert.equal(model.streamDown('kv1'), false);
    source.connect({ state: 'connected' });
    await nextChanges('the limitation lifted');
    assert.deepEqual(model.streamsDown(), []);
  });

  it('ticks the elapsed time of active migrations only while visible', async () => {
    model.dispose();
    model = new MigrationsViewModel({ debounceMs: 10, tickMs: 30 });
    changes = [];
    model.onDidChange((c) => changes.push(c));
    model.attach(session.watcher, session.history);
    source.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    await nextChanges('a migration');
    const before = changes.length;
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(changes.length, before, 'hidden: no ticks');
    model.setVisible(true);
    assert.deepEqual(await nextChanges('a tick'), [{ kind: 'migration', group: 'active', migrationId: 'kv1/default/m1' }]);
  });

  it('lets go of the first watcher\'s events when attached to another, and of the second\'s when disposed', () => {
    // Watchers with nothing in them, whose emitters tell whether anyone still listens.
    const emptyWatcher = () => {
      const emitters = { update: new Emitter<unknown>(), end: new Emitter<unknown>(), status: new Emitter<unknown>() };
      const watcher = {
        onDidUpdate: emitters.update.event,
        onDidEnd: emitters.end.event,
        onDidChangeStatus: emitters.status.event,
        active: () => [],
        recent: () => [],
        get: () => undefined,
        clusterIds: () => [],
        status: () => undefined,
      } as unknown as MigrationWatcher;
      const listened = () => [emitters.update, emitters.end, emitters.status].map((e) => e.hasListeners);
      return { watcher, listened };
    };
    const first = emptyWatcher();
    const second = emptyWatcher();
    const reattached = new MigrationsViewModel();
    reattached.attach(first.watcher);
    assert.deepEqual(first.listened(), [true, true, true]);
    reattached.attach(second.watcher);
    assert.deepEqual(first.listened(), [false, false, false], 'the first watcher is let go');
    assert.deepEqual(second.listened(), [true, true, true], 'the second watcher is followed');
    reattached.dispose();
    assert.deepEqual(second.listened(), [false, false, false], 'disposed: nothing is followed');
  });
});
