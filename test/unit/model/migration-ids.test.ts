import { strict as assert } from 'node:assert';
import { clusterMigrationId, migrationIdUnder, ownMigrationId } from '../../../src/model/migration';
import { blixardMigrationId } from '../../../src/sources/blixard/migration-mapping';
import { kubevirtMigrationId } from '../../../src/sources/kubevirt/vmim-parsing';

describe('migration ids', () => {
  it('are "<cluster id>/<own id>", built and read back by one pair of functions', () => {
    assert.equal(clusterMigrationId('blixard:dev', 'mig-7'), 'blixard:dev/mig-7');
    assert.equal(ownMigrationId('blixard:dev/mig-7', 'blixard:dev'), 'mig-7');
    // A context name may hold a slash: the cluster id is matched whole, never split.
    assert.equal(ownMigrationId('kubevirt:prod/eu/vms/m1', 'kubevirt:prod/eu'), 'vms/m1');
    assert.equal(ownMigrationId('kubevirt:prod/eu/vms/m1', 'kubevirt:prod'), 'eu/vms/m1');
    assert.equal(ownMigrationId('blixard:other/mig-7', 'blixard:dev'), undefined);
    assert.equal(ownMigrationId('blixard:dev', 'blixard:dev'), undefined);
    assert.equal(ownMigrationId('mig-7', 'blixard:dev'), undefined);
  });

  it('is how both kinds of source name their migrations', () => {
    assert.equal(blixardMigrationId('blixard:dev', 'mig-7'), clusterMigrationId('blixard:dev', 'mig-7'));
    assert.equal(kubevirtMigrationId('kubevirt:lab', 'vms', 'm1'), clusterMigrationId('kubevirt:lab', 'vms/m1'));
    assert.equal(ownMigrationId(kubevirtMigrationId('kubevirt:lab', 'vms', 'm1'), 'kubevirt:lab'), 'vms/m1');
  });

  it('move under another cluster id of the same cluster, and only from their own', () => {
    assert.equal(migrationIdUnder('kubevirt:a/vms/m1', 'kubevirt:a', 'kubevirt:b'), 'kubevirt:b/vms/m1');
    assert.equal(migrationIdUnder('kubevirt:a/vms/m1', 'kubevirt:a', 'kubevirt:a'), 'kubevirt:a/vms/m1');
    assert.equal(migrationIdUnder('kubevirt:c/vms/m1', 'kubevirt:a', 'kubevirt:b'), 'kubevirt:c/vms/m1');
    assert.equal(migrationIdUnder('kubevirt:ab/vms/m1', 'kubevirt:a', 'kubevirt:b'), 'kubevirt:ab/vms/m1');
  });
});
