import { strict as assert } from 'node:assert';
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeEntries, encodeEntry, type JournalEntry } from '../../../src/history/journal/journal-codec';
import { readJournalChunk } from '../../../src/history/journal/journal-files';
import { JournalAppender } from '../../../src/history/journal/journal-appender';
import { crc32, tableCrc32 } from '../../../src/history/journal/crc32';
import { migration, tempDir } from './support/fixtures';

const record = (id: string): JournalEntry => ({ t: 'r', m: migration(id), p: [['Pending', 1]] });

describe('history journal', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('journal')));
  afterEach(() => tmp.cleanup());

  it('computes the standard CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });

  it('computes the same CRC-32 written out as zlib does, also over part of a buffer', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + (i >> 3)) & 0xff));
    assert.equal(tableCrc32(Buffer.from('123456789')), 0xcbf43926);
    for (const [start, end] of [[0, 4096], [9, 4095], [100, 101], [7, 7]]) assert.equal(tableCrc32(bytes, start, end), crc32(bytes, start, end), `bytes ${start}–${end}`);
  });

  it('decodes what it encodes, in order', () => {
    const entries = [record('a'), { t: 'd', ids: ['x', 'y'] } as JournalEntry, record('b "quoted"\nline')];
    const buf = Buffer.concat(entries.map(encodeEntry));
    const decoded = decodeEntries(buf);
    assert.deepEqual(
      decoded.entries.map((d) => d.entry),
      entries,
    );
    assert.equal(decoded.consumed, buf.length);
    assert.equal(decoded.corruptLines, 0);
  });

  it('leaves an unterminated last record unconsumed (a torn write)', () => {
    const whole = encodeEntry(record('a'));
    const torn = encodeEntry(record('b')).subarray(0, 30);
    const decoded = decodeEntries(Buffer.concat([whole, torn]));
    assert.equal(decoded.entries.length, 1);
    assert.equal(decoded.consumed, whole.length);
  });

  it('skips a damaged line and goes on with the next one', () => {
    const a = encodeEntry(record('a'));
    const b = Buffer.from(encodeEntry(record('b')));
    b[20] = b[20] === 0x41 ? 0x42 : 0x41; // flip a byte inside the JSON
    const c = encodeEntry(record('c'));
    const decoded = decodeEntries(Buffer.concat([a, b, c, Buffer.from('garbage without checksum\n')]));
    assert.deepEqual(
      decoded.entries.map((d) => (d.entry as { m: { id: string } }).m.id),
      ['a', 'c'],
    );
    assert.equal(decoded.corruptLines, 2);
  });

  it('reads a file in chunks and reports a torn tail only at the end', () => {
    const file = path.join(tmp.dir, 'seg.jsonl');
    const lines = Array.from({ length: 50 }, (_, i) => encodeEntry(record(`m${i}`)));
    writeFileSync(file, Buffer.concat([...lines, lines[0].subarray(0, 10)]));
    let offset = 0;
    const ids: string[] = [];
    let last;
    do {
      last = readJournalChunk(file, offset, 700)!;
      ids.push(...last.entries.map((d) => (d.entry as { m: { id: string } }).m.id));
      offset = last.nextOffset;
    } while (last.fileSize - offset > last.partialTail);
    assert.equal(ids.length, 50);
    assert.equal(ids[49], 'm49');
    assert.equal(last.partialTail, 10);
    assert.equal(readJournalChunk(path.join(tmp.dir, 'missing'), 0), undefined);
  });

  it('reads a line longer than the chunk size whole', () => {
    const file = path.join(tmp.dir, 'long.jsonl');
    const long = encodeEntry({ t: 'r', m: migration('long', { failureReason: 'x'.repeat(5000) }), p: [] });
    writeFileSync(file, long);
    const chunk = readJournalChunk(file, 0, 100)!;
    assert.equal(chunk.entries.length, 1);
    assert.equal(chunk.nextOffset, long.length);
  });

  it('group-commits appends and resolves flush() once they are on disk', async () => {
    const file = path.join(tmp.dir, 'append.jsonl');
    const appender = JournalAppender.open(file, true, { commitIntervalMs: 5, maxBatchRecords: 1000 }, { onWriteError: (e) => assert.fail(e) });
    for (let i = 0; i < 300; i++) appender.append(encodeEntry(record(`m${i}`)));
    assert.equal(appender.hasUnflushed, true);
    await appender.flush();
    assert.equal(appender.hasUnflushed, false);
    const decoded = decodeEntries(readFileSync(file));
    assert.equal(decoded.entries.length, 300);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(appender.size, statSync(file).size);
    await appender.flush(); // nothing pending: resolves at once
    const left = await appender.close();
    assert.equal(left.length, 0);
    assert.throws(() => appender.append(encodeEntry(record('late'))), /closed/);
  });

  it('refuses to write when told the file is no longer its own, keeping the lines', async () => {
    const file = path.join(tmp.dir, 'refused.jsonl');
    let allowed = true;
    let refusals = 0;
    const appender = JournalAppender.open(file, true, { commitIntervalMs: 1, maxBatchRecords: 10 }, {
      onWriteError: () => {},
      mayWrite: () => allowed,
      onWriteRefused: () => refusals++,
    });
    appender.append(encodeEntry(record('kept-1')));
    await appender.flush();
    allowed = false;
    appender.append(encodeEntry(record('held-back')));
    await assert.rejects(appender.flush(), /lock was lost/);
    const left = await appender.close();
    assert.ok(refusals >= 1);
    assert.equal(left.length, 1);
    assert.equal((decodeEntries(left[0]).entries[0].entry as { m: { id: string } }).m.id, 'held-back');
    assert.equal(decodeEntries(readFileSync(file)).entries.length, 1);
  });

  it('rotates to a new file only after every earlier line is durable in the old one', async () => {
    const first = path.join(tmp.dir, 'seg-1.jsonl');
    const second = path.join(tmp.dir, 'seg-2.jsonl');
    const appender = JournalAppender.open(first, true, { commitIntervalMs: 50, maxBatchRecords: 7 }, { onWriteError: (e) => assert.fail(e) });
    for (let i = 0; i < 20; i++) appender.append(encodeEntry(record(`before${i}`)));
    const rotated = appender.rotate(second);
    for (let i = 0; i < 5; i++) appender.append(encodeEntry(record(`after${i}`)));
    const flushed = appender.flush();
    await rotated;
    // When the second file exists, the first one already holds all 20 earlier lines.
    assert.equal(decodeEntries(readFileSync(first)).entries.length, 20);
    await flushed;
    const ids = (file: string) => decodeEntries(readFileSync(file)).entries.map((d) => (d.entry as { m: { id: string } }).m.id);
    assert.deepEqual(ids(first), Array.from({ length: 20 }, (_, i) => `before${i}`));
    assert.deepEqual(ids(second), Array.from({ length: 5 }, (_, i) => `after${i}`));
    assert.equal(appender.file, second);
    await appender.close();
  });

  it('creating a segment that already exists fails instead of appending after someone else', () => {
    const file = path.join(tmp.dir, 'exists.jsonl');
    appendFileSync(file, 'x');
    assert.throws(() => JournalAppender.open(file, true, { commitIntervalMs: 1, maxBatchRecords: 1 }, { onWriteError: () => {} }), /EEXIST/);
  });
});
