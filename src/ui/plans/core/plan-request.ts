// Recompute plans a document's request again: which request a plan document was made from, read
// back from what it says (its kind, node, threshold, the VMs in its entries and blockers, and
// where they go). Free of `vscode`.

import type { MigrationPlan, PlanRequest } from '../../../plans/plan-types';

export function requestOf(plan: MigrationPlan): PlanRequest {
  if (plan.kind === 'evacuate' && plan.node) return { kind: 'evacuate', nodeId: plan.node, ...(plan.alsoNodes?.length ? { alsoNodeIds: [...plan.alsoNodes] } : {}) };
  if (plan.kind === 'rebalance') return { kind: 'rebalance', ...(plan.threshold !== undefined ? { threshold: plan.threshold } : {}) };
  const vmIds = [...new Set([...plan.entries.map((e) => e.vm), ...plan.blockers.flatMap((b) => (b.vm ? [b.vm] : []))])];
  // One target for every entry: that node (or the cluster's choice); several: the planner spread them.
  const targets = new Set(plan.entries.map((e) => e.to ?? ''));
  const only = [...targets][0];
  return { kind: 'migrate', vmIds, to: targets.size === 1 ? (only === '' ? 'any' : { node: only! }) : 'spread' };
}
