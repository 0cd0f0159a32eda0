// Adding a kind of cluster is its folder plus one registration line (issue 11, item 1): the "lab"
// kind here lives only in this folder, and the Clusters tree's core, the migration dialog (its
// session, view model, validation and stepper), the watcher and the history handle it by its
// traits alone — nothing outside this folder names it or was changed for it.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { migrationDialogTraits } from '../../../../src/model/cluster-kind';
import type { ClusterSpecBase } from '../../../../src/sources/cluster-spec';
import { ClusterRegistry } from '../../../../src/sources/cluster-registry';
import { describeCluster, registerClusterKind } from '../../../../src/sources/cluster-kinds';
import { ClusterTreeStructure } from '../../../../src/ui/clusters/core/cluster-tree-structure';
import type { TreeElement } from '../../../../src/ui/clusters/core/tree-elements';
import { clusterLook, vmLook, vmTooltip } from '../../../../src/ui/clusters/core/tree-presentation';
import { MigrationDialogSession } from '../../../../src/ui/dialog/core/migration-dialog-session';
import { SourceStreamFeed } from '../../../../src/ui/dialog/core/source-stream-feed';
import { isStateMessage, type DialogViewState } from '../../../../src/protocol/migration-dialog';
import { nodeOptionLabel } from '../../../../src/protocol/node-description';
import { buildSteps } from '../../../../src/protocol/migration-steps';
import { hasErrors, liveChoice, liveToggleLockReason, nodeUnsuitability, validateMigration, type ValidationContext } from '../../../../src/protocol/migration-validation';
import { MigrationWatcher, type MigrationEndEvent, type MigrationTransitionEvent } from '../../../../src/watch/migration-watcher';
import { HistoryStore } from '../../../../src/history/history-store';
import { tempDir } from '../../history/support/fixtures';
import { LAB_KIND, LAB_TRAITS, labSpec } from './lab-kind';
import { LabSource, T0 } from './lab-source';

// The one registration line: the kind's traits for what holds only its name (a spec before its
// source is built, a migration read back from the history).
registerClusterKind(LAB_KIND);

const logger = { debug() {}, info() {}, warn() {}, error() {} };

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const loaded = (children: TreeElement[]) => (children.some((c) => c.type === 'message' && c.severity === 'loading') ? undefined : children);

