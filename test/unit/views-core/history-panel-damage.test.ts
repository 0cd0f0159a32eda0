// The history panel of a window that follows another window's history, when the database file
// is damaged: the panel says so in its notice (what is damaged, what was read instead), keeps
// saying it across queries and exports, and stops once the writer has replaced the file. A
// healthy history shows no notice.

import * as assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import { HistoryPanelSession } from '../../../src/ui/history-panel/core/history-panel-session';
import type { HistoryHostMessage, HistoryPanelViewState } from '../../../src/protocol/history-panel';
import { finished, tempDir, transitions, waitFor } from '../history/support/fixtures';

describe('history panel: a damaged database file', function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof tempDir>;
  const stores: HistoryStore[] = [];
  const sessions: HistoryPanelSession[] = [];
  beforeEach(() => (dir = tempDir('panel-damage')));
  afterEach(async () => {
    for (const s of sessions.splice(0)) s.dispose();
    for (const s of stores.splice(0).reverse()) await s.close().catch(() => {});
    dir.cleanup();
  });

  async function openStore(db: string, options: { snapshotMinJournalBytes?: number } = {}): Promise<HistoryStore> {
    const store = await HistoryStore.open({ path: db, pollIntervalMs: 50, heartbeatMs: 100, ...options });
    stores.push(store);
    return store;
  }

  async function record(store: HistoryStore, prefix: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = `kubevirt:west/${prefix}${i}`;
      store.record(finished(id, 'succeeded', 1_700_000_000_000 + i * 1000, 1000, { cluster: 'kubevirt:west' }), transitions(id, ['Pending', 'Succeeded'], 1_700_000_000_000 + i * 1000));
    }
    await store.flush();
  }

  async function panelOn(store: HistoryStore): Promise<{ session: HistoryPanelSession; last: () => HistoryPanelViewState }> {
    const posted: HistoryPanelViewState[] = [];
    const session = new HistoryPanelSession({
      history: async () => store,
      post: (m: HistoryHostMessage) => posted.push(m.state),
      exportTo: async () => ({ file: path.join(dir.dir, 'export.csv'), rows: store.count() }),
      clusterLabel: () => 'West',
      log: { warn: () => {} },
      changeDebounceMs: 10,
      summaryIntervalMs: 0,
    });
    sessions.push(session);
    await session.start();
    session.handle({ type: 'ready' });
    await session.whenIdle();
    return { session, last: () => posted[posted.length - 1] };
  }

  it('a follower says the file is damaged and what it read, across queries and exports, until the writer replaces it', async () => {
    const db = path.join(dir.dir, 'history.db');
    const writer = await openStore(db);
    await record(writer, 'm', 50);
    await writer.snapshot();
    writeFileSync(db, Buffer.alloc(statSync(db).size)); // zeroed under the running writer

    const follower = await openStore(db);
    assert.equal(follower.role, 'follower');
    const { session, last } = await panelOn(follower);
    assert.equal(last().total, 50);
    assert.deepEqual(last().notice, {
      kind: 'info',
      text: `The database file ${db} is damaged (not an SQLite database); read 50 migrations from the journal instead.`,
    });

    session.handle({ type: 'query', filter: 'completed', text: 'm1', offset: 0, pageSize: 25 });
    await session.whenIdle();
    assert.match(last().notice?.text ?? '', /is damaged/, 'a new query keeps the notice');
    await session.export('csv');
    assert.match(last().notice?.text ?? '', /^Exported 50 migrations/, 'an export says its outcome');
    session.handle({ type: 'query', filter: 'all', text: '', offset: 0, pageSize: 25 });
    await session.whenIdle();
    assert.match(last().notice?.text ?? '', /is damaged/, 'and the damage comes back after it');

    await record(writer, 'n', 5);
    await writer.snapshot();
    await waitFor('the notice to clear once the writer replaced the file', () => last().notice === undefined && last().total === 55);
    assert.equal(follower.damage, undefined);
  });

  it('says part of the history is lost, as an error, when the journal no longer covers it', async () => {
    const db = path.join(dir.dir, 'history.db');
    const writer = await openStore(db, { snapshotMinJournalBytes: 1 << 30 });
    for (let round = 0; round < 3; round++) {
      await record(writer, `r${round}-`, 10);
      await writer.snapshot();
    }
    await record(writer, 'last-', 10); // segments 1–2 are retired by now; 3 (round 2) and 4 (this) remain
    writeFileSync(db, Buffer.alloc(4096));
    writeFileSync(`${db}.prev`, Buffer.alloc(4096));

    const follower = await openStore(db);
    const { last } = await panelOn(follower);
    assert.equal(last().notice?.kind, 'error');
    assert.match(last().notice?.text ?? '', /^The database file .* is damaged .*; read 20 migrations from the journal, but journal segments 1–2 are gone: migrations recorded only there are missing\.$/);
  });

  it('a healthy history shows no notice', async () => {
    const store = await openStore(path.join(dir.dir, 'healthy.db'));
    await record(store, 'm', 3);
    const { last } = await panelOn(store);
    assert.equal(last().total, 3);
    assert.equal(last().notice, undefined);
  });
});
