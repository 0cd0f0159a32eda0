// What the Clusters tree knows about one cluster: its nodes and, for nodes that were
// expanded, their VMs. It turns the source's change scopes into the smallest set of view
// changes (one VM, one node, or the cluster), so the tree refreshes only what changed. It
// listens to the source only while the cluster is shown: a source keeps itself live (polls,
// watches) while someone listens, so a hidden or collapsed cluster costs no calls, and is read
// once when it is shown again. No `vscode` here: the tree provider maps changes to elements.

import type { ChangedScope, ClusterNode, ConnectionState, Vm } from '../../../model/cluster';
import { describeError } from '../../../model/errors';
import { scrubSecrets } from '../../../base/secret-registry';
import { withDeadline } from '../../../base/deadline';
import { Disposable, MutableDisposable, type IDisposable } from '../../../base/lifecycle';
import type { ClusterSource } from '../../../sources/cluster-source';
import type { ClusterEntry } from '../../../sources/cluster-registry';
import { compareNodes, sameJson, sameOrder, toNodeVms, type NodeVms } from './cluster-listing';

export type ClusterLoadState =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'ready' }
  | { state: 'error'; reason: string };

/** Which tree element must be redrawn. A cluster or node change redraws its children too. */
export type ViewChange =
  | { target: 'cluster'; clusterId: string }
  | { target: 'node'; clusterId: string; nodeId: string }
  | { target: 'vm'; clusterId: string; nodeId: string; vmId: string };

export interface ViewModelOptions {
  /** Upper bound on any one load, on top of the source's own deadlines, so nothing spins forever. */
  loadDeadlineMs: number;
  /** Source change scopes arriving within this window are fetched together. */
  changeDebounceMs: number;
  onChange(changes: ViewChange[]): void;
  log(level: 'info' | 'warn' | 'debug', message: string): void;
}


export class ClusterViewModel extends Disposable {
  private load: ClusterLoadState = { state: 'idle' };
  private nodeMap = new Map<string, ClusterNode>();
  private nodeOrder: ClusterNode[] = [];
  private vmsByNode = new Map<string, NodeVms>();
  private nodesInFlight?: Promise<void>;
  private readonly vmsInFlight = new Map<string, Promise<void>>();
  private subscribed = false;
  /** The source's change feed, held while the cluster is shown. */
  private readonly changeFeed = this._register(new MutableDisposable<IDisposable>());
  private shown = true;
  private pendingScopes: ChangedScope[] = [];
  private scopeTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private lastLoggedFailure?: string;

  constructor(
    readonly entry: ClusterEntry,
    private readonly options: ViewModelOptions,
  ) {
    super();
  }

  get clusterId(): string {
    return this.entry.id;
  }

  get state(): ClusterLoadState {
    return this.load;
  }

  /** True once the cluster has been expanded (it is then kept live while shown). */
  get active(): boolean {
    return this.load.state !== 'idle';
  }

  get warnings(): readonly string[] {
    return this.entry.source?.warnings ?? [];
  }

  get connection(): ConnectionState | undefined {
    return this.entry.source?.connection;
  }

  nodes(): readonly ClusterNode[] | undefined {
    return this.load.state === 'ready' ? this.nodeOrder : undefined;
  }

  node(nodeId: string): ClusterNode | undefined {
    return this.nodeMap.get(nodeId);
  }

  /** VMs of a node, sorted by name; undefined until that node was loaded. */
  vms(nodeId: string): readonly Vm[] | undefined {
    return this.vmsByNode.get(nodeId)?.sorted;
  }

  vmsError(nodeId: string): string | undefined {
    return this.vmsByNode.get(nodeId)?.error;
  }

  vm(nodeId: string, vmId: string): Vm | undefined {
    return this.vmsByNode.get(nodeId)?.vms.get(vmId);
  }