describe('a third kind of cluster, declared in one folder (issue 11, item 1)', () => {
  it('the Clusters tree lists its benches and VMs and draws its row from its traits and description', async () => {
    const sources: LabSource[] = [];
    const registry = new ClusterRegistry({ logger }, (spec: ClusterSpecBase) => {
      const source = new LabSource(spec as ReturnType<typeof labSpec>);
      sources.push(source);
      return source;
    });
    const structure = new ClusterTreeStructure(registry, () => {}, { changeDebounceMs: 10, flushDelayMs: 10 });
    try {
      const spec = labSpec('bench-room');
      registry.addLocal(spec);
      const [cluster] = await structure.getChildren();
      assert.equal(cluster.type, 'cluster');
      const nodes = await until('the benches', async () => loaded(await structure.getChildren(cluster)));
      assert.deepEqual(nodes.map((n) => (n.type === 'node' ? n.nodeId : n.type)), ['bench-a', 'bench-b']);
      const vms = await until('the VMs of bench-a', async () => loaded(await structure.getChildren(nodes[0])));
      assert.deepEqual(vms.map((v) => (v.type === 'vm' ? [v.vmId, v.vmName] : v.type)), [['run-7', 'run-7'], ['scratch', 'scratch']]);

      // What the tree provider draws the row from: the kind's traits and its own description of the spec.
      const described = describeCluster(spec);
      assert.ok(described, 'the registered kind describes its spec');
      assert.deepEqual(described.description.connection, ['Lab', 'Controller: bench-ctl.lab:9000']);
      const model = structure.model(spec.id)!;
      const look = clusterLook({ label: spec.label, traits: described.traits, local: described.description.local, state: model.state, nodeCount: model.nodes()?.length, warnings: [] });
      assert.deepEqual([look.description, look.icon, look.contextValue], ['Lab · 2 nodes', 'beaker', 'cluster.lab']);
      const scratch = model.vm('bench-a', 'scratch')!;
      assert.equal(vmLook(scratch).contextValue, 'vm.stopped');
      assert.match(vmTooltip(sources[0].traits, scratch, 'bench-a'), /Start\/stop \| not available: a scratch VM that no lab job owns/);
    } finally {
      structure.dispose();
      registry.dispose();
    }
  });

  it('the dialog offers "Any bench", a live/cold choice and Force, validates by the traits, and submits what the lab asked for', async () => {
    const source = new LabSource(labSpec('bench-room'));
    const feed = new SourceStreamFeed();
    const session = new MigrationDialogSession({ source, vmId: 'run-7', feed, post: () => {}, close: () => {}, log: logger, settleGraceMs: 20 });
    try {
      await session.start();
      const state: DialogViewState = session.viewState;
      assert.equal(state.stage, 'form');
      // The webview gets the traits it decides by (no kind name), and its guard accepts them.
      assert.deepEqual(state.cluster.traits, migrationDialogTraits(LAB_TRAITS));
      assert.equal(isStateMessage(JSON.parse(JSON.stringify({ type: 'state', state, hostNow: T0 }))), true);

      const ctx: ValidationContext = { traits: state.cluster.traits, vm: state.vm, nodes: state.nodes };
      // "Any bench" and a cold move: KubeVirt would refuse the cold move, Blixard the missing target.
      assert.deepEqual(validateMigration(ctx, { targetNodeId: null, live: false, force: false }), []);
      assert.equal(liveToggleLockReason(ctx.traits, state.vm), undefined, 'live is a choice on a running VM');
      assert.equal(liveChoice(ctx.traits, state.vm, false), false);
      // bench-b is too small; Force overrides the capacity check, as the traits say it exists.
      const small = state.nodes.find((n) => n.id === 'bench-b')!;
      assert.equal(nodeUnsuitability(ctx, small), 'not enough free capacity');
      assert.equal(nodeUnsuitability(ctx, small, true), undefined);
      const forced = validateMigration(ctx, { targetNodeId: 'bench-b', live: true, force: true });
      assert.equal(hasErrors(forced), false);
      assert.deepEqual(forced.map((i) => i.code), ['capacity-overridden']);
      assert.equal(nodeOptionLabel(small, state.cluster.traits).startsWith('bench-b — '), true, 'no "(id …)": benches are picked by name');

      session.handle({ type: 'submit', targetNodeId: null, live: false, force: true });
      await until('the migration to start', () => session.viewState.migrationId);
      assert.equal(source.requests.length, 1);
      const [request] = source.requests;
      assert.deepEqual([request.vmId, request.targetNodeId, request.live, request.force], ['run-7', undefined, false, true]);

      // The stepper is the lab's: its steps, then its own word for success.
      const steps = buildSteps(state.cluster.traits, { phase: 'Copying', state: 'running' }, [{ phase: 'Queued', at: T0 }, { phase: 'Copying', at: T0 + 1000 }]);
      assert.deepEqual(steps.map((s) => `${s.phase}:${s.status}`), ['Queued:done', 'Copying:current', 'Verifying:pending', 'Done:pending']);
    } finally {
      session.dispose();
      feed.dispose();
      source.dispose();
    }
  });

  it('the watcher orders same-time phases by the lab lifecycle and ends the migration on its final phase', () => {
    const watcher = new MigrationWatcher({ now: () => T0 + 60_000 });
    const source = new LabSource(labSpec('bench-room'));
    const transitions: MigrationTransitionEvent[] = [];
    const ends: MigrationEndEvent[] = [];
    watcher.onTransition((e) => transitions.push(e));
    watcher.onDidEnd((e) => ends.push(e));
    try {
      watcher.addSource(source);
      // Reported out of order, within one second (as a controller with one-second timestamps would).
      source.report('job-1', [['Verifying', T0 + 1000], ['Copying', T0 + 1000], ['Queued', T0 + 1000]]);
      source.report('job-1', [['Done', T0 + 2000]], { phase: 'Done', state: 'succeeded', targetNode: 'bench-b' });
      assert.deepEqual(
        transitions.map((t) => [t.transition.phase, t.previousPhase]),
        [['Queued', undefined], ['Copying', 'Queued'], ['Verifying', 'Copying'], ['Done', 'Verifying']],
      );
      assert.deepEqual(watcher.phasesOf('lab:bench-room/job-1').map((p) => p.phase), ['Queued', 'Copying', 'Verifying', 'Done']);
      assert.equal(ends.length, 1);
      assert.equal(ends[0].cause, 'phase');
      assert.equal(ends[0].migration.state, 'succeeded');
    } finally {
      watcher.dispose();
      source.dispose();
    }
  });

  it('the history keeps a reused lab job name as two migrations and orders its phases by the lab lifecycle', async () => {
    const tmp = tempDir('lab-kind');
    const store = await HistoryStore.open({ path: path.join(tmp.dir, 'history.db'), pollIntervalMs: 50 });
    try {
      const id = 'lab:bench-room/job-1';
      const base = { id, kind: LAB_TRAITS.kind, cluster: 'lab:bench-room', vm: 'run-7', name: 'job-1', mode: 'live', origin: 'user', labels: {} } as const;
      store.record({ ...base, phase: 'Done', state: 'succeeded', createdAt: T0, endedAt: T0 + 2000 }, [
        { migrationId: id, phase: 'Copying', at: T0 + 1000 },
        { migrationId: id, phase: 'Queued', at: T0 + 1000 },
        { migrationId: id, phase: 'Done', at: T0 + 2000 },
      ]);
      // The lab gave the name out again, to a job created an hour later.
      store.record({ ...base, phase: 'Queued', state: 'pending', createdAt: T0 + 3_600_000 }, [{ migrationId: id, phase: 'Queued', at: T0 + 3_600_000 }]);
      await store.flush();
      assert.equal(store.count(), 2);
      assert.equal(store.byId(id)?.migration.state, 'pending');
      const earlier = store.byId(`${id}@2023-11-14T22:13:20Z`);
      assert.equal(earlier?.migration.state, 'succeeded');
      assert.deepEqual(earlier?.transitions.map((t) => t.phase), ['Queued', 'Copying', 'Done']);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});
