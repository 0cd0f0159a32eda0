import { strict as assert } from 'node:assert';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { startIngestChild } from './support/child-process';
import { recordingLogger, tempDir, waitFor } from './support/fixtures';

// A child process ingests as fast as it can and prints what flush() acknowledged; it is killed
// with SIGKILL at a random moment (mid-batch, mid-fsync, mid-snapshot), several times over the
// same history. Every acknowledged transition must be there afterwards.
describe('HistoryStore: kill -9 at random points', function () {
  this.timeout(120_000);
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir('kill9')));
  afterEach(() => tmp.cleanup());

  it('loses no acknowledged transition across repeated SIGKILLs of the writer', async () => {
    const db = path.join(tmp.dir, 'history.db');
    const acked = new Set<string>();
    const ackedFinal = new Set<string>();
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      // Small snapshot threshold so snapshots (and segment retirement) happen while it runs.
      const child = startIngestChild([db, `round${round}-x`, '--snapshot-bytes', String(32 * 1024)]);
      try {
        await waitFor(`round ${round}: first acknowledgement (stderr: ${child.stderr})`, () => child.acked.size > 0 || child.process.exitCode !== null, 60_000);
        assert.equal(child.process.exitCode, null, `child exited early: ${child.stderr}`);
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 950));
      } finally {
        await child.kill('SIGKILL');
      }
      if (process.env.HISTORY_TEST_DEBUG) console.log(`round ${round}: acked ${child.acked.size}`, child.stderr.trim().split("\n").slice(-3));
      for (const key of child.acked) acked.add(key);
      for (const id of child.ackedFinal) ackedFinal.add(id);
      assert.deepEqual(child.roles, ['writer'], `every child found the previous one's lock stale (stderr: ${child.stderr})`);

      // A reader that takes no lock and repairs nothing sees everything acknowledged so far.
      const reader = await HistoryStore.open({ path: db, mode: 'read-only', follow: false });
      try {
        const missing = [...acked].filter((key) => {
          const [id, phase] = key.split('|');
          return !reader.transitions(id).some((t) => t.phase === phase);
        });
        assert.deepEqual(missing.slice(0, 5), [], `round ${round}: ${missing.length} of ${acked.size} acknowledged transitions missing`);
        const notFinal = [...ackedFinal].filter((id) => reader.byId(id)?.migration.state !== 'succeeded');
        assert.deepEqual(notFinal.slice(0, 5), [], `round ${round}: acknowledged final states missing`);
      } finally {
        await reader.close();
      }
    }
    assert.ok(acked.size > 200, `the children acknowledged ${acked.size} transitions`);

    // Finally a writer takes over the dead child's lock, rebuilds, and a clean close keeps it all.
    const logger = recordingLogger();
    const writer = await HistoryStore.open({ path: db, logger });
    assert.equal(writer.role, 'writer');
    assert.ok(!logger.lines.some((l) => l.level === 'error'), JSON.stringify(logger.lines));
    const total = writer.stats().transitions;
    assert.ok(total >= acked.size);
    await writer.close();
    const after = await HistoryStore.open({ path: db, mode: 'read-only', follow: false });
    assert.equal(after.stats().transitions, total);
    await after.close();
  });
});
