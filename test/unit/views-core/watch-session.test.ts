// One window's watching (history + watcher + recorder) over real sql.js files: every transition
// recorded once, several windows sharing one history without double writes, a history that
// cannot be opened, retention, and files readable by the user alone.

import * as assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import { WatchSession } from '../../../src/watch/watch-session';
import { finished, recordingLogger, tempDir, waitFor } from '../history/support/fixtures';
import { kubevirtObservation, KUBEVIRT_PHASES, ScriptedSource, T0 } from '../watch/scripted-source';

/** The session's history, which these tests open in this thread (no worker): its queries answer at once. */
function inProcessStore(session: { history: unknown } | undefined): HistoryStore {
  const history = session?.history;
  assert.ok(history instanceof HistoryStore, 'the history opened in this thread');
  return history;
}

const FAST = { pollIntervalMs: 50, heartbeatMs: 100, staleLockMs: 2000, commitIntervalMs: 5 };

describe('WatchSession', () => {
  let dir: { dir: string; cleanup: () => void };
  const sessions: WatchSession[] = [];
  let dbPath: string;

  beforeEach(() => {
    dir = tempDir('watch-session');
    dbPath = path.join(dir.dir, 'history', 'migrations.sqlite');
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.shutdown()));
    dir.cleanup();
  });

  async function start(log = recordingLogger()): Promise<WatchSession> {
    const session = await WatchSession.start({ historyPath: dbPath, log, historyOptions: FAST });
    sessions.push(session);
    return session;
  }

  function playWholeMigration(source: ScriptedSource, name: string): void {
    for (const phase of KUBEVIRT_PHASES) source.observe(kubevirtObservation('kv1', name, phase, phase === 'Succeeded' ? { endedAt: T0 + 6000 } : {}));
  }

  it('records each transition once and, on shutdown, snapshots the history and releases the lock', async () => {
    const session = await start();
    assert.equal(session.history?.role, 'writer');
    const source = new ScriptedSource('kv1');
    session.setSources([source]);
    playWholeMigration(source, 'm1');
    playWholeMigration(source, 'm1'); // a relist repeats everything
    await waitFor('the migration recorded as succeeded', () => inProcessStore(session).byId('kv1/default/m1')?.migration.state === 'succeeded');
    assert.deepEqual(inProcessStore(session).transitions('kv1/default/m1').map((t) => t.phase), KUBEVIRT_PHASES);
    await session.shutdown();
    assert.equal(source.subscribed, false, 'the watcher let go of the source');

    const reopened = await HistoryStore.open({ path: dbPath, ...FAST });
    try {
      assert.equal(reopened.role, 'writer', 'the lock was released');
      assert.equal(reopened.stats().transitions, KUBEVIRT_PHASES.length);
    } finally {
      await reopened.close();
    }
    assert.equal(statSync(dbPath).mode & 0o777, 0o600, 'database readable by the user alone');
    assert.equal(statSync(path.dirname(dbPath)).mode & 0o777, 0o700, 'its folder too');
  });

  it('lets several windows share one history: one writes, the others follow, nothing is written twice', async () => {
    const first = await start();
    const second = await start();
    assert.equal(first.history?.role, 'writer');
    assert.equal(second.history?.role, 'follower');
    // Both windows watch the same cluster and see the same migration.
    const a = new ScriptedSource('kv1');
    const b = new ScriptedSource('kv1');
    first.setSources([a]);
    second.setSources([b]);
    playWholeMigration(a, 'm1');
    playWholeMigration(b, 'm1');
    await waitFor('both windows to hold it as succeeded', () =>
      inProcessStore(first).byId('kv1/default/m1')?.migration.state === 'succeeded' && inProcessStore(second).byId('kv1/default/m1')?.migration.state === 'succeeded',
    );
    await waitFor('the follower to see the writer caught up', () => inProcessStore(second).stats().transitions === KUBEVIRT_PHASES.length);
    assert.equal(inProcessStore(first).stats().transitions, KUBEVIRT_PHASES.length);

    // The writer's window closes: the follower takes over writing and records on.
    await first.shutdown();
    await waitFor('the second window to take over writing', () => inProcessStore(second).role === 'writer', 15_000);
    playWholeMigration(b, 'm2');
    await waitFor('m2 recorded by the new writer', () => inProcessStore(second).byId('kv1/default/m2')?.migration.state === 'succeeded');
    await second.shutdown();

    const reader = await HistoryStore.open({ path: dbPath, mode: 'read-only', follow: false });
    try {
      assert.deepEqual(reader.all().map((m) => m.name).sort(), ['m1', 'm2']);
      assert.equal(reader.stats().transitions, 2 * KUBEVIRT_PHASES.length);
    } finally {
      await reader.close();
    }
  });

  it('seeds the watcher from the history so a restart does not repeat what was recorded', async () => {
    const session = await start();
    const source = new ScriptedSource('kv1');
    session.setSources([source]);
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduled'));
    await waitFor('three phases recorded', () => inProcessStore(session).transitions('kv1/default/m1').length === 3);
    await session.shutdown();

    const again = await start();
    const seen: string[] = [];
    again.watcher.onTransition((e) => seen.push(e.transition.phase));
    const source2 = new ScriptedSource('kv1');
    again.setSources([source2]);
    assert.deepEqual(again.watcher.active().map((m) => m.id), ['kv1/default/m1'], 'held as active from the history');
    source2.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    assert.deepEqual(seen, ['PreparingTarget', 'TargetReady', 'Running'], 'only the phases not recorded before');
  });

  it('runs without a history when it cannot be opened, and says why', async () => {
    writeFileSync(path.join(dir.dir, 'not-a-folder'), 'x');
    const log = recordingLogger();
    const session = await WatchSession.start({ historyPath: path.join(dir.dir, 'not-a-folder', 'h.sqlite'), log });
    sessions.push(session);
    assert.equal(session.history, undefined);
    assert.match(session.historyError ?? '', /EEXIST|ENOTDIR|not a directory/);
    assert.ok(log.has('error', /Migration history unavailable/));
    const source = new ScriptedSource('kv1');
    session.setSources([source]);
    source.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    assert.deepEqual(session.watcher.active().map((m) => m.id), ['kv1/default/m1'], 'the watcher still runs');
  });

  it('applies retention settings changed while running', async () => {
    const session = await start();
    for (let i = 0; i < 5; i++) inProcessStore(session).record(finished(`prod/default/m${i}`, 'succeeded', T0 + i * 1000, 500));
    await waitFor('five recorded', () => inProcessStore(session).stats().migrations === 5);
    session.setRetention({ maxMigrations: 2 });
    await waitFor('the oldest three removed', () => inProcessStore(session).stats().migrations === 2);
    assert.deepEqual(inProcessStore(session).all().map((m) => m.name), ['m4', 'm3']);
  });

  it('closes what it adopted on shutdown, a failing one included, still writes the history, and closes at once what comes after', async () => {
    const log = recordingLogger();
    const session = await start(log);
    const source = new ScriptedSource('kv1');
    session.setSources([source]);
    const closed: string[] = [];
    session.adopt({ dispose: () => closed.push('first') });
    session.adopt({
      dispose: () => {
        throw new Error('socket already gone');
      },
    });
    session.adopt({ dispose: () => closed.push('third') });
    playWholeMigration(source, 'm1');
    await waitFor('the migration recorded', () => inProcessStore(session).byId('kv1/default/m1')?.migration.state === 'succeeded');

    assert.equal(await session.shutdown(), true, 'the history was written and closed');
    assert.deepEqual(closed, ['third', 'first'], 'each adopted thing closed, the last adopted first');
    assert.ok(log.has('warn', /closing a source on shutdown failed: .*socket already gone/), 'the failure is logged');
    session.adopt({ dispose: () => closed.push('late') });
    assert.deepEqual(closed, ['third', 'first', 'late'], 'adopted after shutdown: closed at once');

    const reopened = await HistoryStore.open({ path: dbPath, ...FAST });
    try {
      assert.equal(reopened.stats().transitions, KUBEVIRT_PHASES.length);
    } finally {
      await reopened.close();
    }
  });
});
