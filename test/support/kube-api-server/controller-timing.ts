// How fast the built-in controllers move things along. Tests shrink these to run a whole
// migration in about 100 ms; the dev launcher stretches them so a person can watch.
import type { MigrationConfigurationJson, MigrationPolicyStandIn } from './migration-configuration';

export const MIGRATION_STEP_PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running'] as const;
export type MigrationStepPhase = (typeof MIGRATION_STEP_PHASES)[number];

export interface ControllerTiming {
  /** Time a migration spends in each phase before it advances. */
  phaseMs: Record<MigrationStepPhase, number>;
  /** Time between a migration ending and its migrationState copy / finalizer removal. */
  finalizeMs: number;
  /** Time from an abort request (DELETE of a running migration) to the abort succeeding. */
  abortMs: number;
  /** When set, a Running migration switches from PreCopy to PostCopy after this long. */
  postCopyAfterMs?: number;
  /** A migration whose target cannot be scheduled fails after this long (KubeVirt: 5 min). */
  unschedulableTimeoutMs: number;
  /** Time a starting VMI spends in each of Pending, Scheduling, Scheduled. */
  vmiPhaseMs: number;
  /** Time a stopping VMI takes to shut down. */
  vmiStopMs: number;
  /** KubeVirt's parallelMigrationsPerCluster / parallelOutboundMigrationsPerNode (real defaults 5 / 2). */
  maxParallelMigrations: number;
  maxParallelOutboundPerNode: number;
  /** The KubeVirt CR's spec.configuration.migrations (over KubeVirt's defaults) written into migrationConfiguration. */
  kubevirtMigrations?: MigrationConfigurationJson;
  /** A MigrationPolicy applying to every migration: its settings win, and migrationPolicyName names it. */
  migrationPolicy?: MigrationPolicyStandIn;
}

export type TimingOverrides = Partial<Omit<ControllerTiming, 'phaseMs'>> & {
  phaseMs?: Partial<Record<MigrationStepPhase, number>>;
  /** Shorthand: the same time for every migration phase. */
  perPhaseMs?: number;
};

export function defaultTiming(): ControllerTiming {
  return {
    phaseMs: { Pending: 15, Scheduling: 15, Scheduled: 15, PreparingTarget: 15, TargetReady: 15, Running: 30 },
    finalizeMs: 5,
    abortMs: 20,
    postCopyAfterMs: undefined,
    unschedulableTimeoutMs: 5 * 60_000,
    vmiPhaseMs: 10,
    vmiStopMs: 20,
    maxParallelMigrations: Number.POSITIVE_INFINITY,
    maxParallelOutboundPerNode: Number.POSITIVE_INFINITY,
  };
}

export function applyTiming(target: ControllerTiming, overrides: TimingOverrides | undefined): ControllerTiming {
  if (!overrides) return target;
  const { phaseMs, perPhaseMs, ...rest } = overrides;
  if (perPhaseMs !== undefined) for (const p of MIGRATION_STEP_PHASES) target.phaseMs[p] = perPhaseMs;
  if (phaseMs) Object.assign(target.phaseMs, phaseMs);
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined || key === 'postCopyAfterMs') (target as unknown as Record<string, unknown>)[key] = value;
  }
  return target;
}
