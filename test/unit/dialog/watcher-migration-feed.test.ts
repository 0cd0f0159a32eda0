import { strict as assert } from 'node:assert';
import type { MigrationSnapshot } from '../../../src/ui/dialog/core/migration-feed';
import { WatcherMigrationFeed } from '../../../src/ui/dialog/core/watcher-migration-feed';
import { MigrationWatcher } from '../../../src/watch/migration-watcher';
import { blixardCluster, migrationOf } from './recording-cluster-source';

describe('dialog: WatcherMigrationFeed (the shared watcher as the dialog feed)', () => {
  it('follows migrations through the watcher, attaching a cluster it did not watch yet', () => {
    const source = blixardCluster();
    const watcher = new MigrationWatcher();
    const feed = new WatcherMigrationFeed(watcher);
    feed.follow(source);
    assert.deepEqual(watcher.sourceIds(), ['dev']);
    assert.equal(source.hasMigrationListeners, true);

    const seen: MigrationSnapshot[] = [];
    const sub = feed.onDidChange('dev/a', (s) => seen.push(s));
    source.emit({ migration: migrationOf(source, 'dev/a', { phase: 'MIGRATION_STATUS_PREPARING' }), phases: [{ migrationId: 'dev/a', phase: 'MIGRATION_STATUS_PREPARING', at: 10 }] });
    source.emit({ migration: migrationOf(source, 'dev/b', { vm: 'db-1' }), phases: [] });
    assert.equal(seen.length, 1);
    assert.deepEqual(feed.current('dev/a')?.phases.map((p) => p.phase), ['MIGRATION_STATUS_PREPARING']);
    assert.equal(feed.activeForVm('dev', 'web-1')?.id, 'dev/a');

    source.emit({ migration: migrationOf(source, 'dev/a', { phase: 'MIGRATION_STATUS_COMPLETED', state: 'succeeded', endedAt: 30 }), phases: [{ migrationId: 'dev/a', phase: 'MIGRATION_STATUS_COMPLETED', at: 30 }] });
    assert.equal(seen.at(-1)?.migration.state, 'succeeded');
    assert.deepEqual(seen.at(-1)?.phases.map((p) => p.phase), ['MIGRATION_STATUS_PREPARING', 'MIGRATION_STATUS_COMPLETED']);
    assert.equal(feed.activeForVm('dev', 'web-1'), undefined);
    sub.dispose();
    watcher.dispose();
  });

  it('looks up once, from the cluster, a migration that ended before the watcher started (a restored dialog)', async () => {
    const source = blixardCluster();
    const watcher = new MigrationWatcher();
    const feed = new WatcherMigrationFeed(watcher);
    feed.follow(source);
    const seen: MigrationSnapshot[] = [];
    feed.onDidChange('dev/old', (s) => seen.push(s));
    source.getMigrationResult = { migration: migrationOf(source, 'dev/old', { phase: 'Completed', state: 'succeeded', endedAt: 50 }), phases: [{ migrationId: 'dev/old', phase: 'Completed', at: 50 }] };
    await feed.reconcile(source, 'dev/old');
    assert.equal(feed.current('dev/old')?.migration.state, 'succeeded');
    assert.equal(seen.length, 1);

    // One the watcher holds is never fetched a second way.
    source.emit({ migration: migrationOf(source, 'dev/live', {}), phases: [] });
    const calls = source.calls.filter((c) => c.method === 'getMigration').length;
    await feed.reconcile(source, 'dev/live');
    assert.equal(source.calls.filter((c) => c.method === 'getMigration').length, calls);
    watcher.dispose();
  });
});
