// An outage where the user is looking: a real Blixard dev cluster (three daemons over real gRPC)
// reached through links the test cuts mid-migration and restores, followed by the real
// BlixardSource and MigrationWatcher. The dialog must say the cluster is unreachable and its
// figures are as last known (not live), refuse Cancel while it cannot be delivered, the output
// must say "down" once and "back" once — and all of it must recover by itself.

import { strict as assert } from 'node:assert';
import { startDevCluster, type DevCluster } from '../../../companion/blixard-node/dev-cluster';
import { MigrationDialogSession } from '../../../src/ui/dialog/core/migration-dialog-session';
import type { DialogViewState, HostMessage } from '../../../src/protocol/migration-dialog';
import { isStateMessage } from '../../../src/protocol/migration-dialog';
import { cancelUnavailableReason } from '../../../src/protocol/stream-down-text';
import { SourceStreamFeed } from '../../../src/ui/dialog/core/source-stream-feed';
import { WatcherMigrationFeed } from '../../../src/ui/dialog/core/watcher-migration-feed';
import { createBlixardSource, type BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { followMigrationOutput } from '../../../src/watch/migration-output';
import { MigrationWatcher } from '../../../src/watch/migration-watcher';
import { OutputLineFormatter } from '../../../src/watch/output-line-formatter';
import { startCuttableLink, type CuttableLink } from '../sources/blixard/support/network-faults';

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dialog: a cluster outage mid-migration (real Blixard dev cluster behind cut links)', function () {
  this.timeout(120_000);
  let cluster: DevCluster;
  let links: CuttableLink[] = [];
  let source: BlixardSource;

  beforeEach(async () => {
    // vm-3 has 2 GiB; at 1.2 Gbit/s its live copy takes about fifteen seconds: long enough to cut and restore in the middle.
    cluster = await startDevCluster({ nodes: 3, basePort: 0, vms: 6, runtime: { bootMs: 50, stopMs: 50, bandwidthMbps: 1_200, dirtyRateMbps: 100, progressIntervalMs: 50 } });
    links = await Promise.all(cluster.endpoints.map((e) => startCuttableLink(e)));
    source = createBlixardSource(
      { id: 'dev', name: 'Dev cluster', endpoints: links.map((l) => l.address) },
      { reconnectInitialDelayMs: 100, reconnectMaxDelayMs: 300, callDeadlineMs: 2_000 },
    );
  });

  afterEach(async () => {
    source?.dispose();
    await Promise.all(links.map((l) => l.close()));
    await cluster?.stop();
  });

  function open(feed: WatcherMigrationFeed | SourceStreamFeed) {
    const posts: HostMessage[] = [];
    const session = new MigrationDialogSession({ source, vmId: 'vm-3', feed, post: (m) => posts.push(m), close: () => undefined, log: { info() {}, warn() {}, error() {} } });
    return { session, posts, state: (): DialogViewState => session.viewState };
  }

  it('marks the figures stale and disables Cancel while down, says down and back once in the output, and recovers by itself', async () => {
    const watcher = new MigrationWatcher();
    const lines: string[] = [];
    const output = followMigrationOutput(watcher, new OutputLineFormatter({ clusterLabel: () => 'Dev cluster' }), { migration: (l) => lines.push(l), stream: (l) => lines.push(l) });
    watcher.addSource(source);
    const feed = new WatcherMigrationFeed(watcher);
    const { session, posts, state } = open(feed);
    await session.start();
    const from = state().vm?.nodeId as string;
    const to = from === '1' ? '2' : '1';
    session.handle({ type: 'submit', targetNodeId: to, live: true, force: false });
    await until('live progress', () => state().migration?.progress && state().migration!.progress!.transferredBytes > 0);
    assert.equal(state().streamDown, undefined, 'live while the stream flows');

    const cutAt = Date.now();
    await Promise.all(links.map((l) => l.cut()));
    const down = await until('the dialog to say the cluster is unreachable', () => state().streamDown, 10_000);
    assert.ok(down.since >= cutAt - 50 && down.since <= Date.now(), 'down since the cut');
    assert.ok(down.lastKnownAt <= down.since + 50, 'the figures date from before the cut');
    assert.match(down.reason, /Cannot reach/);
    // The stream first breaks ("connection dropped"), then every endpoint refuses: said once, briefly.
    const refused = await until('the refusals', () => /Cannot reach any endpoint/.test(state().streamDown?.reason ?? '') && state().streamDown!.reason, 10_000);
    assert.match(refused, /^Cannot reach any endpoint of Blixard cluster "Dev cluster" \(127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+: connection refused\)\.$/);
    assert.equal(state().streamDown?.since, down.since, 'one outage, however its reason changes');
    assert.ok(isStateMessage(posts.at(-1)), 'the state the webview gets passes its guard');
    assert.equal(state().migration?.state, 'running');

    // Cancel cannot be delivered: refused with the reason, never sent.
    let cancels = 0;
    const cancel = source.cancel.bind(source);
    source.cancel = (id: string) => (cancels++, cancel(id));
    session.handle({ type: 'cancelMigration' });
    await until('the refusal', () => state().cancelError);
    assert.equal(state().cancelError, cancelUnavailableReason('Dev cluster'));
    assert.equal(cancels, 0, 'nothing was sent to an unreachable cluster');

    // Several reconnect attempts fail meanwhile: counted, not printed.
    await sleep(2_000);
    const whileDown = lines.filter((l) => /migration stream/.test(l));
    assert.match(whileDown[0], /^Dev cluster {2}migration stream down {2}Cannot reach /);
    assert.ok(whileDown.length <= 2, `a line when it went down and at most one for the new reason:\n${lines.join('\n')}`);
    if (whileDown[1]) assert.match(whileDown[1], /^Dev cluster {2}migration stream still down( \(failed \d+ more times?\))? {2}now: Cannot reach any endpoint/);

    await Promise.all(links.map((l) => l.restore()));
    await until('the dialog to be live again', () => !state().streamDown, 15_000);
    assert.equal(state().cancelError, undefined, 'the refusal goes with the outage');
    const back = await until('the back line', () => lines.find((l) => /migration stream back/.test(l)));
    assert.match(back, /^Dev cluster {2}migration stream back after \d+(\.\d)?s \(failed \d+ more times?\)$/);
    assert.equal(lines.filter((l) => /migration stream/.test(l)).length, whileDown.length + 1, lines.join('\n'));
    // Live again: the figures move on (or the migration has ended meanwhile, and the dialog says so).
    const heardAfter = state().migration?.progress?.transferredBytes ?? 0;
    await until('news after the outage', () => state().migration?.state === 'succeeded' || (state().migration?.progress?.transferredBytes ?? 0) > heardAfter, 20_000);
    await until('the end', () => state().migration?.state === 'succeeded', 60_000);
    session.dispose();
    output.dispose();
    watcher.dispose();
  });

  it('says the same through the sources\' own stream when there is no watcher', async () => {
    const feed = new SourceStreamFeed();
    const { session, state } = open(feed);
    await session.start();
    const from = state().vm?.nodeId as string;
    session.handle({ type: 'submit', targetNodeId: from === '1' ? '2' : '1', live: true, force: false });
    await until('live progress', () => state().migration?.progress);
    await Promise.all(links.map((l) => l.cut()));
    await until('stale', () => state().streamDown, 10_000);
    await Promise.all(links.map((l) => l.restore()));
    await until('live again', () => !state().streamDown, 15_000);
    session.dispose();
    feed.dispose();
  });
});
