import * as assert from 'node:assert/strict';
import type { Vm } from '../../../src/model/cluster';
import { ClusterRegistry } from '../../../src/sources/cluster-registry';
import { ClusterTreeStructure, type TreeRedraw } from '../../../src/ui/clusters/core/cluster-tree-structure';
import { TreeExpansionMemory, type ExpansionStore } from '../../../src/ui/clusters/core/tree-expansion-memory';
import type { TreeElement } from '../../../src/ui/clusters/core/tree-elements';
import { ExtHostTreeCache } from './support/ext-host-tree-cache';
import { MemoryClusterSource } from './support/memory-cluster-source';
import { WorkbenchTree } from './support/workbench-tree';

const logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A cluster whose VM lists answer only once the test opens the gate. */
class GatedVmsSource extends MemoryClusterSource {
  private gate: Promise<void> = Promise.resolve();
  private open = () => {};
  holdVms(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }
  releaseVms(): void {
    this.open();
  }
  static gated(nodes: number, vmsPerNode: number): GatedVmsSource {
    const seeded = MemoryClusterSource.seeded('c', nodes, vmsPerNode);
    const source = new GatedVmsSource('c');
    for (const [id, n] of seeded.nodes) source.nodes.set(id, n);
    for (const [id, vm] of seeded.vms) source.vms.set(id, vm);
    return source;
  }
  override async listVms(nodeId?: string): Promise<Vm[]> {
    await this.gate;
    return super.listVms(nodeId);
  }
}

