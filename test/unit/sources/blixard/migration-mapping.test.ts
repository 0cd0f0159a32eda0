import { strict as assert } from 'node:assert';
import { wireMigration } from './wire-fixtures';
import { blixardMigrationState, blixardPhaseWord, toMigrationObservation } from '../../../../src/sources/blixard/migration-mapping';

describe('Blixard migration mapping', () => {
  it('maps a running live migration with its phases in time order', () => {
    const progress = { totalBytes: '1000', transferredBytes: '400', remainingBytes: '600', dirtyRateBytesPerSec: '10', bandwidthBytesPerSec: '200', precopyRound: 2, remainingIsUpperBound: false };
    const { migration, phases } = toMigrationObservation(wireMigration({ progress }), { sourceId: 'blixard/lab', datacenter: 'dc-1' });
    assert.deepEqual(migration, {
      id: 'blixard/lab/m-1',
      kind: 'blixard',
      cluster: 'blixard/lab',
      datacenter: 'dc-1',
      vm: 'web-1',
      name: 'm-1',
      sourceNode: '1',
      targetNode: '2',
      mode: 'live',
      origin: 'user',
      phase: 'Transferring',
      state: 'running',
      createdAt: 1000,
      startedAt: 1010,
      labels: {},
      progress: { totalBytes: 1000, transferredBytes: 400, remainingBytes: 600, dirtyRateBytesPerSec: 10, bandwidthBytesPerSec: 200, precopyRound: 2 },
    });
    assert.deepEqual(phases, [
      { migrationId: 'blixard/lab/m-1', phase: 'Preparing', at: 1010 },
      { migrationId: 'blixard/lab/m-1', phase: 'Transferring', at: 1200 },
    ]);
  });

  it("keeps a runtime's word that remaining bytes are an upper bound (QEMU)", () => {
    const progress = { totalBytes: '1000', transferredBytes: '400', remainingBytes: '600', dirtyRateBytesPerSec: '0', bandwidthBytesPerSec: '200', precopyRound: 1, remainingIsUpperBound: true };
    assert.equal(toMigrationObservation(wireMigration({ progress }), { sourceId: 's' }).migration.progress?.remainingIsUpperBound, true);
  });

  it('maps final states with end time, duration and reason', () => {
    const failed = toMigrationObservation(
      wireMigration({
        liveMigration: false,
        status: 'MIGRATION_STATUS_FAILED',
        message: 'target ran out of memory',
        endedAtUnixMs: '2010',
        phases: [
          { status: 'MIGRATION_STATUS_PREPARING', atUnixMs: '1010' },
          { status: 'MIGRATION_STATUS_FAILED', atUnixMs: '2010' },
        ],
      }),
      { sourceId: 's' },
    ).migration;
    assert.equal(failed.mode, 'cold');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.phase, 'Failed');
    assert.equal(failed.endedAt, 2010);
    assert.equal(failed.durationMs, 1000);
    assert.equal(failed.failureReason, 'target ran out of memory');
    assert.equal(failed.datacenter, undefined);
    assert.equal(failed.progress, undefined);

    const done = toMigrationObservation(wireMigration({ status: 'MIGRATION_STATUS_COMPLETED', message: 'ok', endedAtUnixMs: '3000' }), { sourceId: 's' }).migration;
    assert.equal(done.state, 'succeeded');
    assert.equal(done.failureReason, undefined, 'a success has no failure reason');
    assert.equal(done.downtimeMs, undefined, '0 on the wire is "not measured", never "0 ms"');
    const paused = toMigrationObservation(wireMigration({ status: 'MIGRATION_STATUS_COMPLETED', endedAtUnixMs: '3000', downtimeMs: 149 }), { sourceId: 's' }).migration;
    assert.equal(paused.downtimeMs, 149);
  });

  it('uses one word per status, and safe defaults for unknown ones', () => {
    assert.deepEqual(
      ['PREPARING', 'TRANSFERRING', 'SWITCHING', 'COMPLETED', 'FAILED', 'CANCELLED', 'UNKNOWN'].map((s) => blixardPhaseWord(`MIGRATION_STATUS_${s}`)),
      ['Preparing', 'Transferring', 'Switching', 'Completed', 'Failed', 'Cancelled', 'Unknown'],
    );
    assert.equal(blixardPhaseWord('SOMETHING_NEW'), 'Unknown');
    assert.equal(blixardMigrationState('MIGRATION_STATUS_CANCELLED'), 'cancelled');
    assert.equal(blixardMigrationState('SOMETHING_NEW'), 'pending');
  });

  it('tolerates missing times and node ids', () => {
    const { migration, phases } = toMigrationObservation(
      wireMigration({ sourceNodeId: '0', createdAtUnixMs: '0', phases: [], status: 'MIGRATION_STATUS_UNKNOWN' }),
      { sourceId: 's' },
    );
    assert.equal(migration.sourceNode, undefined);
    assert.equal(migration.createdAt, 1500);
    assert.equal(migration.startedAt, undefined);
    assert.deepEqual(phases, []);
  });
});
