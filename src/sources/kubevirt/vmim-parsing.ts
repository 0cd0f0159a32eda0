// KubeVirt VirtualMachineInstanceMigration (+ its VMI) → the kind-neutral MigrationObservation.
// Pure: problems come back as values, the caller decides how to log them.

import { clusterMigrationId, type Migration, type MigrationMode, type MigrationObservation, type MigrationOrigin, type MigrationState, type PhaseTransition } from '../../model/migration';
import { isPlanId, PLAN_LABEL } from '../../model/plan-id';
import type { KubeVmi, KubeVmim, KubevirtMigrationState } from './kube-objects';
import { parseKubeTime } from './kube-objects';
import { parseMigrationConfiguration } from './migration-configuration';

/** Every phase virt-controller sets; only Succeeded and Failed are final. */
const PHASE_STATES: Record<string, Exclude<MigrationState, 'cancelled' | 'succeeded' | 'failed'> | 'final'> = {
  Pending: 'pending',
  Scheduling: 'pending',
  Scheduled: 'pending',
  // Decentralized (cross-cluster) migrations wait for the other side before anything moves.
  WaitingForSync: 'pending',
  PreparingTarget: 'running',
  TargetReady: 'running',
  Running: 'running',
  Synchronizing: 'running',
  Succeeded: 'final',
  Failed: 'final',
};

export const KUBEVIRT_MIGRATION_PHASES: readonly string[] = Object.keys(PHASE_STATES);

export function isFinalKubevirtPhase(phase: unknown): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Names KubeVirt and virtctl generate, telling who started a migration. */
const ORIGIN_PREFIXES: Array<[string, MigrationOrigin]> = [
  ['kubevirt-migrate-vm-', 'user'],
  ['kubevirt-evacuation-', 'evacuation'],
  ['kubevirt-workload-update-', 'workload-update'],
];

/** Annotations (or labels) virt-controller puts on the migrations it creates itself. */
const ORIGIN_LABELS: Array<[string, MigrationOrigin]> = [
  ['kubevirt.io/evacuationMigration', 'evacuation'],
  ['kubevirt.io/workloadUpdateMigration', 'workload-update'],
];

export const USER_MIGRATION_PREFIX = 'kubevirt-migrate-vm-';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function migrationOrigin(name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): MigrationOrigin {
  for (const [prefix, origin] of ORIGIN_PREFIXES) if (name.startsWith(prefix)) return origin;
  for (const [key, origin] of ORIGIN_LABELS) if (key in annotations || key in labels) return origin;
  return 'unknown';
}

/** Migration.id of a VMIM: its own id on the cluster is `namespace/name`. */
export function kubevirtMigrationId(sourceId: string, namespace: string, name: string): string {
  return clusterMigrationId(sourceId, `${namespace}/${name}`);
}

export interface VmimContext {
  /** ClusterSource.id; prefixes every Migration.id. */
  sourceId: string;
  datacenter?: string;
  /** The migrating VMI as last seen, for the migrationState KubeVirt keeps there while it runs. */
  vmi?: KubeVmi;
  /** The VMIM has been deleted from the cluster (this is its last known state). */
  deleted?: boolean;
  /**
   * The time to give a phase the server reported without one (older KubeVirt has no
   * phaseTransitionTimestamps). Default: now. The source passes a remembered first-seen time so
   * repeated observations agree.
   */
  fallbackPhaseTime?: (phase: string) => number;
}

export type VmimParseResult =
  | { ok: true; observation: MigrationObservation; warnings: string[] }
  | { ok: false; problem: string };

export function parseVmim(vmim: KubeVmim, context: VmimContext): VmimParseResult {
  const name = vmim.metadata?.name;
  const namespace = vmim.metadata?.namespace;
  if (typeof name !== 'string' || name === '') return { ok: false, problem: 'has no metadata.name' };
  const label = `${typeof namespace === 'string' ? namespace : '?'}/${name}`;
  if (typeof namespace !== 'string' || namespace === '') return { ok: false, problem: `${label} has no namespace` };
  const vmiName = vmim.spec?.vmiName;
  if (typeof vmiName !== 'string' || vmiName === '') return { ok: false, problem: `${label} has no spec.vmiName` };
  const status = vmim.status;
  if (!status || typeof status !== 'object') return { ok: false, problem: `${label} has no status yet` };
  const phase = status.phase;
  if (typeof phase !== 'string' || phase === '') return { ok: false, problem: `${label} has no status.phase yet` };
  const phaseState = PHASE_STATES[phase];
  if (!phaseState) return { ok: false, problem: `${label} has unknown phase ${JSON.stringify(phase).slice(0, 60)}` };
  const createdAt = parseKubeTime(vmim.metadata?.creationTimestamp);
  if (createdAt === undefined) return { ok: false, problem: `${label} has a missing or malformed metadata.creationTimestamp` };

  const warnings: string[] = [];
  const id = kubevirtMigrationId(context.sourceId, namespace, name);
  const phaseTimes = parsePhaseTimes(status.phaseTransitionTimestamps, label, warnings);
  const ended = phaseState === 'final';
  const migrationState = pickMigrationState(vmim, context.vmi, ended);

  // Phases KubeVirt reports without a time (a faithful server never does) still must not be lost.
  if (!phaseTimes.has(phase)) phaseTimes.set(phase, phase === 'Pending' ? createdAt : (context.fallbackPhaseTime?.(phase) ?? Date.now()));

  const phases: PhaseTransition[] = [...phaseTimes.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([p, at]) => ({ migrationId: id, phase: p, at }));

  const labels = stringRecord(vmim.metadata?.labels);
  const migration: Migration = {
    id,
    kind: 'kubevirt',
    cluster: context.sourceId,
    namespace,
    vm: vmiName,
    name,
    mode: migrationMode(migrationState?.mode),
    origin: migrationOrigin(name, labels, stringRecord(vmim.metadata?.annotations)),
    phase,
    state: migrationStateOf(phase, phaseState, cancelRequested(vmim, migrationState, phaseTimes.get('Failed')), context.deleted === true),
    createdAt,
    labels,
  };
  if (context.datacenter) migration.datacenter = context.datacenter;
  const uid = vmim.metadata?.uid;
  if (typeof uid === 'string' && uid !== '') migration.uid = uid;
  // Anyone may label a VMIM: only a well-formed plan id is taken for one.
  if (isPlanId(labels[PLAN_LABEL])) migration.planId = labels[PLAN_LABEL];

  const sourceNode = nonEmpty(migrationState?.sourceNode) ?? (ended ? undefined : nonEmpty(context.vmi?.status?.nodeName));
  if (sourceNode) migration.sourceNode = sourceNode;
  const targetNode = nonEmpty(migrationState?.targetNode) ?? nonEmpty(vmim.spec?.addedNodeSelector?.[HOSTNAME_LABEL]);
  if (targetNode) migration.targetNode = targetNode;

  const startedAt = parseKubeTime(migrationState?.startTimestamp) ?? phaseTimes.get('Running');
  if (startedAt !== undefined) migration.startedAt = startedAt;
  if (ended) {
    const endedAt = parseKubeTime(migrationState?.endTimestamp) ?? phaseTimes.get(phase);
    if (endedAt !== undefined) {
      migration.endedAt = endedAt;
      migration.durationMs = Math.max(0, endedAt - createdAt);
    }
  }
  const tuning = parseMigrationConfiguration(migrationState);
  if (tuning) migration.tuning = tuning;
  const failureReason = nonEmpty(migrationState?.failureReason);
  if (failureReason && migration.state !== 'succeeded') migration.failureReason = failureReason;

  const observation: MigrationObservation = { migration, phases };
  if (context.deleted) observation.deleted = true;
  return { ok: true, observation, warnings };
}

