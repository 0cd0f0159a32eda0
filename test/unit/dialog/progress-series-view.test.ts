// The progress series in the dialog's view: the host's log extends it by a point per update and
// starts again for another migration; the webview's guard takes only equal columns of figures,
// times ascending, bounded — a malformed series makes the whole state refused, never drawn.

import * as assert from 'node:assert/strict';
import { isProgressSeries, isStateMessage, type MigrationView } from '../../../src/protocol/migration-dialog';
import { MAX_SERIES_POINTS } from '../../../src/model/convergence/progress-series';
import { MigrationProgressLog } from '../../../src/ui/dialog/core/migration-progress-log';
import { BLIXARD_TRAITS } from '../../../src/sources/blixard/blixard-kind';
import { migrationDialogTraits } from '../../../src/model/cluster-kind';
import { migrationView } from '../../../src/ui/dialog/core/dialog-view-model';
import type { Migration } from '../../../src/model/migration';

const T0 = 1_700_000_000_000;
const MIB = 1024 * 1024;

function view(id: string, remaining: number, transferred: number): MigrationView {
  return {
    id,
    name: 'm',
    phase: 'Transferring',
    state: 'running',
    mode: 'live',
    createdAt: T0,
    phases: [],
    progress: { totalBytes: 1024 * MIB, transferredBytes: transferred, remainingBytes: remaining, dirtyRateBytesPerSec: 10 * MIB, bandwidthBytesPerSec: 300 * MIB, precopyRound: 1 },
  };
}

describe('progress series in the dialog view', () => {
  it('the host log adds one point per update, sends a copy, and starts over for another migration', () => {
    const log = new MigrationProgressLog();
    const a = log.withSeries(view('c/1', 1000 * MIB, 24 * MIB), T0);
    const b = log.withSeries(view('c/1', 700 * MIB, 324 * MIB), T0 + 1000);
    assert.deepEqual(a.progressSeries!.at, [T0]);
    assert.deepEqual(b.progressSeries!.at, [T0, T0 + 1000]);
    assert.deepEqual(b.progressSeries!.remaining, [1000 * MIB, 700 * MIB]);
    assert.deepEqual(b.progressSeries!.rate, [300 * MIB, 300 * MIB]);
    assert.deepEqual(b.progressSeries!.round, [1, 1]);
    assert.equal(b.progressSeries!.totalBytes, 1024 * MIB);
    assert.ok(isProgressSeries(b.progressSeries));
    const other = log.withSeries(view('c/2', 1000 * MIB, 0), T0 + 2000);
    assert.deepEqual(other.progressSeries!.at, [T0 + 2000]);
    const noProgress = log.withSeries({ ...view('c/3', 0, 0), progress: undefined }, T0 + 3000);
    assert.equal(noProgress.progressSeries, undefined);
  });

  it('the guard refuses ragged, unordered, non-finite, negative, oversized and extra-keyed series', () => {
    const ok = { at: [T0, T0 + 1], transferred: [0, 1], remaining: [2, 1], rate: [null, 5], dirty: [null, null], round: [1, 1], totalBytes: 2 };
    assert.ok(isProgressSeries(ok));
    const bad: unknown[] = [
      { ...ok, transferred: [0] },
      { ...ok, at: [T0 + 1, T0] },
      { ...ok, rate: [NaN, 1] },
      { ...ok, dirty: [-1, 1] },
      { ...ok, round: ['1', 1] },
      { ...ok, extra: 1 },
      { ...ok, totalBytes: Infinity },
      { ...ok, remainingIsUpperBound: 'yes' },
      { at: Array.from({ length: MAX_SERIES_POINTS + 1 }, (_, i) => T0 + i), transferred: [], remaining: [], rate: [], dirty: [], round: [] },
      null,
      [],
    ];
    for (const b of bad) assert.equal(isProgressSeries(b), false, JSON.stringify(b)?.slice(0, 80));
    const cluster = { id: 'c', label: 'C', traits: migrationDialogTraits(BLIXARD_TRAITS) };
    const state = (m: unknown) => ({ type: 'state', hostNow: T0, state: { stage: 'tracking', cluster, nodes: [], migration: m } });
    assert.ok(isStateMessage(state({ ...view('c/1', 1, 1), progressSeries: ok, tuning: { canMigrateCold: true, bandwidthLimitBytesPerSec: 5 } })));
    assert.equal(isStateMessage(state({ ...view('c/1', 1, 1), progressSeries: { ...ok, rate: [1] } })), false);
    assert.equal(isStateMessage(state({ ...view('c/1', 1, 1), tuning: { canMigrateCold: 'yes' } })), false);
    assert.equal(isStateMessage(state({ ...view('c/1', 1, 1), tuning: { command: 'x' } })), false);
  });

  it("carries the migration's tuning, as the source reported it, into the view", () => {
    const migration: Migration = { id: 'k/ns/m', kind: 'kubevirt', cluster: 'k', vm: 'v', name: 'm', mode: 'live', origin: 'user', phase: 'Running', state: 'running', createdAt: T0, labels: {}, tuning: { bandwidthLimitBytesPerSec: 64 * MIB, autoConverge: false, canAutoConverge: true } };
    assert.deepEqual(migrationView({ migration, phases: [] }).tuning, { bandwidthLimitBytesPerSec: 64 * MIB, autoConverge: false, canAutoConverge: true });
  });
});
