// The history's folders and files must be the user's own: a journal folder someone else made or
// can write is refused (its records would be replayed as fact), and no symbolic link inside them
// is ever followed — a segment, an inbox, the lock or the snapshot pointing elsewhere is never
// read, and its target never touched.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistoryError, HistoryStore, type HistoryStoreOptions } from '../../../src/history';
import { encodeEntry } from '../../../src/history/journal/journal-codec';
import { inboxFile, listSegments, segmentFile } from '../../../src/history/journal/journal-files';
import { migration, recordingLogger, tempDir } from './support/fixtures';

const ROOT_HINT = 'this test hands a folder to another user (uid 65534), which takes root: run it as root, as CI does';

describe('HistoryStore: folders and files of its own', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const open: HistoryStore[] = [];
  beforeEach(() => {
    tmp = tempDir('private');
    db = path.join(tmp.dir, 'history.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => {});
    tmp.cleanup();
  });

  async function openStore(options: Partial<HistoryStoreOptions> = {}): Promise<HistoryStore> {
    const store = await HistoryStore.open({ path: db, pollIntervalMs: 50, ...options });
    open.push(store);
    return store;
  }

  async function closeAll(): Promise<void> {
    for (const s of open.splice(0)) await s.close();
  }

  /** A journal with one planted record, as someone else would leave it. */
  function plantedJournal(mode: number): string {
    const journal = `${db}.journal`;
    mkdirSync(journal);
    chmodSync(journal, mode);
    writeFileSync(segmentFile(journal, 1), encodeEntry({ t: 'r', m: migration('c/planted'), p: [] }));
    return journal;
  }

  const refused = (pattern: RegExp) => (err: unknown) => err instanceof HistoryError && err.code === 'refused-path' && pattern.test(err.message);

  it('refuses a journal folder writable by every user (0777), as writer and as reader, and writes nothing', async () => {
    const journal = plantedJournal(0o777);
    const pattern = new RegExp(`the journal folder ${journal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is writable by every user \\(mode 0777\\), so its records could have been written by anyone; if it is yours, make it private \\(chmod 700\\)`);
    await assert.rejects(openStore(), refused(pattern));
    await assert.rejects(openStore({ mode: 'read-only', follow: false }), refused(pattern));
    assert.deepEqual(readdirSync(journal), ['segment-0000000001.jsonl'], 'no segment was added');
    assert.equal(existsSync(`${db}.lock`), false, 'no lock left behind');
    assert.equal(existsSync(db), false);

    chmodSync(journal, 0o700); // the owner makes it private: now it is used
    const store = await openStore();
    assert.ok(store.byId('c/planted'));
  });

  it('refuses a journal folder writable by its group, and an inbox folder writable by others', async () => {
    plantedJournal(0o770);
    await assert.rejects(openStore(), refused(/the journal folder .* is writable by its group \(mode 0770\)/));
    chmodSync(`${db}.journal`, 0o700);
    mkdirSync(`${db}.inbox`, { mode: 0o700 });
    chmodSync(`${db}.inbox`, 0o733);
    await assert.rejects(openStore(), refused(/the inbox folder .*history\.db\.inbox is writable by every user \(mode 0733\)/));
  });

  it('refuses a journal folder owned by another user', async () => {
    assert.equal(process.getuid?.(), 0, ROOT_HINT);
    const journal = plantedJournal(0o700);
    chownSync(journal, 65534, 65534);
    await assert.rejects(openStore(), refused(/the journal folder .* belongs to uid 65534, not to you \(uid 0\), so its records could have been written by anyone/));
    await assert.rejects(openStore({ mode: 'read-only', follow: false }), refused(/belongs to uid 65534/));
    assert.equal(statSync(journal).uid, 65534, 'left as it was');
  });

  it('refuses a journal folder that is a symbolic link, and a database folder anyone can write (a sticky one is fine)', async () => {
    const elsewhere = path.join(tmp.dir, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, `${db}.journal`);
    await assert.rejects(openStore(), refused(/the journal folder .* is a symbolic link/));
    assert.deepEqual(readdirSync(elsewhere), []);

    const shared = path.join(tmp.dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    db = path.join(shared, 'history.db');
    await assert.rejects(openStore(), refused(/the folder of the history .*shared is writable by every user \(mode 0777\), so anyone could replace the history's files/));
    chmodSync(shared, 0o1777);
    const store = await openStore();
    assert.equal(store.role, 'writer');
  });

  it('never reads a journal segment that is a symbolic link: readers ignore it, the writer moves the link aside, the target is untouched', async () => {
    const writer = await openStore();
    writer.record(migration('c/real'), []);
    await writer.flush();
    await closeAll();

    const outside = path.join(tmp.dir, 'outside.jsonl');
    writeFileSync(outside, encodeEntry({ t: 'r', m: migration('c/forged'), p: [] }));
    const before = { bytes: readFileSync(outside), mtimeMs: statSync(outside).mtimeMs };
    const journal = `${db}.journal`;
    const link = segmentFile(journal, Math.max(...listSegments(journal)) + 1);
    symlinkSync(outside, link);

    const readerLog = recordingLogger();
    const reader = await openStore({ mode: 'read-only', follow: false, logger: readerLog });
    assert.ok(reader.byId('c/real'));
    assert.equal(reader.byId('c/forged'), undefined, 'the link was not followed');
    assert.ok(readerLog.has('warn', new RegExp(`ignored ${link.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is a symbolic link, not a file the history wrote; it is never opened or followed`)), JSON.stringify(readerLog.lines));
    await closeAll();

    const writerLog = recordingLogger();
    const second = await openStore({ logger: writerLog });
    assert.equal(second.byId('c/forged'), undefined);
    assert.ok(writerLog.has('warn', /is not a file the history wrote .*moved it to .*\.refused-.* without opening it or its target/), JSON.stringify(writerLog.lines));
    assert.equal(existsSync(link) && lstatSync(link).isSymbolicLink(), false, 'the link is no longer a segment');
    second.record(migration('c/after'), []);
    await second.flush();
    await closeAll();
    assert.deepEqual(readFileSync(outside), before.bytes, 'the target is untouched');
    assert.equal(statSync(outside).mtimeMs, before.mtimeMs);
    const third = await openStore({ mode: 'read-only', follow: false });
    assert.ok(third.byId('c/after'));
    assert.equal(third.byId('c/forged'), undefined);
  });

  it('never follows a link at the snapshot, the lock or an inbox', async () => {
    const writer = await openStore();
    writer.record(migration('c/real'), []);
    await writer.flush();
    await closeAll();

    // An inbox that is a link to forged records: ignored by the writer.
    const outside = path.join(tmp.dir, 'forged-inbox.jsonl');
    writeFileSync(outside, encodeEntry({ t: 'r', m: migration('c/forged'), p: [] }));
    symlinkSync(outside, inboxFile(`${db}.inbox`, 'host-1-abcd'));
    // A link at the lock path to a record of a live writer: not a lock this history wrote, so
    // judged by the link's own age (a minute) and broken; the record it points to is not read.
    const liveRecord = path.join(tmp.dir, 'live-lock.json');
    const record = JSON.stringify({ pid: process.pid, hostname: os.hostname(), token: 'x', acquiredAt: Date.now(), heartbeatAt: Date.now() });
    writeFileSync(liveRecord, record);
    symlinkSync(liveRecord, `${db}.lock`);
    execFileSync('touch', ['-h', '-d', new Date(Date.now() - 60_000).toISOString(), `${db}.lock`]);
    const logger = recordingLogger();
    const store = await openStore({ logger });
    assert.equal(store.role, 'writer', JSON.stringify(logger.lines));
    assert.ok(store.byId('c/real'));
    assert.equal(store.byId('c/forged'), undefined);
    assert.ok(logger.has('warn', /ignored .*inbox-host-1-abcd\.jsonl: it is a symbolic link/), JSON.stringify(logger.lines));
    await closeAll();
    assert.equal(readFileSync(outside, 'utf8'), encodeEntry({ t: 'r', m: migration('c/forged'), p: [] }).toString('utf8'));
    assert.equal(readFileSync(liveRecord, 'utf8'), record, 'the lock link was removed, not its target');

    // The snapshot path as a link: refused, the target neither read nor replaced.
    const target = path.join(tmp.dir, 'target.db');
    writeFileSync(target, 'not yours to replace');
    const aside = `${db}.mine`;
    execFileSync('mv', [db, aside]);
    symlinkSync(target, db);
    await assert.rejects(openStore(), refused(/history\.db is a symbolic link; it is not followed/));
    await assert.rejects(openStore({ mode: 'read-only', follow: false }), refused(/is a symbolic link/));
    assert.equal(readFileSync(target, 'utf8'), 'not yours to replace');
    assert.ok(lstatSync(db).isSymbolicLink());
  });
});