function migrationStateOf(phase: string, phaseState: (typeof PHASE_STATES)[string], cancelled: boolean, deleted: boolean): MigrationState {
  if (phase === 'Succeeded') return 'succeeded';
  if (phase === 'Failed') return cancelled ? 'cancelled' : 'failed';
  // Deleting a VMIM is how a KubeVirt migration is cancelled; gone before it ended means cancelled.
  if (deleted) return 'cancelled';
  return phaseState === 'running' ? 'running' : 'pending';
}

/**
 * Whether the migration was asked to stop: an abort on its migrationState (it was running), the
 * migrationAbortRequested condition (cancelled before the hand-off, with no migrationState), or
 * a deletion requested no later than it failed — a delete after the failure is only cleanup.
 */
function cancelRequested(vmim: KubeVmim, migrationState: KubevirtMigrationState | undefined, failedAt: number | undefined): boolean {
  if (migrationState?.abortRequested === true || migrationState?.abortStatus === 'Succeeded') return true;
  const conditions = Array.isArray(vmim.status?.conditions) ? vmim.status!.conditions! : [];
  if (conditions.some((c) => c?.type === 'migrationAbortRequested' && c.status === 'True')) return true;
  const deletionAt = parseKubeTime(vmim.metadata?.deletionTimestamp);
  return deletionAt !== undefined && failedAt !== undefined && deletionAt <= failedAt;
}

/**
 * KubeVirt copies migrationState into the VMIM only when the migration ends; while it runs the
 * VMI holds it. The VMI's copy is used only when it belongs to this migration.
 */
function pickMigrationState(vmim: KubeVmim, vmi: KubeVmi | undefined, ended: boolean): KubevirtMigrationState | undefined {
  const own = vmim.status?.migrationState;
  if (own && typeof own === 'object') return own;
  const onVmi = vmi?.status?.migrationState;
  if (!onVmi || typeof onVmi !== 'object') return undefined;
  const uid = vmim.metadata?.uid;
  if (onVmi.migrationUid && uid) return onVmi.migrationUid === uid ? onVmi : undefined;
  // Without uids to compare, a finished state on the VMI may be an earlier migration's.
  return !ended && onVmi.completed !== true && !onVmi.endTimestamp ? onVmi : undefined;
}

function parsePhaseTimes(entries: unknown, label: string, warnings: string[]): Map<string, number> {
  const times = new Map<string, number>();
  if (entries === undefined || entries === null) return times;
  if (!Array.isArray(entries)) {
    warnings.push(`${label}: status.phaseTransitionTimestamps is not a list; ignored`);
    return times;
  }
  for (const entry of entries) {
    const phase = entry?.phase;
    if (typeof phase !== 'string' || !(phase in PHASE_STATES)) {
      warnings.push(`${label}: phase transition with unknown phase ${JSON.stringify(phase ?? null).slice(0, 60)} skipped`);
      continue;
    }
    const at = parseKubeTime(entry.phaseTransitionTimestamp);
    if (at === undefined) {
      warnings.push(`${label}: phase ${phase} has a malformed time ${JSON.stringify(entry.phaseTransitionTimestamp ?? null).slice(0, 60)}; skipped`);
      continue;
    }
    // Each phase is recorded once; keep its first time should a server repeat it.
    const known = times.get(phase);
    if (known === undefined || at < known) times.set(phase, at);
  }
  return times;
}

function migrationMode(mode: unknown): MigrationMode {
  return mode === 'PreCopy' || mode === 'PostCopy' ? mode : 'live';
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function stringRecord(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!value || typeof value !== 'object') return result;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') result[k] = v;
  return result;
}
