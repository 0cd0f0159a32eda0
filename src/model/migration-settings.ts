// The words for a migration's effective configuration (Migration.tuning), one list for every
// place that shows it (the dialog's "Migration settings" line; the history detail may follow),
// in the sizes and durations of model/vocabulary.ts.

import type { MigrationTuning } from './migration';
import { formatDuration, formatRate } from './vocabulary';

/** "Bandwidth 64.0 MiB/s · completion timeout 2m 30s per GiB · …", one item per known setting; empty when none is known. */
export function migrationSettingsItems(t: MigrationTuning | undefined): string[] {
  if (!t) return [];
  const items: string[] = [];
  // 0 is a cluster saying "no cap" (KubeVirt's bandwidthPerMigration "0"); absent is not knowing.
  if (t.bandwidthLimitBytesPerSec) items.push(`bandwidth ${formatRate(t.bandwidthLimitBytesPerSec)}`);
  else if (t.bandwidthLimitBytesPerSec === 0) items.push('bandwidth unlimited');
  if (t.completionTimeoutPerGiBSec !== undefined) items.push(`completion timeout ${formatDuration(t.completionTimeoutPerGiBSec * 1000)} per GiB`);
  if (t.progressTimeoutSec !== undefined) items.push(`progress timeout ${formatDuration(t.progressTimeoutSec * 1000)}`);
  if (t.autoConverge !== undefined) items.push(`auto-converge ${t.autoConverge ? 'on' : 'off'}`);
  if (t.postCopy !== undefined) items.push(`post-copy ${t.postCopy ? 'allowed' : 'off'}`);
  if (t.parallelMigrationsPerCluster !== undefined) items.push(`at most ${t.parallelMigrationsPerCluster} per cluster`);
  if (t.parallelOutboundMigrationsPerNode !== undefined) items.push(`${t.parallelOutboundMigrationsPerNode} out per node`);
  if (t.unsafeMigrationOverride) items.push('unsafe migration override on');
  if (t.policyName) items.push(`policy ${t.policyName}`);
  if (items.length) items[0] = items[0].charAt(0).toUpperCase() + items[0].slice(1);
  return items;
}
