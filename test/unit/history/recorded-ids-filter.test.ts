// The host's Bloom filter of recorded migration ids: never says "not recorded" of an id it was
// given, and keeps its error rate when a window records far more ids than it was sized for.

import assert from 'node:assert/strict';
import { RecordedIds } from '../../../src/history/worker/recorded-ids-filter';

function falsePositiveRate(ids: RecordedIds, probes: number): number {
  let wrong = 0;
  for (let i = 0; i < probes; i++) if (ids.mightHold(`never/default/probe-${i}`)) wrong++;
  return wrong / probes;
}

describe('history: the recorded-ids filter', () => {
  it('holds every id added, and grows instead of filling up', () => {
    const ids = RecordedIds.sizedFor(0); // room for 100,000
    for (let i = 0; i < 400_000; i++) ids.add(`c/default/m-${i}`);
    // (Every one: a hash once came out negative and lost ~40 % of the ids to no-op writes past the end.)
    for (let i = 0; i < 400_000; i++) if (!ids.mightHold(`c/default/m-${i}`)) assert.fail(`id ${i} was added, the filter says it was not`);
    // One layer would be saturated at four times its room (error ~ 50 %); the layers keep it near 0.007 %.
    const rate = falsePositiveRate(ids, 50_000);
    assert.ok(rate < 0.0005, `false-positive rate ${(rate * 100).toFixed(2)} %`);
  });

  it('goes to the other thread as its first layer and goes on growing there', () => {
    const worker = RecordedIds.sizedFor(1000);
    for (let i = 0; i < 1000; i++) worker.add(`c/default/old-${i}`);
    const host = RecordedIds.from(worker.filter);
    assert.equal(worker.filter.ids, 1000);
    for (let i = 0; i < 1000; i++) assert.ok(host.mightHold(`c/default/old-${i}`));
    for (let i = 0; i < 250_000; i++) host.add(`c/default/new-${i}`);
    assert.ok(host.mightHold('c/default/new-249999') && host.mightHold('c/default/old-0'));
    assert.ok(falsePositiveRate(host, 20_000) < 0.0005);
    assert.throws(() => RecordedIds.from({ ...worker.filter, hashes: 3 }), /3 hashes/);
  });
});
