import { strict as assert } from 'node:assert';
import { progressFigures, transferRate } from '../../../src/protocol/progress-figures';

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

  it('derives the rate from two samples when the runtime reports no bandwidth', () => {
    const p = { totalBytes: 1000, transferredBytes: 600, remainingBytes: 400, dirtyRateBytesPerSec: 0, precopyRound: 1 };
    assert.equal(transferRate(p), undefined);
    assert.equal(transferRate(p, { at: 1000, transferredBytes: 400 }, 3000), 100);
    assert.equal(progressFigures(p, { at: 1000, transferredBytes: 400 }, 3000).eta, '4s');
  });
});
