// The convergence verdict: converging, slow, not converging, a new pre-copy round, stale figures,
// missing rates, and figures that are not figures (zero, negative, NaN) — on samples made the way
// a pre-copy runtime makes them (the companion's simulated runtime's arithmetic).

import * as assert from 'node:assert/strict';
import { convergenceVerdict } from '../../../src/model/convergence/convergence-verdict';
import type { ConvergenceSample } from '../../../src/model/convergence/convergence-input';
import { cleanSample, sampleFromProgress } from '../../../src/model/convergence/convergence-input';
import { adviceSentence, roundProgressText, sentText, verdictText } from '../../../src/model/convergence/convergence-words';
import { appendSample, emptySeries, seriesSamples, MAX_SERIES_POINTS } from '../../../src/model/convergence/progress-series';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const T0 = 1_700_000_000_000;

/** Pre-copy as the simulated runtime does it: round 1 sends all memory, each next round what was dirtied meanwhile. */
function precopy(opts: { total: number; rate: number; dirty: number; everyMs?: number; forMs: number; reportRound?: boolean; reportRates?: boolean }): ConvergenceSample[] {
  const every = opts.everyMs ?? 100;
  const samples: ConvergenceSample[] = [];
  let toSend = opts.total;
  let dirtied = 0;
  let sent = 0;
  let round = 1;
  for (let t = 0; t <= opts.forMs; t += every) {
    const s: ConvergenceSample = { at: T0 + t, totalBytes: opts.total, transferredBytes: Math.round(sent), remainingBytes: Math.round(toSend + dirtied) };
    if (opts.reportRound !== false) s.round = round;
    if (opts.reportRates !== false) {
      s.transferRateBytesPerSec = opts.rate;
      s.dirtyRateBytesPerSec = opts.dirty;
    }
    samples.push(s);
    const step = (opts.rate * every) / 1000;
    const sending = Math.min(step, toSend);
    toSend -= sending;
    sent += sending;
    dirtied = Math.min(opts.total, dirtied + (opts.dirty * every) / 1000);
    if (toSend <= 0) {
      toSend = dirtied;
      dirtied = 0;
      round++;
    }
  }
  return samples;
}

const lastAt = (s: ConvergenceSample[]) => s[s.length - 1].at;

