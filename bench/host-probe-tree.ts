// The Clusters tree's figures inside the real extension host, for bench/extension-host-probe.ts:
// real Blixard dev clusters (one `blixard-node dev-cluster` process per cluster, its nodes in that
// process, VMs seeded by the simulated runtime) reached over gRPC, the tree walked as a fully
// expanded view would be (getChildren + getTreeItem of every element), then again from the cache,
// then the real view revealing a VM in each node.

import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../src/extension';
import type { TreeElement } from '../src/ui/clusters/core/tree-elements';
import { DevClusterProcess } from '../src/ui/dev-cluster/core/dev-cluster-process';
import { withCpuProfile } from './host-cpu-profile';

export interface TreeFigures {
  clusters: number;
  nodesPerCluster: number;
  vmsPerNode: number;
  /** Starting the dev cluster processes and seeding their VMs (not part of any figure). */
  clustersStartMs: number;
  /** Settings applied → every cluster, node and VM item produced (getChildren + getTreeItem), clusters in parallel. Includes loading gRPC and the ListVms calls. */
  firstRenderMs: number;
  /** The same walk again, from the view's cache (what a redraw costs). */
  secondRenderMs: number;
  /** Per node, first expansion: getChildren through ListVms to its VMs' items, median and max. */
  nodeFirstExpandMs: { p50: number; max: number };
  /** getChildren for a loaded node: p50/p99 over repeats. */
  getChildrenMs: { p50: number; p99: number };
  /** getChildren plus getTreeItem for each of its VMs (one full redraw of a node). */
  getChildrenAndItemsMs: { p50: number; p99: number };
  /** The real view (workbench renderer over IPC) revealing a VM in each node, one after another. */
  workbenchRevealAllNodesMs: number;
  /** Reveals VS Code rejected because a row on the way was redrawn mid-reveal, and that were tried again. */
  workbenchRevealRetries: number;
  heapUsedMb: number;
}

export interface TreeOptions {
  clusters: number;
  nodes: number;
  vmsPerNode: number;
  /** Where to write a .cpuprofile of the first render (and one of the cached redraw beside it). */
  profileFile?: string;
}

export async function measureTree(api: BlixardExtensionApi, root: string, o: TreeOptions): Promise<TreeFigures> {
  const script = path.join(root, 'dist', 'companion', 'blixard-node.js');
  const startedAt = performance.now();
  const devClusters = await Promise.all(
    Array.from({ length: o.clusters }, () =>
      DevClusterProcess.start({ script, nodes: o.nodes, vms: o.nodes * o.vmsPerNode, readyTimeoutMs: 300_000, extraArgs: ['--capacity', 'vcpus=1000000,memory=1000000000,disk=1000000'] }),
    ),
  );
  const clustersStartMs = performance.now() - startedAt;
  try {
    const config = vscode.workspace.getConfiguration();
    await config.update('blixard.refreshIntervalSeconds', 0, vscode.ConfigurationTarget.Global);
    await config.update(
      'blixard.clusters',
      devClusters.map((c, i) => ({ name: `bench-${i + 1}`, endpoints: c.endpoints })),
      vscode.ConfigurationTarget.Global,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await api.settingsApplied();

    const nodeTimes: number[] = [];
    const start = performance.now();
    const nodeElements = await withCpuProfile(o.profileFile, () => walk(api, nodeTimes));
    const firstRenderMs = performance.now() - start;
    const again = performance.now();
    await withCpuProfile(o.profileFile?.replace(/\.cpuprofile$/, '-cached.cpuprofile'), () => walk(api, []));
    const secondRenderMs = performance.now() - again;
    const vmCount = (await Promise.all(nodeElements.map((n) => api.clusterTree.getChildren(n)))).reduce((sum, c) => sum + c.length, 0);
    if (vmCount !== o.clusters * o.nodes * o.vmsPerNode) throw new Error(`expected ${o.clusters * o.nodes * o.vmsPerNode} VMs in the tree, found ${vmCount}`);

    const node = nodeElements[0];
    const childrenOnly: number[] = [];
    const withItems: number[] = [];
    for (let i = 0; i < 30; i++) {
      let t = performance.now();
      const children = await api.clusterTree.getChildren(node);
      childrenOnly.push(performance.now() - t);
      t = performance.now();
      const again2 = await api.clusterTree.getChildren(node);
      for (const c of again2) api.clusterTree.getTreeItem(c);
      withItems.push(performance.now() - t);
      if (children.length !== o.vmsPerNode) throw new Error(`node has ${children.length} children`);
    }

    await vscode.commands.executeCommand('blixard.clusters.focus');
    const revealStart = performance.now();
    // VS Code rejects a reveal ("Data tree node not found") when a redraw of a row on its way
    // lands mid-reveal; the extension's own reveals try again (revealUntilSelected), so does this,
    // and says how often.
    let workbenchRevealRetries = 0;
    for (const n of nodeElements) {
      const [firstVm] = await api.clusterTree.getChildren(n);
      for (let attempt = 0; ; attempt++) {
        try {
          await api.clusterView.reveal(firstVm, { expand: true, select: false, focus: false });
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          workbenchRevealRetries++;
        }
      }
    }
    const workbenchRevealAllNodesMs = performance.now() - revealStart;

    return {
      clusters: o.clusters,
      nodesPerCluster: o.nodes,
      vmsPerNode: o.vmsPerNode,
      clustersStartMs: round(clustersStartMs),
      firstRenderMs: round(firstRenderMs),
      secondRenderMs: round(secondRenderMs),
      nodeFirstExpandMs: { p50: round(percentile(nodeTimes, 50)), max: round(Math.max(...nodeTimes)) },
      getChildrenMs: { p50: round(percentile(childrenOnly, 50)), p99: round(percentile(childrenOnly, 99)) },
      getChildrenAndItemsMs: { p50: round(percentile(withItems, 50)), p99: round(percentile(withItems, 99)) },
      workbenchRevealAllNodesMs: round(workbenchRevealAllNodesMs),
      workbenchRevealRetries,
      heapUsedMb: round(process.memoryUsage().heapUsed / 1024 / 1024),
    };
  } finally {
    await vscode.workspace.getConfiguration().update('blixard.clusters', [], vscode.ConfigurationTarget.Global);
    await Promise.all(devClusters.map((c) => c.stop()));
  }
}

/** Produces every item of the tree as VS Code would for a fully expanded view; returns the node elements. */
async function walk(api: BlixardExtensionApi, nodeTimes: number[]): Promise<TreeElement[]> {
  const tree = api.clusterTree;
  const loaded = async (element: TreeElement | undefined, wait: () => Promise<void>) => {
    let children = await tree.getChildren(element);
    if (children.some((c) => c.type === 'message' && c.severity === 'loading')) {
      await wait();
      children = await tree.getChildren(element);
    }
    for (const c of children) tree.getTreeItem(c);
    return children;
  };
  const clusters = await loaded(undefined, async () => undefined);
  const perCluster = await Promise.all(
    clusters.map(async (cluster) => {
      if (cluster.type !== 'cluster') return [];
      const model = () => tree.model(cluster.clusterId)!;
      const nodes = await loaded(cluster, () => model().loadNodes());
      await Promise.all(
        nodes.map(async (n) => {
          if (n.type !== 'node') return;
          const t = performance.now();
          await loaded(n, () => model().loadVms(n.nodeId));
          nodeTimes.push(performance.now() - t);
        }),
      );
      return nodes.filter((n) => n.type === 'node');
    }),
  );
  return perCluster.flat();
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function round(n: number): number {
  return Math.round(n * 10) / 10;
}
