// A snapshot this history wrote is proven sound by its digest instead of SQLite's slow
// quick_check; a file whose digest is missing or wrong is checked the slow way — and a damaged
// one is still found damaged whatever its digest file says.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { loadSqlJs } from '../../../src/history/database/sqljs-loader';
import { historyPaths } from '../../../src/history/journal/journal-files';
import { loadBase, type LoadOptions } from '../../../src/history/snapshots/snapshot-files';
import { digestFileOf } from '../../../src/history/snapshots/snapshot-digest';
import { finished, recordingLogger, tempDir, transitions } from './support/fixtures';

describe('HistoryStore: snapshot digests', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('digest')));
  afterEach(() => tmp.cleanup());

  const options = (): LoadOptions => ({ repair: true, verify: true, logger: recordingLogger(), maxBytes: 1 << 30, ownerUid: process.getuid?.() });

  async function writeHistory(file: string, snapshots: number): Promise<void> {
    const store = await HistoryStore.open({ path: file });
    for (let round = 0; round < snapshots; round++) {
      for (let i = 0; i < 50; i++) store.record(finished(`c/r${round}-${i}`, 'succeeded', 1000 + i, 10), transitions(`c/r${round}-${i}`, ['Pending', 'Succeeded']));
      await store.flush();
      await store.snapshot();
    }
    await store.close();
  }

  it('loads a snapshot it wrote by its digest, and each generation keeps its own', async () => {
    const file = path.join(tmp.dir, 'history.db');
    await writeHistory(file, 2);
    const paths = historyPaths(file);
    assert.ok(existsSync(digestFileOf(paths.db)) && existsSync(digestFileOf(paths.prevDb)));
    const SQL = await loadSqlJs();
    const base = await loadBase(SQL, paths, options());
    assert.equal(base.checkedBy, 'digest');
    assert.equal(base.source, 'db');
    base.database.close();
  });

  it('checks a file without a digest the slow way once, then writes its digest', async () => {
    const file = path.join(tmp.dir, 'history.db');
    await writeHistory(file, 1);
    const paths = historyPaths(file);
    writeFileSync(digestFileOf(paths.db), 'sha256 0000 12\n'); // stale: another file's
    const SQL = await loadSqlJs();
    const first = await loadBase(SQL, paths, options());
    assert.equal(first.checkedBy, 'quick_check');
    first.database.close();
    const second = await loadBase(SQL, paths, options());
    assert.equal(second.checkedBy, 'digest');
    second.database.close();
  });

  it('finds damage inside a file whatever its digest says, and drops the digest with it', async () => {
    const file = path.join(tmp.dir, 'history.db');
    await writeHistory(file, 2);
    const paths = historyPaths(file);
    const bytes = readFileSync(paths.db);
    bytes.fill(0x5a, 4096 + 100, bytes.length - 100);
    writeFileSync(paths.db, bytes);
    const SQL = await loadSqlJs();
    const base = await loadBase(SQL, paths, options());
    assert.equal(base.source, 'prev');
    assert.equal(base.checkedBy, 'digest', 'the previous generation is proven by its own digest');
    assert.equal(base.damaged.length, 1);
    assert.match(base.damaged[0].reason, /integrity check failed|malformed|not a database/);
    assert.equal(existsSync(digestFileOf(paths.db)), false);
    base.database.close();
  });
});
