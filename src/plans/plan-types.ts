// The shapes of a migration plan, shared by the planner, the plan document, its validation and the
// runner: plain data, so a plan can be written to YAML, kept in the history and read back the same.

import type { ClusterNode, Resources, Vm } from '../model/cluster';

/** What the operator asked for. */
export type PlanRequest =
  /**
   * Empty a node (before maintenance): every VM on it, to the other schedulable nodes. With
   * `alsoNodeIds`, empty those too in the same plan: none of the emptied nodes is ever a target.
   */
  | { kind: 'evacuate'; nodeId: string; alsoNodeIds?: readonly string[] }
  /** Move these VMs: to one node, spread by the planner, or to wherever the cluster's scheduler puts them. */
  | { kind: 'migrate'; vmIds: readonly string[]; to: { node: string } | 'spread' | 'any' }
  /** Even out vCPU and memory use; `threshold`: the spread (max − min use, 0..1) the plan may leave. */
  | { kind: 'rebalance'; threshold?: number };

export type PlanKind = PlanRequest['kind'];

/** The cluster as the planner sees it: one consistent read of its nodes and VMs. */
export interface ClusterSnapshot {
  /** ClusterSource.id. */
  cluster: string;
  nodes: readonly ClusterNode[];
  /** Every VM of the cluster; `migration` set on those with a migration in flight. */
  vms: readonly Vm[];
  /** What the kind allows (from the source's traits). */
  traits: {
    /** The cluster may choose the target itself (traits.anyNode). */
    anyNode: boolean;
    /** 'choice': a VM may be moved cold; 'always': only where Vm.coldMove says so. */
    live: 'choice' | 'always';
  };
}

export type PlanMode = 'live' | 'cold';

/** A move the planner chose, before it is ordered into a PlanEntry. */
export interface ChosenMove {
  vm: Vm;
  to?: string;
  mode: PlanMode;
  modeReason: string;
  reason: string;
}

export interface PlanEntry {
  vm: string;
  from: string;
  /** Target node id; undefined = the cluster's scheduler picks (only where traits.anyNode). */
  to?: string;
  mode: PlanMode;
  /** Why this mode ("running, live-migratable", "stopped: moved cold"). */
  modeReason: string;
  /** 1-based position in which the runner starts entries. */
  order: number;
  /** Why this VM moves to this node. */
  reason: string;
  /** VMs of this plan whose move must have ended before this one starts. */
  after?: readonly string[];
  /** The VM's size as planned (what the target reserves). */
  size: Resources;
}

export type BlockerKind = 'not-migratable' | 'no-room' | 'pinned' | 'only-node' | 'cycle' | 'dependency' | 'in-flight' | 'unknown-vm' | 'target-unschedulable' | 'no-target';

/** A VM the plan cannot move, and why: listed, never guessed around. */
export interface PlanBlocker {
  vm?: string;
  node?: string;
  kind: BlockerKind;
  reason: string;
}

/** One node's use before the plan and after it (as the plan leaves it). */
export interface NodeUse {
  id: string;
  name: string;
  schedulable: boolean;
  capacity?: Resources;
  before: Resources;
  after: Resources;
}

export interface PlanWindow {
  /** ISO-8601: start nothing before. */
  notBefore?: string;
  /** ISO-8601: start nothing after. */
  notAfter?: string;
}

export interface PlanConcurrency {
  perCluster: number;
  perSourceNode: number;
}

/** KubeVirt's parallelMigrationsPerCluster / parallelOutboundMigrationsPerNode defaults. */
export const DEFAULT_CONCURRENCY: PlanConcurrency = { perCluster: 5, perSourceNode: 2 };
/** The spread (max − min use) a rebalance may leave when none is given: 10 percentage points. */
export const DEFAULT_REBALANCE_THRESHOLD = 0.1;

export interface MigrationPlan {
  cluster: string;
  kind: PlanKind;
  /** evacuate: the node emptied. */
  node?: string;
  /** evacuate: further nodes the same plan empties (none of them a target). */
  alsoNodes?: string[];
  /** rebalance: the threshold used. */
  threshold?: number;
  createdAt?: string;
  window?: PlanWindow;
  concurrency: PlanConcurrency;
  stopOnFailure: boolean;
  entries: PlanEntry[];
  blockers: PlanBlocker[];
  nodes: NodeUse[];
}
