// A running migration's byte progress in the Migrations view's row, its tooltip and the status
// bar's tooltip, whichever source reported it (here a KubeVirt migration with the figures its
// Prometheus gave): a percentage in the first pre-copy round, the round's number after it (a
// percentage of its own would run backwards), the rate, and the time left or why there is none.

import * as assert from 'node:assert/strict';
import type { Migration, MigrationProgress } from '../../../src/model/migration';
import { activeStatusLook, migrationLook, progressWords } from '../../../src/ui/migrations/core/migrations-presentation';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const now = Date.UTC(2026, 11, 4, 3, 0, 0);

function migration(progress?: MigrationProgress, patch: Partial<Migration> = {}): Migration {
  return {
    id: 'kubevirt:prod/default/kubevirt-migrate-vm-x7k2p', kind: 'kubevirt', cluster: 'kubevirt:prod', namespace: 'default', vm: 'web-1',
    name: 'kubevirt-migrate-vm-x7k2p', sourceNode: 'node01', targetNode: 'node02', mode: 'PreCopy', origin: 'user', phase: 'Running',
    state: 'running', createdAt: now - 20_000, startedAt: now - 10_000, labels: {}, ...(progress ? { progress } : {}), ...patch,
  };
}

const round1: MigrationProgress = { totalBytes: 2 * GIB, transferredBytes: 0.84 * GIB, remainingBytes: 1.16 * GIB, dirtyRateBytesPerSec: 100 * MIB, bandwidthBytesPerSec: 400 * MIB, precopyRound: 1 };

describe('progress words (Migrations view, status bar)', () => {
  it('gives the first round a percentage, the rate and the time left', () => {
    assert.equal(progressWords(migration(round1)), '42% · 400 MiB/s · ETA 4s');
    const look = migrationLook(migration(round1), { now });
    assert.equal(look.description, 'node01 → node02 · Running · 42% · 400 MiB/s · ETA 4s · 20s');
    assert.match(look.tooltip, /Progress: 42% · 400 MiB\/s · ETA 4s/);
    assert.match(activeStatusLook([migration(round1)], now)!.tooltip, /Running · 42% · 400 MiB\/s · ETA 4s · 20s/);
  });

  it('names a later round instead of a percentage that would run backwards', () => {
    const round2 = { ...round1, transferredBytes: 2.3 * GIB, remainingBytes: 0.4 * GIB, precopyRound: 2 };
    assert.equal(progressWords(migration(round2)), 'round 2 · 400 MiB/s · ETA 2s');
  });

  it('says a copy the guest outruns is not converging, and says nothing without figures or once ended', () => {
    assert.equal(progressWords(migration({ ...round1, dirtyRateBytesPerSec: 500 * MIB })), '42% · 400 MiB/s · not converging');
    assert.equal(progressWords(migration()), undefined);
    assert.equal(migrationLook(migration(), { now }).description, 'node01 → node02 · Running · 20s');
    assert.equal(progressWords(migration(round1, { state: 'succeeded', phase: 'Succeeded' })), undefined);
  });
});
