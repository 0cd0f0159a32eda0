import { strict as assert } from 'node:assert';
import { bytesToMb, parseCpuCores, parseMemoryBytes, parseQuantity } from '../../../../src/sources/kubevirt/quantity';

describe('kubevirt quantity parsing', () => {
  it('reads CPU quantities as cores', () => {
    assert.equal(parseCpuCores('2'), 2);
    assert.equal(parseCpuCores('500m'), 0.5);
    assert.equal(parseCpuCores('3800m'), 3.8);
    assert.equal(parseCpuCores('1.5'), 1.5);
    assert.equal(parseCpuCores(4), 4);
  });

  it('reads memory quantities in binary, decimal and exponent forms', () => {
    assert.equal(parseMemoryBytes('4Gi'), 4 * 2 ** 30);
    assert.equal(parseMemoryBytes('1024Mi'), 2 ** 30);
    assert.equal(parseMemoryBytes('128974848'), 128974848);
    assert.equal(parseMemoryBytes('1e9'), 1e9);
    assert.equal(parseMemoryBytes('129e6'), 129e6);
    assert.equal(parseMemoryBytes('1G'), 1e9);
    assert.equal(parseMemoryBytes('2Ki'), 2048);
    assert.equal(parseQuantity('1E'), 1e18, 'E alone is the exa suffix, not an exponent');
    assert.equal(bytesToMb(4 * 2 ** 30), 4096);
  });

  it('answers undefined for anything that is not a quantity', () => {
    for (const bad of ['', 'abc', '4 Gi', '4GiB', '--1', null, undefined, {}, NaN, '1e', 'Mi']) {
      assert.equal(parseQuantity(bad), undefined, JSON.stringify(bad));
    }
  });
});
