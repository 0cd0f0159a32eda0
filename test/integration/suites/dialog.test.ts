// The migration dialog in a real VS Code: opened through its command from a Clusters tree VM,
// driven through its message protocol (the same gate the webview's messages pass), against a
// real Blixard dev cluster and the local KubeVirt-compatible API server.

import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DialogViewState } from '../../../src/protocol/migration-dialog';
import type { VmReference } from '../../../src/ui/dialog/core/vm-reference';
import type { BlixardExtensionApi } from '../../../src/extension';
import type { TreeElement, VmElement } from '../../../src/ui/clusters/core/tree-elements';
import { MigrationDialogs } from '../../../src/ui/dialog/migration-dialogs';
import { MIGRATION_DIALOG_VIEW_TYPE } from '../../../src/protocol/migration-dialog';
import { DevClusterProcess } from '../../../src/ui/dev-cluster/core/dev-cluster-process';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { BlixardProbe } from '../support/blixard-probe';
import { childByLabel, extensionApi, extensionPath, loadedChildren, updateSettings, waitFor, type RenderedItem } from '../support/extension-fixture';

const BLIXARD_CLUSTER = 'Dialog test cluster';
const KUBE_CONTEXT = 'kv-dialog';

function dialogTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('blixard.migrationDialog'));
}

async function stateOf(api: BlixardExtensionApi, ref: VmReference, what: string, accept: (s: DialogViewState) => unknown, timeoutMs = 60_000): Promise<DialogViewState> {
  return waitFor(`the dialog for ${ref.vmId}: ${what}`, () => {
    const s = api.migrationDialog.stateOf(ref);
    return s && accept(s) ? s : undefined;
  }, timeoutMs);
}

