// The gate that holds a source's events while the history (in its worker) is asked about a
// migration it may hold: everything behind the lookup waits, in order, and once it is answered a
// long backlog goes through a slice per turn — with what arrives meanwhile still behind it.

import assert from 'node:assert/strict';
import { HistoryLookupGate } from '../../../src/watch/history-lookup-gate';
import type { MigrationStreamEvent } from '../../../src/model/migration';
import type { AttachedSource } from '../../../src/watch/source-groups';

const event = (n: number): MigrationStreamEvent => ({ type: 'synced', migrationIds: [`m-${n}`] });
const numberOf = (e: MigrationStreamEvent) => Number((e as { migrationIds: string[] }).migrationIds[0].slice(2));
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('watch: the history lookup gate', () => {
  it('holds every event behind a lookup, then lets the backlog through in order, a slice per turn', async () => {
    let answer!: () => void;
    const lookups: string[][] = [];
    const delivered: number[] = [];
    const deliveredPerTurn: number[] = [];
    const gate = new HistoryLookupGate(
      { ready: () => false, load: (ids) => (lookups.push([...ids]), new Promise<void>((resolve) => (answer = resolve))) },
      // Only event 0 shows a migration the history may hold.
      (_attached, e) => (numberOf(e) === 0 && lookups.length === 0 ? 'm-0' : undefined),
      (_attached, e) => delivered.push(numberOf(e)),
      (m) => assert.fail(m),
    );
    const source = {} as AttachedSource;
    for (let n = 0; n < 2000; n++) gate.accept(source, event(n));
    await turn();
    assert.deepEqual(lookups, [['m-0']]);
    assert.equal(delivered.length, 0, 'nothing passes while the history is asked');
    assert.ok(gate.holding);
    answer();
    await Promise.resolve();
    for (let i = 0; i < 10 && delivered.length < 2001; i++) {
      const before = delivered.length;
      if (i === 1) gate.accept(source, event(5000)); // arrives while the backlog drains
      await turn();
      deliveredPerTurn.push(delivered.length - before);
    }
    assert.deepEqual(delivered, [...Array.from({ length: 2000 }, (_, n) => n), 5000]);
    assert.ok(Math.max(...deliveredPerTurn) <= 500, `at most a slice per turn: ${deliveredPerTurn.join(', ')}`);
    assert.equal(gate.holding, false);
  });
});
