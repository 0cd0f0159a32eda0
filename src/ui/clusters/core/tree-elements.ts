// The elements of the Clusters tree. They hold identity only (which cluster, node, VM); what
// they show is read from the cluster's view model when VS Code asks, so firing a change for
// an element redraws it with fresh data. Ids are stable across refreshes, which is what lets
// VS Code keep expansion and selection.

export interface DatacenterElement {
  readonly type: 'datacenter';
  readonly id: string;
  readonly datacenter: string;
}

export interface ClusterElement {
  readonly type: 'cluster';
  readonly id: string;
  readonly clusterId: string;
}

export interface NodeElement {
  readonly type: 'node';
  readonly id: string;
  readonly clusterId: string;
  readonly nodeId: string;
}

export interface VmElement {
  readonly type: 'vm';
  readonly id: string;
  readonly clusterId: string;
  readonly nodeId: string;
  readonly vmId: string;
  /** The VM's name and namespace, as the history looks a VM up (ids are the source's: "namespace/name" on some kinds). */
  readonly vmName: string;
  readonly namespace?: string;
}

/** A line of text in place of children: loading, empty, or why something failed. */
export interface MessageElement {
  readonly type: 'message';
  readonly id: string;
  readonly severity: 'loading' | 'info' | 'error';
  readonly text: string;
  /** The cluster a Retry on this message applies to. */
  readonly clusterId?: string;
  /** What the message's click does ('retry' the cluster, 'settings' to fix a setting, 'trust' to manage workspace trust). */
  readonly action?: 'retry' | 'settings' | 'trust';
  readonly detail?: string;
}

export type TreeElement = DatacenterElement | ClusterElement | NodeElement | VmElement | MessageElement;

export const elementIds = {
  datacenter: (name: string) => `dc:${name}`,
  cluster: (clusterId: string) => `cluster:${clusterId}`,
  node: (clusterId: string, nodeId: string) => `node:${clusterId}|${nodeId}`,
  // The node is part of a VM's id: during a migration a VM may briefly be listed under both
  // nodes, and VS Code rejects two elements with one id.
  vm: (clusterId: string, nodeId: string, vmId: string) => `vm:${clusterId}|${nodeId}|${vmId}`,
  message: (parentId: string, kind: string) => `msg:${parentId}|${kind}`,
};
