// The Clusters view: datacenters → clusters → nodes → VMs. Each cluster loads on its own,
// so a slow or dead one never holds up the rest; live changes redraw only the element that
// changed; a cluster is followed (its source polls or watches) only while the view is visible
// and its row expanded. What the tree holds and when it redraws lives in ClusterTreeStructure;
// this adapter makes TreeItems and tells it what the TreeView shows.

import * as vscode from 'vscode';
import type { Vm } from '../../model/cluster';
import type { ClusterKindTraits } from '../../model/cluster-kind';
import { describeCluster } from '../../sources/cluster-kinds';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import { ClusterTreeStructure, type ClusterTreeStructureOptions } from './core/cluster-tree-structure';
import type { ClusterViewModel } from './core/cluster-view-model';
import { TreeExpansionMemory } from './core/tree-expansion-memory';
import type { WatchedMigrations } from './core/watcher-vm-migrations';
import type { ClusterElement, MessageElement, NodeElement, TreeElement, VmElement } from './core/tree-elements';
import { clusterLook, clusterTooltip, nodeLook, nodeTooltip, vmLook, vmTooltip, type ItemLook } from './core/tree-presentation';

export type ClusterTreeOptions = Omit<ClusterTreeStructureOptions, 'expansion'> & {
  /** The workspace memento: expanded rows are kept there across reloads. */
  expansionState?: vscode.Memento;
};

const EXPANSION_KEY = 'blixard.clusters.expanded';

