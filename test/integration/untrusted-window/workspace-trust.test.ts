// Workspace trust, in a window with trust on and its folder not trusted (Restricted Mode): a
// folder's .vscode/settings.json naming a crafted kubeconfig (an exec plugin) and a Blixard
// endpoint runs nothing and connects nowhere, the user's own settings still apply, the tree says
// why; once the folder is trusted through the workbench's UI, its settings apply without a reload.

import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import { UNTRUSTED_WORKSPACE_NOTICE } from '../../../src/model/settings';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { EXTENSION_ID, extensionApi, loadedChildren, updateSettings, waitFor } from '../support/extension-fixture';
import { requestWorkbenchAction } from '../support/result-events';

const USER_CONTEXT = 'user-kv';
const WORKSPACE_CONTEXT = 'workspace-kv';
const WORKSPACE_BLIXARD = 'workspace-blixard';

describe('Workspace trust: a folder opened untrusted', function () {
  let api: BlixardExtensionApi;
  let server: KubeApiServer;
  let endpoint: net.Server;
  let connections = 0;
  let dir: string;
  let marker: string;
  let workspaceSettings: string;

  before(async function () {
    api = await extensionApi();
    dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-it-trust-'));
    marker = path.join(dir, 'exec-plugin-ran');
    server = await startKubeApiServer({ tls: true });
    seedCluster(server, { nodes: 2, vmisPerNode: 1 });
    const userKubeconfig = path.join(dir, 'user-kubeconfig');
    await server.writeKubeconfig(userKubeconfig, { clusterName: 'kv', contexts: [{ name: USER_CONTEXT }], currentContext: USER_CONTEXT });

    // The crafted kubeconfig: its user is an exec plugin that leaves a mark (and answers the
    // real token, so that once trusted the cluster works, as kubectl would run it too).
    const crafted = JSON.parse(readFileSync(userKubeconfig, 'utf8')) as { contexts: { name: string; context: { user: string } }[]; users: { name: string; user: unknown }[]; 'current-context': string };
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: server.token } });
    crafted.contexts = [{ name: WORKSPACE_CONTEXT, context: { ...crafted.contexts[0].context, user: 'plugin' } }];
    crafted.users = [{ name: 'plugin', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/bin/sh', args: ['-c', `echo ran >> '${marker}'; printf '%s' '${credential}'`] } } }];
    crafted['current-context'] = WORKSPACE_CONTEXT;
    const craftedKubeconfig = path.join(dir, 'crafted-kubeconfig');
    writeFileSync(craftedKubeconfig, JSON.stringify(crafted), { mode: 0o600 });

    endpoint = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const port = (endpoint.address() as net.AddressInfo).port;

    await updateSettings(api, { 'blixard.clusters': [], 'blixard.kubevirt.kubeconfig': [userKubeconfig], 'blixard.kubevirt.contexts': [] });
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(folder, 'the window has a folder open');
    mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    workspaceSettings = path.join(folder, '.vscode', 'settings.json');
    writeFileSync(
      workspaceSettings,
      JSON.stringify({
        'blixard.kubevirt.kubeconfig': [craftedKubeconfig],
        'blixard.kubevirt.contexts': [WORKSPACE_CONTEXT],
        'blixard.clusters': [{ name: WORKSPACE_BLIXARD, endpoints: [`127.0.0.1:${port}`] }],
        'blixard.history.maxMigrations': 1,
        // Not restricted: its arrival shows the workbench has read this file.
        'blixard.refreshIntervalSeconds': 7,
      }),
    );
    await waitFor('the workbench to read the folder settings', () => vscode.workspace.getConfiguration().get('blixard.refreshIntervalSeconds') === 7);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await api.settingsApplied();
  });

  after(async function () {
    if (workspaceSettings) rmSync(workspaceSettings, { force: true });
    await updateSettings(api, { 'blixard.clusters': undefined, 'blixard.kubevirt.kubeconfig': undefined, 'blixard.kubevirt.contexts': undefined }).catch(() => undefined);
    await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ignores the folder\'s restricted settings (no exec plugin run, no endpoint reached), keeps the user\'s, says so in the tree, and applies them once trusted without a reload', async function () {
    this.timeout(240_000);
    assert.equal(vscode.workspace.isTrusted, false, 'this window must open its folder untrusted (workspace trust on)');

    // What VS Code itself hands the extension in Restricted Mode (checked here, not assumed):
    // the workspace value of a restricted setting is withheld, even from inspect().
    const config = vscode.workspace.getConfiguration();
    assert.equal(config.inspect('blixard.kubevirt.kubeconfig')?.workspaceValue, undefined);
    assert.equal(config.get('blixard.history.maxMigrations'), 100000);

    // The tree: the notice first (it opens Manage Workspace Trust), then only the user's cluster.
    const root = await waitFor('the Restricted Mode notice and the user cluster', async () => {
      const rows = await loadedChildren(api, undefined);
      return rows.length === 2 ? rows : undefined;
    });
    assert.deepEqual(
      root.map((r) => r.label),
      [UNTRUSTED_WORKSPACE_NOTICE, USER_CONTEXT],
    );
    assert.equal(root[0].command, 'workbench.trust.manage');
    assert.deepEqual(api.clusters.clusters.map((c) => c.spec.label), [USER_CONTEXT]);
    const userNodes = await loadedChildren(api, root[1].element, 60_000);
    assert.deepEqual(userNodes.map((n) => n.label), ['node01', 'node02']);
    assert.equal(existsSync(marker), false, 'the folder\'s kubeconfig exec plugin must not run');
    assert.equal(connections, 0, 'the folder\'s Blixard endpoint must not be connected to');

    // Trust the folder the way a person does: Manage Workspace Trust → Trust.
    const host = process.pid;
    await vscode.commands.executeCommand('workbench.trust.manage');
    const granted = new Promise<void>((resolve) => {
      const subscription = vscode.workspace.onDidGrantWorkspaceTrust(() => {
        subscription.dispose();
        resolve();
      });
    });
    requestWorkbenchAction('grant-workspace-trust');
    await Promise.race([granted, new Promise((_, reject) => setTimeout(() => reject(new Error('the folder was not trusted within 60 s')), 60_000))]);

    const trustedRoot = await waitFor('the folder\'s clusters, and no notice', async () => {
      await api.settingsApplied();
      const rows = await loadedChildren(api, undefined);
      const labels = rows.map((r) => r.label).sort();
      return JSON.stringify(labels) === JSON.stringify([WORKSPACE_BLIXARD, WORKSPACE_CONTEXT].sort()) ? rows : undefined;
    }, 60_000);
    assert.equal(vscode.workspace.getConfiguration().get('blixard.history.maxMigrations'), 1, 'the folder\'s values apply once trusted');
    const workspaceCluster = trustedRoot.find((r) => r.label === WORKSPACE_CONTEXT)!;
    const nodes = await loadedChildren(api, workspaceCluster.element, 60_000);
    assert.deepEqual(nodes.map((n) => n.label), ['node01', 'node02'], 'the trusted kubeconfig works, through its exec plugin');
    assert.equal(existsSync(marker), true, 'a trusted kubeconfig\'s exec plugin runs, as kubectl would run it');
    await waitFor('the folder\'s Blixard endpoint to be tried', () => connections > 0);
    // Same extension host, same activation: no reload.
    assert.equal(process.pid, host);
    assert.equal(vscode.extensions.getExtension(EXTENSION_ID)?.exports, api);
  });
});
