import { strict as assert } from 'node:assert';
import { MigrationLedger } from '../../../../src/sources/blixard/migration-ledger';
import { wireMigration } from './wire-fixtures';

describe('MigrationLedger', () => {
  it('applies updates in revision order and ignores repeats and late ones', () => {
    const ledger = new MigrationLedger();
    assert.equal(ledger.accept(wireMigration({ revision: '5', status: 'MIGRATION_STATUS_PREPARING' })).verdict, 'new');
    assert.equal(ledger.accept(wireMigration({ revision: '7' })).verdict, 'changed');
    assert.equal(ledger.accept(wireMigration({ revision: '7' })).verdict, 'same');
    const late = ledger.accept(wireMigration({ revision: '6', status: 'MIGRATION_STATUS_PREPARING' }));
    assert.equal(late.verdict, 'stale');
    assert.equal(late.previous?.status, 'MIGRATION_STATUS_TRANSFERRING');
    assert.equal(ledger.get('m-1')?.revision, '7');
    assert.deepEqual(ledger.active().map((m) => m.id), ['m-1']);
    assert.equal(ledger.accept(wireMigration({ revision: '9', status: 'MIGRATION_STATUS_COMPLETED', updatedAtUnixMs: '4000' })).verdict, 'changed');
    assert.deepEqual(ledger.active(), []);
    assert.equal(ledger.newestUpdateAt, 4000);
  });

  it('without revisions, orders by time and never undoes a final state', () => {
    const ledger = new MigrationLedger();
    ledger.accept(wireMigration({ revision: '0', updatedAtUnixMs: '100', status: 'MIGRATION_STATUS_FAILED' }));
    assert.equal(ledger.accept(wireMigration({ revision: '0', updatedAtUnixMs: '200', status: 'MIGRATION_STATUS_TRANSFERRING' })).verdict, 'stale');
    assert.equal(ledger.accept(wireMigration({ id: 'b', revision: '0', updatedAtUnixMs: '100' })).verdict, 'new');
    assert.equal(ledger.accept(wireMigration({ id: 'b', revision: '0', updatedAtUnixMs: '50' })).verdict, 'stale');
    assert.equal(ledger.accept(wireMigration({ id: 'b', revision: '0', updatedAtUnixMs: '100' })).verdict, 'same');
    assert.equal(ledger.accept(wireMigration({ id: 'b', revision: '0', updatedAtUnixMs: '100', message: 'x' })).verdict, 'changed');
  });

  it('forgets final migrations after a while and beyond a bound, never active ones', () => {
    let now = 0;
    const ledger = new MigrationLedger({ keepFinalMs: 1000, maxFinal: 2, now: () => now });
    ledger.accept(wireMigration({ id: 'active' }));
    for (const id of ['a', 'b', 'c']) ledger.accept(wireMigration({ id, status: 'MIGRATION_STATUS_COMPLETED' }));
    assert.equal(ledger.get('a'), undefined, 'beyond maxFinal');
    assert.ok(ledger.get('b') && ledger.get('c'));
    now = 5000;
    ledger.accept(wireMigration({ id: 'd' }));
    assert.equal(ledger.get('b'), undefined);
    assert.ok(ledger.get('active') && ledger.get('d'));
  });
});
