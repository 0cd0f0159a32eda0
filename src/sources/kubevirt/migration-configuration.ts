// KubeVirt's migrationState.migrationConfiguration (and migrationPolicyName) → Migration.tuning:
// the settings that applied to this migration, which the convergence advice weighs and the
// dialog shows. Everything arrives from the network: a malformed field is left out, never fatal.

import type { MigrationTuning } from '../../model/migration';
import type { KubevirtMigrationState } from './kube-objects';
import { parseQuantity } from './quantity';

/** The migration's tuning, or undefined when the state carries neither a configuration nor a policy. */
export function parseMigrationConfiguration(state: KubevirtMigrationState | undefined): MigrationTuning | undefined {
  if (!state || typeof state !== 'object') return undefined;
  const config: unknown = state.migrationConfiguration;
  const policy = state.migrationPolicyName;
  const hasConfig = !!config && typeof config === 'object' && !Array.isArray(config);
  const tuning: MigrationTuning = {};
  if (typeof policy === 'string' && policy !== '') tuning.policyName = policy;
  if (!hasConfig) return tuning.policyName ? tuning : undefined;
  const c = config as Record<string, unknown>;
  // Both are a MigrationPolicy (or KubeVirt CR) setting away on KubeVirt, so the advice may name them.
  tuning.canAutoConverge = true;
  tuning.canPostCopy = true;
  // "0" (and "0Mi") means no cap: kept as 0, which the advice and the settings line read so.
  const bandwidth = parseQuantity(c.bandwidthPerMigration);
  if (bandwidth !== undefined && bandwidth >= 0) tuning.bandwidthLimitBytesPerSec = Math.round(bandwidth);
  if (typeof c.allowAutoConverge === 'boolean') tuning.autoConverge = c.allowAutoConverge;
  if (typeof c.allowPostCopy === 'boolean') tuning.postCopy = c.allowPostCopy;
  if (typeof c.unsafeMigrationOverride === 'boolean') tuning.unsafeMigrationOverride = c.unsafeMigrationOverride;
  const seconds = count(c.completionTimeoutPerGiB);
  if (seconds !== undefined) tuning.completionTimeoutPerGiBSec = seconds;
  const progress = count(c.progressTimeout);
  if (progress !== undefined) tuning.progressTimeoutSec = progress;
  const perCluster = count(c.parallelMigrationsPerCluster);
  if (perCluster !== undefined) tuning.parallelMigrationsPerCluster = perCluster;
  const perNode = count(c.parallelOutboundMigrationsPerNode);
  if (perNode !== undefined) tuning.parallelOutboundMigrationsPerNode = perNode;
  return tuning;
}

/** A non-negative whole number (KubeVirt's int64/uint32 fields), else undefined. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
