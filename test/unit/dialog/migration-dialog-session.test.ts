import { strict as assert } from 'node:assert';
import { MigrationDialogSession } from '../../../src/ui/dialog/core/migration-dialog-session';
import type { DialogViewState, HostMessage } from '../../../src/protocol/migration-dialog';
import { SourceStreamFeed } from '../../../src/ui/dialog/core/source-stream-feed';
import { blixardCluster, migrationOf, refused, RecordingClusterSource } from './recording-cluster-source';

/** Polls a condition with a deadline instead of sleeping for a guessed time. */
async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function harness(source: RecordingClusterSource = blixardCluster(), opts: { migrationId?: string } = {}) {
  const posts: HostMessage[] = [];
  const logs: string[] = [];
  let closed = 0;
  const feed = new SourceStreamFeed();
  const session = new MigrationDialogSession({
    source,
    vmId: 'web-1',
    feed,
    post: (m) => posts.push(m),
    close: () => closed++,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    settleGraceMs: 20,
    ...opts,
  });
  return {
    source,
    session,
    feed,
    posts,
    logs,
    get closed() {
      return closed;
    },
    get state(): DialogViewState {
      return session.viewState;
    },
    dispose() {
      session.dispose();
      feed.dispose();
    },
  };
}

describe('dialog: MigrationDialogSession', () => {
  it('loads the VM and the nodes with their free capacity, and follows the cluster from the start', async () => {
    const h = harness();
    assert.equal(h.source.hasMigrationListeners, true, 'subscribed before any submit');
    await h.session.start();
    assert.equal(h.state.stage, 'form');
    assert.equal(h.state.vm?.name, 'web-1');
    assert.deepEqual(
      h.state.nodes.map((n) => [n.id, n.freeVcpus, n.freeMemoryMb]),
      [['1', 6, 14336], ['2', 8, 16384], ['3', 1, 1024]],
    );
    assert.equal(h.session.title, 'Migrate web-1');
    h.dispose();
    assert.equal(h.source.hasMigrationListeners, false, 'unsubscribed when closed');
  });

  it('counts every VM placed on a node for the nodes table, stopped ones too', async () => {
    const h = harness();
    await h.session.start();
    // node 1 holds web-1 (running) and db-1 (stopped); the cluster's own figure counts running ones only.
    assert.deepEqual(h.state.nodes.map((n) => [n.id, n.vmCount, n.runningVms]), [['1', 2, 1], ['2', 0, 1], ['3', 0, 1]]);
    h.dispose();
  });

  it('starts over with a fresh form only once its migration has ended ("Migrate VM…" on an open dialog)', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('tracking', () => h.state.stage === 'tracking' && !!h.state.migrationId);
    const id = h.state.migrationId as string;
    h.source.emit({ migration: migrationOf(h.source, id, { phase: 'MIGRATION_STATUS_TRANSFERRING' }), phases: [{ migrationId: id, phase: 'MIGRATION_STATUS_TRANSFERRING', at: 1 }] });
    h.session.startOver();
    assert.equal(h.state.stage, 'tracking', 'a running migration stays on screen');
    assert.equal(h.state.migrationId, id);
    h.source.emit({ migration: migrationOf(h.source, id, { phase: 'MIGRATION_STATUS_COMPLETED', state: 'succeeded', endedAt: 2 }), phases: [{ migrationId: id, phase: 'MIGRATION_STATUS_COMPLETED', at: 2 }] });
    h.session.startOver();
    assert.equal(h.state.stage, 'loading');
    await until('a fresh form', () => h.state.stage === 'form');
    assert.equal(h.state.migrationId, undefined);
    assert.equal(h.state.migration, undefined);
    h.dispose();
  });

  it('answers ready with the full state', async () => {
    const h = harness();
    await h.session.start();
    const before = h.posts.length;
    h.session.handle({ type: 'ready' });
    assert.equal(h.posts.length, before + 1);
    assert.equal(h.posts.at(-1)?.state.stage, 'form');
    h.dispose();
  });

  it('submits with the VM id it owns and the node id the cluster listed, then tracks phases to the end', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('tracking', () => h.state.stage === 'tracking');
    assert.deepEqual(h.source.migrateRequests, [{ vmId: 'web-1', targetNodeId: '2', live: true, force: false }]);
    const id = h.state.migrationId as string;
    assert.equal(id, 'dev/m-1');

    const t0 = 1_700_000_000_000;
    h.source.emit({ migration: migrationOf(h.source, id, { phase: 'MIGRATION_STATUS_PREPARING', startedAt: t0 }), phases: [{ migrationId: id, phase: 'MIGRATION_STATUS_PREPARING', at: t0 }] });
    assert.equal(h.state.migration?.phase, 'MIGRATION_STATUS_PREPARING');
    const progress = { totalBytes: 100, transferredBytes: 40, remainingBytes: 60, dirtyRateBytesPerSec: 1, bandwidthBytesPerSec: 10, precopyRound: 1 };
    h.source.emit({ migration: migrationOf(h.source, id, { phase: 'MIGRATION_STATUS_TRANSFERRING', progress }), phases: [{ migrationId: id, phase: 'MIGRATION_STATUS_TRANSFERRING', at: t0 + 100 }] });
    assert.deepEqual(h.state.migration?.progress, progress);
    assert.equal(h.session.title, 'Migrating web-1…');
    h.source.vms[0].nodeId = '2';
    h.source.emit({
      migration: migrationOf(h.source, id, { phase: 'MIGRATION_STATUS_COMPLETED', state: 'succeeded', endedAt: t0 + 300 }),
      phases: [
        { migrationId: id, phase: 'MIGRATION_STATUS_SWITCHING', at: t0 + 200 },
        { migrationId: id, phase: 'MIGRATION_STATUS_COMPLETED', at: t0 + 300 },
      ],
    });
    h.source.completeLast?.();
    assert.equal(h.state.migration?.state, 'succeeded');
    assert.deepEqual(h.state.migration?.phases.map((p) => p.phase), ['MIGRATION_STATUS_PREPARING', 'MIGRATION_STATUS_TRANSFERRING', 'MIGRATION_STATUS_SWITCHING', 'MIGRATION_STATUS_COMPLETED']);
    assert.equal(h.session.title, 'Migrated web-1');
    // The final state stays; the VM's new node is picked up for "Migrate again".
    await until('the VM on its new node', () => h.state.vm?.nodeId === '2');
    assert.equal(h.state.stage, 'tracking');

    h.session.handle({ type: 'migrateAgain' });
    await until('the form again', () => h.state.stage === 'form');
    assert.equal(h.state.migration, undefined);
    assert.equal(h.state.vm?.nodeId, '2');
    h.dispose();
  });

  it('validates again against the cluster before migrating: a node the webview invents is refused with the TUI message', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'submit', targetNodeId: '9', live: true, force: false });
    await until('back to the form', () => h.state.stage === 'form' && !!h.state.hostIssues);
    assert.deepEqual(h.state.hostIssues?.map((i) => i.message), ['Node 9 not found in cluster']);
    assert.deepEqual(h.source.actions, []);
    h.dispose();
  });

  it('re-checks with fresh data: a VM that stopped meanwhile cannot move live', async () => {
    const h = harness();
    await h.session.start();
    h.source.vms[0].state = 'stopped';
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('back to the form', () => h.state.stage === 'form' && !!h.state.hostIssues);
    assert.deepEqual(h.state.hostIssues?.map((i) => i.message), ['VM must be running for live migration']);
    assert.deepEqual(h.source.actions, []);
    h.dispose();
  });

  it('shows a backend refusal inline as "Failed to migrate VM: <reason>"', async () => {
    const h = harness();
    h.source.migrateError = refused('Insufficient resources on node 2');
    await h.session.start();
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('the refusal', () => h.state.submitError !== undefined);
    assert.equal(h.state.stage, 'form');
    assert.equal(h.state.submitError, 'Failed to migrate VM: Insufficient resources on node 2');
    h.dispose();
  });

  it('treats a completion that fails before the migration ever appeared as a refused submit', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('tracking', () => h.state.stage === 'tracking');
    h.source.completeLast?.(refused('VM web-1 is locked'));
    await until('the form with the reason', () => h.state.stage === 'form');
    assert.equal(h.state.submitError, 'Failed to migrate VM: VM web-1 is locked');
    h.dispose();
  });

  it('asks the cluster for the end of a migration the stream did not report, once completion settled', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'submit', targetNodeId: '2', live: false, force: false });
    await until('tracking', () => h.state.stage === 'tracking');
    const id = h.state.migrationId as string;
    h.source.emit({ migration: migrationOf(h.source, id, { mode: 'cold' }), phases: [] });
    h.source.getMigrationResult = { migration: migrationOf(h.source, id, { mode: 'cold', phase: 'MIGRATION_STATUS_COMPLETED', state: 'succeeded', endedAt: Date.now() }), phases: [] };
    h.source.completeLast?.();
    await until('the final state', () => h.state.migration?.state === 'succeeded');
    assert.ok(h.source.calls.some((c) => c.method === 'getMigration' && c.args[0] === id));
    h.dispose();
  });

  it('cancels the migration it follows (and only that one), showing the cancelled state from the stream', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'cancelMigration' });
    assert.deepEqual(h.source.actions, [], 'nothing to cancel in the form');
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('tracking', () => h.state.stage === 'tracking');
    const id = h.state.migrationId as string;
    h.session.handle({ type: 'cancelMigration' });
    h.session.handle({ type: 'cancelMigration' });
    await until('cancel sent', () => h.source.cancelled.length === 1);
    assert.deepEqual(h.source.cancelled, [id]);
    assert.equal(h.state.cancelling, true);
    h.source.emit({ migration: migrationOf(h.source, id, { phase: 'MIGRATION_STATUS_CANCELLED', state: 'cancelled', failureReason: 'cancelled by user' }), phases: [] });
    assert.equal(h.state.migration?.state, 'cancelled');
    assert.equal(h.state.cancelling, undefined);
    h.dispose();
  });

  it('shows a failed cancel inline', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('tracking', () => h.state.stage === 'tracking');
    h.source.cancelError = refused('already switching');
    h.session.handle({ type: 'cancelMigration' });
    await until('the error', () => h.state.cancelError !== undefined);
    assert.equal(h.state.cancelError, 'Failed to cancel migration: already switching');
    assert.equal(h.state.cancelling, undefined);
    h.dispose();
  });

  it('names a migration of the VM already in flight (seen on the stream) and will not submit over it', async () => {
    const h = harness();
    h.source.emit({ migration: migrationOf(h.source, 'dev/other', { name: 'other', phase: 'MIGRATION_STATUS_TRANSFERRING' }), phases: [] });
    await h.session.start();
    assert.deepEqual(h.state.inFlight, { id: 'dev/other', name: 'other', phase: 'MIGRATION_STATUS_TRANSFERRING' });
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    await until('refused', () => h.state.stage === 'form' && !!h.state.hostIssues);
    assert.match(h.state.hostIssues?.[0].message ?? '', /already in flight: other/);
    assert.deepEqual(h.source.actions, []);
    h.dispose();
  });

  it('restored after a reload, follows the migration it was showing', async () => {
    const source = blixardCluster();
    const h = harness(source, { migrationId: 'dev/m-7' });
    source.getMigrationResult = { migration: migrationOf(source, 'dev/m-7', { phase: 'MIGRATION_STATUS_SWITCHING' }), phases: [] };
    await h.session.start();
    assert.equal(h.state.stage, 'tracking');
    await until('the looked-up state', () => h.state.migration?.phase === 'MIGRATION_STATUS_SWITCHING');
    h.dispose();
  });

  it('restored for a migration the cluster no longer reports, says so and offers to start over', async () => {
    const h = harness(blixardCluster(), { migrationId: 'dev/gone' });
    await h.session.start();
    await until('the explanation', () => h.state.submitError !== undefined);
    assert.equal(h.state.submitError, 'Local dev cluster no longer reports migration gone');
    h.session.handle({ type: 'migrateAgain' });
    await until('the form', () => h.state.stage === 'form');
    h.dispose();
  });

  it('says why when the VM is gone, and closes on request', async () => {
    const h = harness();
    h.source.vms = [];
    await h.session.start();
    assert.equal(h.state.stage, 'unavailable');
    assert.match(h.state.loadError ?? '', /VM web-1 is no longer in Local dev cluster/);
    h.session.handle({ type: 'close' });
    assert.equal(h.closed, 1);
    h.dispose();
  });

  it('ignores messages that do not fit the stage, and everything after dispose', async () => {
    const h = harness();
    await h.session.start();
    h.session.handle({ type: 'migrateAgain' });
    assert.equal(h.state.stage, 'form');
    h.dispose();
    const posts = h.posts.length;
    h.session.handle({ type: 'submit', targetNodeId: '2', live: true, force: false });
    h.session.handle({ type: 'ready' });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.posts.length, posts);
    assert.deepEqual(h.source.actions, []);
  });
});
