// Orders a migration's phases. Phase times are often equal — KubeVirt's phaseTransitionTimestamps
// have one-second precision, and a fast migration passes several phases within one second — so
// time alone cannot order a timeline; the kind's lifecycle (ClusterKindTraits.lifecycle) breaks ties.

import type { PhaseTransition } from './migration';

/** A kind's phases in lifecycle order; undefined when the kind is not known (ties then keep list order). */
export type Lifecycle = readonly string[] | undefined;

const RANKS = new WeakMap<readonly string[], Map<string, number>>();

/** Where a phase sits in a lifecycle; undefined for a phase it does not name. */
export function phaseRank(lifecycle: Lifecycle, phase: string): number | undefined {
  if (!lifecycle) return undefined;
  let ranks = RANKS.get(lifecycle);
  if (!ranks) {
    ranks = new Map(lifecycle.map((p, i) => [p, i]));
    RANKS.set(lifecycle, ranks);
  }
  return ranks.get(phase);
}

/** Orders two phases entered at the same time: by lifecycle when both are known, else 0 (keep list order). */
export function compareSameTimePhases(lifecycle: Lifecycle, a: string, b: string): number {
  const ra = phaseRank(lifecycle, a);
  const rb = phaseRank(lifecycle, b);
  return ra !== undefined && rb !== undefined ? ra - rb : 0;
}

/** A timeline in the order the phases happened: by time, ties by lifecycle, otherwise as given. */
export function sortTimeline<T extends Pick<PhaseTransition, 'phase' | 'at'>>(lifecycle: Lifecycle, transitions: readonly T[]): T[] {
  return [...transitions].sort((a, b) => a.at - b.at || compareSameTimePhases(lifecycle, a.phase, b.phase));
}
