// The kinds of cluster this build knows, as each kind's folder declares them: the one table keyed
// by a kind's name. Code holding a source reads `source.traits`; code holding only a name (a spec
// not built yet, a migration read back from the history) looks it up here. Adding a kind of
// cluster is one line in KINDS (and one case where sources are built, create-sources.ts).

import type { ClusterKind } from '../model/cluster';
import type { ClusterKindTraits } from '../model/cluster-kind';
import type { Lifecycle } from '../model/phase-order';
import type { ClusterDescription, ClusterKindDeclaration } from './cluster-kind-declaration';
import type { ClusterSpecBase } from './cluster-spec';
import { BLIXARD_KIND } from './blixard/blixard-kind';
import { KUBEVIRT_KIND } from './kubevirt/kubevirt-kind';

const KINDS = new Map<ClusterKind, ClusterKindDeclaration>([BLIXARD_KIND, KUBEVIRT_KIND].map((d): [ClusterKind, ClusterKindDeclaration] => [d.traits.kind, d]));

/**
 * Adds a kind that lives outside src/sources (a test's), under its traits' name. Registering a
 * name again replaces its declaration.
 */
export function registerClusterKind(declaration: ClusterKindDeclaration): void {
  KINDS.set(declaration.traits.kind, declaration);
}

/** The traits of a kind; undefined for a name this build does not know (a record from a newer version). */
export function clusterKindTraits(kind: ClusterKind): ClusterKindTraits | undefined {
  return KINDS.get(kind)?.traits;
}

/** The kind's lifecycle, for ordering a stored timeline (undefined: keep list order on ties). */
export function lifecycleOf(kind: ClusterKind | undefined): Lifecycle {
  return kind === undefined ? undefined : KINDS.get(kind)?.traits.lifecycle;
}

export interface DescribedCluster {
  readonly traits: ClusterKindTraits;
  readonly description: ClusterDescription;
}

/** How a spec reads in the tree, without building its source; undefined for an unknown kind. */
export function describeCluster(spec: ClusterSpecBase): DescribedCluster | undefined {
  const declaration = KINDS.get(spec.kind);
  return declaration && { traits: declaration.traits, description: declaration.describe(spec) };
}
