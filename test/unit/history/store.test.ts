import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { loadSqlJs } from '../../../src/history/database/sqljs-loader';
import path from 'node:path';
import { HistoryStore, type HistoryChange, type HistoryStoreOptions } from '../../../src/history/history-store';
import { HistoryError } from '../../../src/history/history-error';
import { encodeEntry } from '../../../src/history/journal/journal-codec';
import { listSegments, segmentFile } from '../../../src/history/journal/journal-files';
import { finished, migration, PHASES, recordingLogger, tempDir, transitions, waitFor } from './support/fixtures';

describe('HistoryStore: durability of one writer', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const open: HistoryStore[] = [];
  const openStore = async (options: Partial<HistoryStoreOptions> = {}) => {
    const store = await HistoryStore.open({ path: db, pollIntervalMs: 50, ...options });
    open.push(store);
    return store;
  };
  beforeEach(() => {
    tmp = tempDir('store');
    db = path.join(tmp.dir, 'state', 'history.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    tmp.cleanup();
  });

  it('round-trips a migration and its transitions through close and reopen', async () => {
    const store = await openStore();
    assert.equal(store.role, 'writer');
    const m = finished('prod/default/mig-1', 'succeeded', 1_700_000_000_000, 42_000, {
      datacenter: 'dc-1',
      failureReason: undefined,
      progress: { totalBytes: 10, transferredBytes: 10, remainingBytes: 0, dirtyRateBytesPerSec: 0, precopyRound: 2 },
      labels: { team: 'infra' },
    });
    delete m.failureReason;
    const ts = transitions(m.id, ['Pending', 'Running', 'Succeeded']);
    store.record(m, ts);
    await store.flush();
    assert.deepEqual(store.byId(m.id), { migration: m, transitions: ts });
    await store.close();

    const again = await openStore();
    assert.deepEqual(again.byId(m.id), { migration: m, transitions: ts });
    assert.deepEqual(again.transitions(m.id), ts);
  });

  it('keeps every flushed record after the process dies without closing (journal replay)', async () => {
    const store = await openStore();
    for (let i = 0; i < 50; i++) store.record(migration(`c/m${i}`), transitions(`c/m${i}`, PHASES.slice(0, 1 + (i % 5))));
    await store.flush();
    // Simulate a crash: no close(), no snapshot; the lock's owner is "gone" by being released.
    (store as unknown as { writer: { lock: { release(): void } } }).writer.lock.release();
    open.splice(open.indexOf(store), 1);

    const reopened = await openStore();
    assert.equal(reopened.count(), 50);
    assert.equal(reopened.transitions('c/m4').length, 5);
  });

  it('replaying a journal the snapshot already holds changes nothing (crash between snapshot and retirement)', async () => {
    const store = await openStore();
    for (let i = 0; i < 40; i++) {
      const m = i % 4 === 0 ? finished(`c/m${i}`, 'failed', 1000 + i, 10) : migration(`c/m${i}`, { createdAt: 1000 + i });
      store.record(m, transitions(m.id, PHASES.slice(0, 1 + (i % 7))));
    }
    // A later, final view of some, so order matters on replay.
    for (let i = 1; i < 40; i += 4) store.record(finished(`c/m${i}`, 'succeeded', 1000 + i, 99), []);
    await store.close();
    open.splice(open.indexOf(store), 1);
    const first = await openStore({ mode: 'read-only', follow: false });
    const expected = first.exportJson();
    await first.close();
    open.splice(open.indexOf(first), 1);
    // Make the snapshot claim it covers nothing: every journal segment is replayed over it.
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(readFileSync(db));
    raw.exec(`UPDATE meta SET value = '0' WHERE key = 'covered_segment'`);
    writeFileSync(db, raw.export());
    raw.close();
    assert.ok(listSegments(`${db}.journal`).length > 0);
    const replayed = await openStore({ mode: 'read-only', follow: false });
    assert.equal(replayed.exportJson(), expected);
  });

  it('replaying the same records again changes nothing and writes nothing more', async () => {
    const store = await openStore();
    const m = migration('c/dup');
    const ts = transitions(m.id, ['Pending', 'Running']);
    store.record(m, ts);
    await store.flush();
    const before = store.stats().unsnapshottedBytes;
    for (let i = 0; i < 5; i++) store.record(m, ts);
    store.record(m, ts.slice(0, 1));
    await store.flush();
    assert.equal(store.stats().unsnapshottedBytes, before);
    assert.equal(store.transitions(m.id).length, 2);
    assert.equal(store.count(), 1);
  });

  it('never lets a stale non-final view replace a final one', async () => {
    const store = await openStore();
    const done = finished('c/final', 'succeeded', 1000, 500);
    store.record(done, transitions(done.id, ['Pending', 'Succeeded']));
    store.record(migration('c/final', { createdAt: 1000, phase: 'Running', state: 'running' }), transitions(done.id, ['Pending', 'Running']));
    assert.equal(store.byId('c/final')!.migration.state, 'succeeded');
    // Its transitions are facts and are kept either way.
    assert.deepEqual(store.transitions('c/final').map((t) => t.phase).sort(), ['Pending', 'Running', 'Succeeded']);
    // A later final view (a cancel recorded after a failure) does replace it.
    store.record(finished('c/final', 'cancelled', 1000, 700), []);
    assert.equal(store.byId('c/final')!.migration.state, 'cancelled');
  });

  it('keeps a reused KubeVirt migration name as two migrations, through a crash and replay, whatever order the records come in', async () => {
    const first = 1_700_000_000_000;
    const second = first + 3_600_000;
    const id = 'prod/default/migration-job';
    const store = await openStore();
    store.record(finished(id, 'succeeded', first, 20_000), transitions(id, ['Pending', 'Running', 'Succeeded'], first));
    // The VMIM was deleted and `kubectl apply`'d again: same id, a later creationTimestamp.
    store.record(migration(id, { createdAt: second, phase: 'Pending', state: 'pending', sourceNode: 'node-c' }), transitions(id, ['Pending'], second));
    store.record(migration(id, { createdAt: second, phase: 'Running', state: 'running', sourceNode: 'node-c' }), transitions(id, ['Running'], second + 5_000));
    // A late, duplicate view of the first one (a follower forwarding it) must not touch the second.
    store.record(finished(id, 'succeeded', first, 20_000), transitions(id, ['Succeeded'], first + 2_000));
    await store.flush();
    const archivedId = `${id}@2023-11-14T22:13:20Z`;
    const check = (s: HistoryStore) => {
      assert.equal(s.count(), 2);
      const current = s.byId(id)!;
      assert.equal(current.migration.createdAt, second);
      assert.equal(current.migration.state, 'running');
      assert.deepEqual(current.transitions.map((t) => [t.phase, t.at - second]), [['Pending', 0], ['Running', 5_000]]);
      const earlier = s.byId(archivedId)!;
      assert.equal(earlier.migration.state, 'succeeded');
      assert.equal(earlier.migration.name, 'migration-job');
      assert.deepEqual(earlier.transitions.map((t) => t.phase), ['Pending', 'Running', 'Succeeded']);
    };
    check(store);
    // Crash: the journal alone must make the same decisions again.
    (store as unknown as { writer: { lock: { release(): void } } }).writer.lock.release();
    open.splice(open.indexOf(store), 1);
    const replayed = await openStore();
    check(replayed);
    await replayed.close();
    check(await openStore());
  });

  it('tells a name reused within the same second apart by uid', async () => {
    const store = await openStore();
    const id = 'prod/default/job';
    const at = 1_700_000_000_000;
    store.record(finished(id, 'succeeded', at, 400, { uid: 'u-1' }), transitions(id, ['Pending', 'Succeeded'], at));
    store.record(migration(id, { uid: 'u-2', createdAt: at, phase: 'Pending', state: 'pending' }), transitions(id, ['Pending'], at + 1));
    // A late view of the first one goes to its own record, not over the second.
    store.record(finished(id, 'succeeded', at, 400, { uid: 'u-1' }), []);
    assert.equal(store.count(), 2);
    assert.equal(store.byId(id)!.migration.uid, 'u-2');
    assert.equal(store.byId(id)!.migration.state, 'pending');
    assert.deepEqual(store.transitions(id).map((t) => t.at - at), [1]);
    const earlier = store.byId(`${id}@2023-11-14T22:13:20Z`)!;
    assert.equal(earlier.migration.uid, 'u-1');
    assert.deepEqual(earlier.transitions.map((t) => t.phase), ['Pending', 'Succeeded']);
  });

  it('drops a torn last journal record and a damaged one, reporting both, and keeps the rest', async () => {
    const logger = recordingLogger();
    const store = await openStore();
    for (let i = 0; i < 3; i++) store.record(migration(`c/ok${i}`), transitions(`c/ok${i}`, ['Pending']));
    await store.flush();
    const segment = store.stats().segment;
    (store as unknown as { writer: { lock: { release(): void } } }).writer.lock.release();
    open.splice(open.indexOf(store), 1);
    const file = segmentFile(`${db}.journal`, segment);
    const damaged = Buffer.from(encodeEntry({ t: 'r', m: migration('c/damaged'), p: [] }));
    damaged[30] ^= 0x01;
    appendFileSync(file, damaged);
    appendFileSync(file, encodeEntry({ t: 'r', m: migration('c/after-damage'), p: [] }));
    appendFileSync(file, encodeEntry({ t: 'r', m: migration('c/torn'), p: [] }).subarray(0, 40));

    const reopened = await openStore({ logger });
    assert.deepEqual(
      reopened.all().map((m) => m.id).sort(),
      ['c/after-damage', 'c/ok0', 'c/ok1', 'c/ok2'],
    );
    assert.ok(logger.has('info', /incomplete record \(40 bytes\)/), JSON.stringify(logger.lines));
    assert.ok(logger.has('warn', /1 damaged record/), JSON.stringify(logger.lines));
    // The torn bytes are never appended after: the new writer started a segment of its own.
    reopened.record(migration('c/new'), []);
    await reopened.flush();
    assert.ok(reopened.stats().segment > segment);
  });

  for (const [label, damage, reason] of [
    ['truncated', (file: string) => truncateSync(file, Math.floor(statSync(file).size / 3)), /truncated: \d+ bytes where the header says \d+/],
    ['garbage', (file: string) => writeFileSync(file, Buffer.from('this is not an SQLite database at all, just words '.repeat(200))), /not an SQLite database/],
    ['empty', (file: string) => writeFileSync(file, Buffer.alloc(0)), /empty/],
    [
      'damaged inside (header intact)',
      (file: string) => {
        const bytes = readFileSync(file);
        bytes.fill(0x5a, 4096 + 100, bytes.length - 100); // pages overwritten, size and header kept
        writeFileSync(file, bytes);
      },
      /integrity check failed|malformed|not a database/,
    ],
  ] as const) {
    it(`recovers from a ${label} database file: moves it aside, warns, rebuilds from the journal`, async () => {
      const store = await openStore();
      const ids = Array.from({ length: 200 }, (_, i) => `c/m${i}`);
      for (const id of ids) store.record(finished(id, 'succeeded', 1000, 10, { failureReason: 'x'.repeat(200) }), transitions(id, ['Pending', 'Succeeded']));
      await store.close();
      open.splice(open.indexOf(store), 1);
      damage(db);

      const logger = recordingLogger();
      const reopened = await openStore({ logger });
      assert.equal(reopened.count(), 200);
      assert.equal(reopened.transitions('c/m199').length, 2);
      const aside = readdirSync(path.dirname(db)).filter((n) => n.startsWith('history.db.corrupt-'));
      assert.equal(aside.length, 1);
      assert.ok(logger.has('warn', /history\.db is damaged .*moved it to .*history\.db\.corrupt-/), JSON.stringify(logger.lines));
      assert.ok(logger.lines.some((l) => reason.test(l.message)), JSON.stringify(logger.lines));
      await reopened.close();
      open.splice(open.indexOf(reopened), 1);
      const third = await openStore();
      assert.equal(third.count(), 200, 'the rebuilt history was snapshotted');
    });
  }

  it('falls back to the previous snapshot plus the journal when the newest snapshot is damaged', async () => {
    const store = await openStore({ snapshotMinJournalBytes: 1 });
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 30; i++) store.record(migration(`c/r${round}-${i}`), transitions(`c/r${round}-${i}`, ['Pending']));
      await store.flush();
      await store.snapshot();
    }
    await store.close();
    open.splice(open.indexOf(store), 1);
    assert.ok(existsSync(`${db}.prev`));
    writeFileSync(db, Buffer.from('garbage'.repeat(1000)));
    const logger = recordingLogger();
    const reopened = await openStore({ logger });
    assert.equal(reopened.count(), 120);
    assert.ok(logger.has('warn', /previous snapshot/), JSON.stringify(logger.lines));
  });

  it('snapshots in the background as the journal grows and retires segments a generation later', async () => {
    const store = await openStore({ snapshotMinJournalBytes: 20_000, snapshotJournalRatio: 0 });
    for (let i = 0; i < 600; i++) {
      store.record(migration(`c/m${i}`), transitions(`c/m${i}`, ['Pending', 'Running']));
      if (i % 50 === 0) await store.flush();
    }
    await store.flush();
    await waitFor('a background snapshot', () => existsSync(db) && existsSync(`${db}.prev`));
    await waitFor('segments retired', () => listSegments(`${db}.journal`)[0] > 1);
    const segments = listSegments(`${db}.journal`);
    assert.ok(segments.length >= 2, `segments ${segments}`);
    // Everything still readable by a fresh reader from snapshot + the remaining journal.
    const reader = await openStore({ mode: 'read-only', follow: false });
    assert.equal(reader.count(), 600);
  });

  it('creates its files readable by the user alone', async () => {
    const store = await openStore();
    store.record(migration('c/m'), []);
    await store.flush();
    await store.snapshot();
    const mode = (p: string) => statSync(p).mode & 0o777;
    assert.equal(mode(path.dirname(db)), 0o700);
    assert.equal(mode(`${db}.journal`), 0o700);
    assert.equal(mode(`${db}.inbox`), 0o700);
    assert.equal(mode(db), 0o600);
    assert.equal(mode(`${db}.lock`), 0o600);
    for (const s of listSegments(`${db}.journal`)) assert.equal(mode(segmentFile(`${db}.journal`, s)), 0o600);
  });

  it('refuses malformed records with a clear error and stores nothing', async () => {
    const store = await openStore();
    const bad: Array<[unknown, unknown, RegExp]> = [
      [{ ...migration('c/x'), id: '' }, [], /migration\.id/],
      [{ ...migration('c/x'), state: 'exploded' }, [], /unknown state "exploded"/],
      [{ ...migration('c/x'), createdAt: Number.NaN }, [], /createdAt/],
      [migration('c/x'), [{ migrationId: 'c/other', phase: 'Pending', at: 1 }], /does not belong/],
      [migration('c/x'), [{ migrationId: 'c/x', phase: 'Pending', at: 'yesterday' }], /invalid time/],
      [migration('c/x'), 'not-a-list', /must be an array/],
    ];
    for (const [m, ts, message] of bad) {
      assert.throws(
        () => store.record(m as never, ts as never),
        (err: unknown) => err instanceof HistoryError && err.code === 'invalid-record' && message.test(err.message),
      );
    }
    assert.equal(store.count(), 0);
    assert.equal(store.stats().unsnapshottedBytes, 0);
  });

  it('a read-only store sees the history but refuses writes and leaves no files behind', async () => {
    const writer = await openStore();
    writer.record(migration('c/m'), transitions('c/m', ['Pending']));
    await writer.close();
    open.splice(open.indexOf(writer), 1);
    const before = readdirSync(path.dirname(db)).sort();
    const reader = await openStore({ mode: 'read-only', follow: false });
    assert.equal(reader.role, 'read-only');
    assert.equal(reader.count(), 1);
    assert.throws(() => reader.record(migration('c/n'), []), (e: unknown) => e instanceof HistoryError && e.code === 'read-only');
    assert.deepEqual(readdirSync(path.dirname(db)).sort(), before);
    const nowhere = await HistoryStore.open({ path: path.join(tmp.dir, 'absent', 'history.db'), mode: 'read-only' });
    assert.equal(nowhere.count(), 0);
    await nowhere.close();
    assert.equal(existsSync(path.join(tmp.dir, 'absent')), false);
  });

  it('tells listeners what changed, once per turn of the event loop', async () => {
    const store = await openStore();
    const changes: HistoryChange[] = [];
    store.onDidChange((c) => changes.push(c));
    store.record(migration('c/a'), []);
    store.record(migration('c/b'), []);
    store.record(migration('c/a'), []); // no change
    await waitFor('a change event', () => changes.length > 0);
    assert.deepEqual(changes, [{ kind: 'recorded', migrationIds: ['c/a', 'c/b'] }]);
  });

  it('is closed for business after close()', async () => {
    const store = await openStore();
    await store.close();
    assert.throws(() => store.all(), (e: unknown) => e instanceof HistoryError && e.code === 'closed');
    assert.throws(() => store.record(migration('c/m'), []), (e: unknown) => e instanceof HistoryError && e.code === 'closed');
    await store.close(); // twice is fine
    assert.equal(existsSync(`${db}.lock`), false);
  });

  it('finds sql.js\'s wasm by itself, and says clearly when a given path is wrong', async () => {
    await assert.rejects(
      HistoryStore.open({ path: db, wasmPath: path.join(tmp.dir, 'nope.wasm') }),
      (e: unknown) => e instanceof HistoryError && e.code === 'wasm-not-found' && /nope\.wasm/.test(e.message),
    );
    assert.equal(existsSync(`${db}.lock`), false);
  });
});
