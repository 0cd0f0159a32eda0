import { strict as assert } from 'node:assert';
import { Backoff, backoffDelay } from '../../../src/base/backoff';

describe('backoff', () => {
  const options = { initialMs: 500, maxMs: 30_000 };

  it('doubles from the initial delay up to the cap', () => {
    const upper = (attempt: number) => backoffDelay(attempt, { ...options, random: () => 1 });
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 50].map(upper), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('keeps a random half as jitter by default', () => {
    assert.equal(backoffDelay(2, { ...options, random: () => 0 }), 1000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, options);
      assert.ok(d >= 2000 && d <= 4000, String(d));
    }
  });

  it('takes a share of jitter between 0 and 1', () => {
    assert.equal(backoffDelay(2, { ...options, jitter: 0, random: () => 0 }), 2000);
    assert.equal(backoffDelay(2, { ...options, jitter: 1, random: () => 0 }), 0);
    assert.equal(backoffDelay(2, { ...options, jitter: 7, random: () => 0 }), 0);
  });

  it('counts its attempts and starts over after a reset', () => {
    const backoff = new Backoff({ ...options, jitter: 0 });
    assert.deepEqual(
      Array.from({ length: 9 }, () => backoff.next()),
      [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
    );
    assert.equal(backoff.attempts, 9);
    backoff.reset();
    assert.equal(backoff.next(), 500);
  });

  it('spreads delays with jitter, never beyond the cap', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.5, random: () => 0 });
    const high = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.5, random: () => 0.999999 });
    assert.equal(low.next(), 500);
    assert.equal(high.next(), 1000);
    for (let i = 0; i < 20; i++) assert.ok(high.next() <= 30_000);
  });
});
