// The Clusters view's commands. Failures of a user's own action are said once, in a
// non-modal message; background failures live in the tree and the log, never in popups.

import * as vscode from 'vscode';
import { describeError } from '../../model/errors';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import { describeCluster } from '../../sources/cluster-kinds';
import { isValidEndpoint } from '../../sources/source-settings';
import type { ClusterTreeProvider } from './cluster-tree-provider';
import { revealCluster } from './cluster-tree-reveal';
import { DEV_CLUSTER_ID, type DevClusterController } from '../dev-cluster/dev-cluster-controller';
import type { ExtensionLog } from '../common/extension-log';
import type { TreeElement, VmElement } from './core/tree-elements';

export interface CommandContext {
  registry: ClusterRegistry;
  tree: ClusterTreeProvider;
  /** The Clusters view itself, to reveal what a command added. */
  view: vscode.TreeView<TreeElement>;
  devCluster: DevClusterController;
  log: ExtensionLog;
  /** Re-reads settings into the registry (Refresh with no element). */
  reloadSettings(): Promise<void>;
}

export function registerClusterCommands(ctx: CommandContext): vscode.Disposable[] {
  // A command receives whatever its caller passes (menus, the palette, other extensions); each
  // command checks its own argument.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const register = (id: string, run: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, run);
  return [
    // Both read the kubeconfig files again first: a rewritten one (rotated token or certificate)
    // rebuilds its clusters with the new credentials instead of retrying with the old ones.
    register('blixard.refresh', async (element?: TreeElement) => {
      const clusterId = element && 'clusterId' in element ? element.clusterId : undefined;
      if (clusterId) {
        await ctx.registry.reread();
        return ctx.tree.refreshCluster(clusterId);
      }
      await ctx.reloadSettings();
      await ctx.tree.refreshAll();
    }),
    register('blixard.retry', async (arg?: TreeElement | string) => {
      const clusterId = typeof arg === 'string' ? arg : arg && 'clusterId' in arg ? arg.clusterId : undefined;
      await ctx.registry.reread();
      if (clusterId) return ctx.tree.refreshCluster(clusterId);
      return ctx.tree.refreshAll();
    }),
    register('blixard.addCluster', () => addCluster(ctx)),
    register('blixard.removeCluster', (element?: TreeElement) => removeCluster(ctx, element)),
    register('blixard.startDevCluster', () => startDevCluster(ctx)),
    register('blixard.stopDevCluster', () => ctx.devCluster.stop()),
    register('blixard.useKubeconfig', () => useKubeconfig()),
    register('blixard.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', 'blixard.')),
    register('blixard.startVm', (element?: TreeElement) => changeVmPower(ctx, element, 'start')),
    register('blixard.stopVm', (element?: TreeElement) => changeVmPower(ctx, element, 'stop')),
    register('blixard.copyVmName', async (element?: TreeElement) => {
      const vm = element?.type === 'vm' ? ctx.tree.model(element.clusterId)?.vm(element.nodeId, element.vmId) : undefined;
      if (vm) await vscode.env.clipboard.writeText(vm.name);
    }),
    register('blixard.showOutput', () => ctx.log.show()),
  ];
}

async function startDevCluster(ctx: CommandContext): Promise<string[] | undefined> {
  try {
    // A notification, not only the view's progress bar: the view may be scrolled or hidden, and
    // the start takes seconds. Once ready the new cluster is revealed, selected and expanded.
    const endpoints = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Starting the local dev cluster…' },
      () => ctx.devCluster.start(),
    );
    if (!(await revealCluster(ctx.tree, ctx.view, DEV_CLUSTER_ID))) ctx.log.warn('Local dev cluster: started, but the Clusters view did not show it in time.');
    return endpoints;
  } catch (err) {
    const reason = describeError(err);
    ctx.log.error(`Local dev cluster: ${reason}`);
    void vscode.window.showErrorMessage(`Could not start the local dev cluster: ${reason.split('\n')[0]}`, 'Show Output').then((choice) => {
      if (choice) ctx.log.show();
    });
    return undefined;
  }
}

async function changeVmPower(ctx: CommandContext, element: TreeElement | undefined, action: 'start' | 'stop'): Promise<void> {
  if (element?.type !== 'vm') return;
  const vm = ctx.tree.model(element.clusterId)?.vm(element.nodeId, element.vmId);
  const entry = ctx.registry.get(element.clusterId);
  if (!vm || !entry) return;
  try {
    const source = entry.acquire();
    await vscode.window.withProgress({ location: { viewId: 'blixard.clusters' }, title: `${action === 'start' ? 'Starting' : 'Stopping'} ${vm.name}…` }, () =>
      action === 'start' ? source.startVm(vm.id) : source.stopVm(vm.id),
    );
    ctx.log.info(`${entry.spec.label}: ${action === 'start' ? 'started' : 'stopped'} ${vm.name}`);
  } catch (err) {
    const reason = describeError(err);
    ctx.log.warn(`${entry.spec.label}: could not ${action} ${vm.name}: ${reason}`);
    void vscode.window.showWarningMessage(`Could not ${action} ${vm.name}: ${reason}`);
  } finally {
    // The source reports the change too; this makes sure the item is right even if it does not.
    void ctx.tree.refreshCluster(element.clusterId);
  }
}

