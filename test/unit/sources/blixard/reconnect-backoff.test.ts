import { strict as assert } from 'node:assert';
import { ReconnectBackoff } from '../../../../src/sources/blixard/reconnect-backoff';

describe('ReconnectBackoff', () => {
  it('doubles up to the cap and starts over after a reset', () => {
    const backoff = new ReconnectBackoff({ initialMs: 500, maxMs: 30_000, jitter: 0 });
    assert.deepEqual(
      Array.from({ length: 9 }, () => backoff.next()),
      [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
    );
    backoff.reset();
    assert.equal(backoff.next(), 500);
  });

  it('spreads delays with jitter, never beyond the cap', () => {
    const low = new ReconnectBackoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.5, random: () => 0 });
    const high = new ReconnectBackoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.5, random: () => 0.999999 });
    assert.equal(low.next(), 500);
    assert.equal(high.next(), 1000);
    for (let i = 0; i < 20; i++) assert.ok(high.next() <= 30_000);
  });
});
