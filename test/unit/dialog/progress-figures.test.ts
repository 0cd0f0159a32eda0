import { strict as assert } from 'node:assert';
import { formatBytes, formatDuration, progressFigures, transferRate } from '../../../src/dialog/progress-figures';

const MiB = 1024 * 1024;

describe('dialog: progress figures', () => {
  it('formats bytes and durations compactly', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1536), '1.50 KiB');
    assert.equal(formatBytes(512 * MiB), '512 MiB');
    assert.equal(formatBytes(4 * 1024 * MiB), '4.00 GiB');
    assert.equal(formatBytes(-1), '—');
    assert.equal(formatDuration(4_900), '4s');
    assert.equal(formatDuration(65_000), '1m 05s');
    assert.equal(formatDuration(2 * 3600_000 + 3 * 60_000), '2h 03m');
  });

  it('computes fraction, rate and an ETA net of the dirty rate', () => {
    const f = progressFigures({ totalBytes: 1024 * MiB, transferredBytes: 256 * MiB, remainingBytes: 768 * MiB, dirtyRateBytesPerSec: 16 * MiB, bandwidthBytesPerSec: 80 * MiB, precopyRound: 2 });
    assert.equal(f.fraction, 0.25);
    assert.equal(f.transferred, '256 MiB');
    assert.equal(f.remaining, '768 MiB');
    assert.equal(f.rate, '80.0 MiB/s');
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