describe('convergence verdict', () => {
  it('converging: a quiet guest on a fast link, with the time left the arithmetic gives', () => {
    const samples = precopy({ total: 4 * GIB, rate: 1000 * MIB, dirty: 20 * MIB, forMs: 2000 });
    const v = convergenceVerdict(samples, {}, lastAt(samples));
    assert.equal(v.state, 'converging');
    const expected = (samples[samples.length - 1].remainingBytes! / (980 * MIB)) * 1000;
    assert.ok(Math.abs(v.etaMs! - expected) < expected * 0.05, `ETA ${v.etaMs} vs ${expected}`);
    assert.match(v.headline, /^Converging, about \ds left$/);
    assert.equal(v.reason, 'the link sends 1000 MiB/s, the guest dirties 20 MiB/s');
    assert.deepEqual(v.advice, []);
    assert.equal(v.etaTrend, 'steady');
  });

  it('slow: the guest dirties most of the link — says both rates and the time left, and what would help', () => {
    const samples = precopy({ total: 64 * GIB, rate: 900 * MIB, dirty: 700 * MIB, forMs: 6000 });
    const v = convergenceVerdict(samples, { bandwidthLimitBytesPerSec: 900 * MIB, canAutoConverge: true, autoConverge: false, canPostCopy: true, canMigrateCold: true }, lastAt(samples));
    assert.equal(v.state, 'slow');
    assert.match(v.headline, /^Slow: the guest dirties 700 MiB\/s of a 900 MiB\/s link, about \d+m \d\ds left$/);
    assert.deepEqual(v.advice, [
      'a higher bandwidth limit (now 900 MiB/s)',
      'auto-converge (slows the guest until the copy catches up)',
      'post-copy (the guest runs on the target while its memory follows)',
      'migrating cold (the VM stops while it moves)',
    ]);
    assert.match(adviceSentence(v.advice)!, /^Would help: a higher bandwidth limit \(now 900 MiB\/s\), auto-converge .*, post-copy .* or migrating cold .*\.$/);
  });

  it('a long way to go at a modest dirty share is slow too (over five minutes left)', () => {
    const samples = precopy({ total: 512 * GIB, rate: 500 * MIB, dirty: 10 * MIB, forMs: 3000 });
    const v = convergenceVerdict(samples, {}, lastAt(samples));
    assert.equal(v.state, 'slow');
    assert.match(v.headline, /^Slow: the guest dirties 10 MiB\/s of a 500 MiB\/s link, about \d+m \d\ds left$/);
  });

  it('not converging: the guest dirties faster than the link sends — no ETA, and advice from what the cluster offers', () => {
    const samples = precopy({ total: 2 * GIB, rate: 300 * MIB, dirty: 400 * MIB, forMs: 3000 });
    const v = convergenceVerdict(samples, { canMigrateCold: true }, lastAt(samples));
    assert.equal(v.state, 'not-converging');
    assert.equal(v.headline, 'Will not converge: the guest dirties memory faster than the link sends it');
    assert.equal(v.etaMs, undefined);
    assert.deepEqual(v.advice, ['a faster migration link', 'migrating cold (the VM stops while it moves)']);
    // Auto-converge already on is not advised again; post-copy only where the cluster has it.
    const on = convergenceVerdict(samples, { canAutoConverge: true, autoConverge: true }, lastAt(samples));
    assert.deepEqual(on.advice, ['a faster migration link']);
  });

  it('a round whose remaining grows (the guest re-dirties faster) still shows what it sent of the round, never less', () => {
    const samples = precopy({ total: 2 * GIB, rate: 300 * MIB, dirty: 400 * MIB, forMs: 3000 });
    const v = convergenceVerdict(samples, {}, lastAt(samples));
    assert.equal(v.round, 1);
    assert.ok(samples[samples.length - 1].remainingBytes! > 2 * GIB, 'remaining grew past the memory');
    const sentShare = samples[samples.length - 1].transferredBytes! / (2 * GIB);
    assert.ok(Math.abs(v.roundFraction! - sentShare) < 0.01, `${v.roundFraction} vs ${sentShare}`);
  });

  it('not converging without a dirty rate: each round leaves as much as the last', () => {
    const samples: ConvergenceSample[] = [];
    let at = T0;
    for (let round = 1; round <= 4; round++) {
      for (let i = 0; i < 10; i++) samples.push({ at: (at += 100), round, remainingBytes: 500 * MIB - i * 40 * MIB, transferRateBytesPerSec: 400 * MIB });
    }
    const v = convergenceVerdict(samples, {}, lastAt(samples));
    assert.equal(v.state, 'not-converging');
    assert.equal(v.headline, 'Will not converge: each pre-copy round leaves as much to send as the last');
    assert.equal(v.reason, 'the link sends 400 MiB/s; the dirty rate is not reported');
  });

  it('a new pre-copy round: the round figure starts again, overall sent never falls, the ETA stays sane', () => {
    const samples = precopy({ total: 1 * GIB, rate: 1000 * MIB, dirty: 300 * MIB, forMs: 1300 });
    const rounds = new Set(samples.map((s) => s.round));
    assert.ok(rounds.has(2), 'the run reaches round 2');
    let sent = 0;
    let prevRound = 1;
    let prevFraction = 0;
    for (let i = 1; i <= samples.length; i++) {
      const v = convergenceVerdict(samples.slice(0, i), {}, samples[i - 1].at);
      assert.ok(v.sentBytes! >= sent, 'sent never falls');
      sent = v.sentBytes!;
      if (v.round === prevRound) assert.ok(v.roundFraction! >= prevFraction, `round ${v.round}: ${v.roundFraction} after ${prevFraction}`);
      prevRound = v.round!;
      prevFraction = v.roundFraction!;
    }
    const v = convergenceVerdict(samples, {}, lastAt(samples));
    assert.equal(v.round, 2);
    assert.equal(v.roundBytes, samples.find((s) => s.round === 2)!.remainingBytes);
    assert.match(roundProgressText(v)!, /^round 2: \d+(\.\d)?% of \d+(\.\d+)? MiB$/);
    assert.match(sentText(v)!, /^1\.\d+ GiB sent in all \(1\.\d× the memory\)$/);
    assert.ok(v.etaMs! > 0 && v.etaMs! < 2000);
  });

  it('a new round read from remaining jumping up, when the runtime does not count rounds', () => {
    const samples: ConvergenceSample[] = [
      { at: T0, totalBytes: GIB, remainingBytes: GIB, transferredBytes: 0, transferRateBytesPerSec: 500 * MIB },
      { at: T0 + 1000, totalBytes: GIB, remainingBytes: 100 * MIB, transferredBytes: 924 * MIB, transferRateBytesPerSec: 500 * MIB },
      { at: T0 + 2000, totalBytes: GIB, remainingBytes: 300 * MIB, transferredBytes: 1024 * MIB, transferRateBytesPerSec: 500 * MIB },
      { at: T0 + 2500, totalBytes: GIB, remainingBytes: 200 * MIB, transferredBytes: 1124 * MIB, transferRateBytesPerSec: 500 * MIB },
    ];
    const v = convergenceVerdict(samples, {}, T0 + 2500);
    assert.equal(v.round, 2);
    assert.equal(v.roundBytes, 300 * MIB);
    assert.ok(Math.abs(v.roundFraction! - 1 / 3) < 0.01);
    assert.equal(v.sentBytes, 1124 * MIB);
  });

  it('stale: figures older than a few seconds are not live — no ETA, and says how old', () => {
    const samples = precopy({ total: 4 * GIB, rate: 1000 * MIB, dirty: 20 * MIB, forMs: 1000 });
    const v = convergenceVerdict(samples, {}, lastAt(samples) + 12_000);
    assert.equal(v.state, 'stale');
    assert.equal(v.headline, 'No new figures for 12s: not live');
    assert.equal(v.etaMs, undefined);
    assert.equal(convergenceVerdict(samples, {}, lastAt(samples) + 4_000).state, 'converging');
  });

  it('stalled: figures keep coming but nothing is sent', () => {
    const samples: ConvergenceSample[] = [];
    for (let i = 0; i <= 12; i++) samples.push({ at: T0 + i * 1000, remainingBytes: 800 * MIB, transferredBytes: 200 * MIB, totalBytes: GIB, transferRateBytesPerSec: 100 * MIB, round: 1 });
    const v = convergenceVerdict(samples, {}, lastAt(samples));
    assert.equal(v.state, 'stalled');
    assert.equal(v.headline, 'Stalled: nothing sent for 12s');
    assert.deepEqual(v.advice, ['check the link between the nodes and the target node']);
  });

  it('missing rates: measures from sent bytes, and says so while it cannot', () => {
    const first = [{ at: T0, remainingBytes: GIB, transferredBytes: 0, totalBytes: GIB }];
    assert.equal(convergenceVerdict(first, {}, T0).state, 'unknown');
    assert.equal(convergenceVerdict(first, {}, T0).headline, 'Measuring the transfer rate…');
    const more = [...first, { at: T0 + 1000, remainingBytes: 512 * MIB, transferredBytes: 512 * MIB, totalBytes: GIB }];
    const v = convergenceVerdict(more, {}, T0 + 1000);
    assert.equal(v.state, 'converging');
    assert.equal(v.transferRate, 512 * MIB);
    assert.match(v.reason!, /dirty rate is not reported/);
    assert.ok(Math.abs(v.etaMs! - 1000) < 1);
  });

  it('no samples, and samples of zero, negative, NaN and infinite figures: never throws, never a false ETA', () => {
    assert.equal(convergenceVerdict([], {}, T0).state, 'unknown');
    assert.equal(convergenceVerdict([], {}, T0).headline, 'No progress figures yet');
    const junk: ConvergenceSample[] = [
      { at: NaN, remainingBytes: 1 },
      { at: T0, remainingBytes: -5, transferredBytes: NaN, totalBytes: 0, transferRateBytesPerSec: 0, dirtyRateBytesPerSec: Infinity, round: -1 },
      { at: T0 + 500, remainingBytes: Infinity, transferRateBytesPerSec: -1, dirtyRateBytesPerSec: NaN },
      { at: T0 + 400, remainingBytes: 10 }, // out of order
    ];
    const v = convergenceVerdict(junk, { bandwidthLimitBytesPerSec: NaN }, T0 + 500);
    assert.equal(v.state, 'unknown');
    assert.equal(v.etaMs, undefined);
    assert.equal(v.round, 1);
    assert.deepEqual(cleanSample({ at: T0, remainingBytes: -5, transferRateBytesPerSec: 0, dirtyRateBytesPerSec: 0 }), { at: T0 });
    // A quiet guest's dirty rate of 0 is a figure beside a measured rate.
    assert.deepEqual(cleanSample({ at: T0, transferRateBytesPerSec: 5, dirtyRateBytesPerSec: 0 }), { at: T0, transferRateBytesPerSec: 5, dirtyRateBytesPerSec: 0 });
    // Nothing left: switching over, whatever the rates.
    assert.equal(convergenceVerdict([{ at: T0, remainingBytes: 0 }], {}, T0).headline, 'Converged: switching over');
  });

  it('the ETA is smoothed: one late update does not double it, and its trend says when the finish slips', () => {
    const samples = precopy({ total: 8 * GIB, rate: 1000 * MIB, dirty: 50 * MIB, forMs: 6000 });
    const before = convergenceVerdict(samples, {}, lastAt(samples));
    // The link halves for one update.
    const last = samples[samples.length - 1];
    const slowOne = { ...last, at: last.at + 100, transferRateBytesPerSec: 500 * MIB, remainingBytes: last.remainingBytes! - 45 * MIB };
    const after = convergenceVerdict([...samples, slowOne], {}, slowOne.at);
    assert.ok(after.etaMs! < before.etaMs! * 1.2, `${after.etaMs} after ${before.etaMs}`);
    // The link stays at half for seconds: the finish moves later.
    const slower = precopy({ total: 8 * GIB, rate: 1000 * MIB, dirty: 50 * MIB, forMs: 3000 });
    let remaining = slower[slower.length - 1].remainingBytes!;
    for (let t = 100; t <= 6000; t += 100) {
      remaining -= 45 * MIB;
      slower.push({ at: lastAt(slower) + 100, totalBytes: 8 * GIB, remainingBytes: remaining, transferRateBytesPerSec: 500 * MIB, dirtyRateBytesPerSec: 50 * MIB, round: 1, transferredBytes: 8 * GIB - remaining });
    }
    assert.equal(convergenceVerdict(slower, {}, lastAt(slower)).etaTrend, 'later');
  });

  it('QEMU: remaining that may cross almost free gives a bound until a pace is seen', () => {
    const v = convergenceVerdict([{ at: T0, remainingBytes: GIB, totalBytes: GIB, transferRateBytesPerSec: 100 * MIB, dirtyRateBytesPerSec: 0, remainingIsUpperBound: true, round: 1 }], {}, T0);
    assert.equal(v.etaIsUpperBound, true);
    assert.equal(v.headline, 'Converging, at most 11s left');
  });

  it('reads MigrationProgress (what every source normalises into), and words the whole verdict for a screen reader', () => {
    const s = sampleFromProgress({ totalBytes: GIB, transferredBytes: 0, remainingBytes: GIB, dirtyRateBytesPerSec: 10 * MIB, bandwidthBytesPerSec: 100 * MIB, precopyRound: 0 }, T0);
    assert.deepEqual(s, { at: T0, totalBytes: GIB, transferredBytes: 0, remainingBytes: GIB, dirtyRateBytesPerSec: 10 * MIB, transferRateBytesPerSec: 100 * MIB });
    const v = convergenceVerdict([s], { canMigrateCold: true }, T0);
    assert.equal(verdictText(v), 'Converging, about 12s left. The link sends 100 MiB/s, the guest dirties 10 MiB/s. ETA holding steady.');
  });
});

