import { strict as assert } from 'node:assert';
import { TurnBatch } from '../../../src/base/turn-batch';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('hands on everything pushed in one turn as one batch, in order, at the end of the turn', async () => {
    const sent: number[][] = [];
    const batch = new TurnBatch<number>((items) => sent.push(items));
    for (let i = 1; i <= 5; i++) batch.push(i);
    assert.deepEqual(sent, [], 'nothing leaves before the turn ends');
    assert.equal(batch.size, 5);
    await nextTurn();
    batch.push(6);
    await nextTurn();
    assert.deepEqual(sent, [[1, 2, 3, 4, 5], [6]]);
    assert.equal(batch.size, 0);
  });

  it('flush() hands on at once and the turn sends nothing twice; an empty batch sends nothing', async () => {
    const sent: string[][] = [];
    const batch = new TurnBatch<string>((items) => sent.push(items));
    batch.flush();
    batch.push('a');
    batch.push('b');
    batch.flush();
    assert.deepEqual(sent, [['a', 'b']]);
    await nextTurn();
    assert.deepEqual(sent, [['a', 'b']]);
  });

  it('keeps items while the receiver is not ready, and sends them on the first flush once it is', async () => {
    let ready = false;
    const sent: number[][] = [];
    const batch = new TurnBatch<number>((items) => sent.push(items), () => ready);
    batch.push(1);
    await nextTurn();
    assert.deepEqual(sent, []);
    assert.equal(batch.size, 1);
    ready = true;
    batch.push(2);
    await nextTurn();
    assert.deepEqual(sent, [[1, 2]]);
  });

  it('clear() forgets what waits and cancels the end-of-turn send', async () => {
    const sent: number[][] = [];
    const batch = new TurnBatch<number>((items) => sent.push(items));
    batch.push(1);
    batch.clear();
    await nextTurn();
    assert.deepEqual(sent, []);
    assert.equal(batch.size, 0);
  });
});
