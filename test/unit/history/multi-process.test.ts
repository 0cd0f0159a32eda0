import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HistoryStore, type HistoryRole, type HistoryStoreOptions } from '../../../src/history/history-store';
import { WriterLock } from '../../../src/history/replication/writer-lock';
import { startIngestChild, type IngestChild } from './support/child-process';
import { migration, recordingLogger, tempDir, transitions, waitFor } from './support/fixtures';

const FAST: Partial<HistoryStoreOptions> = { pollIntervalMs: 50, heartbeatMs: 100, staleLockMs: 2000 };

function hasTransition(store: HistoryStore, key: string): boolean {
  const [id, phase] = key.split('|');
  return store.transitions(id).some((t) => t.phase === phase);
}

function journalText(db: string): string {
  const dir = `${db}.journal`;
  return readdirSync(dir)
    .map((n) => readFileSync(path.join(dir, n), 'utf8'))
    .join('');
}

describe('HistoryStore: several windows on one history', function () {
  this.timeout(90_000);
  let tmp: ReturnType<typeof tempDir>;
  let db: string;
  const stores: HistoryStore[] = [];
  const children: IngestChild[] = [];
  beforeEach(() => {
    tmp = tempDir('multi');
    db = path.join(tmp.dir, 'history.db');
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await c.kill('SIGKILL');
    for (const s of stores.splice(0)) await s.close();
    tmp.cleanup();
  });
  const open = async (options: Partial<HistoryStoreOptions> = {}) => {
    const s = await HistoryStore.open({ path: db, ...FAST, ...options });
    stores.push(s);
    return s;
  };

  it('a second process follows the writer, forwards its own records, and takes over after the writer is killed -9', async () => {
    const writer = startIngestChild([db, 'prod-a', '--max', '400']);
    children.push(writer);
    await waitFor(`the child writer's first acknowledgement (${writer.stderr})`, () => writer.acked.size > 0);
    assert.deepEqual(writer.roles, ['writer']);

    const logger = recordingLogger();
    const follower = await open({ logger });
    assert.equal(follower.role, 'follower');
    const roles: HistoryRole[] = [];
    follower.onDidChangeRole((r) => roles.push(r));

    // It sees what the writer journals, as the writer goes on.
    await waitFor('the writer to finish its 400 records', () => writer.done);
    await waitFor('the follower to see every acknowledged transition', () => [...writer.acked].every((k) => hasTransition(follower, k)));

    // Something the writer already holds is not forwarded again (two windows watching the same cluster).
    const [seenId] = [...writer.acked][0].split('|');
    const seen = follower.byId(seenId)!;
    follower.record(seen.migration, seen.transitions);
    // Something only this window saw is forwarded through its inbox and journaled by the writer.
    follower.record(migration('lab/only-here', { cluster: 'lab' }), transitions('lab/only-here', ['Pending', 'Running']));
    await follower.flush();
    await waitFor('the writer to journal the forwarded record', () => journalText(db).includes('lab/only-here'));
    const inboxes = readdirSync(`${db}.inbox`);
    assert.equal(inboxes.length, 1);
    const inbox = readFileSync(path.join(`${db}.inbox`, inboxes[0]), 'utf8');
    assert.equal(inbox.includes(seenId), false, 'a record the writer already had was not forwarded');
    assert.equal((journalText(db).match(/lab\/only-here/g) ?? []).length >= 1, true);

    // kill -9 the writer: the follower notices (its pid is gone), takes the lock, keeps everything.
    const acked = new Set(writer.acked);
    await writer.kill('SIGKILL');
    await waitFor('the follower to take over', () => follower.role === 'writer');
    assert.deepEqual(roles, ['writer']);
    assert.ok(logger.has('warn', /took over the writer lock from pid \d+ .*is gone/), JSON.stringify(logger.lines));
    for (const key of acked) assert.ok(hasTransition(follower, key), `missing ${key} after takeover`);
    assert.equal(follower.transitions('lab/only-here').length, 2);
    const holder = WriterLock.holder(`${db}.lock`)!;
    assert.equal(holder.pid, process.pid);

    // As the writer now, it records and journals; a fresh reader sees it all.
    follower.record(migration('lab/after-takeover', { cluster: 'lab' }), transitions('lab/after-takeover', ['Pending']));
    await follower.flush();
    await waitFor('its own inbox to be consumed and removed', () => readdirSync(`${db}.inbox`).length === 0);
    const reader = await open({ mode: 'read-only', follow: false });
    for (const key of acked) assert.ok(hasTransition(reader, key));
    assert.ok(reader.byId('lab/after-takeover'));
    assert.ok(reader.byId('lab/only-here'));
  });

  it('two live writers never: the second store in the same process follows and sees writes within a poll', async () => {
    const a = await open();
    const b = await open();
    assert.equal(a.role, 'writer');
    assert.equal(b.role, 'follower');
    a.record(migration('c/from-a'), transitions('c/from-a', ['Pending']));
    await a.flush();
    await waitFor('b to see a\'s record', () => b.byId('c/from-a'));
    b.record(migration('c/from-b'), transitions('c/from-b', ['Pending']));
    await b.flush();
    await waitFor('a to consume b\'s forwarded record', () => a.byId('c/from-b'));
    // Retention deletions travel through the journal too.
    a.record({ ...migration('c/from-a'), state: 'succeeded', phase: 'Succeeded', endedAt: 2, durationMs: 1 }, []);
    a.setRetention({ maxMigrations: 0 });
    await a.applyRetention(); // joins the run setRetention started
    assert.equal(a.byId('c/from-a'), undefined);
    await waitFor('the deletion to reach b', () => b.count({ filter: 'completed' }) === 0 && b.byId('c/from-a') === undefined);
    // When a closes cleanly, b takes over (the lock is free) and keeps everything.
    await a.close();
    await waitFor('b to become the writer', () => b.role === 'writer');
    assert.ok(b.byId('c/from-b'));
  });

  it('a follower keeps up with a writer that rotates and snapshots constantly', async () => {
    const writer = await open({ snapshotMinJournalBytes: 4000, snapshotJournalRatio: 0, commitIntervalMs: 1 });
    const follower = await open({ pollIntervalMs: 3 });
    let expected = 0;
    for (let burst = 0; burst < 60; burst++) {
      for (let i = 0; i < 20; i++, expected++) writer.record(migration(`c/m${expected}`, { createdAt: expected }), transitions(`c/m${expected}`, ['Pending', 'Running'], expected));
      await writer.flush();
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.ok(writer.stats().segment > 5, `rotated ${writer.stats().segment} times`);
    await waitFor('the follower to hold every record', () => follower.stats().transitions === expected * 2);
    assert.equal(follower.count(), expected);
  });

  it('takes over a lock whose heartbeat stopped, even from another host', async () => {
    writeFileSync(`${db}.lock`, JSON.stringify({ pid: 1, hostname: 'some-other-host', token: 't', acquiredAt: 0, heartbeatAt: Date.now() - 60_000 }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${db}.lock`, old, old);
    const logger = recordingLogger();
    const store = await open({ logger });
    assert.equal(store.role, 'writer');
    assert.ok(logger.has('warn', /took over the writer lock from pid 1 on some-other-host \(no heartbeat for \d+ s\)/), JSON.stringify(logger.lines));
  });

  it('does not take a live lock from another host, and follows instead', async () => {
    writeFileSync(`${db}.lock`, JSON.stringify({ pid: 1, hostname: `${os.hostname()}-elsewhere`, token: 't', acquiredAt: 0, heartbeatAt: Date.now() }));
    const store = await open();
    assert.equal(store.role, 'follower');
  });

  it('takes over a lock left by a dead process on this host at once', async () => {
    const dead = startIngestChild([db, 'x-dead', '--max', '20']);
    await waitFor('the child to hold the lock', () => dead.roles.includes('writer'));
    await dead.kill('SIGKILL');
    const store = await open({ staleLockMs: 3_600_000 });
    assert.equal(store.role, 'writer');
  });

  it('a writer that finds its lock broken steps down and forwards what it had not written', async () => {
    const logger = recordingLogger();
    const a = await open({ logger, commitIntervalMs: 1_000 });
    const roles: string[] = [];
    a.onDidChangeRole((role) => roles.push(role));
    a.record(migration('c/before'), []);
    await a.flush();
    // Someone breaks the lock (as a contender would after a long pause of ours) and starts writing.
    const { unlinkSync } = await import('node:fs');
    unlinkSync(`${db}.lock`);
    const b = await open();
    assert.equal(b.role, 'writer');
    a.record(migration('c/during'), transitions('c/during', ['Pending']));
    await a.flush();
    await waitFor('a to step down', () => a.role === 'follower');
    assert.ok(logger.has('warn', /another window now writes the history/));
    await waitFor('a to tell its listeners it follows now', () => roles.length > 0);
    assert.deepEqual(roles, ['follower']);
    await waitFor('b to receive what a could not write', () => b.byId('c/during'));
    assert.ok(!journalText(db).split('\n').some((l) => l.includes('c/during') && !l.includes('"t":"f"')), 'a never wrote after losing the lock');
  });
});
