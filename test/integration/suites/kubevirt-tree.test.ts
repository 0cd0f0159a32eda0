// The Clusters tree against the local KubeVirt-compatible API server (real HTTPS, list+watch,
// bearer tokens) reached through a kubeconfig, as a user's own cluster would be.

import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import type { TreeElement } from '../../../src/ui/clusters/core/tree-elements';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { childByLabel, extensionApi, loadedChildren, render, updateSettings, waitFor, type RenderedItem } from '../support/extension-fixture';

const CONTEXT = 'kv-test';
const VIEWER_CONTEXT = 'kv-test-viewer';

interface KubeVmi {
  metadata: { name: string; namespace: string };
  status?: { nodeName?: string; phase?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

describe('Clusters tree: KubeVirt', function () {
  let api: BlixardExtensionApi;
  let server: KubeApiServer;

  before(async function () {
    api = await extensionApi();
    server = await startKubeApiServer({ tls: true, timing: { perPhaseMs: 200 } });
    seedCluster(server, { nodes: 3, vmisPerNode: 3, notMigratableEvery: 4 });
    const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'blixard-it-kube-')), 'config');
    await server.writeKubeconfig(kubeconfig, { clusterName: CONTEXT, contexts: [{ name: CONTEXT }, { name: VIEWER_CONTEXT, role: 'viewer' }], currentContext: CONTEXT });
    await updateSettings(api, {
      'blixard.clusters': [],
      'blixard.refreshIntervalSeconds': 2,
      'blixard.kubevirt.kubeconfig': [kubeconfig],
      'blixard.kubevirt.contexts': [CONTEXT],
    });
  });

  after(async function () {
    await updateSettings(api, { 'blixard.kubevirt.kubeconfig': undefined, 'blixard.kubevirt.contexts': undefined, 'blixard.refreshIntervalSeconds': undefined });
    await server?.stop();
  });

  async function clusterElement(): Promise<TreeElement> {
    return (await childByLabel(api, undefined, CONTEXT)).element;
  }

  async function node(name: string): Promise<RenderedItem> {
    return childByLabel(api, await clusterElement(), name, 60_000);
  }

  function vmisOn(nodeName: string): KubeVmi[] {
    return (server.objects.list('virtualmachineinstances') as unknown as KubeVmi[]).filter((v) => v.status?.nodeName === nodeName);
  }

  it('shows one cluster per selected kubeconfig context', async () => {
    const root = await loadedChildren(api, undefined);
    assert.deepEqual(root.map((r) => r.label), [CONTEXT]);
    assert.equal(root[0].contextValue, 'cluster.kubevirt');
    assert.equal(root[0].icon, 'cloud');
  });

  it('lists the Kubernetes nodes as Ready with their capacity', async () => {
    const nodes = await loadedChildren(api, await clusterElement(), 60_000);
    assert.deepEqual(nodes.map((n) => n.label), ['node01', 'node02', 'node03']);
    for (const n of nodes) {
      assert.equal(n.contextValue, 'node.schedulable');
      assert.match(n.description ?? '', /^Ready · [\d.]+\/\d+ vCPU · [\d.]+\/\d+ GiB$/);
    }
  });

  it('lists the VMIs scheduled on each node, with phase, namespace and why one cannot migrate live', async () => {
    for (const name of ['node01', 'node02', 'node03']) {
      const vms = await loadedChildren(api, (await node(name)).element);
      const truth = vmisOn(name);
      assert.deepEqual(vms.map((v) => v.label).sort(), truth.map((t) => t.metadata.name).sort(), `VMIs on ${name}`);
      for (const vm of vms) {
        const real = truth.find((t) => t.metadata.name === vm.label)!;
        // The state in the vocabulary's word, with KubeVirt's finer phase where it says more.
        const phase = real.status?.phase ?? '';
        assert.match(vm.description ?? '', new RegExp(`^[a-z]+(?: \\(${phase}\\))? · ${real.metadata.namespace}`));
        if (phase === 'Running') assert.match(vm.description ?? '', /^running · /);
        const live = real.status?.conditions?.find((c) => c.type === 'LiveMigratable');
        if (live?.status === 'False') assert.match(vm.description ?? '', new RegExp(`not live-migratable: ${live.reason}`));
        if (real.status?.phase === 'Running') assert.equal(vm.contextValue, 'vm.running');
      }
    }
    const all = (await Promise.all(['node01', 'node02', 'node03'].map(async (n) => loadedChildren(api, (await node(n)).element)))).flat();
    assert.ok(all.some((v) => /not live-migratable/.test(v.description ?? '')), 'the seed has a VM that cannot migrate live');
  });

