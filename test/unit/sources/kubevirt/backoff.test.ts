import { strict as assert } from 'node:assert';
import { backoffDelay } from '../../../../src/sources/kubevirt/backoff';

describe('kubevirt reconnect backoff', () => {
  const options = { initialMs: 500, maxMs: 30_000 };

  it('doubles from the initial delay up to the cap', () => {
    const upper = (attempt: number) => backoffDelay(attempt, options, () => 1);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 50].map(upper), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('keeps a random half as jitter', () => {
    assert.equal(backoffDelay(2, options, () => 0), 1000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, options);
      assert.ok(d >= 2000 && d <= 4000, String(d));
    }
  });
});
