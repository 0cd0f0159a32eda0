// MigrationInfo (Blixard wire) → MigrationObservation (the model every source speaks).

import { isPlanId } from '../../model/plan-id';
import { clusterMigrationId, type Migration, type MigrationObservation, type MigrationState, type PhaseTransition } from '../../model/migration';
import { wireNumber, type WireMigrationInfo, type WireMigrationStatus } from './blixard-wire';

/** The word shown for each status; the same words name the phases in the observation. */
const PHASE_WORDS: Record<WireMigrationStatus, string> = {
  MIGRATION_STATUS_UNKNOWN: 'Unknown',
  MIGRATION_STATUS_PREPARING: 'Preparing',
  MIGRATION_STATUS_TRANSFERRING: 'Transferring',
  MIGRATION_STATUS_SWITCHING: 'Switching',
  MIGRATION_STATUS_COMPLETED: 'Completed',
  MIGRATION_STATUS_FAILED: 'Failed',
  MIGRATION_STATUS_CANCELLED: 'Cancelled',
};

const STATES: Record<WireMigrationStatus, MigrationState> = {
  MIGRATION_STATUS_UNKNOWN: 'pending',
  // Blixard starts working on a migration the moment it accepts it: preparing is running.
  MIGRATION_STATUS_PREPARING: 'running',
  MIGRATION_STATUS_TRANSFERRING: 'running',
  MIGRATION_STATUS_SWITCHING: 'running',
  MIGRATION_STATUS_COMPLETED: 'succeeded',
  MIGRATION_STATUS_FAILED: 'failed',
  MIGRATION_STATUS_CANCELLED: 'cancelled',
};

export function blixardPhaseWord(status: WireMigrationStatus | string): string {
  return PHASE_WORDS[status as WireMigrationStatus] ?? 'Unknown';
}

export function blixardMigrationState(status: WireMigrationStatus | string): MigrationState {
  return STATES[status as WireMigrationStatus] ?? 'pending';
}

/** Migration.id for a daemon's migration id: the daemon's id is the cluster's own id as it is. */
export function blixardMigrationId(sourceId: string, daemonMigrationId: string): string {
  return clusterMigrationId(sourceId, daemonMigrationId);
}

export interface MigrationMappingContext {
  /** ClusterSource.id */
  sourceId: string;
  datacenter?: string;
}

function nodeIdText(id: string): string | undefined {
  return id && id !== '0' ? id : undefined;
}

export function toMigrationObservation(info: WireMigrationInfo, context: MigrationMappingContext): MigrationObservation {
  const id = blixardMigrationId(context.sourceId, info.id);
  const state = blixardMigrationState(info.status);
  const phases: PhaseTransition[] = (info.phases ?? [])
    .filter((p) => wireNumber(p.atUnixMs) > 0)
    .map((p) => ({ migrationId: id, phase: blixardPhaseWord(p.status), at: wireNumber(p.atUnixMs) }))
    .sort((a, b) => a.at - b.at);
  const createdAt = wireNumber(info.createdAtUnixMs) || phases[0]?.at || wireNumber(info.updatedAtUnixMs);
  // The migration starts doing work when it enters its first phase; the record may predate that.
  const startedAt = phases[0]?.at ?? (state === 'pending' ? undefined : createdAt || undefined);
  const endedAtWire = wireNumber(info.endedAtUnixMs);
  const final = state === 'succeeded' || state === 'failed' || state === 'cancelled';
  const endedAt = final ? endedAtWire || phases[phases.length - 1]?.at || wireNumber(info.updatedAtUnixMs) || undefined : undefined;

  const migration: Migration = {
    id,
    kind: 'blixard',
    cluster: context.sourceId,
    vm: info.vmName,
    name: info.id,
    sourceNode: nodeIdText(info.sourceNodeId),
    targetNode: nodeIdText(info.targetNodeId),
    mode: info.liveMigration ? 'live' : 'cold',
    origin: 'user',
    phase: blixardPhaseWord(info.status),
    state,
    createdAt,
    labels: {},
  };
  if (context.datacenter) migration.datacenter = context.datacenter;
  if (startedAt !== undefined) migration.startedAt = startedAt;
  if (endedAt !== undefined) {
    migration.endedAt = endedAt;
    migration.durationMs = Math.max(0, endedAt - (startedAt ?? createdAt));
  }
  if ((state === 'failed' || state === 'cancelled') && info.message) migration.failureReason = info.message;
  // 0 on the wire means "not measured" (proto3 has no absent number; a daemon too old to measure
  // sends nothing, read as 0): a cold migration, or a runtime that reports no pause.
  const downtimeMs = wireNumber(info.downtimeMs);
  if (state === 'succeeded' && info.liveMigration && downtimeMs > 0) migration.downtimeMs = downtimeMs;
  // Empty from a daemon that keeps no plan ids, or for a migration no plan started; a malformed one is not ours to pass on.
  if (isPlanId(info.planId)) migration.planId = info.planId;
  const progress = info.progress;
  if (info.liveMigration && progress && wireNumber(progress.totalBytes) > 0) {
    migration.progress = {
      totalBytes: wireNumber(progress.totalBytes),
      transferredBytes: wireNumber(progress.transferredBytes),
      remainingBytes: wireNumber(progress.remainingBytes),
      dirtyRateBytesPerSec: wireNumber(progress.dirtyRateBytesPerSec),
      precopyRound: progress.precopyRound ?? 0,
    };
    const bandwidth = wireNumber(progress.bandwidthBytesPerSec);
    if (bandwidth > 0) migration.progress.bandwidthBytesPerSec = bandwidth;
    if (progress.remainingIsUpperBound) migration.progress.remainingIsUpperBound = true;
  }
  return { migration, phases };
}
