// One read of a cluster for the planner and the plan's validation: its nodes and VMs, and what
// its kind allows, through the ClusterSource seam (so every kind is planned the same way).

import type { ClusterSource } from '../sources/cluster-source';
import type { ClusterSnapshot } from './plan-types';

export type SnapshotSource = Pick<ClusterSource, 'id' | 'traits' | 'listNodes' | 'listVms'>;

export async function readClusterSnapshot(source: SnapshotSource, cluster: string = source.id): Promise<ClusterSnapshot> {
  const [nodes, vms] = await Promise.all([source.listNodes(), source.listVms()]);
  return { cluster, nodes, vms, traits: { anyNode: source.traits.anyNode !== undefined, live: source.traits.live } };
}
