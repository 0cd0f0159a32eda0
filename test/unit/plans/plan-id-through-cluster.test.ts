// A plan's id travels with its migrations through the cluster, not beside it: the runner asks
// ClusterSource.migrate with it, the cluster keeps it (a Blixard daemon on the stored migration,
// the KubeVirt-compatible API server as the VMIM's `blixard.io/plan` label, found by a real
// kubectl's label selector), and the source gives it back on Migration.planId from the stream
// the watcher reads. A malformed id is refused before anything is asked.

import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { isFinal, type Migration } from '../../../src/model/migration';
import { PLAN_LABEL, planIdProblem } from '../../../src/model/plan-id';
import { readClusterSnapshot } from '../../../src/plans/cluster-snapshot';
import { planIdOf } from '../../../src/plans/plan-identity';
import { PlanRunner } from '../../../src/plans/plan-runner';
import { countStates } from '../../../src/plans/plan-run-state';
import { planMigrations } from '../../../src/plans/planner';
import type { ClusterSource } from '../../../src/sources/cluster-source';
import { requireKubectl, runKubectl } from '../../support/kubectl';
import { startKubeApiServer } from '../../support/kube-api-server';
import { sourceFor as blixardSourceFor, startTestCluster } from '../sources/blixard/support/test-cluster';
import { sourceFor as kubevirtSourceFor, TempDir, waitFor } from '../sources/kubevirt/source-harness';

/** Every observation the source's stream gave, last view per migration id. */
function follow(source: ClusterSource): { seen: Map<string, Migration>; dispose(): void } {
  const seen = new Map<string, Migration>();
  const sub = source.onMigrationEvent((e) => {
    if (e.type === 'observation') seen.set(e.observation.migration.id, e.observation.migration);
  });
  return { seen, dispose: () => sub.dispose() };
}

describe('plan id through the cluster', function () {
  this.timeout(60_000);

  it('the rule: a label value, at most 63 characters, no control characters', () => {
    assert.equal(planIdProblem('evacuate-0123456789abcdef01234567'), undefined);
    for (const bad of ['', 'a'.repeat(64), 'x\u0007y', 'x\ny', '-x', 'x-', 'a b', 'a/b', 42, null]) assert.ok(planIdProblem(bad), JSON.stringify(bad));
    assert.equal(planIdProblem('a'.repeat(63)), undefined);
  });

  it('Blixard: the daemon keeps it with the migration and MigrationInfo gives it back', async () => {
    const cluster = await startTestCluster({ nodes: 3, vms: 6, bandwidthMbps: 40_000 });
    const source = blixardSourceFor(cluster.endpoints);
    const stream = follow(source);
    try {
      const plan = planMigrations(await readClusterSnapshot(source), { kind: 'evacuate', nodeId: '1' }, { concurrency: { perCluster: 2, perSourceNode: 2 } });
      assert.ok(plan.entries.length >= 2, JSON.stringify(plan.blockers));
      const runner = new PlanRunner(source, plan);
      assert.equal(runner.planId, planIdOf(plan));
      assert.match(runner.planId, /^evacuate-[0-9a-f]{24}$/);
      const final = await runner.run();
      assert.deepEqual(countStates(final).done, plan.entries.length, JSON.stringify(final.entries));
      for (const e of final.entries) {
        const id = (e.status as { migrationId?: string }).migrationId!;
        await waitFor(() => stream.seen.get(id) && isFinal(stream.seen.get(id)!.state), `the stream's final view of ${id}`);
        assert.equal(stream.seen.get(id)!.planId, runner.planId, `${e.vm} on the stream`);
        assert.equal((await source.getMigration!(id))!.migration.planId, runner.planId, `${e.vm} by GetMigration`);
      }
      // Started on its own (the dialog), a migration has no plan.
      const vm = (await source.listVms()).find((v) => v.state === 'running' && v.nodeId === '2')!;
      const handle = await source.migrate({ vmId: vm.id, targetNodeId: '3', live: true });
      await handle.completion;
      assert.equal((await source.getMigration!(handle.migrationId))!.migration.planId, undefined);
      await assert.rejects(source.migrate({ vmId: vm.id, targetNodeId: '2', live: true, planId: 'bad\u0000id' }), (err: Error & { code?: string }) => err.code === 'invalid-argument' && /Plan id/.test(err.message));
    } finally {
      stream.dispose();
      source.dispose();
      await cluster.stop();
    }
  });

  it('KubeVirt: a `blixard.io/plan` label on the VMIM, kept by the API server and read back', async () => {
    const kubectl = requireKubectl();
    const server = await startKubeApiServer({ bookmarkIntervalMs: 500, timing: { perPhaseMs: 40 } });
    const dir = new TempDir();
    for (const name of ['node01', 'node02']) server.addNode({ name });
    for (let i = 1; i <= 3; i++) server.addVm({ name: `web-${i}`, node: 'node01' });
    const { source } = await kubevirtSourceFor(server, dir);
    const stream = follow(source);
    try {
      await waitFor(async () => (await source.listVms()).length === 3, 'the three VMIs');
      const plan = planMigrations(await readClusterSnapshot(source), { kind: 'evacuate', nodeId: 'node01' }, { concurrency: { perCluster: 2, perSourceNode: 2 } });
      assert.equal(plan.entries.length, 3, JSON.stringify(plan.blockers));
      const runner = new PlanRunner(source, plan);
      const final = await runner.run();
      assert.equal(countStates(final).done, 3, JSON.stringify(final.entries));
      const ids = final.entries.map((e) => (e.status as { migrationId?: string }).migrationId!);
      for (const id of ids) {
        await waitFor(() => stream.seen.get(id) && isFinal(stream.seen.get(id)!.state), `the stream's final view of ${id}`);
        assert.equal(stream.seen.get(id)!.planId, runner.planId, id);
        assert.equal(stream.seen.get(id)!.labels[PLAN_LABEL], runner.planId);
      }
      const kubeconfig = join(dir.path, 'kubectl-config');
      await server.writeKubeconfig(kubeconfig);
      const listed = await runKubectl(kubectl, kubeconfig, join(dir.path, 'cache'), ['get', 'virtualmachineinstancemigrations', '-n', 'default', '-l', `${PLAN_LABEL}=${runner.planId}`, '-o', 'name']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        listed.stdout.trim().split('\n').map((l) => l.replace(/^.*\//, '')).sort(),
        ids.map((id) => id.split('/').pop()).sort(),
      );
      await assert.rejects(source.migrate({ vmId: 'default/web-1', targetNodeId: 'node01', live: true, planId: 'x'.repeat(64) }), (err: Error & { code?: string }) => err.code === 'invalid-argument');
      // And the API server refuses a label value a real one would (what our check spares the user).
      const manifest = JSON.stringify({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstanceMigration', metadata: { generateName: 'bad-', namespace: 'default', labels: { [PLAN_LABEL]: 'not a label value' } }, spec: { vmiName: 'web-1' } });
      const refused = await runKubectl(kubectl, kubeconfig, join(dir.path, 'cache'), ['create', '-f', '-'], manifest);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /is invalid: metadata\.labels: Invalid value: "not a label value"/);
    } finally {
      stream.dispose();
      source.dispose();
      await server.stop();
      dir.dispose();
    }
  });
});
