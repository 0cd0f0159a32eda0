// The migrationConfiguration virt-controller writes into a VMI's status.migrationState at the
// hand-off: the KubeVirt CR's spec.configuration.migrations over KubeVirt's defaults, or a
// MigrationPolicy's settings over those (then migrationPolicyName names it). This server keeps
// no KubeVirt CR or MigrationPolicy objects; tests give both as ControllerTiming settings.

/** KubeVirt's MigrationConfiguration as JSON (core/v1 types.go); only the fields this server sets. */
export interface MigrationConfigurationJson {
  bandwidthPerMigration?: string;
  completionTimeoutPerGiB?: number;
  progressTimeout?: number;
  allowAutoConverge?: boolean;
  allowPostCopy?: boolean;
  parallelMigrationsPerCluster?: number;
  parallelOutboundMigrationsPerNode?: number;
  unsafeMigrationOverride?: boolean;
}

/** A MigrationPolicy that selects every migrating VMI (this server does not match selectors). */
export interface MigrationPolicyStandIn {
  name: string;
  /** The policy's spec: bandwidthPerMigration, completionTimeoutPerGiB, allowAutoConverge, allowPostCopy. */
  spec: Pick<MigrationConfigurationJson, 'bandwidthPerMigration' | 'completionTimeoutPerGiB' | 'allowAutoConverge' | 'allowPostCopy'>;
}

/** KubeVirt's defaults when its CR sets nothing. */
export const DEFAULT_MIGRATION_CONFIGURATION: Readonly<Required<MigrationConfigurationJson>> = Object.freeze({
  bandwidthPerMigration: '64Mi',
  completionTimeoutPerGiB: 150,
  progressTimeout: 150,
  allowAutoConverge: false,
  allowPostCopy: false,
  parallelMigrationsPerCluster: 5,
  parallelOutboundMigrationsPerNode: 2,
  unsafeMigrationOverride: false,
});

/** What a migration's status.migrationState gets: its migrationConfiguration and, with a policy, migrationPolicyName. */
export function effectiveMigrationConfiguration(
  kubevirtMigrations: MigrationConfigurationJson | undefined,
  policy: MigrationPolicyStandIn | undefined,
): { migrationConfiguration: MigrationConfigurationJson; migrationPolicyName?: string } {
  const migrationConfiguration: MigrationConfigurationJson = { ...DEFAULT_MIGRATION_CONFIGURATION, ...defined(kubevirtMigrations), ...defined(policy?.spec) };
  return policy ? { migrationConfiguration, migrationPolicyName: policy.name } : { migrationConfiguration };
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