describe('progress series', () => {
  it('keeps a bounded columnar series, dropping repeats, out-of-order and timeless samples', () => {
    const series = emptySeries();
    assert.equal(appendSample(series, { at: T0, remainingBytes: 10, transferredBytes: 0, totalBytes: 10 }), true);
    assert.equal(appendSample(series, { at: T0 + 100, remainingBytes: 10, transferredBytes: 0 }), false, 'the same figures within a second');
    assert.equal(appendSample(series, { at: T0 - 1, remainingBytes: 5 }), false);
    assert.equal(appendSample(series, { at: NaN, remainingBytes: 5 }), false);
    assert.equal(appendSample(series, { at: T0 + 200, remainingBytes: 5, transferredBytes: 5, dirtyRateBytesPerSec: NaN }), true);
    assert.deepEqual(series, { at: [T0, T0 + 200], transferred: [0, 5], remaining: [10, 5], rate: [null, null], dirty: [null, null], round: [null, null], totalBytes: 10 });
    assert.deepEqual(seriesSamples(series)[1], { at: T0 + 200, transferredBytes: 5, remainingBytes: 5, totalBytes: 10 });
  });

  it('thins its older part when full: stays under the bound, keeps the first point, the newest, and each round\'s last', () => {
    const series = emptySeries();
    for (let i = 0; i < 5000; i++) appendSample(series, { at: T0 + i * 100, remainingBytes: 5000 - i, transferredBytes: i, round: 1 + Math.floor(i / 1000) });
    assert.ok(series.at.length <= MAX_SERIES_POINTS);
    assert.equal(series.at[0], T0);
    assert.equal(series.at[series.at.length - 1], T0 + 4999 * 100);
    for (const round of [1, 2, 3, 4]) assert.ok(series.at.includes(T0 + (round * 1000 - 1) * 100), `round ${round}'s last point`);
    for (let i = 1; i < series.at.length; i++) assert.ok(series.at[i] > series.at[i - 1]);
  });
});
