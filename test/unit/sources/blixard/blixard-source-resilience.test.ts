// BlixardSource when endpoints fail: refused ports, black holes, daemons that die and come back.

import { strict as assert } from 'node:assert';
import { startNode, type RunningNode } from '../../../../companion/blixard-node/node-daemon';
import type { ConnectionState } from '../../../../src/model/cluster';
import { SourceError } from '../../../../src/model/errors';
import type { MigrationStreamEvent } from '../../../../src/model/migration';
import { closedPortAddress, startBlackHole, startHungEndpoint, type BlackHole } from './support/network-faults';
import { sourceFor, startTestCluster, StreamRecorder, type DevCluster } from './support/test-cluster';
import { waitFor } from './support/wait-for';

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = Date.now();
  try {
    const value = await work();
    return { ms: Date.now() - started, value };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

/** Replaces a crashed node by a fresh daemon with the same id, address and (shared) store. */
async function restartNode(cluster: DevCluster, position: number, bandwidthMbps: number): Promise<RunningNode> {
  const old = cluster.nodes[position];
  const node = await startNode({
    id: old.id,
    listen: old.address,
    store: cluster.store,
    runtime: { bootMs: 50, stopMs: 50, bandwidthMbps, dirtyRateMbps: 100, progressIntervalMs: 50 },
    log: () => {},
  });
  (cluster.nodes as RunningNode[])[position] = node;
  return node;
}

describe('BlixardSource: failing endpoints (real daemons)', function () {
  this.timeout(40_000);
  let cluster: DevCluster;
  let hole: BlackHole;

  before(async () => {
    cluster = await startTestCluster();
    hole = await startBlackHole();
  });
  after(async () => {
    await hole.close();
    await cluster.stop();
  });

  it('fails over from a refused endpoint to the next one', async () => {
    const source = sourceFor([await closedPortAddress(), cluster.endpoints[1]]);
    try {
      assert.equal((await source.listNodes()).length, 3);
      assert.deepEqual(source.connection, { state: 'connected', endpoint: cluster.endpoints[1] });
    } finally {
      source.dispose();
    }
  });

  it('gives up on a black hole at the deadline, with a readable timeout', async () => {
    const source = sourceFor([hole.address], { callDeadlineMs: 600 });
    try {
      const { ms, error } = await timed(() => source.listVms());
      assert.ok(error instanceof SourceError, String(error));
      assert.equal(error.code, 'timeout');
      assert.equal(error.message, `Blixard cluster "${source.label}" did not answer within 0.6 s at ${hole.address} (list VMs).`);
      assert.ok(ms >= 550 && ms < 10_000, `gave up after ${ms} ms`);
      assert.equal(source.connection.state, 'unreachable');
      assert.ok(hole.connections >= 1, 'the black hole was really dialled');
    } finally {
      source.dispose();
    }
  });

  it('passes a hung endpoint once, then remembers the endpoint that answers', async () => {
    const deadline = 600;
    const hung = await startHungEndpoint();
    const source = sourceFor([hung.address, cluster.endpoints[2]], { callDeadlineMs: deadline });
    try {
      const first = await timed(() => source.listNodes());
      assert.equal(first.error, undefined);
      const triedFirst = hung.calls;
      assert.ok(triedFirst >= 1, 'the first call tried the hung endpoint, listed first');
      assert.ok(first.ms >= deadline - 50, `the first call waited for the hung endpoint's deadline (${first.ms} ms)`);
      // Counted where the calls land, not timed: a call to the hung endpoint shows up here.
      await source.listVms();
      await source.listNodes();
      assert.equal(hung.calls, triedFirst, 'the later calls went straight to the good endpoint');
      assert.deepEqual(source.connection, { state: 'connected', endpoint: cluster.endpoints[2] });
    } finally {
      source.dispose();
      await hung.close();
    }
  });

  it('says which endpoints failed and how when none answers', async () => {
    const refused = await closedPortAddress();
    const source = sourceFor([refused, hole.address], { callDeadlineMs: 500 });
    const states: ConnectionState[] = [];
    source.onDidChangeConnection((s) => states.push(s));
    try {
      const { error } = await timed(() => source.listNodes());
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'unavailable');
      assert.equal(error.message, `Cannot reach any endpoint of Blixard cluster "${source.label}" (${refused}: connection refused; ${hole.address}: no answer in time).`);
      assert.deepEqual(states, [{ state: 'unreachable', reason: error.message }]);
    } finally {
      source.dispose();
    }
  });

  it('opens the migration stream past a black hole and a refused port', async () => {
    const source = sourceFor([await closedPortAddress(), hole.address, cluster.endpoints[0]], { callDeadlineMs: 500, snapshotDeadlineMs: 700 });
    const recorder = new StreamRecorder(source);
    try {
      await recorder.waitForSynced();
      const connected = recorder.events.filter((e): e is Extract<MigrationStreamEvent, { type: 'connection' }> => e.type === 'connection').map((e) => e.state);
      assert.deepEqual(connected.at(-1), { state: 'connected', endpoint: cluster.endpoints[0] });
    } finally {
      recorder.dispose();
      source.dispose();
    }
  });
});

