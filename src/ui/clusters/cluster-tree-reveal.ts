// Revealing a row of the Clusters tree the way a person would find it: the cluster's row at the
// top level or under its datacenter, then reveal (select, optionally expand) until the workbench
// reports the selection. Used by "Reveal VM in Clusters" and "Start Local Dev Cluster".

import type * as vscode from 'vscode';
import type { ClusterTreeProvider } from './cluster-tree-provider';
import type { ClusterElement, TreeElement } from './core/tree-elements';

/** The cluster's row, at the top level or under its datacenter. */
export async function findClusterElement(tree: ClusterTreeProvider, clusterId: string, deadline: number): Promise<ClusterElement | undefined> {
  for (const top of await tree.getChildren(undefined)) {
    if (top.type === 'cluster' && top.clusterId === clusterId) return top;
    if (top.type === 'datacenter') {
      const inside = (await tree.getChildren(top)).find((c): c is ClusterElement => c.type === 'cluster' && c.clusterId === clusterId);
      if (inside) return inside;
    }
    if (Date.now() > deadline) break;
  }
  return undefined;
}

/**
 * Reveals and waits for the workbench to report the selection. A node whose VM list changed a
 * moment ago may still be drawn from the old list (the tree's redraw is debounced), and VS Code
 * then drops the reveal silently, or rejects it ("Data tree node not found") when a redraw of a
 * row on the way lands mid-reveal: try again until it takes.
 */
export async function revealUntilSelected(view: vscode.TreeView<TreeElement>, element: TreeElement, deadline: number, options: { focus: boolean; expand: boolean }): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await view.reveal(element, { select: true, ...options });
    } catch {
      // The row moved under the reveal; the next attempt finds it where it is now.
    }
    const until = Math.min(deadline, Date.now() + 1500);
    while (Date.now() < until) {
      if (view.selection.some((e) => e.id === element.id)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (Date.now() >= deadline || attempt >= 5) return false;
  }
}

/** Reveals and selects a cluster's row, expanded so its nodes show; false when it did not take before the deadline. */
export async function revealCluster(tree: ClusterTreeProvider, view: vscode.TreeView<TreeElement>, clusterId: string, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The row appears once the registry's change has reached the tree; until then it is not there.
    const cluster = await findClusterElement(tree, clusterId, deadline);
    if (cluster) return revealUntilSelected(view, cluster, deadline, { focus: false, expand: true });
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
