// A VM row of the Clusters tree and the dialog read one MigrationWatcher: on the local KubeVirt API
// server, every update the watcher publishes is what the row shows at that same moment, the row is
// redrawn right after, and a cancel clears the row when the watcher ends the migration — not when
// the VMI's status catches up on a later list.

import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterRegistry } from '../../../src/sources/cluster-registry';
import { ClusterTreeStructure, type TreeRedraw } from '../../../src/ui/clusters/core/cluster-tree-structure';
import type { TreeElement } from '../../../src/ui/clusters/core/tree-elements';
import { MigrationWatcher } from '../../../src/watch/migration-watcher';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';

const logger = { debug() {}, info() {}, warn() {}, error() {} };

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Clusters tree: a VM row\'s migration comes from the watcher (KubeVirt, local API server)', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let registry: ClusterRegistry;
  let watcher: MigrationWatcher;
  let structure: ClusterTreeStructure;

  afterEach(async () => {
    structure?.dispose();
    watcher?.dispose();
    registry?.dispose();
    await server?.stop();
  });

  it('shows each phase and target the watcher holds, redraws the row at once, and clears it when a cancel ends the migration', async () => {
    server = await startKubeApiServer({ timing: { perPhaseMs: 250 } });
    seedCluster(server, { nodes: 3, vmisPerNode: 2, notMigratableEvery: 0, bareVmi: false });
    const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'blixard-vm-row-')), 'config');
    await server.writeKubeconfig(kubeconfig, { contexts: [{ name: 'kv' }], currentContext: 'kv' });
    registry = new ClusterRegistry({ logger });
    await registry.applySettings({ blixardClusters: [], kubeconfigFiles: [{ path: kubeconfig, explicit: true }], kubeContexts: [] });
    const [entry] = registry.clusters;
    assert.ok(entry, 'the kubeconfig context is a cluster');

    const redraws: { at: number; what: TreeRedraw }[] = [];
    structure = new ClusterTreeStructure(registry, (what) => redraws.push({ at: Date.now(), what }), { flushDelayMs: 10, changeDebounceMs: 50 });
    watcher = new MigrationWatcher();
    watcher.addSource(entry.acquire());
    structure.followMigrations(watcher);
    await until('the migration stream', () => (watcher.status(entry.id)?.state === 'connected' ? true : undefined));

    // The row as a person sees it: cluster and node01 expanded, vm-001 listed.
    const [cluster] = await structure.getChildren(undefined);
    const loaded = async (element: TreeElement) => until(`children of ${element.id}`, async () => {
      const children = await structure.getChildren(element);
      return children.some((c) => c.type === 'message') ? undefined : children;
    });
    const node = (await loaded(cluster)).find((n) => n.type === 'node' && n.nodeId === 'node01')!;
    const row = (await loaded(node)).find((v) => v.type === 'vm' && v.vmId === 'default/vm-001')!;
    assert.ok(row, 'vm-001 is listed under node01');
    const model = structure.model(entry.id)!;
    // A redraw of the row, or of its node or cluster (which redraws the row with them).
    const covers = (r: { what: TreeRedraw }) => !r.what || r.what.includes(row) || r.what.includes(node) || r.what.includes(cluster);
    const shown = () => structure.vmMigration(entry.id, model.vm('node01', 'default/vm-001')!);

    // Each update the watcher publishes (the dialog's source) against what the row shows then.
    const disagreements: string[] = [];
    const updates: { at: number; phase: string }[] = [];
    watcher.onDidUpdate(({ migration: m }) => {
      if (m.vm !== 'vm-001' || m.state !== 'running' && m.state !== 'pending') return;
      updates.push({ at: Date.now(), phase: m.phase });
      const row = shown();
      if (row?.phase !== m.phase || row?.targetNodeId !== m.targetNode) disagreements.push(`watcher ${m.sourceNode} → ${m.targetNode ?? 'any'} · ${m.phase}, row → ${row?.targetNodeId ?? 'any'} · ${row?.phase ?? 'none'}`);
    });
    let endedAt = 0;
    let rowAtEnd: unknown = 'not ended';
    watcher.onDidEnd(({ migration: m }) => {
      if (m.vm !== 'vm-001') return;
      endedAt = Date.now();
      rowAtEnd = shown();
    });

    server.createMigration({ vmiName: 'vm-001', namespace: 'default', name: 'move-vm-001' });
    await until('the migration at TargetReady', () => (updates.some((u) => u.phase === 'TargetReady') ? true : undefined));
    assert.ok(updates.some((u) => u.phase === 'PreparingTarget'), `the watcher went through PreparingTarget: ${updates.map((u) => u.phase).join(' → ')}`);
    assert.deepEqual(disagreements, [], 'the row says what the watcher (and so the dialog) says, at every update');
    const checked = [...updates];
    await new Promise((r) => setTimeout(r, 250)); // the last update's redraw is due 10 ms after it
    for (const u of checked) {
      const redrawn = redraws.find((r) => r.at >= u.at && covers(r));
      assert.ok(redrawn && redrawn.at - u.at < 200, `the row is redrawn right after the watcher's ${u.phase} (${redrawn ? redrawn.at - u.at : 'never'} ms)`);
    }

    server.deleteMigration('default', 'move-vm-001');
    await until('the watcher to end the migration', () => (endedAt ? true : undefined));
    assert.equal(rowAtEnd, undefined, 'the row shows no migration the moment the watcher ends it');
    const cleared = await until('the row redrawn after the end', () => redraws.find((r) => r.at >= endedAt && covers(r)));
    assert.ok(cleared.at - endedAt < 200, `redrawn ${cleared.at - endedAt} ms after the end`);
    // Later lists must not bring the old phase back.
    const stopAt = Date.now() + 1500;
    while (Date.now() < stopAt) {
      assert.equal(shown(), undefined, 'no migration comes back on a later list');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