export class ClusterTreeProvider implements vscode.TreeDataProvider<TreeElement>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeElement | TreeElement[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly structure: ClusterTreeStructure;
  /** Each VM row's item and what it was made from (see vmItem); a row gone from the tree takes its entry with it. */
  private readonly vmItems = new WeakMap<VmElement, MadeVmItem>();

  constructor(
    private readonly registry: ClusterRegistry,
    options: ClusterTreeOptions = {},
  ) {
    const memento = options.expansionState;
    const expansion = new TreeExpansionMemory(memento && { read: () => memento.get(EXPANSION_KEY), write: (states) => void memento.update(EXPANSION_KEY, states) });
    this.structure = new ClusterTreeStructure(registry, (what) => this.changeEmitter.fire(what), { ...options, expansion });
  }

  // ---- TreeDataProvider -------------------------------------------------------------------

  getTreeItem(element: TreeElement): vscode.TreeItem {
    switch (element.type) {
      case 'datacenter': {
        const item = new vscode.TreeItem(element.datacenter, this.collapsible(element));
        item.id = element.id;
        item.iconPath = new vscode.ThemeIcon('globe');
        item.contextValue = 'datacenter';
        item.description = 'datacenter';
        return item;
      }
      case 'cluster':
        return this.clusterItem(element);
      case 'node':
        return this.nodeItem(element);
      case 'vm':
        return this.vmItem(element);
      case 'message':
        return messageItem(element);
    }
  }

  /** Answers without waiting for a load (see cluster-tree-structure.ts for why). */
  getChildren(element?: TreeElement): Promise<TreeElement[]> {
    return this.structure.getChildren(element);
  }

  getParent(element: TreeElement): TreeElement | undefined {
    return this.structure.getParent(element);
  }

  /** Tooltips are built on hover only: a node with 1,000 VMs should not pay for 1,000 of them up front. */
  resolveTreeItem(item: vscode.TreeItem, element: TreeElement): vscode.TreeItem {
    if (element.type === 'vm') {
      const model = this.model(element.clusterId);
      const vm = model?.vm(element.nodeId, element.vmId);
      const traits = this.traitsOf(element.clusterId);
      if (model && vm && traits) {
        const shown = { ...vm, migration: this.structure.vmMigration(element.clusterId, vm) };
        const target = shown.migration?.targetNodeId ? model.node(shown.migration.targetNodeId)?.name : undefined;
        item.tooltip = markdown(vmTooltip(traits, shown, model.node(element.nodeId)?.name, target));
      }
    }
    return item;
  }

  // ---- what the commands and the extension call -------------------------------------------

  /** Everything known is re-read; clusters never expanded stay unloaded. */
  refreshAll(): Promise<void> {
    return this.structure.refreshAll();
  }

  /** Re-reads one cluster (the cluster's Refresh or Retry). */
  refreshCluster(clusterId: string): Promise<void> {
    return this.structure.refreshCluster(clusterId);
  }


  /** VM rows show the watcher's in-flight migrations from now on (see ClusterTreeStructure.followMigrations). */
  followMigrations(watcher: WatchedMigrations): vscode.Disposable {
    const following = this.structure.followMigrations(watcher);
    return new vscode.Disposable(() => following.dispose());
  }

  /**
   * Follows what the view shows: whether it is visible (clusters are followed only then) and
   * which rows are expanded (followed while open, and remembered so a reloaded window shows the
   * same rows open).
   */
  followView(view: vscode.TreeView<TreeElement>): vscode.Disposable {
    this.structure.setVisible(view.visible);
    return vscode.Disposable.from(
      view.onDidChangeVisibility((e) => this.structure.setVisible(e.visible)),
      view.onDidExpandElement((e) => this.structure.setExpanded(e.element, true)),
      view.onDidCollapseElement((e) => this.structure.setExpanded(e.element, false)),
    );
  }

  /** The view model of a cluster that has been expanded (tests and commands read it). */
  model(clusterId: string): ClusterViewModel | undefined {
    return this.structure.model(clusterId);
  }

  /** The live element for an id, if the tree has produced it. */
  element(id: string): TreeElement | undefined {
    return this.structure.element(id);
  }

  dispose(): void {
    this.structure.dispose();
    this.changeEmitter.dispose();
  }

  // ---- items ------------------------------------------------------------------------------

  private clusterItem(element: ClusterElement): vscode.TreeItem {
    const entry = this.registry.get(element.clusterId);
    const model = this.model(element.clusterId);
    const state = model?.state ?? { state: 'idle' as const };
    const spec = entry?.spec;
    const described = spec && describeCluster(spec);
    if (!spec || !described) {
      // A cluster removed while VS Code still draws it, or of a kind this build does not know.
      return toItem(element.id, { label: spec?.label ?? element.clusterId, icon: 'server-environment', contextValue: 'cluster' }, this.collapsible(element));
    }
    const sameClusterAs = this.registry.sameClusterAs(element.clusterId).map((e) => e.spec.label);
    const look = clusterLook({
      label: spec.label,
      traits: described.traits,
      local: described.description.local,
      state,
      nodeCount: model?.nodes()?.length,
      warnings: model?.warnings ?? [],
      sameClusterAs,
    });
    const item = toItem(element.id, look, this.collapsible(element));
    const details: string[] = [...described.description.connection];
    if (spec.datacenter) details.push(`Datacenter: ${spec.datacenter}`);
    if (sameClusterAs.length > 0) details.push(`Reaches the same cluster as ${sameClusterAs.join(', ')} (same API server and CA): its migrations are shown, logged and recorded once`);
    const connection = entry?.source?.connection;
    if (connection?.state === 'connected' && connection.limitation) details.push(`Migrations not streamed: ${connection.limitation}`);
    item.tooltip = markdown(clusterTooltip(look.label, details, model?.warnings ?? [], state));
    return item;
  }

  private nodeItem(element: NodeElement): vscode.TreeItem {
    const node = this.model(element.clusterId)?.node(element.nodeId);
    if (!node) return toItem(element.id, { label: element.nodeId, icon: 'server', contextValue: 'node' }, this.collapsible(element));
    const traits = this.traitsOf(element.clusterId);
    const item = toItem(element.id, nodeLook(node, traits), this.collapsible(element));
    item.tooltip = markdown(nodeTooltip(node, traits));
    return item;
  }

  private vmItem(element: VmElement): vscode.TreeItem {
    const model = this.model(element.clusterId);
    const vm = model?.vm(element.nodeId, element.vmId);
    if (!model || !vm) return toItem(element.id, { label: element.vmId, icon: 'vm-outline', contextValue: 'vm.busy' }, vscode.TreeItemCollapsibleState.None);
    // The in-flight migration is the watcher's (as in the dialog), not the list's older view of it.
    const migration = this.structure.vmMigration(element.clusterId, vm);
    const target = migration?.targetNodeId ? model.node(migration.targetNodeId)?.name : undefined;
    const withConsole = !!this.traitsOf(element.clusterId)?.console;
    // The row's item as last made, while what it shows is the same: the model keeps a VM's object
    // for as long as the VM is unchanged, so a redraw of 100,000 rows makes items only for the rows
    // whose VM changed (a TreeItem per VM per redraw was most of a cached redraw's time).
    const made = this.vmItems.get(element);
    if (made && made.vm === vm && made.withConsole === withConsole && made.target === target && sameMigration(made.migration, migration)) {
      // Its hover is made again when asked (resolveTreeItem): the node's name in it may have changed.
      made.item.tooltip = undefined;
      return made.item;
    }
    const item = toItem(element.id, vmLook(migration === vm.migration ? vm : { ...vm, migration }, target, withConsole), vscode.TreeItemCollapsibleState.None);
    this.vmItems.set(element, { vm, migration, target, withConsole, item });
    return item;
  }

  private collapsible(element: TreeElement): vscode.TreeItemCollapsibleState {
    const state = this.structure.collapsibleState(element);
    return state === 'expanded' ? vscode.TreeItemCollapsibleState.Expanded : state === 'collapsed' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
  }

  private traitsOf(clusterId: string): ClusterKindTraits | undefined {
    const entry = this.registry.get(clusterId);
    return entry && (entry.source?.traits ?? describeCluster(entry.spec)?.traits);
  }
}

