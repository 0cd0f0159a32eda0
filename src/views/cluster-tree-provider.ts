// The Clusters view: datacenters → clusters → nodes → VMs. Each cluster loads on its own,
// so a slow or dead one never holds up the rest; live changes redraw only the element that
// changed; expanded clusters are polled as a fallback while the view is visible.

import * as vscode from 'vscode';
import type { ClusterKind } from '../model/cluster';
import type { ClusterEntry, ClusterRegistry } from '../sources/cluster-registry';
import { ClusterViewModel, type ViewChange } from './cluster-view-model';
import { elementIds, type ClusterElement, type DatacenterElement, type MessageElement, type NodeElement, type TreeElement, type VmElement } from './tree-elements';
import { clusterLook, clusterTooltip, escapeMarkdown, nodeLook, vmLook, vmTooltip, type ItemLook } from './tree-presentation';

export interface ClusterTreeOptions {
  /** How long getChildren waits for a cluster before showing "Loading…" and answering later. */
  childGraceMs?: number;
  loadDeadlineMs?: number;
  changeDebounceMs?: number;
  log?(level: 'info' | 'warn' | 'debug', message: string): void;
}

export class ClusterTreeProvider implements vscode.TreeDataProvider<TreeElement>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeElement | TreeElement[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;

  private readonly models = new Map<string, ClusterViewModel>();
  private readonly elements = new Map<string, TreeElement>();
  private readonly vmChildIds = new Map<string, Set<string>>();
  private readonly parents = new Map<TreeElement, TreeElement | undefined>();
  private pending = new Set<TreeElement>();
  private pendingRoot = false;
  private flushTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private pollSeconds = 0;
  private visible = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly options: Required<ClusterTreeOptions>;

  constructor(
    private readonly registry: ClusterRegistry,
    options: ClusterTreeOptions = {},
  ) {
    this.options = {
      childGraceMs: options.childGraceMs ?? 400,
      loadDeadlineMs: options.loadDeadlineMs ?? 20_000,
      changeDebounceMs: options.changeDebounceMs ?? 150,
      log: options.log ?? (() => {}),
    };
    const subscription = registry.onDidChange(({ removed }) => {
      for (const entry of removed) this.forgetCluster(entry.id);
      this.queueRoot();
    });
    this.disposables.push({ dispose: () => subscription.dispose() });
  }

  // ---- TreeDataProvider -------------------------------------------------------------------

  getTreeItem(element: TreeElement): vscode.TreeItem {
    switch (element.type) {
      case 'datacenter': {
        const item = new vscode.TreeItem(element.datacenter, vscode.TreeItemCollapsibleState.Expanded);
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

  async getChildren(element?: TreeElement): Promise<TreeElement[]> {
    if (!element) {
      // Settings are read asynchronously (kubeconfig files): answer once they are, rather
      // than flash the "nothing configured" welcome.
      await this.registry.whenSettled();
      return this.rootChildren();
    }
    switch (element.type) {
      case 'datacenter':
        return this.registry.clusters.filter((c) => c.spec.datacenter === element.datacenter).map((c) => this.clusterElement(c.id, element));
      case 'cluster':
        return this.clusterChildren(element);
      case 'node':
        return this.nodeChildren(element);
      default:
        return [];
    }
  }

  getParent(element: TreeElement): TreeElement | undefined {
    return this.parents.get(element);
  }

  /** Tooltips are built on hover only: a node with 1,000 VMs should not pay for 1,000 of them up front. */
  resolveTreeItem(item: vscode.TreeItem, element: TreeElement): vscode.TreeItem {
    if (element.type === 'vm') {
      const model = this.models.get(element.clusterId);
      const vm = model?.vm(element.nodeId, element.vmId);
      const kind = this.kindOf(element.clusterId);
      if (model && vm && kind) {
        const target = vm.migration?.targetNodeId ? model.node(vm.migration.targetNodeId)?.name : undefined;
        item.tooltip = markdown(vmTooltip(kind, vm, model.node(element.nodeId)?.name, target));
      }
    }
    return item;
  }

  // ---- what the commands and the extension call -------------------------------------------

  /** Everything known is re-read; clusters never expanded stay unloaded. */
  async refreshAll(): Promise<void> {
    this.queueRoot();
    await Promise.all([...this.models.values()].map((m) => m.refresh()));
  }

  /** Re-reads one cluster (the cluster's Refresh or Retry). */
  async refreshCluster(clusterId: string): Promise<void> {
    const model = this.models.get(clusterId);
    if (!model) return this.queueElement(this.elements.get(elementIds.cluster(clusterId)));
    if (model.state.state === 'error') await model.retry();
    else await model.refresh();
  }

  /** The view became visible or hidden: poll only while someone can see it. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.schedulePoll();
  }

  /** Fallback polling interval; 0 turns it off. */
  setPollInterval(seconds: number): void {
    this.pollSeconds = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    this.schedulePoll();
  }

  /** The view model of a cluster that has been expanded (tests and commands read it). */
  model(clusterId: string): ClusterViewModel | undefined {
    return this.models.get(clusterId);
  }

  /** The live element for an id, if the tree has produced it. */
  element(id: string): TreeElement | undefined {
    return this.elements.get(id);
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    for (const model of this.models.values()) model.dispose();
    this.models.clear();
    for (const d of this.disposables) d.dispose();
    this.changeEmitter.dispose();
  }

  // ---- children ---------------------------------------------------------------------------

  private rootChildren(): TreeElement[] {
    const out: TreeElement[] = this.registry.problems.map((p, i) =>
      this.intern<MessageElement>(undefined, {
        type: 'message',
        id: elementIds.message('root', `problem-${i}-${p.setting}-${p.message}`),
        severity: 'error',
        text: `${p.setting}: ${p.message}`,
        action: 'settings',
      }),
    );
    const clusters = this.registry.clusters;
    const datacenters = [...new Set(clusters.map((c) => c.spec.datacenter).filter((d): d is string => !!d))].sort();
    // A datacenter no cluster names any more leaves the tree, and with it our handle on it.
    for (const id of [...this.elements.keys()]) if (id.startsWith('dc:') && !datacenters.includes(id.slice(3))) this.drop(id);
    for (const dc of datacenters) {
      out.push(this.intern<DatacenterElement>(undefined, { type: 'datacenter', id: elementIds.datacenter(dc), datacenter: dc }));
    }
    for (const c of clusters) if (!c.spec.datacenter) out.push(this.clusterElement(c.id, undefined));
    return out;
  }

  private async clusterChildren(element: ClusterElement): Promise<TreeElement[]> {
    const model = this.modelFor(element.clusterId);
    if (!model) return [];
    if (model.state.state === 'idle' || model.state.state === 'loading') {
      await this.withinGrace(model.loadNodes());
    }
    const state = model.state;
    if (state.state === 'error') {
      return [
        this.intern<MessageElement>(element, {
          type: 'message',
          id: elementIds.message(element.id, 'error'),
          severity: 'error',
          text: state.reason,
          clusterId: element.clusterId,
          action: 'retry',
        }),
      ];
    }
    const nodes = model.nodes();
    if (!nodes) return [this.intern<MessageElement>(element, { type: 'message', id: elementIds.message(element.id, 'loading'), severity: 'loading', text: 'Loading…' })];
    if (nodes.length === 0) return [this.intern<MessageElement>(element, { type: 'message', id: elementIds.message(element.id, 'empty'), severity: 'info', text: 'No nodes' })];
    return nodes.map((n) =>
      this.intern<NodeElement>(element, { type: 'node', id: elementIds.node(element.clusterId, n.id), clusterId: element.clusterId, nodeId: n.id }),
    );
  }

  private async nodeChildren(element: NodeElement): Promise<TreeElement[]> {
    const model = this.models.get(element.clusterId);
    if (!model) return [];
    if (!model.vms(element.nodeId)) await this.withinGrace(model.loadVms(element.nodeId));
    const error = model.vmsError(element.nodeId);
    if (error) {
      return [
        this.intern<MessageElement>(element, {
          type: 'message',
          id: elementIds.message(element.id, 'error'),
          severity: 'error',
          text: error,
          clusterId: element.clusterId,
          action: 'retry',
        }),
      ];
    }
    const vms = model.vms(element.nodeId);
    if (!vms) return [this.intern<MessageElement>(element, { type: 'message', id: elementIds.message(element.id, 'loading'), severity: 'loading', text: 'Loading…' })];
    if (vms.length === 0) return [this.intern<MessageElement>(element, { type: 'message', id: elementIds.message(element.id, 'empty'), severity: 'info', text: 'No VMs' })];
    const ids = new Set<string>();
    const children = vms.map((vm) => {
      const id = elementIds.vm(element.clusterId, element.nodeId, vm.id);
      ids.add(id);
      return this.intern<VmElement>(element, { type: 'vm', id, clusterId: element.clusterId, nodeId: element.nodeId, vmId: vm.id });
    });
    // VMs that left this node (migrated, deleted) release their elements.
    const before = this.vmChildIds.get(element.id);
    if (before) for (const id of before) if (!ids.has(id)) this.drop(id);
    this.vmChildIds.set(element.id, ids);
    return children;
  }

  /** Waits for a load a little, so a fast cluster answers in one go and a slow one shows "Loading…" and answers later. */
  private async withinGrace(load: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([load, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.childGraceMs)))]);
    if (timer) clearTimeout(timer);
  }

  // ---- items ------------------------------------------------------------------------------

  private clusterItem(element: ClusterElement): vscode.TreeItem {
    const entry = this.registry.get(element.clusterId);
    const model = this.models.get(element.clusterId);
    const state = model?.state ?? { state: 'idle' as const };
    const spec = entry?.spec;
    const look = clusterLook({
      label: spec?.label ?? element.clusterId,
      kind: spec?.kind ?? 'blixard',
      local: spec?.kind === 'blixard' && !!spec.local,
      state,
      nodeCount: model?.nodes()?.length,
      warnings: model?.warnings ?? [],
    });
    const item = toItem(element.id, look, vscode.TreeItemCollapsibleState.Collapsed);
    const details: string[] = [];
    if (spec?.kind === 'blixard') {
      details.push(`Blixard${spec.local ? ' (local dev cluster, stops with this window)' : ''}`, `Endpoints: ${spec.endpoints.join(', ')}`);
      details.push(spec.tls ? `TLS${spec.tls.certFile ? ' with client certificate' : ''}` : 'Plaintext gRPC');
    } else if (spec?.kind === 'kubevirt') {
      details.push('KubeVirt', `Context: ${spec.context}`, `Kubeconfig: ${spec.kubeconfigPaths.join(', ')}`);
    }
    if (spec?.datacenter) details.push(`Datacenter: ${spec.datacenter}`);
    item.tooltip = markdown(clusterTooltip(look.label, details, model?.warnings ?? [], state));
    return item;
  }

  private nodeItem(element: NodeElement): vscode.TreeItem {
    const node = this.models.get(element.clusterId)?.node(element.nodeId);
    if (!node) return toItem(element.id, { label: element.nodeId, icon: 'server', contextValue: 'node' }, vscode.TreeItemCollapsibleState.Collapsed);
    const item = toItem(element.id, nodeLook(node), vscode.TreeItemCollapsibleState.Collapsed);
    const facts = [`**${escapeMarkdown(node.name)}**`, '', `- Status: ${node.status}${node.schedulable ? '' : ', unschedulable'}`];
    if (node.address) facts.push(`- Address: ${escapeMarkdown(node.address)}`);
    if (node.runningVms !== undefined) facts.push(`- Running VMs: ${node.runningVms}`);
    if (item.description) facts.push(`- ${escapeMarkdown(String(item.description))}`);
    item.tooltip = markdown(facts.join('\n'));
    return item;
  }

  private vmItem(element: VmElement): vscode.TreeItem {
    const model = this.models.get(element.clusterId);
    const vm = model?.vm(element.nodeId, element.vmId);
    const kind = this.kindOf(element.clusterId) ?? 'blixard';
    if (!model || !vm) return toItem(element.id, { label: element.vmId, icon: 'vm-outline', contextValue: 'vm.busy' }, vscode.TreeItemCollapsibleState.None);
    const target = vm.migration?.targetNodeId ? model.node(vm.migration.targetNodeId)?.name : undefined;
    return toItem(element.id, vmLook(kind, vm, target), vscode.TreeItemCollapsibleState.None);
  }

  // ---- element identity and change delivery -----------------------------------------------

  private clusterElement(clusterId: string, parent: TreeElement | undefined): ClusterElement {
    return this.intern<ClusterElement>(parent, { type: 'cluster', id: elementIds.cluster(clusterId), clusterId });
  }

  /** Returns the one live element for an id, so VS Code sees the same object across refreshes. */
  private intern<T extends TreeElement>(parent: TreeElement | undefined, fresh: T): T {
    const existing = this.elements.get(fresh.id) as T | undefined;
    const element = existing && existing.type === fresh.type && sameMessage(existing, fresh) ? existing : fresh;
    this.elements.set(element.id, element);
    this.parents.set(element, parent);
    return element;
  }

  private drop(id: string): void {
    const element = this.elements.get(id);
    if (!element) return;
    this.elements.delete(id);
    this.parents.delete(element);
  }

  private modelFor(clusterId: string): ClusterViewModel | undefined {
    const existing = this.models.get(clusterId);
    if (existing) return existing;
    const entry = this.registry.get(clusterId);
    if (!entry) return undefined;
    const model = new ClusterViewModel(entry, {
      loadDeadlineMs: this.options.loadDeadlineMs,
      changeDebounceMs: this.options.changeDebounceMs,
      log: this.options.log,
      onChange: (changes) => this.onModelChange(entry, changes),
    });
    this.models.set(clusterId, model);
    return model;
  }

  private onModelChange(entry: ClusterEntry, changes: ViewChange[]): void {
    // A model outliving its cluster (removed while a load was in flight) has nothing to redraw.
    if (this.models.get(entry.id)?.entry !== entry) return;
    for (const change of changes) {
      const id =
        change.target === 'cluster'
          ? elementIds.cluster(change.clusterId)
          : change.target === 'node'
            ? elementIds.node(change.clusterId, change.nodeId)
            : elementIds.vm(change.clusterId, change.nodeId, change.vmId);
      this.queueElement(this.elements.get(id));
    }
  }

  private forgetCluster(clusterId: string): void {
    this.models.get(clusterId)?.dispose();
    this.models.delete(clusterId);
    const prefixes = [elementIds.cluster(clusterId), `node:${clusterId}|`, `vm:${clusterId}|`, `msg:${elementIds.cluster(clusterId)}`, `msg:node:${clusterId}|`];
    for (const id of [...this.elements.keys()]) if (prefixes.some((p) => id.startsWith(p))) this.drop(id);
    for (const id of [...this.vmChildIds.keys()]) if (id.startsWith(`node:${clusterId}|`)) this.vmChildIds.delete(id);
  }

  private queueRoot(): void {
    this.pendingRoot = true;
    this.scheduleFlush();
  }

  private queueElement(element: TreeElement | undefined): void {
    if (!element) return;
    this.pending.add(element);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), 30);
  }

  /** One event per burst; an element whose ancestor is redrawn anyway is left out. */
  private flush(): void {
    this.flushTimer = undefined;
    if (this.pendingRoot) {
      this.pendingRoot = false;
      this.pending.clear();
      this.changeEmitter.fire(undefined);
      return;
    }
    // Elements whose branch left the tree meanwhile (a cluster removed, a datacenter regrouped) are not VS Code's to redraw.
    const elements = [...this.pending].filter((e) => this.isAttached(e) && !this.hasPendingAncestor(e));
    this.pending.clear();
    if (elements.length > 0) this.changeEmitter.fire(elements);
  }

  private isAttached(element: TreeElement): boolean {
    for (let e: TreeElement | undefined = element; e; e = this.parents.get(e)) if (this.elements.get(e.id) !== e) return false;
    return true;
  }

  private hasPendingAncestor(element: TreeElement): boolean {
    for (let p = this.parents.get(element); p; p = this.parents.get(p)) if (this.pending.has(p)) return true;
    return false;
  }

  private kindOf(clusterId: string): ClusterKind | undefined {
    return this.registry.get(clusterId)?.spec.kind;
  }

  private schedulePoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    if (!this.visible || this.pollSeconds <= 0) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void Promise.all([...this.models.values()].filter((m) => m.active).map((m) => m.refresh())).finally(() => this.schedulePoll());
    }, this.pollSeconds * 1000);
  }
}

function toItem(id: string, look: ItemLook, collapsible: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(look.label, collapsible);
  item.id = id;
  item.description = look.description;
  item.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
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

function sameMessage(a: TreeElement, b: TreeElement): boolean {
  if (a.type !== 'message' || b.type !== 'message') return true;
  return a.text === b.text && a.severity === b.severity;
}