async function setup(source: MemoryClusterSource) {
  const registry = new ClusterRegistry({ logger }, () => source);
  await registry.applySettings({ blixardClusters: [{ name: 'c', endpoints: ['127.0.0.1:1'] }], kubeconfigFiles: [], kubeContexts: [] });
  const redraws: TreeRedraw[] = [];
  const structure = new ClusterTreeStructure(registry, (what) => redraws.push(what), { changeDebounceMs: 10, flushDelayMs: 10 });
  const host = new ExtHostTreeCache<TreeElement>(structure, (e) => e.id);
  return { registry, structure, host, redraws };
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Settles, or says 'pending' if it still waits once timers get their turn. */
function settledNow<T>(work: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([work, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

const isLoading = (children: TreeElement[]) => children.some((c) => c.type === 'message' && c.severity === 'loading');
const redrew = (redraws: TreeRedraw[], element: TreeElement) => redraws.some((r) => r?.includes(element));

describe('ClusterTreeStructure', function () {
  this.timeout(20_000);
  let structure: ClusterTreeStructure | undefined;
  afterEach(() => structure?.dispose());

  it('keeps a node\'s VMs when the node is redrawn while VS Code is still fetching its children', async () => {
    const source = GatedVmsSource.gated(2, 3);
    const t = await setup(source);
    structure = t.structure;
    const [cluster] = await t.host.getChildren(undefined);
    // Expand the cluster the way the workbench does: ask, and ask again when told to redraw.
    let clusterRedrawn = false;
    await until('node rows, after the redraw that announced them', async () => {
      for (const r of t.redraws.splice(0)) {
        if (r) for (const e of r) await t.host.refresh(e);
        clusterRedrawn ||= !!r?.includes(cluster);
      }
      const children = await t.host.getChildren(cluster);
      return clusterRedrawn && !isLoading(children) ? children : undefined;
    });
    const node = t.structure.element('node:blixard:c|1')!;

    // The node is expanded while its VMs are slow, and the 2 s poll meanwhile finds the node's
    // figures changed: VS Code receives a redraw of the node while it fetches the node's children.
    source.holdVms();
    const expanding = t.host.getChildren(node);
    source.nodes.get('1')!.used = { vcpus: 2, memoryMb: 2048 };
    await t.structure.model('blixard:c')!.refresh(); // what the poll timer runs
    await until('a redraw of the node', () => (redrew(t.redraws, node) ? true : undefined));
    t.redraws.splice(0);
    assert.equal(await t.host.refresh(node), true, 'VS Code knows the node it is told to redraw');
    source.releaseVms();
    await expanding;

    // From here on the workbench asks whenever it is told to redraw; the node must end up
    // showing its three VMs, never nothing.
    const vms = await until('the node\'s VMs', async () => {
      for (const r of t.redraws.splice(0)) if (r) for (const e of r) await t.host.refresh(e);
      const children = await t.host.getChildren(node);
      assert.ok(children.length > 0, 'an expanded node with VMs never shows no children');
      return children.every((c) => c.type === 'vm') ? children : undefined;
    });
    assert.deepEqual(vms.map((v) => v.id), ['vm:blixard:c|1|vm-1-0001', 'vm:blixard:c|1|vm-1-0002', 'vm:blixard:c|1|vm-1-0003']);
  });

  it('shows the VMs of a node expanded while its cluster redraws (VS Code answers that expand with nothing)', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 2);
    const t = await setup(source);
    structure = t.structure;
    const workbench = new WorkbenchTree<TreeElement>(t.host, (e) => e.id);
    const deliver = async () => {
      for (const r of t.redraws.splice(0)) if (r) await workbench.redraw(r);
    };
    const [cluster] = await t.host.getChildren(undefined);
    const nodes = await until('node rows', async () => {
      await deliver();
      const children = await workbench.expand(cluster);
      return children.every((c) => c.type === 'node') ? children : undefined;
    });
    await new Promise((r) => setTimeout(r, 100)); // the first load's own redraws come and go
    await deliver();

    // A node joins, so the cluster's row redraws, and the user expands a node just then: the
    // host has forgotten the node and answers the expand with no children.
    source.nodes.set('3', { ...source.nodes.get('2')!, id: '3', name: 'node-3' });
    source.fire({ scope: 'nodes' });
    const clusterRedraw = await until('a redraw of the cluster', () => t.redraws.find((r) => r?.includes(cluster)));
    t.redraws.splice(0);
    const redrawing = workbench.redraw(clusterRedraw);
    const expandedMeanwhile = await workbench.expand(nodes[0]);
    await redrawing;
    assert.deepEqual(expandedMeanwhile, [], 'the race this test is about: the host answered the expand with nothing');

    const vms = await until('the node\'s VMs drawn under it', async () => {
      await deliver();
      const shown = workbench.childrenShown(nodes[0]) ?? [];
      return shown.length > 0 && shown.every((c) => c.type === 'vm') ? shown : undefined;
    });
    assert.deepEqual(vms.map((v) => v.id), ['vm:blixard:c|1|vm-1-0001', 'vm:blixard:c|1|vm-1-0002']);
    assert.equal(workbench.childrenShown(nodes[1]), undefined, 'the other node stays collapsed');
  });

  it('does not redraw node rows that were not drawn before their cluster redrew (a first load)', async () => {
    const source = MemoryClusterSource.seeded('c', 3, 1);
    const t = await setup(source);
    structure = t.structure;
    t.structure.dispose();
    structure = new ClusterTreeStructure(t.registry, (what) => t.redraws.push(what), { changeDebounceMs: 10, flushDelayMs: 10, refetchSettleMs: 50 });
    const host = new ExtHostTreeCache<TreeElement>(structure, (e) => e.id);
    const workbench = new WorkbenchTree<TreeElement>(host, (e) => e.id);
    const [cluster] = await host.getChildren(undefined);
    assert.ok(isLoading(await workbench.expand(cluster)), 'the cluster shows "Loading…" first');
    const clusterRedraw = await until('the redraw that ends the load', () => t.redraws.find((r) => r?.includes(cluster)));
    t.redraws.splice(0);
    await workbench.redraw(clusterRedraw);
    assert.equal(workbench.childrenShown(cluster)?.filter((e) => e.type === 'node').length, 3);
    await new Promise((r) => setTimeout(r, 300)); // several settle periods
    assert.deepEqual(t.redraws.flatMap((r) => r ?? [{ id: 'root' }]).map((e) => e.id), [], 'nothing is redrawn again');
  });

  it('answers a node that is still loading at once with "Loading…", and redraws it when the VMs arrive', async () => {
    const source = GatedVmsSource.gated(1, 2);
    const t = await setup(source);
    structure = t.structure;
    const [cluster] = await t.structure.getChildren(undefined);
    const first = await settledNow(t.structure.getChildren(cluster));
    assert.notEqual(first, 'pending', 'getChildren of a loading cluster does not wait for the load');
    const nodes = await until('nodes', async () => {
      const children = await t.structure.getChildren(cluster);
      return isLoading(children) ? undefined : children;
    });
    await until('the cluster redrawn after its load', () => (redrew(t.redraws, cluster) ? true : undefined));
    t.redraws.splice(0);
    source.holdVms();
    const answer = await settledNow(t.structure.getChildren(nodes[0]));
    assert.notEqual(answer, 'pending', 'getChildren of a node does not wait for its VMs');
    assert.ok(answer !== 'pending' && isLoading(answer), 'incomplete data answers "Loading…", never an empty list');
    source.releaseVms();
    await until('a redraw of the node once its VMs arrived', () => (redrew(t.redraws, nodes[0]) ? true : undefined));
    assert.deepEqual((await t.structure.getChildren(nodes[0])).map((c) => c.type), ['vm', 'vm']);
  });

  it('lists a VM the source reports twice once', async () => {
    const source = MemoryClusterSource.seeded('c', 1, 1);
    const original = source.listVms.bind(source);
    source.listVms = async (nodeId?: string) => {
      const vms = await original(nodeId);
      return [...vms, ...vms];
    };
    const t = await setup(source);
    structure = t.structure;
    const [cluster] = await t.host.getChildren(undefined);
    await t.structure.getChildren(cluster);
    await until('nodes loaded', () => (t.structure.model('blixard:c')?.nodes() ? true : undefined));
    const node = t.structure.element('node:blixard:c|1') ?? (await t.structure.getChildren(cluster))[0];
    await t.structure.getChildren(node);
    const vms = await until('VMs', async () => {
      const children = await t.structure.getChildren(node);
      return isLoading(children) ? undefined : children;
    });
    assert.deepEqual(vms.map((v) => v.id), ['vm:blixard:c|1|vm-1-0001']);
  });

  it('answers a node whose VM list did not change with the same elements, and releases the VMs that left when it changes', async () => {
    const source = MemoryClusterSource.seeded('c', 1, 3);
    const t = await setup(source);
    structure = t.structure;
    const [cluster] = await t.host.getChildren(undefined);
    await t.structure.getChildren(cluster);
    await until('nodes loaded', () => (t.structure.model('blixard:c')?.nodes() ? true : undefined));
    const node = t.structure.element('node:blixard:c|1') ?? (await t.structure.getChildren(cluster))[0];
    await t.structure.getChildren(node);
    const first = await until('VMs', async () => {
      const children = await t.structure.getChildren(node);
      return isLoading(children) ? undefined : children;
    });
    const again = await t.structure.getChildren(node);
    assert.notEqual(again, first, 'a copy: VS Code may keep the array it was given');
    assert.deepEqual(again.map((v, i) => v === first[i]), [true, true, true]);

    const [gone] = [...source.vms.keys()].sort();
    source.vms.delete(gone);
    await t.structure.model('blixard:c')!.refresh();
    const after = await t.structure.getChildren(node);
    assert.deepEqual(after.map((v) => v.id), first.slice(1).map((v) => v.id));
    assert.equal(t.structure.element(first[0].id), undefined, 'the VM that left no longer has an element');
    assert.ok(after.every((v, i) => v === first[i + 1]), 'the VMs that stayed keep their elements');
  });

  it('draws rows as the user left them in the previous window (expansion kept by id across a reload)', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 1);
    // The workspace memento, as a window reload leaves it: only what was written survives.
    let saved: unknown;
    const memento: ExpansionStore = { read: () => saved, write: (states) => (saved = JSON.parse(JSON.stringify(states))) };
    const registry = new ClusterRegistry({ logger }, () => source);
    await registry.applySettings({ blixardClusters: [{ name: 'c', endpoints: ['127.0.0.1:1'], datacenter: 'east' }], kubeconfigFiles: [], kubeContexts: [] });

    const first = new ClusterTreeStructure(registry, () => {}, { expansion: new TreeExpansionMemory(memento) });
    const [dc] = await first.getChildren(undefined);
    const [cluster] = await first.getChildren(dc);
    assert.deepEqual([dc, cluster].map((e) => first.collapsibleState(e)), ['expanded', 'collapsed'], 'defaults');
    // The cluster is expanded, but its onDidExpandElement never comes: VS Code drops it for a row
    // expanded while its parent redraws, and still asks for the row's children.
    await until('nodes', async () => {
      const children = await first.getChildren(cluster);
      return isLoading(children) ? undefined : children;
    });
    const [node1, node2] = await first.getChildren(cluster);
    assert.deepEqual([node1, node2].map((e) => first.collapsibleState(e)), ['collapsed', 'collapsed'], 'defaults');
    assert.equal(first.collapsibleState(cluster), 'expanded', 'a row whose children VS Code asked for is remembered expanded');
    first.setExpanded(node2, true);
    first.setExpanded(dc, false);
    first.setExpanded(dc, true);
    first.dispose();

    // The reloaded window builds everything anew from the memento.
    const second = new ClusterTreeStructure(registry, () => {}, { expansion: new TreeExpansionMemory(memento) });
    structure = second;
    const [dcAgain] = await second.getChildren(undefined);
    const [clusterAgain] = await second.getChildren(dcAgain);
    assert.equal(second.collapsibleState(dcAgain), 'expanded');
    assert.equal(second.collapsibleState(clusterAgain), 'expanded', 'the cluster comes back expanded');
    const nodes = await until('nodes after the reload', async () => {
      const children = await second.getChildren(clusterAgain);
      return isLoading(children) ? undefined : children;
    });
    assert.deepEqual(nodes.map((n) => second.collapsibleState(n)), ['collapsed', 'expanded'], 'the node the user had open is open again, the other is not');
    second.setExpanded(clusterAgain, false);
    assert.equal(new TreeExpansionMemory(memento).isExpanded(clusterAgain.id), false, 'a collapse is remembered too');
  });

  it('remembers at most 500 rows, forgetting the longest untouched first, and ignores a damaged memento', () => {
    let saved: unknown = { 'cluster:x': 'yes', 'cluster:y': true, '': true };
    const memento: ExpansionStore = { read: () => saved, write: (states) => (saved = states) };
    const memory = new TreeExpansionMemory(memento);
    assert.equal(memory.isExpanded('cluster:x'), undefined, 'a non-boolean entry is dropped');
    assert.equal(memory.isExpanded('cluster:y'), true);
    for (let i = 0; i < 600; i++) memory.set(`node:c|${i}`, true);
    assert.equal(Object.keys(saved as object).length, 500);
    assert.equal(memory.isExpanded('cluster:y'), undefined, 'the oldest went first');
    assert.equal(memory.isExpanded('node:c|599'), true);
    assert.equal(new TreeExpansionMemory({ read: () => ['not', 'a', 'map'], write() {} }).isExpanded('not'), undefined);
  });

  it('probes a cluster added while the tree is up, so a dead one shows unreachable without being expanded', async () => {
    const healthy = MemoryClusterSource.seeded('ok', 1, 1);
    const dead = MemoryClusterSource.seeded('dead', 1, 1);
    dead.failure = 'connect ECONNREFUSED 127.0.0.1:1';
    dead.delayMs = 200; // the refusal lands after VS Code has drawn the new row, as over a network
    const registry = new ClusterRegistry({ logger }, (spec) => (spec.label === 'dead' ? dead : healthy));
    await registry.applySettings({ blixardClusters: [{ name: 'ok', endpoints: ['127.0.0.1:1'] }], kubeconfigFiles: [], kubeContexts: [] });
    const redraws: TreeRedraw[] = [];
    structure = new ClusterTreeStructure(registry, (what) => redraws.push(what), { flushDelayMs: 5 });
    await structure.getChildren(undefined);
    assert.equal(structure.model('blixard:ok')?.state.state ?? 'idle', 'idle', 'clusters there from the start stay unloaded until expanded');

    await registry.applySettings({ blixardClusters: [{ name: 'ok', endpoints: ['127.0.0.1:1'] }, { name: 'dead', endpoints: ['127.0.0.1:2'] }], kubeconfigFiles: [], kubeContexts: [] });
    const root = await structure.getChildren(undefined);
    const deadRow = root.find((e) => e.type === 'cluster' && e.clusterId === 'blixard:dead');
    assert.ok(deadRow, 'the added cluster is in the tree');
    assert.equal(dead.listCalls, 1, 'probed as soon as it was added');
    // Nobody expands it: the row alone must learn that it is down, and be redrawn to say so.
    const state = await until('the added cluster probed', () => {
      const s = structure!.model('blixard:dead')?.state;
      return s?.state === 'error' ? s : undefined;
    });
    assert.match(state.state === 'error' ? state.reason : '', /ECONNREFUSED/);
    await until('the dead row redrawn', () => (redrew(redraws, deadRow) ? true : undefined));
    assert.equal(structure.model('blixard:ok')?.state.state ?? 'idle', 'idle', 'adding one cluster does not load the others');
  });
});
