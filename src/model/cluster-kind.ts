// What differs between kinds of cluster, as data: each kind declares its traits in its own folder
// (src/sources/<kind>/<kind>-kind.ts) and every ClusterSource carries them, so views, the dialog,
// the watcher and the history ask "may the cluster choose the node?" instead of "is it KubeVirt?".

import type { ClusterKind } from './cluster';

/** The words for letting the cluster choose the target node ("Any node"). */
export interface AnyNodeWords {
  /** The dropdown's entry: "Any node (the scheduler decides)". */
  readonly option: string;
  /** Shown under the field while it is chosen: "The KubeVirt scheduler picks the node." */
  readonly hint: string;
  /** Where the migration goes while no node is known yet: "the scheduler's choice". */
  readonly destination: string;
}

/**
 * How a kind names a node that takes no new VMs and the act of making it so (vCenter's and
 * Blixard's "maintenance mode", Kubernetes' "cordon"), where the source can do it
 * (ClusterSource.setNodeMaintenance).
 */
export interface MaintenanceWords {
  /** The node's state, as its row shows it: "maintenance", "cordoned". */
  readonly state: string;
  /** The state in a sentence ("node-2 is …"): "in maintenance", "cordoned". */
  readonly isIn: string;
  /** The act, in a sentence ("Could not …"), `{node}` standing for the node: "put {node} into maintenance", "cordon {node}". */
  readonly enter: string;
  /** The way back: "take {node} out of maintenance", "uncordon {node}". */
  readonly exit: string;
  /** Entering it, for progress: "Entering maintenance mode", "Cordoning". */
  readonly entering: string;
  /** Leaving it: "Leaving maintenance mode", "Uncordoning". */
  readonly leaving: string;
  /** The cluster keeps the reason an operator gives (and since when); false: the reason is not asked for. */
  readonly recordsReason: boolean;
}

export interface ClusterKindTraits {
  /** The kind's name, as sources, migrations and the history record it. */
  readonly kind: ClusterKind;
  /** The kind as people read it: "Blixard", "KubeVirt". */
  readonly label: string;
  /** Codicon of a cluster of this kind in the tree. */
  readonly icon: string;
  /**
   * Every phase word the kind's migrations pass through, in lifecycle order. Phase times are often
   * equal (one-second timestamps, several phases within one second): this order breaks the ties.
   */
  readonly lifecycle: readonly string[];
  /** The dialog's stepper after submit: the phases shown, in order, before the final step. */
  readonly steps: readonly string[];
  /** The final step's name for a migration that succeeded ("Completed", "Succeeded"). */
  readonly succeededPhase: string;
  /** Present when the cluster may choose the target itself; absent: the user must pick a node. */
  readonly anyNode?: AnyNodeWords;
  /** 'always': every migration is live (the toggle is locked on); 'choice': live or cold, the user picks. */
  readonly live: 'choice' | 'always';
  /** Whether a migration can be forced past the target's capacity check. */
  readonly force: boolean;
  /**
   * Nodes have short ids a person types to pick one (the Blixard TUI's way): node titles show the
   * id, and digits typed on the target field pick a node by it.
   */
  readonly typedNodeIds: boolean;
  /**
   * A migration's name may be used again by a later migration once the first is gone (a KubeVirt
   * VMIM deleted and created anew): the history keeps each incarnation apart.
   */
  readonly namesReused: boolean;
  /** Why a VM that nothing controls (Vm.hasController false) cannot be started or stopped, where the kind has such VMs. */
  readonly uncontrolledVm?: string;
  /** A running VM has a serial console the extension can attach to (ClusterSource.attachConsole); absent: none. */
  readonly console?: boolean;
  /** Present where a node can be put into maintenance (ClusterSource.setNodeMaintenance): what the kind calls it. */
  readonly maintenance?: MaintenanceWords;
}

/** The traits the migration dialog decides by, on both sides: sent to the webview with its state. */
export type MigrationDialogTraits = Pick<ClusterKindTraits, 'label' | 'steps' | 'succeededPhase' | 'anyNode' | 'live' | 'force' | 'typedNodeIds'>;

export function migrationDialogTraits(traits: ClusterKindTraits): MigrationDialogTraits {
  const { label, steps, succeededPhase, anyNode, live, force, typedNodeIds } = traits;
  return { label, steps: [...steps], succeededPhase, ...(anyNode ? { anyNode: { ...anyNode } } : {}), live, force, typedNodeIds };
}
