// What KubeVirt clusters are, as traits the views, dialog, watcher and history read (the one place
// KubeVirt's lifecycle, steps and dialog rules are written down), and how a KubeVirt spec reads in the tree.

import type { ClusterKindTraits } from '../../model/cluster-kind';
import type { ClusterKindDeclaration } from '../cluster-kind-declaration';
import type { KubevirtClusterSpec } from '../cluster-spec';

export const KUBEVIRT_TRAITS: ClusterKindTraits = {
  kind: 'kubevirt',
  label: 'KubeVirt',
  icon: 'cloud',
  // KubeVirt's MigrationPhase constants, in their declared order (WaitingForSync and
  // Synchronizing occur only for decentralized migrations).
  lifecycle: ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'WaitingForSync', 'Synchronizing', 'Running', 'Succeeded', 'Failed'],
  steps: ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running'],
  succeededPhase: 'Succeeded',
  // A VMIM without addedNodeSelector leaves the node to the scheduler.
  anyNode: { option: 'Any node (the scheduler decides)', hint: 'The KubeVirt scheduler picks the node.', destination: "the scheduler's choice" },
  // A VMIM is a live migration; KubeVirt has no cold move.
  live: 'always',
  force: false,
  typedNodeIds: false,
  // A VMIM name can be used again once the object is deleted.
  namesReused: true,
  // `virtctl console` speaks a websocket subresource this extension does not implement.
  console: false,
  uncontrolledVm: 'no VirtualMachine owns this instance',
  // A Node's spec.unschedulable, as `kubectl cordon` sets it; Kubernetes keeps no reason or time.
  maintenance: { state: 'cordoned', isIn: 'cordoned', enter: 'cordon {node}', exit: 'uncordon {node}', entering: 'Cordoning', leaving: 'Uncordoning', recordsReason: false },
};

export const KUBEVIRT_KIND: ClusterKindDeclaration<KubevirtClusterSpec> = {
  traits: KUBEVIRT_TRAITS,
  describe(spec) {
    return {
      local: false,
      connection: ['KubeVirt', `Context: ${spec.context}`, `Kubeconfig: ${spec.kubeconfigPaths.join(', ')}`],
      // A cluster is one kubeconfig context: it is hidden by listing the contexts to keep.
      removal: {
        by: 'filter',
        setting: 'kubevirt.contexts',
        value: spec.context,
        lastOne: `"${spec.label}" is the only KubeVirt context shown; to hide it, remove its kubeconfig from the "blixard.kubevirt.kubeconfig" setting.`,
      },
    };
  },
};
