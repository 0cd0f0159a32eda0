// "Reveal VM in Clusters": walks the Clusters tree the way VS Code does (getChildren from the
// root, waiting past a slow cluster's "Loading…"), finds the migration's VM under the node it
// should be on now, and reveals it. Uses only the tree provider's public surface.

import * as vscode from 'vscode';
import { isFinal, type Migration } from '../../model/migration';
import type { ClusterTreeProvider } from '../clusters/cluster-tree-provider';
import { findClusterElement, revealUntilSelected } from '../clusters/cluster-tree-reveal';
import type { TreeElement, VmElement } from '../clusters/core/tree-elements';

export type RevealOutcome = { revealed: VmElement } | { missing: string };

export async function revealMigrationVm(tree: ClusterTreeProvider, view: vscode.TreeView<TreeElement>, m: Migration, timeoutMs = 20_000): Promise<RevealOutcome> {
  const deadline = Date.now() + timeoutMs;
  const cluster = await findClusterElement(tree, m.cluster, deadline);
  if (!cluster) return { missing: `Cluster ${m.cluster} is not in the Clusters view.` };
  const nodes = (await loadedChildren(tree, cluster, deadline)).filter((n): n is Extract<TreeElement, { type: 'node' }> => n.type === 'node');
  // Look where the VM should be first: on the target once the move succeeded, else on the source.
  const likely = m.state === 'succeeded' || !isFinal(m.state) ? [m.targetNode, m.sourceNode] : [m.sourceNode, m.targetNode];
  const order = [...nodes].sort((a, b) => rank(likely, a.nodeId) - rank(likely, b.nodeId));
  // By name and namespace, as the migration names its VM: the VM's id is its source's own.
  const vmName = m.namespace ? `${m.namespace}/${m.vm}` : m.vm;
  for (const node of order) {
    const vm = (await loadedChildren(tree, node, deadline)).find((c): c is VmElement => c.type === 'vm' && c.vmName === m.vm && c.namespace === m.namespace);
    if (vm) {
      await vscode.commands.executeCommand('blixard.clusters.focus');
      await revealUntilSelected(view, vm, deadline, { focus: true, expand: false });
      return { revealed: vm };
    }
  }
  return { missing: `${vmName} is not on any node of this cluster now.` };
}

function rank(likely: (string | undefined)[], nodeId: string): number {
  const i = likely.indexOf(nodeId);
  return i < 0 ? likely.length : i;
}

/** Children once loaded: a slow cluster first answers "Loading…" and fills in later. */
async function loadedChildren(tree: ClusterTreeProvider, element: TreeElement, deadline: number): Promise<TreeElement[]> {
  for (;;) {
    const children = await tree.getChildren(element);
    const loading = children.some((c) => c.type === 'message' && c.severity === 'loading');
    if (!loading || Date.now() > deadline) return children.filter((c) => c.type !== 'message');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
