// What the Clusters tree holds, without VS Code: which elements exist, their parents, each
// expanded cluster's view model, and which elements must be redrawn. The tree provider is a
// thin `vscode` adapter over this (it only turns elements into TreeItems).
//
// getChildren never waits for a load. VS Code's extension host caches each element's children
// and registers them under the parent node it looked up *before* awaiting getChildren; a
// targeted refresh of that element arriving while getChildren is still pending replaces the
// parent node, so the answer lands on a discarded node and its ids stay registered. The next
// fetch of that element then throws "Element with id … is already registered" and the row shows
// no children at all, for good. Since VS Code delays every refresh by its own debounce, no
// waiting here can be made safe; answering at once (from what is loaded, or "Loading…") and
// firing the element when its load lands keeps every fetch atomic.

import { Disposable, MutableDisposable, toDisposable } from '../../../base/lifecycle';
import type { ClusterEntry, ClusterRegistry } from '../../../sources/cluster-registry';
import { ClusterViewModel, type ViewChange } from './cluster-view-model';
import { TreeExpansionMemory } from './tree-expansion-memory';
import { RedrawRaceGuard } from './redraw-race-guard';
import { TreeRedrawQueue } from './tree-redraw-queue';
import { WatcherVmMigrations, type WatchedMigrations } from './watcher-vm-migrations';
import type { Vm } from '../../../model/cluster';
import { elementIds, type ClusterElement, type DatacenterElement, type MessageElement, type NodeElement, type TreeElement } from './tree-elements';

export interface ClusterTreeStructureOptions {
  loadDeadlineMs?: number;
  changeDebounceMs?: number;
  /** Element changes arriving within this window go out as one event. */
  flushDelayMs?: number;
  /** Where expanded/collapsed rows are remembered across reloads (none: for this window only). */
  expansion?: TreeExpansionMemory;
  /** How long the workbench gets to fetch an open row again after its parent (see redraw-race-guard.ts). */
  refetchSettleMs?: number;
  log?(level: 'info' | 'warn' | 'debug', message: string): void;
}

/** `undefined` redraws the whole tree; otherwise the listed elements (and their children). */
export type TreeRedraw = TreeElement[] | undefined;

export class ClusterTreeStructure extends Disposable {
  private readonly models = new Map<string, ClusterViewModel>();
  private readonly elements = new Map<string, TreeElement>();
  /** Per node row: the VM list its children were made from, and the children. */
  private readonly vmChildIds = new Map<string, { vms: readonly Vm[]; children: TreeElement[] }>();
  /** The datacenter rows the root showed last. */
  private datacenterIds = new Set<string>();
  private readonly parents = new Map<TreeElement, TreeElement | undefined>();
  /** VS Code has asked for the root once: clusters present from then on were added while the tree is up. */
  private rootRendered = false;
  /** Whether the view is on screen (TreeView.visible); a tree nobody told otherwise is. */
  private visible = true;
  /** Rows open in the view right now: asked for their children, or expanded, and not collapsed since. */
  private readonly openRows = new Set<string>();
  private readonly options: Required<Omit<ClusterTreeStructureOptions, 'log' | 'expansion' | 'refetchSettleMs'>> & Pick<Required<ClusterTreeStructureOptions>, 'log'>;
  private readonly expansion: TreeExpansionMemory;
  private readonly raceGuard: RedrawRaceGuard<TreeElement>;
  private readonly redraws: TreeRedrawQueue<TreeElement>;
  private readonly migrations = new MutableDisposable<WatcherVmMigrations>();

  constructor(
    private readonly registry: ClusterRegistry,
    redraw: (what: TreeRedraw) => void,
    options: ClusterTreeStructureOptions = {},
  ) {
    super();
    this.options = {
      loadDeadlineMs: options.loadDeadlineMs ?? 20_000,
      changeDebounceMs: options.changeDebounceMs ?? 150,
      flushDelayMs: options.flushDelayMs ?? 30,
      log: options.log ?? (() => {}),
    };
    this.expansion = options.expansion ?? new TreeExpansionMemory();
    this.redraws = new TreeRedrawQueue<TreeElement>({
      delayMs: this.options.flushDelayMs,
      parentOf: (e) => this.parents.get(e),
      isAttached: (e) => this.isAttached(e),
      deliver: (what) => {
        this.raceGuard.redrawn(what);
        redraw(what);
      },
    });
    this.raceGuard = new RedrawRaceGuard<TreeElement>({
      idOf: (e) => e.id,
      isExpandable: (e) => e.type !== 'vm' && e.type !== 'message',
      redrawAgain: (rows) => rows.forEach((row) => this.queueElement(row)),
      isOpen: (e) => this.expansion.isExpanded(e.id),
      settleMs: options.refetchSettleMs,
    });
    // Disposed in reverse of registering: the flush timer and the models first, the registry subscription last.
    this._register(
      registry.onDidChange(({ added, removed }) => {
        for (const entry of removed) this.forgetCluster(entry.id);
        // A cluster added while the tree is up is probed at once (its node list, under the load
        // deadline), so a dead one says so on its row instead of looking healthy until expanded.
        if (this.rootRendered) for (const entry of added) void this.modelFor(entry.id)?.loadNodes();
        this.queueRoot();
      }),
    );
    this._register(this.raceGuard);
    this._register(this.migrations);
    this._register(
      toDisposable(() => {
        this.redraws.dispose();
        for (const model of this.models.values()) model.dispose();
        this.models.clear();
      }),
    );
  }

