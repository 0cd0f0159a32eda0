import { strict as assert } from 'node:assert';
import { Emitter } from '../../../src/base/event';

describe('Emitter', () => {
  it('starts the producer on the first listener and stops it after the last', () => {
    const calls: string[] = [];
    const emitter = new Emitter<number>({
      onFirstListener: () => calls.push('first'),
      onLastListenerRemoved: () => calls.push('last'),
    });
    const a = emitter.event(() => {});
    const b = emitter.event(() => {});
    a.dispose();
    assert.deepEqual(calls, ['first']);
    b.dispose();
    assert.deepEqual(calls, ['first', 'last']);
  });

  it('delivers to every listener even when one throws', async () => {
    const emitter = new Emitter<number>();
    const got: number[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.prependListener('uncaughtException', onUncaught);
    const mochaHandlers = process.listeners('uncaughtException').filter((l) => l !== onUncaught);
    mochaHandlers.forEach((l) => process.removeListener('uncaughtException', l));
    try {
      emitter.event(() => {
        throw new Error('boom');
      });
      emitter.event((n) => got.push(n));
      emitter.fire(7);
      await new Promise((r) => setTimeout(r, 5));
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      mochaHandlers.forEach((l) => process.on('uncaughtException', l));
    }
    assert.deepEqual(got, [7]);
    assert.equal(uncaught.length, 1);
  });
});