  it('follows node changes (cordon, NotReady) with targeted redraws', async () => {
    const fired: (TreeElement | undefined)[] = [];
    const subscription = api.clusterTree.onDidChangeTreeData((e) => fired.push(...(Array.isArray(e) ? e : [e])));
    try {
      server.cordonNode('node02', true);
      // The kind's word for it (KUBEVIRT_TRAITS.maintenance), a wrench, and the row offers Exit Maintenance Mode.
      const cordoned = await waitFor('node02 to show cordoned', async () => {
        const item = await render(api, (await node('node02')).element);
        return /cordoned/.test(item.description ?? '') ? item : undefined;
      }, 60_000);
      assert.equal(cordoned.icon, 'tools');
      assert.equal(cordoned.contextValue, 'node.maintenance');
      server.setNodeReady('node03', false);
      const notReady = await waitFor('node03 to show NotReady', async () => {
        const item = await render(api, (await node('node03')).element);
        return /^NotReady/.test(item.description ?? '') ? item : undefined;
      }, 60_000);
      assert.equal(notReady.iconColor, 'errorForeground');
      assert.ok(!fired.includes(undefined), `no whole-tree refresh (redrawn: ${fired.map((e) => e?.id ?? 'ROOT').join(', ')})`);
    } finally {
      subscription.dispose();
      server.cordonNode('node02', false);
      server.setNodeReady('node03', true);
      // Settle before the next test watches for redraws.
      await waitFor('node02 and node03 to be back to Ready', async () =>
        (await Promise.all(['node02', 'node03'].map(async (n) => (await render(api, (await node(n)).element)).description ?? ''))).every((d) => /^Ready · \d/.test(d)),
      );
    }
  });

  it('redraws only the VM (or its node) when a VMI changes on the server', async () => {
    const vms = await loadedChildren(api, (await node('node01')).element);
    const target = vms.find((v) => v.contextValue === 'vm.running' && !/not live-migratable/.test(v.description ?? ''));
    assert.ok(target, 'a live-migratable running VMI on node01');
    const namespace = (target.description ?? '').split(' · ')[1];
    const fired: (TreeElement | undefined)[] = [];
    const subscription = api.clusterTree.onDidChangeTreeData((e) => fired.push(...(Array.isArray(e) ? e : [e])));
    try {
      server.setVmiLiveMigratable(namespace, target.label, { reason: 'DisksNotLiveMigratable', message: 'PVC is not shared' });
      await waitFor('the VM to say it cannot migrate live', async () => /not live-migratable: DisksNotLiveMigratable/.test((await render(api, target.element)).description ?? ''), 60_000);
      assert.ok(!fired.includes(undefined), `no whole-tree refresh (redrawn: ${fired.map((e) => e?.id ?? 'ROOT').join(', ')})`);
      // Other nodes may change meanwhile (the server's controllers run on); what matters is that
      // the change arrived as the VM or its node, never as its cluster or the whole tree.
      const nodeId = (await node('node01')).element.id;
      // The redraw is debounced, and render() reads the view model directly: the new description
      // can be readable a moment before the event that tells VS Code to redraw arrives.
      const redrawn = () => fired.some((e) => e?.id === target.element.id || e?.id === nodeId);
      await waitFor('the VM or node01 to be redrawn', () => redrawn(), 10_000).catch(() => undefined);
      const ids = fired.map((e) => e?.id ?? 'ROOT');
      assert.ok(redrawn(), `the VM or node01 was redrawn, got ${ids.join(', ') || 'nothing'}`);
      assert.ok(!fired.includes(undefined), `no whole-tree refresh (redrawn: ${ids.join(', ')})`);
      assert.ok(!ids.some((id) => id.startsWith('cluster:')), `no cluster-level redraw, got ${ids.join(', ')}`);
    } finally {
      subscription.dispose();
    }
  });

  it('stops a VM through its VirtualMachine, and says why a bare VMI cannot be stopped', async () => {
    const vms = await loadedChildren(api, (await node('node01')).element);
    const bare = vms.find((v) => v.label === 'bare-vmi');
    assert.ok(bare, 'the seed has a VMI without a VirtualMachine');
    assert.match(bare.tooltip ?? '', /no VirtualMachine owns this instance/);
    await vscode.commands.executeCommand('blixard.stopVm', bare.element);
    assert.ok(vmisOn('node01').some((v) => v.metadata.name === 'bare-vmi'), 'the bare VMI is still running');

    const owned = vms.find((v) => v.contextValue === 'vm.running' && v.label !== 'bare-vmi');
    assert.ok(owned);
    await vscode.commands.executeCommand('blixard.stopVm', owned.element);
    await waitFor('the VMI to be gone from the server', () => !vmisOn('node01').some((v) => v.metadata.name === owned.label));
    await waitFor('the VM to leave node01 in the tree', async () => !(await loadedChildren(api, (await node('node01')).element)).some((v) => v.label === owned.label));
  });

  it('shows every context when no context filter is set, and applies the filter live', async () => {
    await updateSettings(api, { 'blixard.kubevirt.contexts': [] });
    let root = await loadedChildren(api, undefined);
    assert.deepEqual(root.map((r) => r.label), [CONTEXT, VIEWER_CONTEXT]);
    await updateSettings(api, { 'blixard.kubevirt.contexts': [VIEWER_CONTEXT] });
    root = await loadedChildren(api, undefined);
    assert.deepEqual(root.map((r) => r.label), [VIEWER_CONTEXT]);
    const viewerNodes = await loadedChildren(api, root[0].element, 60_000);
    assert.equal(viewerNodes.length, 3, 'a read-only user still sees the nodes');
    await updateSettings(api, { 'blixard.kubevirt.contexts': [CONTEXT, 'no-such-context'] });
    root = await loadedChildren(api, undefined);
    assert.ok(root.some((r) => r.contextValue === 'message.error' && /no-such-context/.test(r.label)), 'an unknown context is reported');
    assert.ok(root.some((r) => r.label === CONTEXT));
  });
});
