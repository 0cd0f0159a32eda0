// Maintenance (cordon) through KubevirtSource.setNodeMaintenance against the local KubeVirt-compatible
// API server: a real Node patch as `kubectl cordon` makes, agreement with a real kubectl both ways,
// the scheduler keeping migration targets off the node, and the placement facts a plan reads from
// VMIs (hints, pinning, whether a shutdown is allowed).

import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { SourceError } from '../../../../src/model/errors';
import type { KubevirtSource } from '../../../../src/sources/kubevirt/kubevirt-source';
import { startKubeApiServer, type KubeApiServer } from '../../../support/kube-api-server';
import { requireKubectl, runKubectl } from '../../../support/kubectl';
import { ChangeRecorder, sourceFor, TempDir, waitFor } from './source-harness';

describe('KubevirtSource maintenance (cordon) against a KubeVirt-compatible API server', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let dir: TempDir;
  let source: KubevirtSource;
  let kubectlBin: string;
  const kubeconfig = () => join(dir.path, 'kubectl-config');
  const kubectl = (args: string[]) => runKubectl(kubectlBin, kubeconfig(), join(dir.path, 'cache'), args);
  const nodeObject = (name: string) => server.objects.get('nodes', undefined, name);
  const schedulable = async (name: string) => (await source.listNodes()).find((n) => n.id === name)?.schedulable;

  before(async () => {
    kubectlBin = requireKubectl();
    server = await startKubeApiServer({ bookmarkIntervalMs: 500, timing: { perPhaseMs: 30 } });
    for (const name of ['node01', 'node02', 'node03']) server.addNode({ name });
    server.addVm({ name: 'web', node: 'node01' });
    server.addVm({
      name: 'db',
      node: 'node01',
      evictionStrategy: 'LiveMigrate',
      annotations: { 'blixard.io/migrate-after': 'default/web', 'blixard.io/pinned': 'licence bound to node01' },
      labels: { 'blixard.io/migration-priority': '5' },
    });
    server.addVm({ name: 'scratch', node: 'node02', evictionStrategy: 'None', liveMigratable: false, nodeSelector: { 'kubernetes.io/hostname': 'node02' } });
    server.addVm({ name: 'maybe', node: 'node02', evictionStrategy: 'LiveMigrateIfPossible', liveMigratable: false });
    server.addVm({ name: 'capk', node: 'node03', evictionStrategy: 'External' });
    server.addVmi({ name: 'bare', node: 'node03', evictionStrategy: 'None' });
    dir = new TempDir();
    await server.writeKubeconfig(kubeconfig());
    ({ source } = await sourceFor(server, dir));
  });
  after(async () => {
    source?.dispose();
    await server?.stop();
    dir?.dispose();
  });

  it('declares the capability in its words: cordoned, no reason recorded', () => {
    assert.equal(typeof source.setNodeMaintenance, 'function');
    assert.deepEqual([source.traits.maintenance?.state, source.traits.maintenance?.enter, source.traits.maintenance?.recordsReason], ['cordoned', 'cordon {node}', false]);
  });

  it('cordons with a real Node patch that kubectl reads as SchedulingDisabled, and uncordons it', async () => {
    const changes = new ChangeRecorder(source);
    try {
      assert.equal(await schedulable('node02'), true);
      await source.setNodeMaintenance!('node02', true, 'kernel patch');
      assert.equal(nodeObject('node02')?.spec?.unschedulable, true, 'spec.unschedulable on the server');
      // The node lifecycle controller adds the taint kubectl cordon leads to.
      await waitFor(() => nodeObject('node02')?.spec?.taints?.some((t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule'), 'the unschedulable taint');
      await waitFor(async () => (await schedulable('node02')) === false, 'the source sees the node cordoned');
      await waitFor(() => changes.saw((c) => c.scope === 'nodes' || (c.scope === 'node' && c.nodeId === 'node02')), 'a change of the node');
      const listed = await kubectl(['get', 'node', 'node02']);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /node02\s+Ready,SchedulingDisabled/);
      assert.equal((await source.listNodes()).find((n) => n.id === 'node02')?.maintenance, undefined, 'Kubernetes keeps no since or reason');

      await source.setNodeMaintenance!('node02', true); // again: nothing changes, no error
      await source.setNodeMaintenance!('node02', false);
      assert.equal(nodeObject('node02')?.spec?.unschedulable, undefined, 'uncordon removes the field, as kubectl uncordon does');
      await waitFor(() => !nodeObject('node02')?.spec?.taints?.some((t: { key: string }) => t.key === 'node.kubernetes.io/unschedulable'), 'the taint gone');
      await waitFor(async () => (await schedulable('node02')) === true, 'the source sees it schedulable');
      assert.match((await kubectl(['get', 'node', 'node02'])).stdout, /node02\s+Ready\s/);
    } finally {
      changes.dispose();
    }
  });

  it('agrees with a real kubectl cordon and uncordon, both ways', async () => {
    const cordoned = await kubectl(['cordon', 'node03']);
    assert.equal(cordoned.code, 0, cordoned.stderr);
    assert.match(cordoned.stdout, /node\/node03 cordoned/);
    await waitFor(async () => (await schedulable('node03')) === false, 'the source sees kubectl cordon');
    await source.setNodeMaintenance!('node03', false);
    const json = JSON.parse((await kubectl(['get', 'node', 'node03', '-o', 'json'])).stdout);
    assert.equal(json.spec.unschedulable, undefined, 'kubectl reads it uncordoned');
    assert.match((await kubectl(['uncordon', 'node03'])).stdout, /node\/node03 already uncordoned/);

    await source.setNodeMaintenance!('node03', true);
    assert.match((await kubectl(['cordon', 'node03'])).stdout, /node\/node03 already cordoned/);
    const uncordoned = await kubectl(['uncordon', 'node03']);
    assert.match(uncordoned.stdout, /node\/node03 uncordoned/);
    await waitFor(async () => (await schedulable('node03')) === true, 'the source sees kubectl uncordon');
  });

  it('refuses a migration to a cordoned node, and the scheduler never picks one', async () => {
    await source.setNodeMaintenance!('node02', true);
    await source.setNodeMaintenance!('node03', true);
    try {
      await waitFor(async () => (await schedulable('node03')) === false && (await schedulable('node02')) === false, 'both cordoned');
      await assert.rejects(source.migrate({ vmId: 'default/web', targetNodeId: 'node02', live: true }), (err: unknown) => {
        assert.ok(err instanceof SourceError);
        assert.equal(err.code, 'failed-precondition');
        assert.equal(err.message, 'Node node02 is cordoned: it takes no new VMs; choose another node');
        return true;
      });
      // Any node: the only schedulable one is the source itself, so KubeVirt's scheduler finds none.
      server.setTiming({ unschedulableTimeoutMs: 300 });
      const handle = await source.migrate({ vmId: 'default/web', live: true });
      await handle.completion.catch(() => undefined);
      const [, namespace, name] = handle.migrationId.slice(source.id.length).split('/');
      const truth = await waitFor(() => server.objects.migration({ namespace, name })?.finalPhase && server.objects.migration({ namespace, name }), 'the migration ends');
      assert.equal(truth.finalPhase, 'Failed', 'no target outside the cordoned nodes');
      assert.equal(server.objects.get('virtualmachineinstances', 'default', 'web')?.status?.nodeName, 'node01');
    } finally {
      await source.setNodeMaintenance!('node02', false);
      await source.setNodeMaintenance!('node03', false);
    }
    // Uncordoned: the scheduler may pick node02 or node03 again.
    const handle = await source.migrate({ vmId: 'default/web', live: true });
    await handle.completion;
    assert.match(server.objects.get('virtualmachineinstances', 'default', 'web')?.status?.nodeName ?? '', /^node0[23]$/);
  });

  it("says what a node patch was refused for, and names a node that does not exist", async () => {
    await assert.rejects(source.setNodeMaintenance!('node09', true), (err: unknown) => err instanceof SourceError && err.code === 'not-found' && /patch nodes node09: not found/i.test(err.message));
    await assert.rejects(source.setNodeMaintenance!(' ', true), (err: unknown) => err instanceof SourceError && err.code === 'invalid-argument');
  });

  it('reads the placement facts of each VMI: hints, pinning, and whether a shutdown is allowed', async () => {
    const vms = new Map((await source.listVms()).map((v) => [v.name, v]));
    assert.deepEqual(vms.get('db')?.placement, { priority: 5, after: ['default/web'], pinned: 'licence bound to node01' });
    assert.deepEqual(vms.get('db')?.coldMove, { ok: false, reason: 'evictionStrategy LiveMigrate: the VM must move live and is never shut down to move' });
    assert.deepEqual(vms.get('scratch')?.placement, { pinned: 'scheduled only on node02 (nodeSelector kubernetes.io/hostname)' });
    assert.equal(vms.get('scratch')?.coldMove?.ok, true);
    assert.match(vms.get('maybe')?.coldMove?.reason ?? '', /LiveMigrateIfPossible, and the VM cannot move live/);
    assert.equal(vms.get('maybe')?.coldMove?.ok, true);
    assert.deepEqual([vms.get('capk')?.coldMove?.ok, vms.get('bare')?.coldMove?.ok], [false, false]);
    assert.match(vms.get('bare')?.coldMove?.reason ?? '', /no VirtualMachine owns this instance/);
    // The local server gives VMIs LiveMigrate unless told otherwise, as OpenShift Virtualization's default does.
    assert.deepEqual(vms.get('web')?.coldMove, vms.get('db')?.coldMove);
    assert.equal(vms.get('web')?.placement, undefined);
  });
});
