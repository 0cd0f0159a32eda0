import { strict as assert } from 'node:assert';
import { rfc3339 } from '../../../src/serve/migration-json';

describe('the API migration object: rfc3339()', () => {
  it('writes exactly what Date.prototype.toISOString writes, for every kind of time', () => {
    const edges = [0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 1_709_164_799_999, 253_402_300_799_999, 1.7, 1_733_000_000_123.9];
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * 4_102_444_800_000; // to 2100
    const times = [...edges, ...Array.from({ length: 20_000 }, random)];
    for (const t of times) assert.equal(rfc3339(t), new Date(t).toISOString(), `at ${t}`);
  });

  it('hands times outside 0000–9999 and before 1970 to Date, and says undefined for an impossible one', () => {
    for (const t of [-1, -86_400_001, -62_198_755_200_000, 253_402_300_800_000, 8.64e15]) assert.equal(rfc3339(t), new Date(t).toISOString(), `at ${t}`);
    for (const t of [undefined, Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1, -8.64e15 - 1]) assert.equal(rfc3339(t), undefined, `at ${t}`);
  });
});
