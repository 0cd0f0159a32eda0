// The one migration model every source is normalised into, and the transitions the watcher
// derives from it. Times are Unix epoch milliseconds.

import type { ClusterKind } from './cluster';

export type MigrationState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type MigrationMode = 'cold' | 'live' | 'PreCopy' | 'PostCopy';
/** Who started it: a person (dialog, virtctl, blixard CLI), a node drain, a workload update. */
export type MigrationOrigin = 'user' | 'evacuation' | 'workload-update' | 'unknown';

export interface MigrationProgress {
  totalBytes: number;
  transferredBytes: number;
  remainingBytes: number;
  dirtyRateBytesPerSec: number;
  bandwidthBytesPerSec?: number;
  precopyRound: number;
  /**
   * `remainingBytes` counts memory not yet looked at that may cost nothing to send (QEMU's
   * never-written pages): the time left from it is at most that, and is worded so.
   */
  remainingIsUpperBound?: boolean;
}

/**
 * The migration's effective configuration, as far as the cluster reports it (KubeVirt's
 * migrationState.migrationConfiguration and its MigrationPolicy; Blixard's daemon options), and
 * what the cluster could do instead: the advice names only what the cluster offers.
 */
export interface MigrationTuning {
  /** The configured cap on the link, bytes/s; 0 when the cluster says there is none, absent when not known. */
  bandwidthLimitBytesPerSec?: number;
  /** Auto-converge is on for this migration. */
  autoConverge?: boolean;
  /** Post-copy is allowed for this migration. */
  postCopy?: boolean;
  /** The cluster can throttle a guest to converge (KubeVirt's allowAutoConverge). */
  canAutoConverge?: boolean;
  /** The cluster can switch to post-copy (KubeVirt's allowPostCopy). */
  canPostCopy?: boolean;
  /** The dialog can move this VM cold instead (stopped while it moves). */
  canMigrateCold?: boolean;
  // Shown in the dialog's "Migration settings" line, not judged by the verdict:
  /** Seconds per GiB of guest memory before the migration is aborted (KubeVirt's completionTimeoutPerGiB). */
  completionTimeoutPerGiBSec?: number;
  /** Seconds without progress before the migration is aborted (KubeVirt's progressTimeout). */
  progressTimeoutSec?: number;
  /** At most this many migrations at once in the cluster (KubeVirt's parallelMigrationsPerCluster). */
  parallelMigrationsPerCluster?: number;
  /** At most this many outbound migrations at once per node (KubeVirt's parallelOutboundMigrationsPerNode). */
  parallelOutboundMigrationsPerNode?: number;
  /** Migration of VMs KubeVirt deems unsafe is allowed (KubeVirt's unsafeMigrationOverride). */
  unsafeMigrationOverride?: boolean;
  /** The MigrationPolicy that applied to this migration (KubeVirt's migrationPolicyName). */
  policyName?: string;
}

export interface Migration {
  /** Unique across clusters: "<clusterId>/<source's id>" (KubeVirt source id is namespace/name). */
  id: string;
  kind: ClusterKind;
  /** The cluster's id (as ClusterSource.id). */
  cluster: string;
  datacenter?: string;
  namespace?: string;
  /** The VM's name (not namespaced). */
  vm: string;
  /** The migration's own name on the cluster (KubeVirt VMIM name, Blixard migration id). */
  name: string;
  sourceNode?: string;
  targetNode?: string;
  mode: MigrationMode;
  origin: MigrationOrigin;
  /** The source's phase word (PreparingTarget, Transferring…), one of its kind's `lifecycle` where known. */
  phase: string;
  state: MigrationState;
  createdAt: number;
  /**
   * The cluster's own identity of the migration object, where it has one (KubeVirt
   * `metadata.uid`): a VMIM name can be used again once deleted, even within the same second.
   */
  uid?: string;
  startedAt?: number;
  endedAt?: number;
  durationMs?: number;
  /**
   * How long the guest was paused at switchover, as the hypervisor measured it (QEMU's
   * `downtime`, Blixard's MigrationInfo.downtime_ms). Absent when the cluster reports none
   * (KubeVirt's API has no such figure; a cold migration has no switchover).
   */
  downtimeMs?: number;
  failureReason?: string;
  progress?: MigrationProgress;
  /** Its effective configuration where the cluster reports it (the convergence verdict's advice reads it). */
  tuning?: MigrationTuning;
  labels: Record<string, string>;
  /**
   * The migration plan that started it (model/plan-id.ts), as the cluster keeps it: Blixard's
   * MigrationInfo.plan_id, KubeVirt's `blixard.io/plan` label. Absent for a migration started
   * on its own.
   */
  planId?: string;
}

