// Plain, kind-neutral shapes of what a cluster contains. Sources translate their wire
// formats (Blixard protobuf, Kubernetes objects) into these; views and the dialog use only these.

import type { VmPlacementHints } from './placement-hints';

/**
 * A kind of cluster by name ("blixard", "kubevirt", …), as sources report it and the history
 * records it. An open set: what differs between kinds is their ClusterKindTraits
 * (model/cluster-kind.ts); code outside a kind's own folder never branches on this name.
 */
export type ClusterKind = string;

/** How a node is doing, from the cluster's own point of view. */
export type NodeStatus =
  | 'leader' // Blixard: holds the cluster leadership
  | 'follower' // Blixard: a healthy member
  | 'candidate'
  | 'ready' // KubeVirt: Node condition Ready=True
  | 'not-ready' // KubeVirt: Ready=False/Unknown
  | 'unknown';

export interface Resources {
  vcpus: number;
  memoryMb: number;
  diskGb?: number;
}

export interface ClusterNode {
  /** Stable id within its cluster: the Blixard node id as a decimal string, or the Kubernetes node name. */
  id: string;
  /** What a person reads: "node-2" or the Kubernetes node name. */
  name: string;
  status: NodeStatus;
  /**
   * False for a node that takes no new VMs: a cordoned Kubernetes node (spec.unschedulable), a
   * Blixard node in maintenance. What the kind calls it is its traits' `maintenance` words.
   */
  schedulable: boolean;
  address?: string;
  capacity?: Resources;
  used?: Resources;
  runningVms?: number;
  /**
   * Set while the node is in maintenance (then `schedulable` is false too): since when (RFC 3339)
   * and why, as the cluster records it. A cordoned node without maintenance has only `schedulable: false`.
   */
  maintenance?: { since?: string; reason?: string };
}

/** Normalised VM lifecycle state; `phase` on Vm keeps the source's raw word. */
export type VmState = 'running' | 'stopped' | 'starting' | 'stopping' | 'created' | 'pending' | 'failed' | 'unknown';

export interface Vm {
  /** Unique within the cluster: the Blixard VM name, or "namespace/name" for a KubeVirt VMI. */
  id: string;
  name: string;
  namespace?: string;
  /** The node the VM is assigned to, if any. */
  nodeId?: string;
  state: VmState;
  /** The source's own state word (VM_STATE_RUNNING, Running, Scheduling…). */
  phase: string;
  vcpus?: number;
  memoryMb?: number;
  ipAddress?: string;
  /**
   * The cluster's latest word on the VM's state, as it sent it: why it is failed, when it is
   * (Blixard: VmInfo.state_message, e.g. "VM 'web-1' died: QEMU was killed by SIGKILL"). Cluster
   * text: the views scrub and flatten it before showing it. Absent when the cluster says nothing.
   */
  stateMessage?: string;
  /** KubeVirt: the LiveMigratable condition. Absent for Blixard (any running VM can move live). */
  liveMigratable?: { ok: boolean; reason?: string; message?: string };
  /** KubeVirt: false for a VMI with no VirtualMachine owner (it cannot be started/stopped). */
  hasController?: boolean;
  /** Set while a migration of this VM is in flight. */
  /** `name`: the migration's own name on the cluster, as Migration.name (what the dialog calls it). */
  migration?: { id: string; name: string; targetNodeId?: string; phase: string };
  /** How the VM asks to be placed by a migration plan (model/placement-hints.ts); absent = no hints. */
  placement?: VmPlacementHints;
  /**
   * Whether a VM that cannot move live may be stopped and started on another node instead (KubeVirt:
   * an eviction strategy that allows shutdown; Blixard: a stopped VM). Absent = not known: the
   * planner treats it as not allowed, and says so.
   */
  coldMove?: { ok: boolean; reason?: string };
}

/** What changed, so views refresh only that element. */
export type ChangedScope =
  | { scope: 'cluster' }
  | { scope: 'nodes' }
  | { scope: 'node'; nodeId: string }
  | { scope: 'vm'; vmId: string; nodeId?: string };

export type ConnectionState =
  | { state: 'connecting' }
  /**
   * `limitation`: the cluster answers, but cannot stream migrations (a daemon without
   * MigrationService, a kube user not allowed to watch VMIMs). The tree keeps working; the
   * watcher says what it cannot see instead of calling the cluster down.
   */
  | { state: 'connected'; endpoint?: string; limitation?: string }
  | { state: 'unreachable'; reason: string; retryInMs?: number };

/** A cluster whose migrations are not streaming: down, or reachable but unable to stream them. */
export type NotStreaming = (ConnectionState & { state: 'unreachable' }) | (ConnectionState & { state: 'connected'; limitation: string });

export function notStreaming(state: ConnectionState | undefined): NotStreaming | undefined {
  if (state?.state === 'unreachable') return state;
  if (state?.state === 'connected' && state.limitation) return { ...state, limitation: state.limitation };
  return undefined;
}
