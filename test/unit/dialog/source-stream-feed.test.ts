import { strict as assert } from 'node:assert';
import type { MigrationSnapshot } from '../../../src/ui/dialog/core/migration-feed';
import { SourceStreamFeed } from '../../../src/ui/dialog/core/source-stream-feed';
import { blixardCluster, migrationOf } from './recording-cluster-source';

describe('dialog: SourceStreamFeed', () => {
  it('subscribes to a source while someone follows it, and only then', () => {
    const source = blixardCluster();
    const feed = new SourceStreamFeed();
    assert.equal(source.hasMigrationListeners, false);
    const a = feed.follow(source);
    const b = feed.follow(source);
    assert.equal(source.hasMigrationListeners, true);
    a.dispose();
    a.dispose();
    assert.equal(source.hasMigrationListeners, true, 'still followed by b');
    b.dispose();
    assert.equal(source.hasMigrationListeners, false);
  });

  it('merges observations, keeping each phase at its first time, and notifies per migration', () => {
    const source = blixardCluster();
    const feed = new SourceStreamFeed();
    const following = feed.follow(source);
    const seen: MigrationSnapshot[] = [];
    const other: MigrationSnapshot[] = [];
    feed.onDidChange('dev/a', (s) => seen.push(s));
    feed.onDidChange('dev/b', (s) => other.push(s));
    source.emit({ migration: migrationOf(source, 'dev/a', { phase: 'P' }), phases: [{ migrationId: 'dev/a', phase: 'P', at: 10 }] });
    source.emit({ migration: migrationOf(source, 'dev/a', { phase: 'T' }), phases: [{ migrationId: 'dev/a', phase: 'P', at: 12 }, { migrationId: 'dev/a', phase: 'T', at: 20 }] });
    assert.equal(seen.length, 2);
    assert.equal(other.length, 0);
    assert.deepEqual(feed.current('dev/a')?.phases.map((p) => [p.phase, p.at]), [['P', 10], ['T', 20]]);
    assert.equal(feed.activeForVm('dev', 'web-1')?.id, 'dev/a');
    assert.equal(feed.activeForVm('dev', 'db-1'), undefined);
    assert.equal(feed.activeForVm('other', 'web-1'), undefined);
    following.dispose();
    feed.dispose();
  });

  it('never lets a late non-final update undo a final state', () => {
    const source = blixardCluster();
    const feed = new SourceStreamFeed();
    feed.follow(source);
    source.emit({ migration: migrationOf(source, 'dev/a', { state: 'succeeded', phase: 'MIGRATION_STATUS_COMPLETED' }), phases: [] });
    source.emit({ migration: migrationOf(source, 'dev/a', { state: 'running', phase: 'MIGRATION_STATUS_SWITCHING' }), phases: [] });
    assert.equal(feed.current('dev/a')?.migration.state, 'succeeded');
    assert.equal(feed.activeForVm('dev', 'web-1'), undefined);
    feed.dispose();
  });

  it('reconciles through getMigration', async () => {
    const source = blixardCluster();
    const feed = new SourceStreamFeed();
    source.getMigrationResult = { migration: migrationOf(source, 'dev/z', { state: 'failed', failureReason: 'target died' }), phases: [] };
    await feed.reconcile(source, 'dev/z');
    assert.equal(feed.current('dev/z')?.migration.failureReason, 'target died');
    feed.dispose();
  });
});
