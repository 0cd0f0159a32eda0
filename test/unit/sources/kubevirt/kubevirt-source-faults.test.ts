// KubevirtSource resilience against a real (local) API server that misbehaves the way real
// clusters do: dropped streams, 410 Gone mid-watch, silent (stalled) watches, restarts,
// failing lists, and a cluster that is down while another keeps working. After each, every
// phase the cluster recorded must have reached the migration stream with its time.

import { strict as assert } from 'node:assert';
import type { KubevirtSource } from '../../../../src/sources/kubevirt/kubevirt-source';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../../support/kube-api-server';
import { MigrationRecorder, migrationIdOf, RecordingLogger, sourceFor, TempDir, waitFor } from './source-harness';

const STALL_TIMEOUT_MS = 1500;

describe('KubevirtSource resilience', function () {
  this.timeout(90_000);
  let server: KubeApiServer;
  let dir: TempDir;
  let source: KubevirtSource;
  let logger: RecordingLogger;
  let recorder: MigrationRecorder;

  beforeEach(async () => {
    // Bookmarks every 200 ms: a healthy watch is never silent for STALL_TIMEOUT_MS.
    server = await startKubeApiServer({ bookmarkIntervalMs: 200, timing: { perPhaseMs: 250 } });
    seedCluster(server, { nodes: 3, vmisPerNode: 2, notMigratableEvery: 0 });
    dir = new TempDir();
    ({ source, logger } = await sourceFor(server, dir, { stallTimeoutMs: STALL_TIMEOUT_MS }));
    recorder = new MigrationRecorder(source);
    await source.listNodes();
    await waitFor(() => source.connection.state === 'connected' && recorder.synced().length > 0, 'the source connected and synced');
  });

  afterEach(async () => {
    recorder?.dispose();
    source?.dispose();
    server?.faults.clear();
    await server?.stop();
    dir?.dispose();
  });

  /** Starts a migration as another client would (kubectl), returning its id at the source. */
  function startMigration(vmiName: string, target?: string): string {
    const created = server.createMigration({ vmiName, namespace: 'default', ...(target ? { addedNodeSelector: { 'kubernetes.io/hostname': target } } : {}) });
    return migrationIdOf(source, 'default', created.metadata.name!);
  }

  function truthOf(id: string) {
    const name = id.split('/').pop()!;
    const record = server.objects.migration({ namespace: 'default', name });
    assert.ok(record, `the server knows ${name}`);
    return record;
  }

  async function waitForPhase(id: string, phase: string): Promise<void> {
    await waitFor(() => recorder.phases(id).has(phase), `${id} to reach ${phase}`);
  }

  /** Waits for the final state and checks that every phase arrived with the cluster's time. */
  async function expectEveryPhase(id: string, finalState = 'succeeded'): Promise<void> {
    await waitFor(() => recorder.last(id)?.migration.state === finalState, `${id} to end ${finalState}`, 30_000);
    const truth = truthOf(id);
    assert.deepEqual(
      [...recorder.phases(id)],
      truth.phases.map((p) => [p.phase, Date.parse(p.timestamp)]),
      'every phase the cluster recorded, with its time',
    );
  }

  function vmiOn(node: string): string {
    const vmi = server.objects.list('virtualmachineinstances').find((v) => v.status?.nodeName === node && v.metadata.ownerReferences?.length);
    assert.ok(vmi, `a VMI on ${node}`);
    return vmi.metadata.name!;
  }

  it('reconnects at once when watch streams are cut, without losing a phase', async () => {
    const id = startMigration(vmiOn('node01'), 'node02');
    await waitForPhase(id, 'Scheduling');
    assert.ok(server.faults.dropWatches() >= 3, 'the three watches were open');
    await waitForPhase(id, 'TargetReady');
    server.faults.dropWatches();
    await expectEveryPhase(id);
    assert.ok(logger.has(/watch of virtualmachineinstancemigrations broke/), 'the drop was logged');
    assert.ok(!recorder.connectionStates().includes('unreachable'), 'a dropped stream is not an outage');
    await waitFor(() => server.openWatchCount() >= 3, 'the watches open again');
  });

  it('relists on 410 Gone mid-watch and reports the synced set again', async () => {
    const id = startMigration(vmiOn('node02'), 'node03');
    await waitForPhase(id, 'Scheduled');
    const syncedBefore = recorder.synced().length;
    server.faults.expireNextWatch(3);
    server.faults.dropWatches();
    await expectEveryPhase(id);
    assert.ok(logger.has(/expired \(410 Gone\); relisting/), 'the relist was logged');
    await waitFor(() => recorder.synced().length > syncedBefore, 'a synced event after the relist');
    const lastSynced = recorder.synced().at(-1)!;
    assert.ok(lastSynced.includes(id), 'the relist names the migration');
  });

  /** Checks that a compaction made the source list migrations again and report the synced set. */
  async function expectRelistAfterCompaction(id: string, compact: () => void): Promise<void> {
    const listsBefore = server.requestCount('list', 'virtualmachineinstancemigrations');
    const syncedBefore = recorder.synced().length;
    compact();
    await expectEveryPhase(id);
    assert.ok(server.requestCount('list', 'virtualmachineinstancemigrations') > listsBefore, 'the migrations were listed again');
    assert.ok(logger.has(/watch of virtualmachineinstancemigrations expired \(410 Gone\); relisting/), 'the relist was logged');
    await waitFor(() => recorder.synced().length > syncedBefore, 'a synced event after the relist');
    assert.ok(recorder.synced().at(-1)!.includes(id), 'the relist names the migration');
  }

  it('relists when the server has compacted the history it would resume from', async () => {
    const id = startMigration(vmiOn('node03'), 'node01');
    await waitForPhase(id, 'Scheduling');
    // Cut first, compact before the source can reconnect: it resumes from a compacted version.
    await expectRelistAfterCompaction(id, () => {
      server.faults.dropWatches();
      server.faults.compactHistory();
    });
  });

  it('relists when a compaction expires the open watch', async () => {
    const id = startMigration(vmiOn('node02'), 'node03');
    await waitForPhase(id, 'Scheduling');
    await expectRelistAfterCompaction(id, () => server.faults.compactHistory());
  });

  it('restarts a watch that went silent (no event, no bookmark) and catches up', async () => {
    const id = startMigration(vmiOn('node01'), 'node03');
    await waitForPhase(id, 'Scheduling');
    const stalledAt = Date.now();
    assert.ok(server.faults.stallWatches() >= 3);
    await waitFor(() => logger.has(/sent nothing for 1.5 s \(no event, no bookmark\); restarting it/), 'the stall noticed', 10_000);
    assert.ok(Date.now() - stalledAt >= STALL_TIMEOUT_MS - 100, 'not before the stall timeout');
    await expectEveryPhase(id);
    assert.ok(!recorder.connectionStates().includes('unreachable'), 'one stall is a lost stream, not an outage');
  });

  it('reports a server whose watches never speak as unreachable, and recovers when they do', async () => {
    server.faults.stallNewWatches(true);
    server.faults.stallWatches();
    await waitFor(() => source.connection.state === 'unreachable', 'unreachable after repeated stalls', 15_000);
    const state = source.connection;
    // Depending on where the silence falls: a stream that says nothing, or no response at all.
    assert.ok(state.state === 'unreachable' && /stalled|got no answer/.test(state.reason), JSON.stringify(state));
    server.faults.stallNewWatches(false);
    const id = startMigration(vmiOn('node02'), 'node01');
    await waitFor(() => source.connection.state === 'connected', 'connected again', 15_000);
    await expectEveryPhase(id);
  });

  it('survives a server restart that loses the event log, with no phase lost', async () => {
    const id = startMigration(vmiOn('node01'), 'node02');
    await waitForPhase(id, 'Scheduled');
    await server.restart({ downMs: 800 });
    await expectEveryPhase(id);
    assert.ok(recorder.connectionStates().includes('unreachable'), 'the outage was reported');
    assert.equal(source.connection.state, 'connected');
    const unreachable = recorder.events.find((e) => e.type === 'connection' && e.state.state === 'unreachable');
    assert.ok(unreachable && unreachable.type === 'connection' && unreachable.state.state === 'unreachable');
    assert.match(unreachable.state.reason, /Cannot reach kubevirt-test: connection refused/);
    assert.ok(typeof unreachable.state.retryInMs === 'number');
  });

  it('backs off and retries while lists fail, then recovers', async () => {
    const id = startMigration(vmiOn('node03'), 'node02');
    await waitForPhase(id, 'Scheduling');
    server.faults.failRequests(4, { status: 503, message: 'etcdserver: leader changed', match: (method, path) => method === 'GET' && path.endsWith('virtualmachineinstancemigrations') });
    server.faults.expireNextWatch(3);
    server.faults.dropWatches();
    await expectEveryPhase(id);
    assert.ok(logger.has(/etcdserver: leader changed; retrying in/), 'the failure and the retry were logged');
  });

  it('reports a migration deleted while the watch was down as cancelled and deleted', async () => {
    server.setTiming({ perPhaseMs: 2000 });
    const id = startMigration(vmiOn('node01'), 'node03');
    await waitForPhase(id, 'Pending');
    server.faults.stallWatches();
    server.faults.stallNewWatches(true);
    const name = id.split('/').pop()!;
    server.deleteMigration('default', name);
    await waitFor(() => !server.objects.get('virtualmachineinstancemigrations', 'default', name), 'the migration gone from the server');
    server.faults.compactHistory();
    server.faults.stallNewWatches(false);
    const gone = await waitFor(() => recorder.observations(id).find((o) => o.deleted), 'the deletion observed', 20_000);
    assert.equal(gone.migration.state, 'cancelled');
    await waitFor(() => recorder.synced().some((ids) => !ids.includes(id)) && !recorder.synced().at(-1)!.includes(id), 'a synced set without it');
  });

  it('keeps other clusters flowing while one is down', async () => {
    const other = await startKubeApiServer({ bookmarkIntervalMs: 200, timing: { perPhaseMs: 60 } });
    const otherDir = new TempDir();
    seedCluster(other, { nodes: 2, vmisPerNode: 1, notMigratableEvery: 0 });
    const { source: otherSource } = await sourceFor(other, otherDir, { kubeconfig: { contexts: [{ name: 'other' }] }, stallTimeoutMs: STALL_TIMEOUT_MS });
    const otherRecorder = new MigrationRecorder(otherSource);
    try {
      await otherSource.listNodes();
      const restarting = server.restart({ downMs: 3000 });
      await waitFor(() => source.connection.state === 'unreachable', 'the first cluster unreachable');
      await assert.rejects(source.listNodes(), /Cannot reach kubevirt-test/);
      const vm = (await otherSource.listVms('node01')).find((v) => v.hasController);
      assert.ok(vm);
      const handle = await otherSource.migrate({ vmId: vm.id, targetNodeId: 'node02', live: true });
      await handle.completion;
      await waitFor(() => otherRecorder.last(handle.migrationId)?.migration.state === 'succeeded', 'the other cluster\'s migration observed');
      assert.equal(otherSource.connection.state, 'connected');
      assert.equal(source.connection.state, 'unreachable', 'still down while the other worked');
      await restarting;
      await waitFor(() => source.connection.state === 'connected', 'the first cluster back', 15_000);
      assert.equal((await source.listNodes()).length, 3);
    } finally {
      otherRecorder.dispose();
      otherSource.dispose();
      await other.stop();
      otherDir.dispose();
    }
  });
});
