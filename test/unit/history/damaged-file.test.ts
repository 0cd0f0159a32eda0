// Readers of a damaged history: a read-only store (the CLI's `history`) and a follower (another
// window) never show a damaged database file as an empty history. They read the previous
// snapshot and the journal around it, say what they read and what is missing, and leave the
// file where it is for the writer to move aside.

import { strict as assert } from 'node:assert';
import { readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HistoryStore, type HistoryStoreOptions } from '../../../src/history';
import { describeHistoryDamage, isFullyRecovered } from '../../../src/history/history-damage';
import { listSegments } from '../../../src/history/journal/journal-files';
import { DAMAGES } from './support/damages';
import { finished, migration, recordingLogger, tempDir, transitions, waitFor } from './support/fixtures';

describe('HistoryStore: reading a damaged database file', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const open: HistoryStore[] = [];
  beforeEach(() => {
    tmp = tempDir('damaged');
    db = path.join(tmp.dir, 'history.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => {});
    tmp.cleanup();
  });

  async function openStore(options: Partial<HistoryStoreOptions> = {}): Promise<HistoryStore> {
    const store = await HistoryStore.open({ path: db, pollIntervalMs: 50, heartbeatMs: 100, ...options });
    open.push(store);
    return store;
  }

  async function closeStore(store: HistoryStore): Promise<void> {
    await store.close();
    open.splice(open.indexOf(store), 1);
  }

  async function record(store: HistoryStore, prefix: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = `c/${prefix}${i}`;
      store.record(finished(id, 'succeeded', 1000 + i, 10, { failureReason: 'x'.repeat(200) }), transitions(id, ['Pending', 'Succeeded']));
    }
    await store.flush();
  }

  for (const [label, damage, reason] of DAMAGES) {
    it(`a read-only store says a ${label} file is damaged and reads the whole history from the journal, leaving the file in place`, async () => {
      const writer = await openStore();
      await record(writer, 'm', 200);
      await closeStore(writer);
      damage(db);
      const before = readFileSync(db);

      const reader = await openStore({ mode: 'read-only', follow: false });
      assert.equal(reader.count(), 200);
      const report = reader.damage;
      assert.ok(report, 'the damage is reported');
      assert.equal(report.files.length, 1);
      assert.equal(report.files[0].file, db);
      assert.match(report.files[0].reason, reason);
      assert.equal(report.recoveredFrom, 'journal');
      assert.equal(report.migrations, 200);
      assert.ok(isFullyRecovered(report));
      assert.match(describeHistoryDamage(report), /^the database file .*history\.db is damaged \(.+\); read 200 migrations from the journal instead$/);
      assert.deepEqual(readFileSync(db), before, 'a reader never moves or changes the file');
    });
  }

  it('reads the previous snapshot and the journal after it when only the newest file is damaged', async () => {
    const writer = await openStore({ snapshotMinJournalBytes: 1 });
    for (let round = 0; round < 4; round++) {
      await record(writer, `r${round}-`, 30);
      await writer.snapshot();
    }
    await closeStore(writer);
    writeFileSync(db, Buffer.alloc(8192));
    const reader = await openStore({ mode: 'read-only', follow: false });
    assert.equal(reader.count(), 120);
    assert.equal(reader.damage?.recoveredFrom, 'previous-snapshot');
    assert.ok(isFullyRecovered(reader.damage!));
    assert.match(describeHistoryDamage(reader.damage!), /read 120 migrations from the previous snapshot and the journal instead/);
  });

  it('reads what the journal still has when both snapshots are damaged, and names the segments that are gone', async () => {
    // Snapshots only when asked: three, then a round only the journal (and the final snapshot) holds.
    const writer = await openStore({ snapshotMinJournalBytes: 1 << 30 });
    for (let round = 0; round < 4; round++) {
      await record(writer, `r${round}-`, 30);
      if (round < 3) await writer.snapshot();
    }
    await closeStore(writer);
    const first = listSegments(`${db}.journal`)[0];
    assert.ok(first > 1, `segments were retired (first left: ${first})`);
    writeFileSync(db, Buffer.alloc(8192));
    writeFileSync(`${db}.prev`, Buffer.from('garbage'.repeat(100)));

    const reader = await openStore({ mode: 'read-only', follow: false });
    const report = reader.damage!;
    assert.equal(report.files.length, 2);
    assert.equal(report.recoveredFrom, 'journal');
    assert.deepEqual(report.missingSegments, [{ from: 1, to: first - 1 }]);
    assert.ok(!isFullyRecovered(report));
    assert.equal(reader.count(), 30, 'the last round, from the journal');
    assert.equal(report.migrations, reader.count());
    assert.match(describeHistoryDamage(report), new RegExp(`but journal segments? 1(–${first - 1})? (is|are) gone: migrations recorded only there are missing$`));
  });

  it('says nothing is left when a damaged file has neither a previous snapshot nor a journal', async () => {
    const writer = await openStore();
    await record(writer, 'm', 10);
    await closeStore(writer);
    for (const s of listSegments(`${db}.journal`)) unlinkSync(path.join(`${db}.journal`, `segment-${String(s).padStart(10, '0')}.jsonl`));
    truncateSync(db, 1000);
    const reader = await openStore({ mode: 'read-only', follow: false });
    assert.equal(reader.damage?.recoveredFrom, 'nothing');
    assert.equal(reader.count(), 0);
    assert.match(describeHistoryDamage(reader.damage!), /neither a previous snapshot nor a journal is left/);
  });

  it('the writer moves a damaged file aside and reports what it rebuilt from', async () => {
    const first = await openStore();
    await record(first, 'm', 20);
    await closeStore(first);
    writeFileSync(db, Buffer.alloc(statSync(db).size));
    const writer = await openStore();
    assert.equal(writer.role, 'writer');
    const report = writer.damage!;
    assert.match(report.files[0].movedTo ?? '', /history\.db\.corrupt-/);
    assert.match(describeHistoryDamage(report), /^the database file .*history\.db was damaged \(not an SQLite database\); moved .*history\.db to .*history\.db\.corrupt-\S+; read 20 migrations from the journal instead$/);
  });

  it('a healthy history reports no damage', async () => {
    const writer = await openStore();
    await record(writer, 'm', 5);
    assert.equal(writer.damage, undefined);
    await closeStore(writer);
    const reader = await openStore({ mode: 'read-only', follow: false });
    assert.equal(reader.damage, undefined);
    assert.equal(reader.count(), 5);
  });

  it('a follower reads around a file damaged under a running writer, logs it, and clears the report once the writer replaces the file', async () => {
    const writer = await openStore();
    await record(writer, 'm', 50);
    await writer.snapshot();
    writeFileSync(db, Buffer.alloc(statSync(db).size)); // damaged in place while the writer runs

    const logger = recordingLogger();
    const follower = await openStore({ logger });
    assert.equal(follower.role, 'follower');
    assert.equal(follower.count(), 50);
    assert.equal(follower.damage?.recoveredFrom, 'journal');
    assert.ok(logger.has('warn', /history\.db is damaged \(not an SQLite database\); read 50 migrations from the journal instead/), JSON.stringify(logger.lines));
    let reloads = 0;
    follower.onDidChange((c) => void (c.kind === 'reloaded' && reloads++));

    await record(writer, 'n', 5);
    await writer.snapshot();
    await waitFor('the follower to reload from the rebuilt file', () => follower.damage === undefined && reloads > 0);
    assert.equal(follower.count(), 55);
    follower.record(migration('c/from-follower'), []);
    await follower.flush();
    await waitFor('the writer to take the follower record', () => writer.byId('c/from-follower'));
  });
});
