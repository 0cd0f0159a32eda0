// What a kind of cluster declares about itself, beside its ClusterSource: its traits (as data, see
// model/cluster-kind.ts) and how one of its specs reads in the tree. Each kind's folder exports
// one (`<kind>-kind.ts`); cluster-kinds.ts lists them.

import type { ClusterKindTraits } from '../model/cluster-kind';
import type { ClusterSpecBase } from './cluster-spec';

/** How Remove Cluster takes a cluster out of the `blixard.*` settings. */
export type ClusterRemoval =
  /** Delete the entry named `name` from the list setting `setting`, where it is defined; `from` names that list for the notice. */
  | { readonly by: 'entry'; readonly setting: string; readonly name: string; readonly from: string }
  /**
   * Hide it by setting the filter list `setting` to the `value`s of the other clusters removed
   * the same way; when it is the only one shown, say `lastOne` instead of emptying the filter.
   */
  | { readonly by: 'filter'; readonly setting: string; readonly value: string; readonly lastOne: string };

export interface ClusterDescription {
  /** Started by this window (a local dev cluster), not configured in settings. */
  readonly local: boolean;
  /** The tooltip's lines on what the cluster is and how it is reached (endpoints and TLS; context and kubeconfig files). Never a credential. */
  readonly connection: readonly string[];
  /** Absent for a cluster that is not in the settings (a local one). */
  readonly removal?: ClusterRemoval;
}

export interface ClusterKindDeclaration<S extends ClusterSpecBase = ClusterSpecBase> {
  readonly traits: ClusterKindTraits;
  // Method syntax on purpose: a declaration for its own spec type is listed with all the others.
  describe(spec: S): ClusterDescription;
}
