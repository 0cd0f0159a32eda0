// `blixard-migrations history --db` on files it must not trust, run as the shipped bundle under
// hard limits on time and memory: a damaged database file is reported (never shown as an empty
// history), a device or a FIFO is refused before it is opened, a journal folder others can write
// is refused, and nothing hangs or grows.

import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../../../src/history';
import { listSegments, segmentFile } from '../../../src/history/journal/journal-files';
import { DAMAGES } from '../history/support/damages';
import { finished, transitions } from '../history/support/fixtures';
import { ensureBundle, runCliBounded, type BoundedRun } from './support/cli-bundle';

/** Node, sql.js and a small history stay well under this; /dev/zero read whole passes it in well under a second. */
const MAX_RSS_BYTES = 300 * 1024 * 1024;
const TIMEOUT_MS = 15_000;

describe('blixard-migrations history on damaged and hostile files', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => ensureBundle());
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'blixard-cli-damage-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A history written and closed by a real writer: its snapshot plus the journal it keeps. */
  async function writeHistory(db: string, count: number, options: { snapshotEvery?: number } = {}): Promise<void> {
    const store = await HistoryStore.open({ path: db, snapshotMinJournalBytes: 1 << 30 });
    for (let i = 0; i < count; i++) {
      const id = `kv/default/m${i}`;
      store.record(finished(id, 'succeeded', 1_700_000_000_000 + i * 1000, 5000), transitions(id, ['Pending', 'Running', 'Succeeded'], 1_700_000_000_000 + i * 1000));
      if (options.snapshotEvery && (i + 1) % options.snapshotEvery === 0) {
        await store.flush();
        await store.snapshot();
      }
    }
    await store.close();
  }

  async function history(args: string[]): Promise<BoundedRun> {
    const run = await runCliBounded(['history', ...args], { timeoutMs: TIMEOUT_MS, maxRssBytes: MAX_RSS_BYTES });
    assert.equal(run.killedFor, undefined, `killed for ${run.killedFor} after ${run.elapsedMs} ms at ${Math.round(run.peakRssBytes / 2 ** 20)} MiB; stderr: ${run.stderr}`);
    assert.ok(run.peakRssBytes < MAX_RSS_BYTES, `peak memory ${Math.round(run.peakRssBytes / 2 ** 20)} MiB`);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    return run;
  }

  for (const [label, damage, reason] of DAMAGES) {
    it(`a ${label} file: says so, prints the migrations read from the journal, exits 0`, async () => {
      const db = path.join(dir, 'history.db');
      await writeHistory(db, 40);
      damage(db);
      const run = await history(['--db', db, '--json']);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0], new RegExp(`^warning: the database file ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(.+\\); read 40 migrations from the journal instead\\.$`));
      assert.match(lines[0], reason);
      assert.equal((JSON.parse(run.stdout) as unknown[]).length, 40);
    });

    it(`a ${label} file with nothing beside it: an error, not "No migrations.", exit 1`, async () => {
      const source = path.join(dir, 'source.db');
      await writeHistory(source, 40);
      const db = path.join(dir, 'copied.db');
      copyFileSync(source, db); // the file alone, without its journal
      damage(db);
      const run = await history(['--db', db]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /^error: cannot read the history --db .*copied\.db: the database file .*copied\.db is damaged \(.+\), and neither a previous snapshot nor a journal is left to read its migrations from\.\n$/);
    });
  }

  it('both snapshots damaged and the journal partly retired: prints what is left, names what is gone, exits 1', async () => {
    const db = path.join(dir, 'history.db');
    await writeHistory(db, 40, { snapshotEvery: 10 });
    const journal = `${db}.journal`;
    const first = listSegments(journal)[0];
    assert.ok(first > 1, `segments were retired (first left: ${first})`);
    writeFileSync(db, Buffer.alloc(4096));
    writeFileSync(`${db}.prev`, Buffer.alloc(4096));
    const run = await history(['--db', db, '--json']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /^error: the database file .*history\.db is damaged \(not an SQLite database\), and so is .*history\.db\.prev \(not an SQLite database\); read \d+ migrations? from the journal, but journal segments? [\d–]+ (is|are) gone: migrations recorded only there are missing\.\n$/);
    const printed = JSON.parse(run.stdout) as unknown[];
    assert.ok(printed.length < 40, `${printed.length} of 40 printed`);
  });

  it('a healthy history is unchanged: no warning, exit 0', async () => {
    const db = path.join(dir, 'history.db');
    await writeHistory(db, 3);
    const run = await history(['--db', db]);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
    assert.equal(run.stdout.trimEnd().split('\n').length, 4, run.stdout);
  });

  it('/dev/zero, a FIFO and a directory are refused at once, naming the flag and the file', async () => {
    const fifo = path.join(dir, 'history.fifo');
    execFileSync('mkfifo', [fifo]);
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    for (const [file, kind] of [
      ['/dev/zero', 'a character device'],
      [fifo, 'a FIFO \\(named pipe\\)'],
      [folder, 'a directory'],
    ] as const) {
      const run = await history(['--db', file]);
      assert.equal(run.code, 1, `${file}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, new RegExp(`^error: cannot open the history --db ${file}: ${file} is ${kind}, not a regular file; the history only reads and replaces regular files of its own\\.?\\n$`));
      assert.ok(run.elapsedMs < 10_000, `${file}: ${run.elapsedMs} ms`);
    }
  });

  it('a journal segment that is a FIFO is not opened', async () => {
    const db = path.join(dir, 'history.db');
    await writeHistory(db, 3);
    const journal = `${db}.journal`;
    const next = Math.max(...listSegments(journal)) + 1;
    execFileSync('mkfifo', [segmentFile(journal, next)]);
    unlinkSync(db); // so the reader has to read the journal
    const run = await history(['--db', db]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trimEnd().split('\n').length, 4, run.stdout);
    assert.match(run.stderr, /^warning: History: ignored .*segment-\d{10}\.jsonl: it is a FIFO \(named pipe\), not a file the history wrote; it is never opened or followed\.\n$/);
  });

  it('watch --db naming a FIFO is refused before anything is created beside it', async () => {
    const fifo = path.join(dir, 'watch.fifo');
    execFileSync('mkfifo', [fifo]);
    const run = await runCliBounded(['watch', '--db', fifo, '--blixard', 'dev=127.0.0.1:1'], { timeoutMs: TIMEOUT_MS, maxRssBytes: MAX_RSS_BYTES });
    assert.equal(run.killedFor, undefined, `killed for ${run.killedFor}; stderr: ${run.stderr}`);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /error: cannot open the history --db .*watch\.fifo: .*watch\.fifo is a FIFO \(named pipe\), not a regular file/);
    assert.deepEqual(readdirSync(dir), ['watch.fifo'], 'no journal or inbox folder beside it');
  });

  it('a journal folder anyone can write is refused, naming the flag and the folder', async () => {
    const db = path.join(dir, 'history.db');
    await writeHistory(db, 3);
    chmodSync(`${db}.journal`, 0o777);
    const run = await history(['--db', db]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^error: cannot open the history --db .*history\.db: the journal folder .*history\.db\.journal is writable by every user \(mode 0777\), so its records could have been written by anyone; if it is yours, make it private \(chmod 700\), otherwise remove it\n$/);
  });
});
