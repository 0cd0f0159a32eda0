// The dialog's host logic against real parts: a Blixard dev cluster (three node daemons over
// real gRPC on loopback) reached through the real BlixardSource, followed once through the
// sources' own stream and once through the shared MigrationWatcher.

import { strict as assert } from 'node:assert';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import type { MigrationFeed } from '../../../src/ui/dialog/core/migration-feed';
import { MigrationDialogSession } from '../../../src/ui/dialog/core/migration-dialog-session';
import type { DialogViewState, HostMessage } from '../../../src/protocol/migration-dialog';
import { SourceStreamFeed } from '../../../src/ui/dialog/core/source-stream-feed';
import { WatcherMigrationFeed } from '../../../src/ui/dialog/core/watcher-migration-feed';
import { createBlixardSource, type BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { MigrationWatcher } from '../../../src/watch/migration-watcher';

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('dialog: session against a real Blixard dev cluster', function () {
  this.timeout(90_000);
  let cluster: DevCluster;
  let source: BlixardSource;

  before(async () => {
    // vm-3 has 2 GiB of guest memory; at 4 Gbit/s its live copy takes about five seconds, long enough to watch and to cancel.
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 6, runtime: { bootMs: 50, stopMs: 50, bandwidthMbps: 4_000, dirtyRateMbps: 400, progressIntervalMs: 50 } });
    source = createBlixardSource({ id: 'dev', name: 'Dev cluster', endpoints: cluster.endpoints });
  });

  after(async () => {
    source?.dispose();
    await cluster?.stop();
  });

  function open(vmId: string, feed: MigrationFeed) {
    const posts: HostMessage[] = [];
    const session = new MigrationDialogSession({
      source,
      vmId,
      feed,
      post: (m) => posts.push(m),
      close: () => undefined,
      log: { info() {}, warn() {}, error() {} },
    });
    return { session, posts, state: (): DialogViewState => session.viewState };
  }

  async function nodeOf(vmName: string): Promise<string | undefined> {
    return (await source.listVms()).find((v) => v.name === vmName)?.nodeId;
  }

  it('moves a running VM live, following phases and progress through the source stream', async () => {
    const feed = new SourceStreamFeed();
    const { session, state } = open('vm-3', feed); // vm-3: running, 2 vCPU / 2 GiB, on node 3
    await session.start();
    assert.equal(state().stage, 'form');
    const from = state().vm?.nodeId;
    assert.equal(from, '3');
    // The TUI's check, made again by the host against the live cluster.
    session.handle({ type: 'submit', targetNodeId: from as string, live: true, force: false });
    await until('the same-node refusal', () => state().hostIssues?.length);
    assert.deepEqual(state().hostIssues?.map((i) => i.message), ['Target node must be different from source node']);

    session.handle({ type: 'submit', targetNodeId: '1', live: true, force: false });
    await until('tracking', () => state().stage === 'tracking' && state().migrationId);
    const progressSeen = await until('live progress', () => state().migration?.progress);
    assert.ok(progressSeen.totalBytes > 0);
    await until('the end', () => state().migration?.state === 'succeeded', 60_000);
    const phases = state().migration!.phases.map((p) => p.phase);
    assert.deepEqual(phases, ['Preparing', 'Transferring', 'Switching', 'Completed']);
    assert.equal(await nodeOf('vm-3'), '1', 'the daemons hold the VM on its new node');
    await until('the dialog to show the new node', () => state().vm?.nodeId === '1');
    session.dispose();
    feed.dispose();
  });

  it('cancels a live migration, following it through the MigrationWatcher', async () => {
    const watcher = new MigrationWatcher();
    const feed = new WatcherMigrationFeed(watcher);
    const { session, state } = open('vm-3', feed);
    await session.start();
    const from = state().vm?.nodeId as string;
    const to = from === '2' ? '3' : '2';

    session.handle({ type: 'submit', targetNodeId: to, live: true, force: false });
    await until('tracking', () => state().stage === 'tracking' && state().migrationId);
    await until('the copy to start', () => state().migration?.phase === 'Transferring');
    session.handle({ type: 'cancelMigration' });
    await until('cancelled', () => state().migration?.state === 'cancelled', 60_000);
    assert.equal(await nodeOf('vm-3'), from, 'a cancelled migration leaves the VM where it was');
    assert.ok(watcher.get(state().migrationId as string), 'the dialog followed the watcher, not a second stream');

    session.handle({ type: 'migrateAgain' });
    await until('the form again', () => state().stage === 'form');
    session.dispose();
    watcher.dispose();
  });

  it('names a migration already in flight from another window (learnt from the stream snapshot) and will not submit over it', async () => {
    const first = open('vm-3', new SourceStreamFeed());
    await first.session.start();
    const from = first.state().vm?.nodeId as string;
    const to = from === '3' ? '2' : '3';
    first.session.handle({ type: 'submit', targetNodeId: to, live: true, force: false });
    const migrationId = await until('tracking', () => first.state().stage === 'tracking' && first.state().migrationId);

    // A second dialog with a feed of its own, as another VS Code window would have.
    const secondFeed = new SourceStreamFeed();
    const second = open('vm-3', secondFeed);
    await until('the second feed to hear of it', () => secondFeed.activeForVm('dev', 'vm-3'));
    await second.session.start();
    assert.equal(second.state().stage, 'form');
    assert.equal(second.state().inFlight?.id, migrationId);
    const other = ['1', '2', '3'].find((n) => n !== from && n !== to) as string;
    second.session.handle({ type: 'submit', targetNodeId: other, live: true, force: false });
    await until('the refusal', () => second.state().hostIssues?.length);
    assert.equal(second.state().hostIssues?.[0]?.message, `A migration of this VM is already in flight: ${migrationId.split('/').pop()} (${second.state().inFlight?.phase})`);
    assert.equal(first.state().migration?.state, 'running', 'the check ran while the first migration was still under way');
    await until('the first to end', () => first.state().migration?.state === 'succeeded', 60_000);
    first.session.dispose();
    second.session.dispose();
    secondFeed.dispose();
  });
});