interface ClusterSetting {
  name: string;
  endpoints: string[];
  datacenter?: string;
  [key: string]: unknown;
}

async function addCluster(ctx: CommandContext): Promise<void> {
  const config = vscode.workspace.getConfiguration('blixard');
  const existing = (config.get<unknown[]>('clusters') ?? []).filter((c): c is ClusterSetting => !!c && typeof c === 'object');
  const taken = new Set(existing.map((c) => c.name));
  const name = await vscode.window.showInputBox({
    title: 'Add Blixard Cluster (1/3)',
    prompt: 'A name for the cluster, as the tree shows it',
    validateInput: (v) => (!v.trim() ? 'A name is required' : taken.has(v.trim()) ? `"${v.trim()}" is already configured` : undefined),
  });
  if (name === undefined) return;
  const endpointsText = await vscode.window.showInputBox({
    title: 'Add Blixard Cluster (2/3)',
    prompt: 'Node endpoints, host:port, separated by commas (the next one is tried when one is down)',
    placeHolder: '10.0.0.11:7001, 10.0.0.12:7001, 10.0.0.13:7001',
    validateInput: (v) => {
      const list = splitEndpoints(v);
      if (list.length === 0) return 'At least one host:port';
      const bad = list.find((e) => !isValidEndpoint(e));
      return bad ? `"${bad}" is not host:port` : undefined;
    },
  });
  if (endpointsText === undefined) return;
  const datacenter = await vscode.window.showInputBox({
    title: 'Add Blixard Cluster (3/3)',
    prompt: 'Datacenter to group it under (optional; Enter to skip)',
  });
  if (datacenter === undefined) return;
  const entry: ClusterSetting = { name: name.trim(), endpoints: splitEndpoints(endpointsText) };
  if (datacenter.trim()) entry.datacenter = datacenter.trim();
  await config.update('clusters', [...existing, entry], vscode.ConfigurationTarget.Global);
  ctx.log.info(`Added Blixard cluster "${entry.name}" (${entry.endpoints.join(', ')})`);
}

function splitEndpoints(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

async function removeCluster(ctx: CommandContext, element: TreeElement | undefined): Promise<void> {
  const clusterId = element && 'clusterId' in element ? element.clusterId : undefined;
  const entry = clusterId ? ctx.registry.get(clusterId) : undefined;
  if (!entry) return;
  const spec = entry.spec;
  if (spec.id === DEV_CLUSTER_ID) return ctx.devCluster.stop();
  // How a cluster leaves the settings is its kind's to say (ClusterDescription.removal).
  const removal = describeCluster(spec)?.description.removal;
  if (!removal) return;
  const config = vscode.workspace.getConfiguration('blixard');
  if (removal.by === 'entry') {
    const { setting, name } = removal;
    // Remove it where it is defined, so a workspace-level cluster is not shadowed by a user-level copy.
    const inspect = config.inspect<unknown[]>(setting);
    const target = inspect?.workspaceValue?.some((c) => (c as ClusterSetting)?.name === name) ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    const current = (target === vscode.ConfigurationTarget.Workspace ? inspect?.workspaceValue : inspect?.globalValue) ?? [];
    const removed = current.find((c) => (c as ClusterSetting)?.name === name);
    await config.update(setting, current.filter((c) => c !== removed), target);
    void vscode.window.showInformationMessage(`Removed "${spec.label}" from ${removal.from}.`, 'Undo').then(async (choice) => {
      if (choice !== 'Undo' || !removed) return;
      const now = (target === vscode.ConfigurationTarget.Workspace ? config.inspect<unknown[]>(setting)?.workspaceValue : config.inspect<unknown[]>(setting)?.globalValue) ?? [];
      await vscode.workspace.getConfiguration('blixard').update(setting, [...now, removed], target);
    });
    return;
  }
  // A filtered cluster is hidden by listing the others to keep (for KubeVirt: the contexts shown).
  const shown = ctx.registry.clusters
    .filter((c) => c.id !== spec.id)
    .map((c) => describeCluster(c.spec)?.description.removal)
    .filter((r): r is typeof removal => r?.by === 'filter' && r.setting === removal.setting)
    .map((r) => r.value);
  if (shown.length === 0) {
    void vscode.window.showInformationMessage(removal.lastOne);
    return;
  }
  await config.update(removal.setting, shown, vscode.ConfigurationTarget.Global);
}

async function useKubeconfig(): Promise<void> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Use kubeconfig', title: 'Kubeconfig files with KubeVirt clusters' });
  if (!picked || picked.length === 0) return;
  const config = vscode.workspace.getConfiguration('blixard');
  const current = config.get<string[]>('kubevirt.kubeconfig') ?? [];
  const next = [...new Set([...current, ...picked.map((u) => u.fsPath)])];
  await config.update('kubevirt.kubeconfig', next, vscode.ConfigurationTarget.Global);
}

export function isVmElement(element: unknown): element is VmElement {
  return !!element && typeof element === 'object' && (element as TreeElement).type === 'vm';
}