/**
 * Migration.id of a migration a cluster knows as `ownId` (a Blixard daemon's migration id, a
 * KubeVirt `namespace/name`): "<cluster id>/<own id>", unique across clusters. Every source
 * builds its ids here, and reads them back with ownMigrationId().
 */
export function clusterMigrationId(clusterId: string, ownId: string): string {
  return `${clusterId}/${ownId}`;
}

/** The cluster's own id inside a Migration.id of `clusterId`, or undefined when the id is not one of that cluster's. */
export function ownMigrationId(migrationId: string, clusterId: string): string | undefined {
  const prefix = `${clusterId}/`;
  return typeof migrationId === 'string' && migrationId.startsWith(prefix) ? migrationId.slice(prefix.length) : undefined;
}

/**
 * The same migration's id under another cluster id: sources that reach one cluster (see
 * ClusterSource.clusterIdentity) name it each with their own. An id of another cluster is
 * returned unchanged.
 */
export function migrationIdUnder(migrationId: string, fromClusterId: string, toClusterId: string): string {
  const own = fromClusterId === toClusterId ? undefined : ownMigrationId(migrationId, fromClusterId);
  return own === undefined ? migrationId : clusterMigrationId(toClusterId, own);
}

export interface PhaseTransition {
  migrationId: string;
  phase: string;
  at: number;
}

export const FINAL_STATES: ReadonlySet<MigrationState> = new Set(['succeeded', 'failed', 'cancelled']);

export function isFinal(state: MigrationState): boolean {
  return FINAL_STATES.has(state);
}

/**
 * Whether `incoming`, under the same id as `earlier`, is another migration that reused the name
 * (a KubeVirt VMIM deleted and created again), not a later view of the same one. A live name
 * belongs to one object at a time, so another uid means the earlier one is gone; without uids,
 * only a finished migration's name can have been reused, by one created after it.
 */
export function isLaterIncarnation(earlier: Migration, incoming: Migration): boolean {
  if (earlier.uid && incoming.uid) return earlier.uid !== incoming.uid && incoming.createdAt >= earlier.createdAt;
  return isFinal(earlier.state) && earlier.createdAt > 0 && incoming.createdAt > earlier.createdAt;
}

/** Whether `incoming` is a view of a migration that used the name before `current` did. */
export function isEarlierIncarnation(current: Migration, incoming: Migration): boolean {
  return Boolean(current.uid && incoming.uid && current.uid !== incoming.uid && incoming.createdAt < current.createdAt);
}

/**
 * What a source reports about one migration: its current normalised view plus every phase
 * time the source knows (KubeVirt phaseTransitionTimestamps, Blixard phases). The watcher diffs
 * successive observations into PhaseTransitions, so a source may repeat itself freely.
 */
export interface MigrationObservation {
  migration: Migration;
  phases: PhaseTransition[];
  /** The object is gone from the cluster (KubeVirt delete event). */
  deleted?: boolean;
}

/**
 * A source's stream of migrations. `synced` follows each (re)list or stream (re)connect with
 * the ids of every migration the cluster currently holds, so the watcher can reconcile what it
 * missed while disconnected.
 */
export type MigrationStreamEvent =
  | { type: 'observation'; observation: MigrationObservation }
  | { type: 'synced'; migrationIds: string[] }
  | { type: 'connection'; state: import('./cluster').ConnectionState };