  async getChildren(element?: TreeElement): Promise<TreeElement[]> {
    const children = await this.childrenOf(element);
    this.raceGuard.fetched(element, children);
    return children;
  }

  getParent(element: TreeElement): TreeElement | undefined {
    return this.parents.get(element);
  }

  /**
   * How a row is drawn the next time VS Code builds it: as the user left it (remembered by id
   * across reloads), else datacenters open and clusters and nodes closed.
   */
  collapsibleState(element: TreeElement): 'expanded' | 'collapsed' | 'none' {
    if (element.type === 'vm' || element.type === 'message') return 'none';
    const remembered = this.expansion.isExpanded(element.id);
    if (remembered !== undefined) return remembered ? 'expanded' : 'collapsed';
    return element.type === 'datacenter' ? 'expanded' : 'collapsed';
  }

  /** VS Code expanded or collapsed a row (TreeView.onDidExpandElement / onDidCollapseElement). */
  setExpanded(element: TreeElement, expanded: boolean): void {
    if (element.type === 'vm' || element.type === 'message') return;
    this.expansion.set(element.id, expanded);
    this.noteOpen(element, expanded);
  }

  /**
   * From now on a VM row's in-flight migration is the watcher's, redrawn on the watcher's own
   * updates (the dialog reads the same), instead of the VM list's view on its next refresh.
   */
  followMigrations(watcher: WatchedMigrations): { dispose(): void } {
    this.migrations.clear();
    const migrations = new WatcherVmMigrations(watcher, (heldClusterId, { name, namespace }) => {
      for (const model of this.models.values()) {
        if (migrations.heldClusterOf(model.clusterId) !== heldClusterId) continue;
        const listed = model.vmNamed(name, namespace);
        if (listed) this.queueElement(this.elements.get(elementIds.vm(model.clusterId, listed.nodeId, listed.vm.id)));
      }
    });
    this.migrations.value = migrations;
    return toDisposable(() => {
      if (this.migrations.value === migrations) this.migrations.clear();
      else migrations.dispose();
    });
  }

  /** The migration a VM's row shows as in flight ("→ target · phase"). */
  vmMigration(clusterId: string, vm: Vm): Vm['migration'] {
    const migrations = this.migrations.value;
    return migrations ? migrations.inFlight(clusterId, vm) : vm.migration;
  }

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

  /**
   * The view became visible or hidden (TreeView.onDidChangeVisibility). A cluster is followed
   * (and its source polls) only while the view is visible and the cluster's row is open.
   */
  setVisible(visible: boolean): void {
    if (this.visible === visible) return;
    this.visible = visible;
    for (const model of this.models.values()) model.setShown(this.isShown(model.clusterId));
  }

  model(clusterId: string): ClusterViewModel | undefined {
    return this.models.get(clusterId);
  }

  element(id: string): TreeElement | undefined {
    return this.elements.get(id);
  }

  // ---- children ---------------------------------------------------------------------------