  /** A loaded VM by its name and namespace (as a Migration names it), with the node it is listed under. */
  vmNamed(name: string, namespace: string | undefined): { nodeId: string; vm: Vm } | undefined {
    for (const [nodeId, entry] of this.vmsByNode) {
      for (const vm of entry.vms.values()) if (vm.name === name && (vm.namespace ?? '') === (namespace ?? '')) return { nodeId, vm };
    }
    return undefined;
  }

  /** The node currently holding a VM, among the loaded ones. */
  nodeOfVm(vmId: string): string | undefined {
    for (const [nodeId, entry] of this.vmsByNode) if (entry.vms.has(vmId)) return nodeId;
    return undefined;
  }

  /** Loads the node list (once; concurrent callers share the load). Never rejects. */
  loadNodes(): Promise<void> {
    if (this.load.state === 'ready') return Promise.resolve();
    if (this.nodesInFlight) return this.nodesInFlight;
    this.load = { state: 'loading' };
    this.nodesInFlight = (async () => {
      try {
        const source = this.entry.acquire();
        this.followConnection(source);
        const nodes = await this.withDeadline(source.listNodes(), 'listing nodes');
        if (this.isDisposed) return;
        this.setNodes(nodes);
        this.load = { state: 'ready' };
        this.lastLoggedFailure = undefined;
        this.options.log('info', `${this.entry.spec.label}: ${nodes.length} node(s)`);
      } catch (err) {
        if (this.isDisposed) return;
        this.fail(describeError(err));
      } finally {
        this.nodesInFlight = undefined;
      }
      // Followed from here on (not before the load): the source's poller takes the load's answers as its baseline.
      this.updateChangeFeed();
      this.options.onChange([{ target: 'cluster', clusterId: this.clusterId }]);
    })();
    return this.nodesInFlight;
  }

  /** Loads one node's VMs (once; concurrent callers share). Never rejects. */
  loadVms(nodeId: string): Promise<void> {
    if (this.vmsByNode.has(nodeId)) return Promise.resolve();
    const inFlight = this.vmsInFlight.get(nodeId);
    if (inFlight) return inFlight;
    const loading = (async () => {
      try {
        const vms = await this.fetchVms(nodeId);
        if (this.isDisposed) return;
        this.vmsByNode.set(nodeId, toNodeVms(vms));
      } catch (err) {
        if (this.isDisposed) return;
        this.vmsByNode.set(nodeId, { vms: new Map(), sorted: [], error: describeError(err) });
      } finally {
        this.vmsInFlight.delete(nodeId);
      }
      this.options.onChange([{ target: 'node', clusterId: this.clusterId, nodeId }]);
    })();
    this.vmsInFlight.set(nodeId, loading);
    return loading;
  }

  /** Forgets an error and tries again (the Retry action). */
  retry(): Promise<void> {
    this.nodeMap.clear();
    this.nodeOrder = [];
    this.vmsByNode.clear();
    this.load = { state: 'idle' };
    return this.loadNodes();
  }

  /**
   * Re-reads everything loaded and reports only what differs (polling, Refresh). An idle
   * cluster stays idle; a failed one is tried again. Overlapping calls run once more at the end.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        await this.refreshOnce({ allNodes: true, nodeIds: [...this.vmsByNode.keys()] });
      } while (this.refreshAgain && !this.isDisposed);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Whether a view shows this cluster (the view visible, the cluster's row expanded). Only then is
   * the source followed; shown again after a while hidden, the cluster is read once, and followed
   * once that read is in (so a polling source takes it as its baseline instead of asking again).
   */
  setShown(shown: boolean): void {
    if (this.shown === shown || this.isDisposed) return;
    this.shown = shown;
    if (!shown) {
      // Changes queued meanwhile are read by the refresh when the cluster is shown again.
      if (this.scopeTimer) clearTimeout(this.scopeTimer);
      this.scopeTimer = undefined;
      this.pendingScopes = [];
      this.updateChangeFeed();
      return;
    }
    if (this.load.state === 'ready' || this.load.state === 'error') void this.refresh().then(() => this.updateChangeFeed());
  }