describe('Migration dialog', function () {
  let api: BlixardExtensionApi;

  before(async () => {
    api = await extensionApi();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a restored panel gets its webview at once, before the clusters are read (it was blank until they were)', async () => {
    // The serializer's path, with clusters that take as long as they like to be listed (after a
    // reload the registry settles late): the webview must not wait for them to draw its saved picture.
    let listed: (sources: []) => void = () => undefined;
    const dialogs = new MigrationDialogs(vscode.Uri.file(extensionPath()), {
      sources: () => new Promise((resolve) => (listed = resolve)),
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    const panel = vscode.window.createWebviewPanel(MIGRATION_DIALOG_VIEW_TYPE, 'Migrate vm-3', vscode.ViewColumn.Active, {});
    try {
      const restoring = dialogs.restore(panel, { v: 1, clusterId: 'blixard:Somewhere', vmId: 'vm-3', migrationId: 'blixard:Somewhere/m-1' });
      assert.match(panel.webview.html, /<script nonce="[A-Za-z0-9]+" src="[^"]+dialog\.js"><\/script>/, 'the dialog page is loading while the clusters are still being read');
      listed([]);
      await restoring;
      assert.match(panel.webview.html, /is no longer configured/, 'and says so once the cluster turns out to be gone');
    } finally {
      panel.dispose();
      dialogs.dispose();
    }
  });

  describe('on a Blixard dev cluster', function () {
    let cluster: DevClusterProcess;
    let probe: BlixardProbe;

    before(async () => {
      cluster = await DevClusterProcess.start({ script: path.join(extensionPath(), 'dist', 'companion', 'blixard-node.js'), nodes: 3, vms: 6 });
      probe = BlixardProbe.forRepo(cluster.endpoints[0], extensionPath());
      const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-it-dialog-'));
      const emptyKubeconfig = path.join(dir, 'kubeconfig');
      writeFileSync(emptyKubeconfig, 'apiVersion: v1\nkind: Config\ncontexts: []\nclusters: []\nusers: []\n');
      await updateSettings(api, {
        'blixard.kubevirt.kubeconfig': [emptyKubeconfig],
        'blixard.kubevirt.contexts': [],
        'blixard.clusters': [{ name: BLIXARD_CLUSTER, endpoints: cluster.endpoints }],
      });
    });

    after(async () => {
      await updateSettings(api, { 'blixard.clusters': [], 'blixard.kubevirt.kubeconfig': undefined, 'blixard.kubevirt.contexts': undefined });
      probe?.close();
      await cluster?.stop();
    });

    async function vmItem(name: string): Promise<{ node: RenderedItem; vm: RenderedItem }> {
      const clusterItem = await childByLabel(api, undefined, BLIXARD_CLUSTER);
      return waitFor(`VM ${name} in the tree`, async () => {
        for (const node of await loadedChildren(api, clusterItem.element)) {
          const vm = (await loadedChildren(api, node.element)).find((v) => v.label === name);
          if (vm) return { node, vm };
        }
        return undefined;
      });
    }

    it('opens from the tree VM, one panel per VM, its webview loaded under the CSP', async () => {
      const { vm } = await vmItem('vm-1');
      const element = vm.element as VmElement;
      const ref = { clusterId: element.clusterId, vmId: element.vmId };
      await vscode.commands.executeCommand('blixard.migrateVm', element);
      const s = await stateOf(api, ref, 'the form', (x) => x.stage === 'form');
      assert.equal(s.vm?.name, 'vm-1');
      assert.equal(s.cluster.traits.label, 'Blixard');
      assert.equal(s.cluster.traits.force, true);
      assert.equal(s.nodes.length, 3);
      await waitFor('the webview to load and say ready', () => api.migrationDialog.webviewReady(ref));
      assert.equal(dialogTabs().length, 1);
      await waitFor('the tab title', () => dialogTabs()[0]?.label === 'Migrate vm-1');

      await vscode.commands.executeCommand('blixard.migrateVm', element);
      assert.equal(api.migrationDialog.openCount, 1, 'the same VM focuses its open dialog');
      assert.equal(dialogTabs().length, 1);
    });

    it('refuses the source node with the TUI message, ignores malformed messages, then moves the VM and ends on the final state', async () => {
      const { node, vm } = await vmItem('vm-3');
      const element = vm.element as VmElement;
      const ref = { clusterId: element.clusterId, vmId: element.vmId };
      await vscode.commands.executeCommand('blixard.migrateVm', element);
      const form = await stateOf(api, ref, 'the form', (x) => x.stage === 'form');
      const from = form.vm!.nodeId!;
      const to = form.nodes.find((n) => n.id !== from)!.id;

      for (const junk of [{ type: 'runCommand', command: 'workbench.action.reloadWindow' }, { type: 'submit', targetNodeId: to, live: true }, null, 'submit']) {
        assert.equal(api.migrationDialog.deliver(ref, junk), true);
      }
      assert.equal(api.migrationDialog.stateOf(ref)?.stage, 'form');

      api.migrationDialog.deliver(ref, { type: 'submit', targetNodeId: from, live: true, force: false });
      const refused = await stateOf(api, ref, 'the same-node refusal', (x) => x.stage === 'form' && x.hostIssues?.length);
      assert.deepEqual(refused.hostIssues!.map((i) => i.message), ['Target node must be different from source node']);

      api.migrationDialog.deliver(ref, { type: 'submit', targetNodeId: to, live: true, force: false });
      const tracking = await stateOf(api, ref, 'tracking', (x) => x.stage === 'tracking' && x.migrationId);
      const done = await stateOf(api, ref, 'succeeded', (x) => x.migration?.state === 'succeeded', 120_000);
      assert.equal(done.migrationId, tracking.migrationId);
      assert.deepEqual(done.migration!.phases.map((p) => p.phase).filter((p) => p !== 'Unknown'), ['Preparing', 'Transferring', 'Switching', 'Completed']);
      await waitFor('the tab title to say it is done', () => dialogTabs()[0]?.label === 'Migrated vm-3');
      // One path: the phases the dialog shows are the watcher's, like any migration started elsewhere.
      await waitFor('the watcher to hold it as ended', () => api.migrations.recent().some((m) => m.id === done.migrationId));
      assert.deepEqual(api.migrations.phasesOf(done.migrationId!).map((p) => p.phase), done.migration!.phases.map((p) => p.phase));

      const onDaemons = await waitFor('the daemons to hold vm-3 on its new node', async () => (await probe.listVms()).find((v) => v.name === 'vm-3' && v.nodeId === to));
      assert.equal(onDaemons.state, 'VM_STATE_RUNNING');
      // The tree shows it under the new node without a manual refresh.
      const moved = await vmItem('vm-3');
      assert.notEqual(moved.node.label, node.label);
      assert.equal((moved.node.element as { nodeId?: string }).nodeId, to);

      // The final state stays until the user acts.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(api.migrationDialog.stateOf(ref)?.stage, 'tracking');

      // "Migrate VM…" again on this VM: the ended migration gives way to a fresh form in the same panel
      // (it used to reveal the old result only).
      await vscode.commands.executeCommand('blixard.migrateVm', element);
      const fresh = await stateOf(api, ref, 'a fresh form after "Migrate VM…"', (x) => x.stage === 'form', 30_000);
      assert.equal(fresh.vm?.nodeId, to, 'the form starts from the node the VM is on now');
      assert.equal(fresh.migrationId, undefined);
      assert.equal(api.migrationDialog.openCount, 1);
      assert.equal(dialogTabs().length, 1);
      await waitFor('the tab title to ask again', () => dialogTabs()[0]?.label === 'Migrate vm-3');
      api.migrationDialog.deliver(ref, { type: 'close' });
      await waitFor('the panel to close', () => api.migrationDialog.openCount === 0 && dialogTabs().length === 0);
    });

    it('opens from the command palette route with a plain { clusterId, vmId } and shows a stopped VM as cold-only', async () => {
      const { vm } = await vmItem('vm-2');
      const element = vm.element as VmElement;
      const ref = { clusterId: element.clusterId, vmId: element.vmId };
      await vscode.commands.executeCommand('blixard.migrateVm', ref);
      const s = await stateOf(api, ref, 'the form', (x) => x.stage === 'form');
      assert.equal(s.vm?.state, 'stopped');
      const to = s.nodes.find((n) => n.id !== s.vm!.nodeId)!.id;
      api.migrationDialog.deliver(ref, { type: 'submit', targetNodeId: to, live: true, force: false });
      const refused = await stateOf(api, ref, 'the refusal', (x) => x.stage === 'form' && x.hostIssues?.length);
      assert.deepEqual(refused.hostIssues!.map((i) => i.message), ['VM must be running for live migration']);
      api.migrationDialog.deliver(ref, { type: 'submit', targetNodeId: to, live: false, force: false });
      await stateOf(api, ref, 'succeeded', (x) => x.migration?.state === 'succeeded', 120_000);
      await waitFor('vm-2 on its new node', async () => (await probe.listVms()).find((v) => v.name === 'vm-2' && v.nodeId === to));
    });
  });

  describe('on the local KubeVirt API server', function () {
    let server: KubeApiServer;

    before(async () => {
      server = await startKubeApiServer({ tls: true, timing: { perPhaseMs: 200 } });
      seedCluster(server, { nodes: 3, vmisPerNode: 2, notMigratableEvery: 5 });
      const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'blixard-it-dialog-kube-')), 'config');
      await server.writeKubeconfig(kubeconfig, { clusterName: KUBE_CONTEXT, contexts: [{ name: KUBE_CONTEXT }], currentContext: KUBE_CONTEXT });
      await updateSettings(api, { 'blixard.clusters': [], 'blixard.kubevirt.kubeconfig': [kubeconfig], 'blixard.kubevirt.contexts': [KUBE_CONTEXT] });
    });

    after(async () => {
      await updateSettings(api, { 'blixard.kubevirt.kubeconfig': undefined, 'blixard.kubevirt.contexts': undefined });
      await server?.stop();
    });

    async function vmiRef(name: string): Promise<VmReference> {
      const clusterItem = await childByLabel(api, undefined, KUBE_CONTEXT);
      return waitFor(`VMI ${name} in the tree`, async () => {
        for (const node of await loadedChildren(api, clusterItem.element as TreeElement, 60_000)) {
          const vm = (await loadedChildren(api, node.element)).find((v) => v.label === name || v.label.startsWith(`${name} `));
          if (vm) return { clusterId: (vm.element as VmElement).clusterId, vmId: (vm.element as VmElement).vmId };
        }
        return undefined;
      }, 60_000);
    }

    it('creates a VMIM with the right spec and follows it to Succeeded', async () => {
      const ref = await vmiRef('vm-001');
      await vscode.commands.executeCommand('blixard.migrateVm', ref);
      const s = await stateOf(api, ref, 'the form', (x) => x.stage === 'form');
      assert.equal(s.cluster.traits.label, 'KubeVirt');
      assert.equal(s.cluster.traits.live, 'always');
      await waitFor('the webview to load', () => api.migrationDialog.webviewReady(ref));
      api.migrationDialog.deliver(ref, { type: 'submit', targetNodeId: 'node03', live: true, force: false });
      const record = await waitFor('the VMIM', () => server.objects.migrations().find((m) => m.vmiName === 'vm-001'));
      assert.match(record.name, /^kubevirt-migrate-vm-/);
      const spec = record.lastObject.spec as Record<string, unknown>;
      assert.equal(spec.vmiName, 'vm-001');
      assert.deepEqual(spec.addedNodeSelector, { 'kubernetes.io/hostname': 'node03' });
      const done = await stateOf(api, ref, 'Succeeded', (x) => x.migration?.state === 'succeeded', 120_000);
      assert.ok(done.migration!.phases.some((p) => p.phase === 'Succeeded'));
    });

    it('cancel deletes the VMIM and the dialog ends cancelled', async () => {
      server.setTiming({ perPhaseMs: 300, phaseMs: { Running: 30_000 } });
      try {
        const ref = await vmiRef('vm-002');
        await vscode.commands.executeCommand('blixard.migrateVm', ref);
        await stateOf(api, ref, 'the form', (x) => x.stage === 'form');
        api.migrationDialog.deliver(ref, { type: 'submit', targetNodeId: null, live: true, force: false });
        await stateOf(api, ref, 'Running', (x) => x.migration?.phase === 'Running', 60_000);
        api.migrationDialog.deliver(ref, { type: 'cancelMigration' });
        const record = await waitFor('the delete', () => server.objects.migrations().find((m) => m.vmiName === 'vm-002' && m.cancelRequested));
        await stateOf(api, ref, 'cancelled', (x) => x.migration?.state === 'cancelled', 60_000);
        await waitFor('the VMIM gone', () => !server.objects.get('virtualmachineinstancemigrations', 'default', record.name));
      } finally {
        server.setTiming({ perPhaseMs: 200, phaseMs: { Running: 200 } });
      }
    });
  });
});
