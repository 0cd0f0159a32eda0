// A third kind of cluster that exists only in the tests: "lab" benches. Its traits are a mix no
// shipped kind has (the lab may choose the bench, yet live is a choice and force exists; names are
// reused), so a view that still branched on 'blixard' or 'kubevirt' would get one of them wrong.

import type { ClusterKindTraits } from '../../../../src/model/cluster-kind';
import type { ClusterKindDeclaration } from '../../../../src/sources/cluster-kind-declaration';
import type { ClusterSpecBase } from '../../../../src/sources/cluster-spec';

export const LAB_KIND_NAME = 'lab';

export interface LabClusterSpec extends ClusterSpecBase {
  kind: typeof LAB_KIND_NAME;
  /** The lab's bench controller, as the tooltip shows it. */
  controller: string;
}

export const LAB_TRAITS: ClusterKindTraits = {
  kind: LAB_KIND_NAME,
  label: 'Lab',
  icon: 'beaker',
  lifecycle: ['Queued', 'Copying', 'Verifying', 'Done', 'Failed', 'Cancelled'],
  steps: ['Queued', 'Copying', 'Verifying'],
  succeededPhase: 'Done',
  anyNode: { option: 'Any bench (the lab decides)', hint: 'The lab picks a free bench.', destination: 'a bench the lab picks' },
  live: 'choice',
  force: true,
  typedNodeIds: false,
  namesReused: true,
  uncontrolledVm: 'a scratch VM that no lab job owns',
};

export const LAB_KIND: ClusterKindDeclaration<LabClusterSpec> = {
  traits: LAB_TRAITS,
  describe(spec) {
    return { local: false, connection: ['Lab', `Controller: ${spec.controller}`] };
  },
};

export function labSpec(name: string, controller = 'bench-ctl.lab:9000'): LabClusterSpec {
  return { kind: LAB_KIND_NAME, id: `lab:${name}`, label: name, controller };
}
