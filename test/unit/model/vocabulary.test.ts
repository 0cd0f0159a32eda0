// Pins the product's one vocabulary: every surface formats through src/model/vocabulary.ts, so
// these strings are what a user reads in the dialog, the views, the output, the history and the CSV.

import assert from 'node:assert/strict';
import {
  countsAsFailure,
  currentPhaseWord,
  formatBytes,
  formatDuration,
  formatMemoryMb,
  formatPercent,
  formatRate,
  formatTimeLeft,
  modeToken,
  modeWord,
  phaseWord,
  stateTitle,
  stateWord,
  vmStateText,
  vmStateWord,
} from '../../../src/model/vocabulary';

describe('vocabulary', () => {
  it('says each outcome in one word, the same as its CSV token', () => {
    assert.deepEqual(
      (['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const).map(stateWord),
      ['pending', 'running', 'succeeded', 'failed', 'cancelled'],
    );
    assert.equal(stateTitle('cancelled'), 'Cancelled');
  });

  it('calls every live strategy live, and says post-copy where it applies', () => {
    assert.equal(modeWord('live'), 'live');
    assert.equal(modeWord('PreCopy'), 'live');
    assert.equal(modeWord('PostCopy'), 'live (post-copy)');
    assert.equal(modeWord('cold'), 'cold');
    assert.deepEqual(['live', 'PreCopy', 'PostCopy', 'cold'].map(modeToken), ['live', 'live', 'live', 'cold']);
  });

  it('names VM states in the same words on every kind', () => {
    assert.equal(vmStateWord('running'), 'running');
    assert.equal(vmStateWord('stopped'), 'stopped');
    assert.equal(vmStateText({ state: 'running', phase: 'Running' }), 'running');
    assert.equal(vmStateText({ state: 'running', phase: 'VM_STATE_RUNNING' }), 'running');
    assert.equal(vmStateText({ state: 'pending', phase: 'Scheduling' }), 'pending (Scheduling)');
  });

  it('does not count a cancellation as a failure', () => {
    assert.equal(countsAsFailure('cancelled'), false);
    assert.equal(countsAsFailure('failed'), true);
  });

  it('formats durations one way', () => {
    assert.deepEqual([0, 10, 850, 4200, 9940, 42_400, 172_000, 3_720_000].map(formatDuration), ['0ms', '10ms', '850ms', '4.2s', '9.9s', '42s', '2m 52s', '1h 02m']);
    assert.equal(formatDuration(-1), '—');
    assert.equal(formatDuration(Number.NaN), '—');
  });

  it('rounds time left up: never "0s" while anything remains', () => {
    assert.equal(formatTimeLeft(0), '0s');
    assert.equal(formatTimeLeft(300), '<1s');
    assert.equal(formatTimeLeft(1001), '2s');
    assert.equal(formatTimeLeft(59_001), '1m 00s');
  });

  it('formats sizes and rates in binary units', () => {
    assert.equal(formatMemoryMb(2048), '2 GiB');
    assert.equal(formatMemoryMb(512), '512 MiB');
    assert.equal(formatBytes(1.03 * 1024 ** 3), '1.03 GiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(100), '100 B');
    assert.equal(formatRate(112 * 1024 * 1024), '112 MiB/s');
  });

  it('never shows 100% before it is all', () => {
    assert.equal(formatPercent(0.9996), '99.9%');
    assert.equal(formatPercent(1), '100%');
    assert.equal(formatPercent(0.5), '50%');
    assert.equal(formatPercent(0), '0%');
  });
});

describe('vocabulary: phases', () => {
  it('says a final phase as the outcome, so a cancelled KubeVirt migration never reads "Failed"', () => {
    assert.equal(currentPhaseWord({ phase: 'Failed', state: 'cancelled' }), 'Cancelled');
    assert.equal(currentPhaseWord({ phase: 'Completed', state: 'succeeded' }), 'Succeeded');
    assert.equal(currentPhaseWord({ phase: 'PreparingTarget', state: 'running' }), 'PreparingTarget');
    assert.equal(phaseWord('Running', 'cancelled', false), 'Running');
  });
});
