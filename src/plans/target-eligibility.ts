// Which nodes a plan may move VMs to, and the sentence that says why a node may not be one: the
// planner, the rebalancer and the plan's validation ask the same question the same way.

import type { ClusterNode } from '../model/cluster';

/** Schedulable (not cordoned, not in maintenance) and ready. */
export function eligibleTarget(node: ClusterNode): boolean {
  return node.schedulable && node.maintenance === undefined && node.status !== 'not-ready' && node.status !== 'unknown';
}

/** Why `node` takes no VMs ("node-2 is in maintenance (kernel update)"). */
export function whyNotTarget(node: ClusterNode): string {
  if (node.maintenance) return `${node.name} is in maintenance${node.maintenance.reason ? ` (${node.maintenance.reason})` : ''}`;
  if (!node.schedulable) return `${node.name} is cordoned (takes no new VMs)`;
  return `${node.name} is ${node.status === 'not-ready' ? 'not ready' : node.status === 'unknown' ? 'in an unknown state' : node.status}`;
}
