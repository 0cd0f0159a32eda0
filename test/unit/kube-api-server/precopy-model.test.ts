// The stand-in's pre-copy figures move like a real guest's: processed only grows and ends above
// the guest's size, remaining falls within a round and jumps back up at the next, the rounds
// shrink by the dirty ratio until the switchover, and a guest that dirties as fast as the link
// sends never converges.

import * as assert from 'node:assert/strict';
import { precopyFigures, precopyRounds, transferRateFor } from '../../support/kube-api-server/precopy-model';

const GIB = 1024 ** 3;

describe('stand-in pre-copy model', () => {
  it('re-sends dirtied pages round by round and reaches the switchover at the end of the Running phase', () => {
    const workload = { memoryBytes: 2 * GIB, dirtyRatio: 0.5 };
    const rounds = precopyRounds(workload);
    assert.equal(rounds[0], 2 * GIB);
    for (let i = 1; i < rounds.length; i++) assert.equal(rounds[i], rounds[i - 1] * 0.5);
    assert.ok(rounds[rounds.length - 1] * 0.5 < 0.01 * 2 * GIB);
    const samples = Array.from({ length: 61 }, (_, i) => precopyFigures(workload, 6000, i * 100));
    for (let i = 1; i < samples.length; i++) assert.ok(samples[i].processedBytes >= samples[i - 1].processedBytes);
    assert.ok(samples.some((s, i) => i > 0 && s.remainingBytes > samples[i - 1].remainingBytes), 'remaining jumps up at a new round');
    const end = samples[samples.length - 1];
    assert.equal(end.remainingBytes, 0);
    assert.ok(end.processedBytes > 2 * GIB);
    assert.equal(end.dirtyRateBytesPerSec, Math.round(transferRateFor(workload, 6000) * 0.5));
    assert.ok(samples[59].round >= 5);
  });

  it('never converges when the guest dirties as fast as the link sends', () => {
    const workload = { memoryBytes: GIB, dirtyRatio: 1.2 };
    assert.ok(precopyRounds(workload).every((size) => size === GIB));
    const half = precopyFigures(workload, 4000, 2000);
    assert.ok(half.dirtyRateBytesPerSec > half.transferRateBytesPerSec);
    assert.ok(half.remainingBytes > 0 && half.round >= 2);
  });
});