describe('BlixardSource: daemon restarts (real daemons)', function () {
  this.timeout(60_000);
  const bandwidthMbps = 4000;
  let cluster: DevCluster;

  beforeEach(async () => {
    cluster = await startTestCluster({ bandwidthMbps });
  });
  afterEach(() => cluster.stop());

  it('reconnects the stream with backoff and reports what ended while it was away', async () => {
    const watching = sourceFor([cluster.endpoints[0]], { reconnectInitialDelayMs: 100, reconnectMaxDelayMs: 800 });
    // Another window on the same cluster (same source id, so migration ids match).
    const driving = sourceFor([cluster.endpoints[1]], {}, { id: watching.id });
    const recorder = new StreamRecorder(watching);
    try {
      await recorder.waitForSynced();
      const vm3 = (await driving.listVms()).find((v) => v.id === 'vm-3')!;
      const target = vm3.nodeId === '2' ? '1' : '2';
      const long = await driving.migrate({ vmId: 'vm-3', targetNodeId: target, live: true });
      await waitFor(() => recorder.phasesSeen(long.migrationId).includes('Transferring'), 'the watcher to see the transfer');

      await cluster.nodes[0].crash();
      await waitFor(() => watching.connection.state === 'unreachable', 'the watcher to notice');
      // Finished while the watcher is away: one it saw start, one it never saw at all.
      await long.completion;
      const vm2 = (await driving.listVms()).find((v) => v.id === 'vm-2')!;
      const unseen = await driving.migrate({ vmId: 'vm-2', targetNodeId: vm2.nodeId === '3' ? '2' : '3', live: false });
      await unseen.completion;
      await waitFor(
        () => recorder.events.filter((e) => e.type === 'connection' && e.state.state === 'unreachable').length >= 3,
        'a few reconnection attempts',
      );

      await restartNode(cluster, 0, bandwidthMbps);
      await recorder.waitForSynced(2);
      const events = recorder.events;
      const secondSynced = events.findIndex((e, i) => e.type === 'synced' && events.slice(0, i).some((p) => p.type === 'synced'));
      for (const id of [long.migrationId, unseen.migrationId]) {
        const finalAt = events.findIndex((e) => e.type === 'observation' && e.observation.migration.id === id && e.observation.migration.state === 'succeeded');
        assert.ok(finalAt >= 0, `the end of ${id} was reported`);
        assert.ok(finalAt < secondSynced, 'before the stream declares itself synced again');
      }
      const unseenFinal = recorder.observations(unseen.migrationId).at(-1)!;
      assert.deepEqual(unseenFinal.phases.map((p) => p.phase), ['Preparing', 'Transferring', 'Switching', 'Completed']);
      assert.equal(recorder.observations(long.migrationId).filter((o) => o.migration.state === 'succeeded').length, 1, 'the end is reported once');

      const states = events.filter((e): e is Extract<MigrationStreamEvent, { type: 'connection' }> => e.type === 'connection').map((e) => e.state);
      assert.deepEqual(states.at(-1), { state: 'connected', endpoint: cluster.endpoints[0] });
      const delays = states.flatMap((s) => (s.state === 'unreachable' && s.retryInMs !== undefined ? [s.retryInMs] : []));
      assert.ok(delays.length >= 3);
      // Doubling from 100 ms to the 800 ms cap, each delay jittered within the upper half of its step.
      const steps = delays.map((_, i) => Math.min(800, 100 * 2 ** i));
      assert.ok(delays.every((d, i) => d >= steps[i] / 2 - 1 && d <= steps[i]), `backoff doubles up to its cap: ${delays.join(', ')}`);
      assert.ok(states.some((s) => s.state === 'unreachable' && /Cannot reach Blixard cluster .* connection refused/.test(s.reason)), 'says why');
      assert.equal(watching.connection.state, 'connected');
    } finally {
      recorder.dispose();
      watching.dispose();
      driving.dispose();
    }
  });

  it('keeps following a migration whose MigrateVm call was cut by a dying endpoint', async () => {
    const source = sourceFor([cluster.endpoints[0], cluster.endpoints[1]]);
    try {
      const vm3 = (await source.listVms()).find((v) => v.id === 'vm-3')!;
      const target = vm3.nodeId === '2' ? '3' : '2';
      const handle = await source.migrate({ vmId: 'vm-3', targetNodeId: target, live: true });
      await cluster.nodes[0].crash();
      await handle.completion;
      const read = await source.getMigration(handle.migrationId);
      assert.equal(read?.migration.state, 'succeeded');
      assert.deepEqual(source.connection, { state: 'connected', endpoint: cluster.endpoints[1] });
    } finally {
      source.dispose();
    }
  });

  it('a daemon without MigrationService (upstream Blixard) stays connected, says migrations are not streamed, and is picked up once upgraded', async () => {
    const upstream = await startNode({ id: 1, store: 'memory', withoutMigrationService: true, runtime: { bootMs: 0, stopMs: 0 }, log: () => {} });
    const address = upstream.address;
    const source = sourceFor([address], { unsupportedStreamRetryMs: 1500 });
    const states: ConnectionState[] = [];
    source.onDidChangeConnection((s) => states.push(s));
    const stream = new StreamRecorder(source);
    let upgraded: RunningNode | undefined;
    try {
      assert.equal((await source.listNodes()).length, 1);
      await waitFor(() => source.connection.state === 'connected' && source.connection.limitation, 'a connection with a limitation');
      assert.match((source.connection as { limitation: string }).limitation, new RegExp(`^its daemon at ${address} has no MigrationService`));
      // Well past several reconnect delays (100 ms … 1 s): no flapping, and tree calls keep the limitation.
      await new Promise((r) => setTimeout(r, 1200));
      assert.equal((await source.listVms()).length, 0);
      assert.ok(states.every((s) => s.state !== 'unreachable'), `never unreachable: ${JSON.stringify(states)}`);
      assert.equal((source.connection as { limitation?: string }).limitation !== undefined, true);

      // The same address now serves MigrationService: the next quiet retry finds it and streams.
      await upstream.stop();
      upgraded = await startNode({ id: 1, listen: address, store: 'memory', runtime: { bootMs: 0, stopMs: 0 }, log: () => {} });
      await waitFor(() => stream.syncedCount() >= 1, 'the stream synced after the upgrade', 15_000);
      await waitFor(() => source.connection.state === 'connected' && source.connection.limitation === undefined, 'the limitation lifted');
    } finally {
      stream.dispose();
      source.dispose();
      await (upgraded ?? upstream).stop();
    }
  });
});
