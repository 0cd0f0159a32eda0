import { strict as assert } from 'node:assert';
import type { Migration, PhaseTransition } from '../../../src/model/migration';
import { HistoryRecorder, type MigrationHistoryWriter } from '../../../src/watch/history-recorder';
import { MigrationWatcher } from '../../../src/watch/migration-watcher';
import { ScriptedSource, T0, kubevirtObservation } from './scripted-source';

/** A writer that keeps what it is given, and can be told to refuse the next writes. */
class ListWriter implements MigrationHistoryWriter {
  readonly records: { migration: Migration; phases: string[] }[] = [];
  flushes = 0;
  refuse = 0;
  record(migration: Migration, transitions: PhaseTransition[]): Promise<void> {
    if (this.refuse > 0) {
      this.refuse--;
      return Promise.reject(new Error('disk full'));
    }
    this.records.push({ migration, phases: transitions.map((t) => t.phase) });
    return Promise.resolve();
  }
  flush(): void {
    this.flushes++;
  }
  phases(id: string): string[] {
    return this.records.filter((r) => r.migration.id === id).flatMap((r) => r.phases);
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('HistoryRecorder', () => {
  it('writes the transitions of one observation as one record, then flushes once for a burst', async () => {
    const watcher = new MigrationWatcher({ now: () => T0 });
    const writer = new ListWriter();
    const recorder = new HistoryRecorder(watcher, writer, { flushDelayMs: 10 });
    const source = new ScriptedSource('kv1');
    watcher.addSource(source);
    source.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    source.observe(kubevirtObservation('kv1', 'm2', 'Pending'));
    await recorder.flush();
    assert.deepEqual(
      writer.records.map((r) => [r.migration.name, r.phases]),
      [
        ['m1', ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running']],
        ['m2', ['Pending']],
      ],
    );
    assert.equal(writer.flushes, 1);
    recorder.dispose();
  });

  it('records ends without a transition and changes of recorded fields, but not progress ticks', async () => {
    const watcher = new MigrationWatcher({ now: () => T0 + 60_000 });
    const writer = new ListWriter();
    const recorder = new HistoryRecorder(watcher, writer);
    const source = new ScriptedSource('kv1');
    watcher.addSource(source);
    source.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    await recorder.flush();
    const progress = (n: number) => ({ totalBytes: 100, transferredBytes: n, remainingBytes: 100 - n, dirtyRateBytesPerSec: 0, precopyRound: 1 });
    source.observe(kubevirtObservation('kv1', 'm1', 'Running', { progress: progress(10) }));
    source.observe(kubevirtObservation('kv1', 'm1', 'Running', { progress: progress(20) }));
    await recorder.flush();
    assert.equal(writer.records.length, 1, 'progress alone is not written');
    source.observe(kubevirtObservation('kv1', 'm1', 'Running', { targetNode: 'node-b', progress: progress(30) }));
    await recorder.flush();
    assert.equal(writer.records.length, 2);
    assert.equal(writer.records[1].migration.targetNode, 'node-b');
    source.observe({ ...kubevirtObservation('kv1', 'm1', 'Running'), deleted: true });
    await recorder.flush();
    assert.equal(writer.records.at(-1)?.migration.state, 'cancelled');
    assert.deepEqual(writer.records.at(-1)?.phases, []);
    recorder.dispose();
  });

  it('keeps a write the history refused and retries it in order, losing nothing', async () => {
    const watcher = new MigrationWatcher({ now: () => T0 });
    const writer = new ListWriter();
    const warnings: string[] = [];
    const recorder = new HistoryRecorder(watcher, writer, { retryDelayMs: 20, log: { info() {}, warn: (m) => warnings.push(m) } });
    const source = new ScriptedSource('kv1');
    watcher.addSource(source);
    writer.refuse = 2;
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduling'));
    source.observe(kubevirtObservation('kv1', 'm2', 'Pending'));
    await new Promise((r) => setImmediate(r));
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduled'));
    await until(() => writer.phases('kv1/default/m1').length === 3 && writer.phases('kv1/default/m2').length === 1, 'the retried records');
    assert.deepEqual(writer.phases('kv1/default/m1'), ['Pending', 'Scheduling', 'Scheduled']);
    assert.equal(warnings.length, 1, 'one warning per failure streak');
    assert.match(warnings[0], /disk full; will retry/);
    await recorder.flush();
    recorder.dispose();
  });
});
