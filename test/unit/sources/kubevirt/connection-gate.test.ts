import { strict as assert } from 'node:assert';
import { ConnectionGate } from '../../../../src/sources/kubevirt/connection-gate';

describe('connection gate', () => {
  it('lets at most `limit` attempts run, the rest in order as slots are given back, each slot given back once', async () => {
    const gate = new ConnectionGate(2);
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const attempts = [0, 1, 2, 3, 4].map((i) =>
      gate.acquire().then((release) => {
        order.push(i);
        releases.push(release);
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [0, 1]);
    assert.deepEqual(gate.load, { active: 2, waiting: 3 });
    releases[0]();
    releases[0](); // a second call gives nothing back
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [0, 1, 2]);
    assert.deepEqual(gate.load, { active: 2, waiting: 2 });
    for (let i = 1; i < 5; i++) {
      releases[i]?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(attempts);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    for (const release of releases) release();
    assert.deepEqual(gate.load, { active: 0, waiting: 0 });
  });
});
