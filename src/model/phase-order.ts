// The lifecycle order of each kind's phases. Phase times are often equal — KubeVirt's
// phaseTransitionTimestamps have one-second precision, and a fast migration passes several
// phases within one second — so time alone cannot order a timeline; the lifecycle breaks ties.

import type { ClusterKind } from './cluster';
import type { PhaseTransition } from './migration';

const LIFECYCLES: Record<ClusterKind, readonly string[]> = {
  // KubeVirt's MigrationPhase constants, in their declared order (WaitingForSync and
  // Synchronizing occur only for decentralized migrations).
  kubevirt: ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'WaitingForSync', 'Synchronizing', 'Running', 'Succeeded', 'Failed'],
  // Blixard's MigrationStatus words (sources/blixard/migration-mapping.ts).
  blixard: ['Unknown', 'Preparing', 'Transferring', 'Switching', 'Completed', 'Failed', 'Cancelled'],
};

const RANKS = new Map<ClusterKind, Map<string, number>>(
  (Object.keys(LIFECYCLES) as ClusterKind[]).map((kind) => [kind, new Map(LIFECYCLES[kind].map((phase, i) => [phase, i]))]),
);

/** Where a phase sits in its kind's lifecycle; undefined for a phase this version does not know. */
export function phaseRank(kind: ClusterKind | undefined, phase: string): number | undefined {
  return kind ? RANKS.get(kind)?.get(phase) : undefined;
}

/** Orders two phases entered at the same time: by lifecycle when both are known, else 0 (keep list order). */
export function compareSameTimePhases(kind: ClusterKind | undefined, a: string, b: string): number {
  const ra = phaseRank(kind, a);
  const rb = phaseRank(kind, b);
  return ra !== undefined && rb !== undefined ? ra - rb : 0;
}

/** A timeline in the order the phases happened: by time, ties by lifecycle, otherwise as given. */
export function sortTimeline<T extends Pick<PhaseTransition, 'phase' | 'at'>>(kind: ClusterKind | undefined, transitions: readonly T[]): T[] {
  return [...transitions].sort((a, b) => a.at - b.at || compareSameTimePhases(kind, a.phase, b.phase));
}