  private async childrenOf(element?: TreeElement): Promise<TreeElement[]> {
    if (!element) {
      // Settings are read asynchronously (kubeconfig files): answer once they are, rather
      // than flash the "nothing configured" welcome. A root fetch is VS Code's full refresh,
      // which it cancels and restarts itself, so waiting here is safe.
      await this.registry.whenSettled();
      this.rootRendered = true;
      return this.rootChildren();
    }
    // VS Code asks only for the children of rows it shows expanded. Remembered here too, not only
    // on onDidExpandElement: VS Code drops that event for a row expanded while its parent redraws
    // (the row's handle is briefly unknown to the extension host) yet fetches the row's children.
    if (element.type !== 'vm' && element.type !== 'message') this.expansion.set(element.id, true);
    this.noteOpen(element, true);
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

  private rootChildren(): TreeElement[] {
    const out: TreeElement[] = this.registry.problems.map((p, i) =>
      this.intern<MessageElement>(
        undefined,
        p.notice === 'untrusted-workspace'
          ? { type: 'message', id: elementIds.message('root', 'untrusted-workspace'), severity: 'info', text: p.message, action: 'trust' }
          : {
              type: 'message',
              id: elementIds.message('root', `problem-${i}-${p.setting}-${p.message}`),
              severity: 'error',
              text: `${p.setting}: ${p.message}`,
              action: 'settings',
            },
      ),
    );
    const clusters = this.registry.clusters;
    const datacenters = [...new Set(clusters.map((c) => c.spec.datacenter).filter((d): d is string => !!d))].sort();
    // A datacenter no cluster names any more leaves the tree, and with it our handle on it (the
    // last root's ids, not a scan of every element: at 100,000 VMs that scan was most of a redraw).
    const datacenterIds = new Set(datacenters.map((dc) => elementIds.datacenter(dc)));
    for (const id of this.datacenterIds) if (!datacenterIds.has(id)) this.drop(id);
    this.datacenterIds = datacenterIds;
    for (const dc of datacenters) {
      out.push(this.intern<DatacenterElement>(undefined, { type: 'datacenter', id: elementIds.datacenter(dc), datacenter: dc }));
    }
    for (const c of clusters) if (!c.spec.datacenter) out.push(this.clusterElement(c.id, undefined));
    return out;
  }

  /** Answers at once; a cluster not loaded yet says "Loading…" and is redrawn when its load ends. */
  private clusterChildren(element: ClusterElement): TreeElement[] {
    const model = this.modelFor(element.clusterId);
    if (!model) return [];
    if (model.state.state === 'idle') void model.loadNodes(); // its end fires the cluster
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

  /** Answers at once; VMs not loaded yet show "Loading…" and the node is redrawn when they arrive. */
  private nodeChildren(element: NodeElement): TreeElement[] {
    const model = this.modelFor(element.clusterId);
    if (!model) return [];
    if (!model.vms(element.nodeId)) void model.loadVms(element.nodeId); // its end fires the node
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
    // The model replaces a node's list whenever it changes: the same list, the same children
    // (a redraw of 100 nodes × 1,000 VMs interned 100,000 elements again for nothing).
    const last = this.vmChildIds.get(element.id);
    if (last?.vms === vms) return [...last.children];
    // intern() by hand: a VM row is never a message, and this runs for every VM of the node.
    const { clusterId, nodeId } = element;
    const children: TreeElement[] = new Array(vms.length);
    for (let i = 0; i < vms.length; i++) {
      const vm = vms[i];
      const id = elementIds.vm(clusterId, nodeId, vm.id);
      let row = this.elements.get(id);
      if (row?.type !== 'vm') {
        row = vm.namespace !== undefined ? { type: 'vm', id, clusterId, nodeId, vmId: vm.id, vmName: vm.name, namespace: vm.namespace } : { type: 'vm', id, clusterId, nodeId, vmId: vm.id, vmName: vm.name };
        this.elements.set(id, row);
      }
      this.parents.set(row, element);
      children[i] = row;
    }
    // VMs that left this node (migrated, deleted) release their elements.
    if (last) for (const row of last.children) if (row.type === 'vm' && !model.vm(nodeId, row.vmId)) this.drop(row.id);
    this.vmChildIds.set(element.id, { vms, children });
    return children;
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
    model.setShown(this.isShown(clusterId));
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
    this.openRows.delete(elementIds.cluster(clusterId));
  }

  // ---- what is on screen ------------------------------------------------------------------

  private noteOpen(element: TreeElement, open: boolean): void {
    if (element.type !== 'datacenter' && element.type !== 'cluster') return; // only these decide what is followed
    if (this.openRows.has(element.id) === open) return;
    if (open) this.openRows.add(element.id);
    else this.openRows.delete(element.id);
    const affected = element.type === 'cluster' ? [element.clusterId] : this.registry.clusters.filter((c) => c.spec.datacenter === element.datacenter).map((c) => c.id);
    for (const id of affected) this.models.get(id)?.setShown(this.isShown(id));
  }

  /** The view is visible, the cluster's row is open, and so is its datacenter's. */
  private isShown(clusterId: string): boolean {
    if (!this.visible || !this.openRows.has(elementIds.cluster(clusterId))) return false;
    const datacenter = this.registry.get(clusterId)?.spec.datacenter;
    return !datacenter || this.openRows.has(elementIds.datacenter(datacenter));
  }

  private queueRoot(): void {
    this.redraws.root();
  }

  private queueElement(element: TreeElement | undefined): void {
    this.redraws.element(element);
  }

  private isAttached(element: TreeElement): boolean {
    for (let e: TreeElement | undefined = element; e; e = this.parents.get(e)) if (this.elements.get(e.id) !== e) return false;
    return true;
  }
}

function sameMessage(a: TreeElement, b: TreeElement): boolean {
  if (a.type !== 'message' || b.type !== 'message') return true;
  return a.text === b.text && a.severity === b.severity;
}