  override dispose(): void {
    super.dispose();
    if (this.scopeTimer) clearTimeout(this.scopeTimer);
  }

  private followConnection(source: ClusterSource): void {
    if (this.subscribed) return;
    this.subscribed = true;
    this._register(source.onDidChangeConnection((state) => this.onConnection(state)));
  }

  /** Follows the source's changes while the cluster is shown and has been loaded, and not otherwise. */
  private updateChangeFeed(): void {
    const wanted = this.shown && !this.isDisposed && (this.load.state === 'ready' || this.load.state === 'error');
    if (wanted && !this.changeFeed.value) {
      const source = this.entry.source;
      if (source) this.changeFeed.value = source.onDidChange((scope) => this.queueScope(scope));
    } else if (!wanted && this.changeFeed.value) {
      this.changeFeed.clear();
    }
  }

  private shownLimitation?: string;

  private onConnection(state: ConnectionState): void {
    if (this.isDisposed) return;
    if (state.state === 'unreachable' && this.load.state === 'ready') {
      this.fail(state.reason);
      this.options.onChange([{ target: 'cluster', clusterId: this.clusterId }]);
    } else if (state.state === 'connected' && this.load.state === 'error') {
      this.options.log('info', `${this.entry.spec.label}: reachable again`);
      void this.retry();
    } else if (state.state === 'connected' && state.limitation !== this.shownLimitation) {
      // The cluster's tooltip says what the watcher cannot see there.
      this.options.onChange([{ target: 'cluster', clusterId: this.clusterId }]);
    }
    if (state.state === 'connected') this.shownLimitation = state.limitation;
  }

  private queueScope(scope: ChangedScope): void {
    if (this.isDisposed || !this.shown || this.load.state !== 'ready') return;
    this.pendingScopes.push(scope);
    if (this.scopeTimer) return;
    this.scopeTimer = setTimeout(() => {
      this.scopeTimer = undefined;
      const scopes = this.pendingScopes;
      this.pendingScopes = [];
      void this.applyScopes(scopes);
    }, this.options.changeDebounceMs);
  }

  private async applyScopes(scopes: ChangedScope[]): Promise<void> {
    let allNodes = false;
    const nodeIds = new Set<string>();
    for (const scope of scopes) {
      switch (scope.scope) {
        case 'cluster':
          allNodes = true;
          for (const id of this.vmsByNode.keys()) nodeIds.add(id);
          break;
        case 'nodes':
          allNodes = true;
          break;
        case 'node':
          allNodes = true; // its capacity figures live on the node list
          nodeIds.add(scope.nodeId);
          break;
        case 'vm': {
          allNodes = true;
          if (scope.nodeId) nodeIds.add(scope.nodeId);
          const holder = this.nodeOfVm(scope.vmId);
          if (holder) nodeIds.add(holder);
          if (!scope.nodeId && !holder) for (const id of this.vmsByNode.keys()) nodeIds.add(id);
          break;
        }
      }
    }
    await this.refreshOnce({ allNodes, nodeIds: [...nodeIds] });
  }

