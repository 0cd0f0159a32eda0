// Two kubeconfig contexts (two users) of one API server, on real parts: the local KubeVirt API
// server, the kubeconfig it writes, the cluster plan and registry, real KubevirtSources, the
// watcher, a real history file, the Migrations view model and the output line formatter. A
// migration there is one migration: one active entry, one output line per transition, one history
// record, one per-cluster count — also when the stream moves from one context to the other.

import * as assert from 'node:assert/strict';
import path from 'node:path';
import { ClusterRegistry } from '../../../src/sources/cluster-registry';
import { parseSourceSettings } from '../../../src/sources/source-settings';
import { MigrationsViewModel } from '../../../src/ui/migrations/core/migrations-view-model';
import { WatchSession } from '../../../src/watch/watch-session';
import { OutputLineFormatter } from '../../../src/watch/output-line-formatter';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { recordingLogger, tempDir, waitFor } from '../history/support/fixtures';
import { HistoryStore } from '../../../src/history';

/** The session's history, which these tests open in this thread (no worker): its queries answer at once. */
function inProcessStore(session: { history: unknown } | undefined): HistoryStore {
  const history = session?.history;
  assert.ok(history instanceof HistoryStore, 'the history opened in this thread');
  return history;
}

const ADMIN = 'kv-admin';
const VIEWER = 'kv-admin (read-only viewer)';
const FAST_HISTORY = { pollIntervalMs: 50, heartbeatMs: 100, staleLockMs: 2000, commitIntervalMs: 5 };

describe('two kubeconfig contexts of one cluster', function () {
  this.timeout(90_000);
  let server: KubeApiServer;
  let dir: { dir: string; cleanup: () => void };
  let registry: ClusterRegistry;
  let session: WatchSession;
  let viewModel: MigrationsViewModel;
  const lines: string[] = [];
  let mostActive = 0;

  beforeEach(async () => {
    dir = tempDir('shared-cluster');
    server = await startKubeApiServer({ bookmarkIntervalMs: 300, timing: { perPhaseMs: 150 } });
    seedCluster(server, { nodes: 3, vmisPerNode: 1, notMigratableEvery: 0, bareVmi: false });
    const kubeconfig = path.join(dir.dir, 'kubeconfig');
    await server.writeKubeconfig(kubeconfig, { clusterName: 'kv', contexts: [{ name: ADMIN }, { name: VIEWER, role: 'viewer' }], currentContext: ADMIN });

    registry = new ClusterRegistry({ logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const { settings } = parseSourceSettings({ clusters: [], kubeconfig: [kubeconfig], contexts: [] });
    await registry.applySettings(settings);
    session = await WatchSession.start({ historyPath: path.join(dir.dir, 'history.sqlite'), log: recordingLogger(), historyOptions: FAST_HISTORY });
    viewModel = new MigrationsViewModel();
    viewModel.attach(session.watcher, session.history);
    const formatter = new OutputLineFormatter({ clusterLabel: (id) => registry.get(id)?.spec.label });
    lines.length = 0;
    mostActive = 0;
    session.watcher.onTransition((e) => lines.push(formatter.formatTransition(e)));
    session.watcher.onDidUpdate(() => (mostActive = Math.max(mostActive, session.watcher.active().length)));
    session.setSources(registry.sources());
  });

  afterEach(async () => {
    viewModel?.dispose();
    await session?.shutdown();
    registry?.dispose();
    await server?.stop();
    dir?.cleanup();
  });

  function phasesLogged(name: string): string[] {
    return lines.filter((l) => l.includes(name)).map((l) => /→ (\S+)/.exec(l)?.[1] ?? l);
  }

  it('knows the two contexts reach one cluster, and counts its migration once everywhere', async () => {
    assert.deepEqual(registry.sameClusterAs(`kubevirt:${VIEWER}`).map((e) => e.id), [`kubevirt:${ADMIN}`], 'the tree can say so on the viewer context');
    assert.deepEqual(registry.sameClusterAs(`kubevirt:${ADMIN}`).map((e) => e.id), [`kubevirt:${VIEWER}`], 'and on the admin context');
    await waitFor('the cluster to stream', () => session.watcher.status(`kubevirt:${ADMIN}`)?.state === 'connected', 30_000);

    const vmim = server.createMigration({ vmiName: 'vm-001', namespace: 'default' });
    const name = vmim.metadata.name;
    await waitFor('the migration recorded as succeeded', () => inProcessStore(session).all().find((m) => m.name === name)?.state === 'succeeded', 60_000);
    viewModel.flush();

    assert.equal(mostActive, 1, 'one active migration at any time (status bar count, Active rows)');
    const records = inProcessStore(session).all().filter((m) => m.name === name);
    assert.deepEqual(records.map((m) => m.cluster), [`kubevirt:${ADMIN}`], 'one history record');
    assert.deepEqual(
      inProcessStore(session).summaryByCluster().map((s) => [s.cluster, s.count]),
      [[`kubevirt:${ADMIN}`, 1]],
      'one row and one migration in the per-cluster statistics',
    );
    const logged = phasesLogged(name!);
    assert.deepEqual(logged, [...new Set(logged)], 'one output line per transition');
    assert.ok(logged.includes('Succeeded'), `the end is logged: ${lines.join('\n')}`);
    assert.equal(viewModel.recent().filter((m) => m.name === name).length, 1, 'one row in Recent');
  });

  it('moves the stream to the other context when the streaming one may no longer watch migrations, without counting anything twice', async () => {
    await waitFor('the cluster to stream', () => session.watcher.status(`kubevirt:${ADMIN}`)?.state === 'connected', 30_000);
    const first = server.createMigration({ vmiName: 'vm-001', namespace: 'default' });
    await waitFor('the first migration to succeed', () => inProcessStore(session).all().find((m) => m.name === first.metadata.name)?.state === 'succeeded', 60_000);

    // The admin context loses the right to list/watch migrations (RBAC changed) and its watches restart.
    server.denyAccess(server.token, { verb: 'list', resource: 'virtualmachineinstancemigrations' });
    server.denyAccess(server.token, { verb: 'watch', resource: 'virtualmachineinstancemigrations' });
    server.faults.dropWatches();
    const second = server.createMigration({ vmiName: 'vm-002', namespace: 'default' });
    await waitFor('the second migration to succeed', () => inProcessStore(session).all().find((m) => m.name === second.metadata.name)?.state === 'succeeded', 60_000);

    assert.deepEqual(session.watcher.status(`kubevirt:${ADMIN}`), { state: 'connected', endpoint: server.url }, 'the cluster streams (through the viewer context), with no limitation said');
    const all = inProcessStore(session).all();
    assert.deepEqual(
      all.map((m) => [m.name, m.cluster]).sort(),
      [
        [first.metadata.name, `kubevirt:${ADMIN}`],
        [second.metadata.name, `kubevirt:${ADMIN}`],
      ].sort(),
      'each migration once, under the same cluster id whichever context streamed it',
    );
    for (const name of [first.metadata.name, second.metadata.name]) {
      const logged = phasesLogged(name!);
      assert.deepEqual(logged, [...new Set(logged)], `no transition of ${name} logged twice across the failover`);
    }
    assert.equal(mostActive, 1);
  });
});