interface MadeVmItem {
  vm: Vm;
  migration: Vm['migration'];
  target: string | undefined;
  withConsole: boolean;
  item: vscode.TreeItem;
}

function sameMigration(a: Vm['migration'], b: Vm['migration']): boolean {
  return a === b || (!!a && !!b && a.id === b.id && a.phase === b.phase && a.targetNodeId === b.targetNodeId && a.name === b.name);
}

/** One icon object per icon and colour: a handful are shown on 100,000 rows (VS Code reads them, never changes them). */
const icons = new Map<string, vscode.ThemeIcon>();
function themeIcon(icon: string, color: string | undefined): vscode.ThemeIcon {
  const key = color ? `${icon} ${color}` : icon;
  let made = icons.get(key);
  if (!made) icons.set(key, (made = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined)));
  return made;
}

function toItem(id: string, look: ItemLook, collapsible: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(look.label, collapsible);
  item.id = id;
  item.description = look.description;
  item.iconPath = themeIcon(look.icon, look.color);
  item.contextValue = look.contextValue;
  // Screen readers (and the workbench's aria-label) read the name first, not a tooltip.
  item.accessibilityInformation = { label: look.description ? `${look.label}, ${look.description}` : look.label };
  return item;
}

function messageItem(element: MessageElement): vscode.TreeItem {
  const item = new vscode.TreeItem(element.text, vscode.TreeItemCollapsibleState.None);
  item.id = element.id;
  item.contextValue = element.severity === 'error' ? 'message.error' : 'message';
  item.iconPath =
    element.severity === 'error'
      ? new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'))
      : element.severity === 'loading'
        ? new vscode.ThemeIcon('loading~spin')
        : new vscode.ThemeIcon('info');
  if (element.action === 'retry' && element.clusterId) {
    item.description = 'click to retry';
    item.tooltip = `${element.text}\n\nClick to try again.`;
    item.command = { command: 'blixard.retry', title: 'Retry', arguments: [element.clusterId] };
  } else if (element.action === 'trust') {
    item.description = 'Manage Workspace Trust';
    item.tooltip = `${element.text}.\n\nThis folder is open in Restricted Mode: its values of the settings that reach commands, files and credentials (clusters, kubeconfig files and contexts, history retention) are not used; your user settings are. Click to manage workspace trust.`;
    item.command = { command: 'workbench.trust.manage', title: 'Manage Workspace Trust' };
  } else if (element.action === 'settings') {
    item.tooltip = `${element.text}\n\nClick to open the setting.`;
    item.command = { command: 'blixard.openSettings', title: 'Open Settings' };
  }
  return item;
}

function markdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(text, true);
  md.isTrusted = false;
  return md;
}