  private async refreshOnce(what: { allNodes: boolean; nodeIds: string[] }): Promise<void> {
    if (this.isDisposed) return;
    if (this.load.state === 'idle' || this.load.state === 'loading') return;
    if (this.load.state === 'error') {
      await this.retry();
      return;
    }
    const changes: ViewChange[] = [];
    const redrawnNodes = new Set<string>();
    try {
      const source = this.entry.acquire();
      const [nodes, vmLists] = await Promise.all([
        what.allNodes ? this.withDeadline(source.listNodes(), 'listing nodes') : Promise.resolve(undefined),
        Promise.all(
          what.nodeIds
            .filter((id) => this.vmsByNode.has(id) || this.nodeMap.has(id))
            .map(async (nodeId) => ({ nodeId, vms: await this.fetchVms(nodeId).catch((err: unknown) => new VmsFailure(describeError(err))) })),
        ),
      ]);
      if (this.isDisposed) return;
      if (nodes) {
        const before = this.nodeOrder.map((n) => n.id).join('\n');
        const previous = this.nodeMap;
        this.setNodes(nodes);
        if (this.nodeOrder.map((n) => n.id).join('\n') !== before) {
          // Nodes came or went: the cluster's children change, which redraws everything below.
          for (const id of this.vmsByNode.keys()) if (!this.nodeMap.has(id)) this.vmsByNode.delete(id);
          changes.push({ target: 'cluster', clusterId: this.clusterId });
        } else {
          for (const node of nodes) {
            if (!sameJson(previous.get(node.id), node)) {
              changes.push({ target: 'node', clusterId: this.clusterId, nodeId: node.id });
              redrawnNodes.add(node.id);
            }
          }
        }
      }
      for (const { nodeId, vms } of vmLists) {
        if (!this.vmsByNode.has(nodeId)) continue; // never expanded: nothing drawn to update
        const before = this.vmsByNode.get(nodeId)!;
        if (vms instanceof VmsFailure) {
          if (before.error !== vms.reason) {
            this.vmsByNode.set(nodeId, { vms: new Map(), sorted: [], error: vms.reason });
            changes.push({ target: 'node', clusterId: this.clusterId, nodeId });
          }
          continue;
        }
        const after = toNodeVms(vms);
        this.vmsByNode.set(nodeId, after);
        // An unchanged VM keeps its object, so what was made from it (the row's item) stays valid
        // and a redraw remakes only the rows whose VM changed.
        const changed: string[] = [];
        const sorted = after.sorted;
        for (let i = 0; i < sorted.length; i++) {
          const vm = sorted[i];
          const was = before.vms.get(vm.id);
          if (was && sameJson(was, vm)) {
            sorted[i] = was;
            after.vms.set(vm.id, was);
          } else changed.push(vm.id);
        }
        if (before.error || !sameOrder(before.sorted, sorted)) {
          changes.push({ target: 'node', clusterId: this.clusterId, nodeId });
        } else if (!redrawnNodes.has(nodeId)) {
          for (const vmId of changed) changes.push({ target: 'vm', clusterId: this.clusterId, nodeId, vmId });
        }
      }
    } catch (err) {
      if (this.isDisposed) return;
      this.fail(describeError(err));
      changes.splice(0, changes.length, { target: 'cluster', clusterId: this.clusterId });
    }
    if (changes.length > 0) this.options.onChange(changes);
  }

  private async fetchVms(nodeId: string): Promise<Vm[]> {
    const source = this.entry.acquire();
    const vms = await this.withDeadline(source.listVms(nodeId), 'listing VMs');
    // A source may answer for more than the node asked about; keep what belongs here.
    return vms.filter((vm) => vm.nodeId === undefined || vm.nodeId === nodeId);
  }

  private setNodes(nodes: ClusterNode[]): void {
    this.nodeMap = new Map(nodes.map((n) => [n.id, n]));
    this.nodeOrder = [...nodes].sort(compareNodes);
  }

  private fail(reported: string): void {
    // The tree's error text: a source's state reason or a thrown error, scrubbed here whatever its path.
    const reason = scrubSecrets(reported);
    this.load = { state: 'error', reason };
    this.nodeMap.clear();
    this.nodeOrder = [];
    this.vmsByNode.clear();
    // Logged once per distinct reason: a cluster that stays down does not flood the log.
    if (this.lastLoggedFailure !== reason) this.options.log('warn', `${this.entry.spec.label}: ${reason}`);
    this.lastLoggedFailure = reason;
  }

  private withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
    const ms = this.options.loadDeadlineMs;
    return withDeadline(work, ms, `No answer after ${Math.round(ms / 1000)} s while ${what}`);
  }
}

class VmsFailure {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = scrubSecrets(reason);
  }
}
