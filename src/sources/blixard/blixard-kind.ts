// What Blixard clusters are, as traits the views, dialog, watcher and history read (the one place
// Blixard's lifecycle, steps and dialog rules are written down), and how a Blixard spec reads in the tree.

import type { ClusterKindTraits } from '../../model/cluster-kind';
import type { ClusterKindDeclaration } from '../cluster-kind-declaration';
import type { BlixardClusterSpec } from '../cluster-spec';

export const BLIXARD_TRAITS: ClusterKindTraits = {
  kind: 'blixard',
  label: 'Blixard',
  icon: 'server-environment',
  // The MigrationStatus words (migration-mapping.ts), in the daemon's order.
  lifecycle: ['Unknown', 'Preparing', 'Transferring', 'Switching', 'Completed', 'Failed', 'Cancelled'],
  steps: ['Preparing', 'Transferring', 'Switching'],
  succeededPhase: 'Completed',
  // The daemon needs a target: MigrateVm has no "let the cluster choose".
  live: 'choice',
  force: true,
  typedNodeIds: true,
  // Migration ids are the daemon's own and never given out twice.
  namesReused: false,
  // ConsoleService.AttachConsole: every VM of a blixard-node daemon has one, whatever its runtime.
  console: true,
  // MigrationService.SetNodeMaintenance: a flag in the cluster store, with since and reason.
  maintenance: {
    state: 'maintenance',
    isIn: 'in maintenance',
    enter: 'put {node} into maintenance',
    exit: 'take {node} out of maintenance',
    entering: 'Entering maintenance mode',
    leaving: 'Leaving maintenance mode',
    recordsReason: true,
  },
};

export const BLIXARD_KIND: ClusterKindDeclaration<BlixardClusterSpec> = {
  traits: BLIXARD_TRAITS,
  describe(spec) {
    return {
      local: !!spec.local,
      connection: [
        `Blixard${spec.local ? ' (local dev cluster, stops with this window)' : ''}`,
        `Endpoints: ${spec.endpoints.join(', ')}`,
        spec.tls ? `TLS${spec.tls.certFile ? ' with client certificate' : ''}` : 'Plaintext gRPC',
      ],
      ...(spec.local ? {} : { removal: { by: 'entry', setting: 'clusters', name: spec.label, from: 'the Blixard clusters setting' } }),
    };
  },
};
