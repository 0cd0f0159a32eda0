import { strict as assert } from 'node:assert';
import { progressFigures, ProgressTrend, transferRate } from '../../../src/protocol/progress-figures';

const MiB = 1024 * 1024;

describe('dialog: progress figures', () => {
  it('words its figures with the one vocabulary', () => {
    const f = progressFigures({ totalBytes: 4 * 1024 * MiB, transferredBytes: 1536, remainingBytes: 512 * MiB, dirtyRateBytesPerSec: 0, bandwidthBytesPerSec: 80 * MiB, precopyRound: 1 });
    assert.equal(f.total, '4 GiB');
    assert.equal(f.transferred, '1.5 KiB');
    assert.equal(f.remaining, '512 MiB');
    assert.equal(f.rate, '80 MiB/s');
  });

  it('rounds the time left up: a gigabyte to go is never "ETA 0s"', () => {
    // 1.03 GiB at 1.16 GiB/s is 0.89 s: the seen "ETA 0s" promised a finish the transfer could not keep.
    const GiB = 1024 * MiB;
    const f = progressFigures({ totalBytes: 2 * GiB, transferredBytes: 0.97 * GiB, remainingBytes: 1.03 * GiB, dirtyRateBytesPerSec: 0, bandwidthBytesPerSec: 1.16 * GiB, precopyRound: 1 });
    assert.equal(f.remaining, '1.03 GiB');
    assert.equal(f.rate, '1.16 GiB/s');
    assert.equal(f.eta, '<1s');
    const g = progressFigures({ totalBytes: 2 * GiB, transferredBytes: GiB, remainingBytes: 1.5 * GiB, dirtyRateBytesPerSec: 0, bandwidthBytesPerSec: GiB, precopyRound: 1 });
    assert.equal(g.eta, '2s');
  });

  it('computes fraction, rate and an ETA net of the dirty rate', () => {
    const f = progressFigures({ totalBytes: 1024 * MiB, transferredBytes: 256 * MiB, remainingBytes: 768 * MiB, dirtyRateBytesPerSec: 16 * MiB, bandwidthBytesPerSec: 80 * MiB, precopyRound: 2 });
    assert.equal(f.fraction, 0.25);
    assert.equal(f.transferred, '256 MiB');
    assert.equal(f.remaining, '768 MiB');
    assert.equal(f.rate, '80 MiB/s');
    assert.equal(f.eta, '12s'); // 768 MiB / (80 − 16) MiB/s
    assert.equal(f.round, 2);
  });

  it('gives no ETA when the guest dirties memory faster than it is copied', () => {
    const f = progressFigures({ totalBytes: 100, transferredBytes: 50, remainingBytes: 50, dirtyRateBytesPerSec: 20, bandwidthBytesPerSec: 10, precopyRound: 5 });
    assert.equal(f.eta, undefined);
  });

  it('derives the rate from two updates when the runtime reports no bandwidth', () => {
    const trend = new ProgressTrend();
    const earlier = { totalBytes: 1000, transferredBytes: 400, remainingBytes: 600, dirtyRateBytesPerSec: 0, precopyRound: 1 };
    const p = { ...earlier, transferredBytes: 600, remainingBytes: 400 };
    assert.equal(transferRate(p), undefined);
    trend.observe(earlier, 1000);
    assert.equal(transferRate(earlier, trend), undefined, 'one update is no pace');
    trend.observe(p, 3000);
    assert.equal(transferRate(p, trend), 100);
    assert.equal(progressFigures(p, trend).eta, '4s');
  });

  it('reads the time left from how fast what remains falls, not from the link rate (QEMU sends untouched pages as a few bytes)', () => {
    // A freshly booted 512 MiB guest at 80 MiB/s: mostly zero pages, so remaining falls at 400 MiB/s.
    // From the rate alone the ETA was 5.6 s for a copy that took about 1.1 s.
    const trend = new ProgressTrend();
    const at = (t: number, remainingMiB: number) => ({ totalBytes: 512 * MiB, transferredBytes: t * 80 * MiB, remainingBytes: remainingMiB * MiB, dirtyRateBytesPerSec: 0, bandwidthBytesPerSec: 80 * MiB, precopyRound: 1 });
    trend.observe(at(0, 512), 0);
    assert.equal(progressFigures(at(0, 512), trend).eta, '7s', 'before a pace is seen: remaining over the rate');
    trend.observe(at(0.5, 312), 500);
    const f = progressFigures(at(0.5, 312), trend);
    assert.equal(f.rate, '80 MiB/s', 'the rate shown is still the link\'s');
    assert.equal(f.etaMs, 780); // 312 MiB at 400 MiB/s
    assert.equal(f.eta, '<1s');
  });

  it('starts a new pace with each pre-copy round, and when what remains grows again', () => {
    const trend = new ProgressTrend();
    const p = (remaining: number, round: number) => ({ totalBytes: 1000, transferredBytes: 2000 - remaining + round * 1000, remainingBytes: remaining, dirtyRateBytesPerSec: 10, bandwidthBytesPerSec: 110, precopyRound: round });
    trend.observe(p(800, 1), 0);
    trend.observe(p(400, 1), 1000); // 400 B/s in round 1
    assert.equal(progressFigures(p(400, 1), trend).etaMs, 1000);
    trend.observe(p(300, 2), 1500); // round 2: round 1's pace no longer applies
    assert.equal(trend.remainingFallPerSecond(), undefined);
    assert.equal(progressFigures(p(300, 2), trend).etaMs, 3000, 'remaining over the rate net of dirtying, until round 2 has a pace');
    trend.observe(p(200, 2), 2500);
    trend.observe(p(250, 2), 3000); // dirtied again: what fell before does not promise it falls now
    assert.equal(trend.remainingFallPerSecond(), undefined);
  });

  it('looks back a few seconds only, so a change of pace shows', () => {
    const trend = new ProgressTrend(2000);
    const p = (t: number, remaining: number) => ({ totalBytes: 100_000, transferredBytes: 100_000 - remaining, remainingBytes: remaining, dirtyRateBytesPerSec: 0, precopyRound: 1 });
    let remaining = 100_000;
    for (let t = 0; t <= 4000; t += 500) trend.observe(p(t, (remaining -= 5000)), t); // 10,000 B/s
    for (let t = 4500; t <= 8000; t += 500) trend.observe(p(t, (remaining -= 500)), t); // then 1,000 B/s
    assert.equal(Math.round(trend.remainingFallPerSecond()!), 1000);
  });

  it('gives no ETA while the guest dirties faster than the link sends, however fast remaining fell', () => {
    const trend = new ProgressTrend();
    const p = (remaining: number) => ({ totalBytes: 1000, transferredBytes: 1000 - remaining, remainingBytes: remaining, dirtyRateBytesPerSec: 200, bandwidthBytesPerSec: 100, precopyRound: 1 });
    trend.observe(p(900), 0);
    trend.observe(p(500), 1000);
    assert.equal(progressFigures(p(500), trend).eta, undefined);
  });

  it('ignores an update that repeats the figures held', () => {
    const trend = new ProgressTrend();
    const p = { totalBytes: 1000, transferredBytes: 100, remainingBytes: 900, dirtyRateBytesPerSec: 0, precopyRound: 1 };
    assert.equal(trend.observe(p, 0), true);
    assert.equal(trend.observe({ ...p }, 500), false);
  });

  it('words the time left as a bound when what remains may cross faster than the link sends (QEMU)', () => {
    const p = { totalBytes: 512 * MiB, transferredBytes: 80 * MiB, remainingBytes: 400 * MiB, dirtyRateBytesPerSec: 0, bandwidthBytesPerSec: 40 * MiB, precopyRound: 1, remainingIsUpperBound: true };
    assert.equal(progressFigures(p).eta, '≤ 10s');
    assert.equal(progressFigures({ ...p, remainingBytes: 0 }).eta, '0s', 'done is done, not "at most done"');
    assert.equal(progressFigures({ ...p, remainingIsUpperBound: undefined }).eta, '10s');
    // Once remaining has been seen to fall much faster than the link sends (untouched pages), that pace is the estimate and the link's worst case the bound beside it.
    const trend = new ProgressTrend();
    trend.observe({ ...p, remainingBytes: 480 * MiB, transferredBytes: 40 * MiB }, 0);
    trend.observe(p, 1000); // 80 MiB/s fall at a 40 MiB/s link
    const f = progressFigures(p, trend);
    assert.deepEqual([f.eta, f.etaBound], ['5s', '10s']);
  });
});
