// Which configured cluster a plan names, and one read of it for the planner: the plan document
// names its cluster by label (as `blixard-migrations plan` writes it), or by id. Free of `vscode`.

import { describeError } from '../../../model/errors';
import { readClusterSnapshot } from '../../../plans/cluster-snapshot';
import type { ClusterSnapshot } from '../../../plans/plan-types';
import type { ClusterEntry, ClusterRegistry } from '../../../sources/cluster-registry';
import type { ClusterSource } from '../../../sources/cluster-source';

export type PlanCluster = { entry: ClusterEntry; source: ClusterSource } | { problem: string };

/** The cluster called `name` (label or id), its source built if it was not yet. */
export function planCluster(registry: Pick<ClusterRegistry, 'clusters' | 'get'>, name: string): PlanCluster {
  const entry = registry.get(name) ?? registry.clusters.find((e) => e.spec.label === name);
  if (!entry) return { problem: `no cluster named "${name}" is configured${registry.clusters.length ? ` (there are ${registry.clusters.map((e) => e.spec.label).join(', ')})` : ''}` };
  try {
    return { entry, source: entry.acquire() };
  } catch (err) {
    return { problem: `${entry.spec.label}: ${describeError(err)}` };
  }
}

/** The snapshot the planner and the validation read, named as the plan names its cluster (the label). */
export function snapshotOf(cluster: { entry: ClusterEntry; source: ClusterSource }): Promise<ClusterSnapshot> {
  return readClusterSnapshot(cluster.source, cluster.entry.spec.label);
}
