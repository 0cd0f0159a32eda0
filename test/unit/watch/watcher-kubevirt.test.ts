// The watcher over real KubevirtSources against local KubeVirt-compatible API servers, recording
// into a real history file; after each scenario the history must equal the servers' ground truth:
// no transition lost, none emitted twice, every final state recorded.

import { strict as assert } from 'node:assert';
import { KubevirtWatchRig, waitFor } from './support/kubevirt-watch-rig';

describe('MigrationWatcher over KubeVirt API servers (ground truth)', function () {
  this.timeout(180_000);
  let rig: KubevirtWatchRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it('records every phase and the end of user, evacuation, failed and cancelled migrations', async () => {
    rig = await KubevirtWatchRig.start({ vmisPerNode: 2 });
    const [c] = rig.clusters;
    c.server.faults.failMigration({ vmiName: c.vmis[0] }, { atPhase: 'Running', reason: 'target node lost its network' });
    rig.migrateAll(c);
    await rig.serversSettled();

    // Cancel one while it runs: KubeVirt aborts it (Failed, abortStatus) and then deletes it.
    c.server.setTiming({ perPhaseMs: 400 });
    const cancelled = rig.migrateAll(c, [c.vmis[1]])[0];
    await waitFor(() => c.server.objects.migration({ name: cancelled })?.phases.some((p) => p.phase === 'Running'), 'the migration to run');
    c.server.deleteMigration('default', cancelled);
    await rig.serversSettled();

    c.server.setTiming({ perPhaseMs: 60 });
    const drained = c.server.drainNode('node01');
    assert.ok(drained.created.length > 0, 'the drain started evacuation migrations');
    await rig.serversSettled();
    await rig.historyMatchesTruth();

    const failed = rig.store.byVm(c.vmis[0]).find((m) => m.state === 'failed');
    assert.match(failed?.failureReason ?? '', /target node lost its network/);
    const cancel = rig.store.byId(`${c.sourceId}/default/${cancelled}`)!;
    assert.equal(cancel.migration.state, 'cancelled');
    assert.ok(cancel.transitions.some((t) => t.phase === 'Failed'));
    const evacuations = rig.store.all({ limit: 1000 }).filter((m) => m.origin === 'evacuation');
    assert.equal(evacuations.length, drained.created.length);
    assert.deepEqual(rig.warnings, []);
  });

  it('keeps every migration that reused a name (deleted and applied again, even within one second) as its own record', async () => {
    rig = await KubevirtWatchRig.start({ vmisPerNode: 1, server: { timing: { perPhaseMs: 40 } } });
    const [c] = rig.clusters;
    const vmi = c.vmis[0];
    // As with the KubeVirt docs' own example: the same `migration-job` manifest, applied again.
    for (let round = 0; round < 3; round++) {
      c.server.createMigration({ vmiName: vmi, name: 'migration-job' });
      await rig.serversSettled();
      await waitFor(() => rig!.store.byId(`${c.sourceId}/default/migration-job`)?.migration.state === 'succeeded', 'the history to hold the run');
      c.server.deleteMigration('default', 'migration-job');
      await waitFor(() => c.server.objects.migration({ name: 'migration-job' })?.deletedAtMs !== undefined, 'the VMIM deleted');
    }
    // One last time, created right after the delete, usually within the same second.
    c.server.createMigration({ vmiName: vmi, name: 'migration-job' });
    await rig.serversSettled();
    await rig.historyMatchesTruth();
    const runs = rig.store.all({ limit: 100 }).filter((m) => m.name === 'migration-job');
    assert.equal(runs.length, 4);
    assert.equal(new Set(runs.map((m) => m.uid)).size, 4, 'each run keeps its own uid');
    assert.ok(runs.every((m) => m.state === 'succeeded'));
  });

  /** Waits until some migration of the cluster has reached `phase` (so a fault strikes mid-flight). */
  async function midFlight(r: KubevirtWatchRig, phase = 'Scheduled'): Promise<void> {
    await waitFor(() => r.clusters[0].server.objects.migrations().some((m) => !m.finalPhase && m.phases.some((p) => p.phase === phase)), `a migration in ${phase}`);
  }

  it('loses and repeats nothing across API server restarts mid-flight', async () => {
    rig = await KubevirtWatchRig.start({ vmisPerNode: 2, server: { timing: { perPhaseMs: 150 } } });
    const [c] = rig.clusters;
    for (let wave = 0; wave < 2; wave++) {
      rig.migrateAll(c);
      await midFlight(rig);
      // The controllers keep moving migrations on while the API is down; the event log is lost.
      await c.server.restart({ keepState: true, downMs: 400 });
      await rig.serversSettled();
    }
    await rig.historyMatchesTruth();
    assert.equal(rig.watcher.status(c.sourceId)?.state, 'connected');
  });

  it('loses and repeats nothing when watch streams are cut again and again', async () => {
    rig = await KubevirtWatchRig.start({ vmisPerNode: 2, server: { timing: { perPhaseMs: 80 } } });
    const [c] = rig.clusters;
    let cuts = 0;
    const cutter = setInterval(() => (cuts += c.server.faults.dropWatches({ graceful: cuts % 2 === 0 })), 120);
    try {
      for (let wave = 0; wave < 3; wave++) {
        rig.migrateAll(c);
        await rig.serversSettled();
      }
    } finally {
      clearInterval(cutter);
    }
    assert.ok(cuts > 3, `the streams were cut (${cuts} times)`);
    await rig.historyMatchesTruth();
  });

  it('relists after 410 Gone mid-watch and after a compaction, without gaps or repeats', async () => {
    rig = await KubevirtWatchRig.start({ vmisPerNode: 2, server: { timing: { perPhaseMs: 120 } } });
    const [c] = rig.clusters;
    rig.migrateAll(c);
    await midFlight(rig);
    c.server.faults.expireNextWatch(4);
    c.server.faults.dropWatches();
    await rig.serversSettled();
    rig.migrateAll(c);
    await midFlight(rig, 'PreparingTarget');
    c.server.faults.compactHistory();
    c.server.faults.dropWatches();
    await rig.serversSettled();
    await rig.historyMatchesTruth();
  });

  it('restarts a stalled watch and records what happened while it was silent', async () => {
    rig = await KubevirtWatchRig.start({ vmisPerNode: 2, server: { timing: { perPhaseMs: 120 }, bookmarkIntervalMs: 200 }, source: { stallTimeoutMs: 1000 } });
    const [c] = rig.clusters;
    rig.migrateAll(c);
    await midFlight(rig);
    assert.ok(c.server.faults.stallWatches() > 0, 'open watches were stalled');
    await rig.serversSettled();
    // Nothing arrives until the stall is noticed: the watcher must then catch up completely.
    await rig.historyMatchesTruth();
  });

  it('after a restart of the watcher itself, records what ended meanwhile once, and ends what vanished', async () => {
    rig = await KubevirtWatchRig.start({ vmisPerNode: 2, server: { timing: { perPhaseMs: 250 } } });
    const [c] = rig.clusters;
    const names = rig.migrateAll(c);
    await waitFor(() => names.every((n) => c.server.objects.migration({ name: n })?.phases.some((p) => p.phase === 'Scheduled')), 'every migration scheduled');
    await waitFor(() => names.every((n) => rig!.store.byId(`${c.sourceId}/default/${n}`)?.transitions.some((t) => t.phase === 'Scheduled')), 'the history to hold them');
    await rig.stopWatching();

    // While nobody watches: one migration is cancelled and deleted, the others finish.
    const gone = names[0];
    c.server.deleteMigration('default', gone);
    await rig.serversSettled();
    await waitFor(() => c.server.objects.migration({ name: gone })?.deletedAtMs !== undefined, 'the cancelled migration to be deleted');

    await rig.startWatching();
    const goneId = `${c.sourceId}/default/${gone}`;
    // Its end was not seen: it reads as on every kind — failed, saying its outcome was not observed.
    await waitFor(() => rig!.store.byId(goneId)?.migration.state === 'failed', 'the vanished migration to be ended');
    const entry = rig.store.byId(goneId)!;
    assert.match(entry.migration.failureReason ?? '', /no longer on the cluster.*outcome was not observed/i);
    assert.deepEqual(rig.watcher.active(), []);

    // Everything else matches the truth exactly; the vanished one lacks only its unseen end.
    const problems = rig.compareWithTruth().filter((p) => !p.startsWith(`${goneId}:`));
    await waitFor(() => rig!.compareWithTruth().filter((p) => !p.startsWith(`${goneId}:`)).length === 0, () => problems.join('\n'));
  });

  it('500 migrations at once across 3 API servers, with a restart and cut streams: every one recorded exactly', async function () {
    this.timeout(300_000);
    rig = await KubevirtWatchRig.start({ clusters: 3, nodes: 3, vmisPerNode: 56, server: { timing: { perPhaseMs: 150 } } });
    const started = rig.clusters.flatMap((c) => rig!.migrateAll(c));
    assert.ok(started.length >= 500, `${started.length} migrations started`);
    await waitFor(() => rig!.clusters[1].server.objects.migrations().some((m) => m.phases.some((p) => p.phase === 'Scheduled')), 'migrations under way');
    rig.clusters[1].server.faults.dropWatches();
    await rig.clusters[2].server.restart({ keepState: true, downMs: 300 });
    await rig.serversSettled(240_000);
    await rig.historyMatchesTruth(120_000);
    assert.equal(rig.store.count(), started.length);
    assert.equal(rig.store.active().length, 0);
    assert.equal(rig.emitted.size, rig.truthTransitionCount());
  });
});
