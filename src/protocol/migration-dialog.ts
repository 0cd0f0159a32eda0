// The one message protocol between the migration dialog's host (extension side) and its
// webview. Imported by both sides, so it must stay free of `vscode` and of Node APIs.
// Every message gets a type guard; the host treats webview messages as untrusted input.

import type { NodeStatus, VmState } from '../model/cluster';
import type { AnyNodeWords, MigrationDialogTraits } from '../model/cluster-kind';
import type { MigrationMode, MigrationState } from '../model/migration';
import type { MigrationTuning } from '../model/convergence/convergence-input';
import { MAX_SERIES_POINTS, type ProgressSeries } from '../model/convergence/progress-series';
import type { ValidationIssue } from './validation-issue';
import { hasOnlyKeys, isBoundedId, isFiniteNumber, isOptional, isRecord, isString } from './guards';

/** The panel's viewType, shared by the panel host, its serializer and the `onWebviewPanel:` activation event. */
export const MIGRATION_DIALOG_VIEW_TYPE = 'blixard.migrationDialog';

// ---- view models (host → webview) -----------------------------------------------------------

export interface ClusterView {
  id: string;
  label: string;
  /** What the dialog decides by (may the cluster choose the node, is live a choice, is there force…), never the kind's name. */
  traits: MigrationDialogTraits;
}

export interface NodeView {
  id: string;
  name: string;
  status: NodeStatus;
  schedulable: boolean;
  capacityVcpus?: number;
  capacityMemoryMb?: number;
  freeVcpus?: number;
  freeMemoryMb?: number;
  runningVms?: number;
  /** Every VM placed on the node, running or not (from the cluster's VM list). */
  vmCount?: number;
}

export interface VmView {
  id: string;
  name: string;
  namespace?: string;
  nodeId?: string;
  state: VmState;
  phase: string;
  vcpus?: number;
  memoryMb?: number;
  liveMigratable?: { ok: boolean; reason?: string; message?: string };
}

/** A migration of this VM that the dialog did not start (or one it is no longer following). */
export interface InFlightView {
  id: string;
  name: string;
  phase: string;
}

export interface PhaseTimeView {
  phase: string;
  at: number;
}

export interface ProgressView {
  totalBytes: number;
  transferredBytes: number;
  remainingBytes: number;
  dirtyRateBytesPerSec: number;
  bandwidthBytesPerSec?: number;
  precopyRound: number;
  /** The time left from remainingBytes is an upper bound (see MigrationProgress). */
  remainingIsUpperBound?: boolean;
}

export interface MigrationView {
  id: string;
  name: string;
  phase: string;
  state: MigrationState;
  mode: MigrationMode;
  sourceNode?: string;
  targetNode?: string;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  /** How long the guest was paused at switchover, as the hypervisor measured it. */
  downtimeMs?: number;
  failureReason?: string;
  progress?: ProgressView;
  /**
   * The live copy's figures over time (host clock), for the chart and the convergence verdict:
   * bounded (MAX_SERIES_POINTS) so every update costs the same, kept after the migration ends.
   */
  progressSeries?: ProgressSeries;
  /** The migration's effective configuration where the cluster reports it: what the verdict's advice reads. */
  tuning?: MigrationTuning;
  phases: PhaseTimeView[];
}

/**
 * The cluster's migration stream is down: what the dialog shows of the migration was last known
 * at `lastKnownAt` and is not live (no ETA, no running clock); it clears when the stream is back.
 * Times are the host's.
 */
export interface StreamDownView {
  since: number;
  reason: string;
  lastKnownAt: number;
}

export interface SubmittedChoice {
  targetNodeId: string | null;
  live: boolean;
  force: boolean;
}

/**
 * What the dialog shows, in full: the host sends it whole on every change, so a webview that
 * was hidden and recreated renders the same thing from one message.
 *
 * - loading: fetching the cluster's nodes and VMs
 * - unavailable: the VM or cluster cannot be loaded (`loadError` says why)
 * - form: choosing the target
 * - submitting: `migrate` was called and has not answered yet
 * - tracking: the dialog is the migration's live view (final states stay here too)
 */
export type DialogStage = 'loading' | 'unavailable' | 'form' | 'submitting' | 'tracking';

export interface DialogViewState {
  stage: DialogStage;
  cluster: ClusterView;
  vm?: VmView;
  nodes: NodeView[];
  inFlight?: InFlightView;
  loadError?: string;
  /** "Failed to migrate VM: <reason>" from the backend, shown inline in the form. */
  submitError?: string;
  /** Issues the host found when it validated a submit again against fresh cluster data. */
  hostIssues?: ValidationIssue[];
  /** What was submitted (shown in the tracking view; restores the form on "Migrate again"). */
  submitted?: SubmittedChoice;
  migrationId?: string;
  migration?: MigrationView;
  cancelling?: boolean;
  cancelError?: string;
  /** Set while the cluster's migration stream is down (see StreamDownView). */
  streamDown?: StreamDownView;
}

// ---- messages --------------------------------------------------------------------------------

/** Host → webview. `hostNow` lets the webview correct for clock skew (code-server runs it elsewhere). */
export interface StateMessage {
  type: 'state';
  state: DialogViewState;
  hostNow: number;
}

export type HostMessage = StateMessage;

/** Webview → host. Deliberately narrow: ids only, never commands, URLs or paths. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'submit'; targetNodeId: string | null; live: boolean; force: boolean }
  | { type: 'cancelMigration' }
  | { type: 'migrateAgain' }
  | { type: 'close' };

export type WebviewMessageType = WebviewMessage['type'];

/** What the webview keeps with `setState`, and what the panel serializer gets back after a reload. */
export interface PersistedDialogState {
  v: 1;
  clusterId: string;
  vmId: string;
  migrationId?: string;
  form?: { targetNodeId: string | null; live: boolean; force: boolean };
  /**
   * The last state the host sent, so a webview rebuilt after a hide or a window reload shows at
   * once what it showed before (marked as loading) instead of a blank page until the host answers.
   * Display only: the host never reads it.
   */
  view?: DialogViewState;
}

// ---- guards ----------------------------------------------------------------------------------

export function isReadyMessage(m: unknown): m is { type: 'ready' } {
  return isRecord(m) && m.type === 'ready' && hasOnlyKeys(m, ['type']);
}

export function isRefreshMessage(m: unknown): m is { type: 'refresh' } {
  return isRecord(m) && m.type === 'refresh' && hasOnlyKeys(m, ['type']);
}

export function isSubmitMessage(m: unknown): m is Extract<WebviewMessage, { type: 'submit' }> {
  return (
    isRecord(m) &&
    m.type === 'submit' &&
    hasOnlyKeys(m, ['type', 'targetNodeId', 'live', 'force']) &&
    (m.targetNodeId === null || isBoundedId(m.targetNodeId)) &&
    typeof m.live === 'boolean' &&
    typeof m.force === 'boolean'
  );
}

export function isCancelMigrationMessage(m: unknown): m is { type: 'cancelMigration' } {
  return isRecord(m) && m.type === 'cancelMigration' && hasOnlyKeys(m, ['type']);
}

export function isMigrateAgainMessage(m: unknown): m is { type: 'migrateAgain' } {
  return isRecord(m) && m.type === 'migrateAgain' && hasOnlyKeys(m, ['type']);
}

export function isCloseMessage(m: unknown): m is { type: 'close' } {
  return isRecord(m) && m.type === 'close' && hasOnlyKeys(m, ['type']);
}

const webviewGuards: Record<WebviewMessageType, (m: unknown) => boolean> = {
  ready: isReadyMessage,
  refresh: isRefreshMessage,
  submit: isSubmitMessage,
  cancelMigration: isCancelMigrationMessage,
  migrateAgain: isMigrateAgainMessage,
  close: isCloseMessage,
};

/** The one gate for everything the webview posts. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!isRecord(m) || typeof m.type !== 'string') return false;
  if (!Object.prototype.hasOwnProperty.call(webviewGuards, m.type)) return false;
  return webviewGuards[m.type as WebviewMessageType](m);
}

// Said by the host's log line when a message is refused; one wording for both panels.
export { describeRejectedMessage } from './guards';

export function isPersistedDialogState(s: unknown): s is PersistedDialogState {
  if (!isRecord(s) || s.v !== 1 || !isBoundedId(s.clusterId) || !isBoundedId(s.vmId)) return false;
  if (!isOptional(s.migrationId, isBoundedId)) return false;
  if (s.form !== undefined) {
    const f = s.form;
    if (!isRecord(f)) return false;
    if (!(f.targetNodeId === null || isBoundedId(f.targetNodeId))) return false;
    if (typeof f.live !== 'boolean' || typeof f.force !== 'boolean') return false;
  }
  return s.view === undefined || isDialogViewState(s.view);
}

const STAGES: readonly DialogStage[] = ['loading', 'unavailable', 'form', 'submitting', 'tracking'];
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

function isAnyNodeWords(v: unknown): v is AnyNodeWords {
  return isRecord(v) && hasOnlyKeys(v, ['option', 'hint', 'destination']) && isString(v.option) && isString(v.hint) && isString(v.destination);
}

function isMigrationDialogTraits(v: unknown): v is MigrationDialogTraits {
  return (
    isRecord(v) &&
    hasOnlyKeys(v, ['label', 'steps', 'succeededPhase', 'live', 'force', 'typedNodeIds'], ['anyNode']) &&
    isString(v.label) &&
    isStringList(v.steps) &&
    isString(v.succeededPhase) &&
    (v.live === 'choice' || v.live === 'always') &&
    typeof v.force === 'boolean' &&
    typeof v.typedNodeIds === 'boolean' &&
    isOptional(v.anyNode, isAnyNodeWords)
  );
}

function isClusterView(v: unknown): v is ClusterView {
  return isRecord(v) && isString(v.id) && isString(v.label) && isMigrationDialogTraits(v.traits);
}

function isNodeView(v: unknown): v is NodeView {
  return isRecord(v) && isString(v.id) && isString(v.name) && isString(v.status) && typeof v.schedulable === 'boolean';
}

function isVmView(v: unknown): v is VmView {
  return isRecord(v) && isString(v.id) && isString(v.name) && isString(v.state) && isString(v.phase);
}

function isStreamDownView(v: unknown): v is StreamDownView {
  return isRecord(v) && hasOnlyKeys(v, ['since', 'reason', 'lastKnownAt']) && isFiniteNumber(v.since) && isString(v.reason) && isFiniteNumber(v.lastKnownAt);
}

const SERIES_COLUMNS = ['at', 'transferred', 'remaining', 'rate', 'dirty', 'round'] as const;
const isFigureOrNull = (x: unknown): boolean => x === null || (isFiniteNumber(x) && x >= 0);

/** Equal columns of finite figures (or null), times ascending, at most MAX_SERIES_POINTS long. */
export function isProgressSeries(v: unknown): v is ProgressSeries {
  if (!isRecord(v) || !hasOnlyKeys(v, SERIES_COLUMNS, ['totalBytes', 'remainingIsUpperBound'])) return false;
  const at = v.at;
  if (!Array.isArray(at) || at.length > MAX_SERIES_POINTS) return false;
  for (let i = 0; i < at.length; i++) if (!isFiniteNumber(at[i]) || (i > 0 && at[i] <= at[i - 1])) return false;
  for (const column of SERIES_COLUMNS) {
    const values = v[column];
    if (column !== 'at' && (!Array.isArray(values) || values.length !== at.length || !values.every(isFigureOrNull))) return false;
  }
  return isOptional(v.totalBytes, isFiniteNumber) && (v.remainingIsUpperBound === undefined || typeof v.remainingIsUpperBound === 'boolean');
}

const TUNING_FLAGS = ['autoConverge', 'postCopy', 'canAutoConverge', 'canPostCopy', 'canMigrateCold', 'unsafeMigrationOverride'] as const;
const TUNING_NUMBERS = ['bandwidthLimitBytesPerSec', 'completionTimeoutPerGiBSec', 'progressTimeoutSec', 'parallelMigrationsPerCluster', 'parallelOutboundMigrationsPerNode'] as const;

function isMigrationTuning(v: unknown): v is MigrationTuning {
  return (
    isRecord(v) &&
    hasOnlyKeys(v, [], [...TUNING_NUMBERS, ...TUNING_FLAGS, 'policyName']) &&
    TUNING_NUMBERS.every((k) => isOptional(v[k], isFiniteNumber)) &&
    TUNING_FLAGS.every((k) => v[k] === undefined || typeof v[k] === 'boolean') &&
    isOptional(v.policyName, isString)
  );
}

function isMigrationView(v: unknown): v is MigrationView {
  return (
    isRecord(v) &&
    isOptional(v.progressSeries, isProgressSeries) &&
    isOptional(v.tuning, isMigrationTuning) &&
    isString(v.id) &&
    isString(v.name) &&
    isString(v.phase) &&
    isString(v.state) &&
    isFiniteNumber(v.createdAt) &&
    Array.isArray(v.phases) &&
    v.phases.every((p) => isRecord(p) && isString(p.phase) && isFiniteNumber(p.at))
  );
}

/** Used by the webview: the host is trusted more than the webview, but a malformed state must not break rendering. */
export function isStateMessage(m: unknown): m is StateMessage {
  return isRecord(m) && m.type === 'state' && isFiniteNumber(m.hostNow) && isDialogViewState(m.state);
}

function isDialogViewState(s: unknown): s is DialogViewState {
  return (
    isRecord(s) &&
    STAGES.includes(s.stage as DialogStage) &&
    isClusterView(s.cluster) &&
    Array.isArray(s.nodes) &&
    s.nodes.every(isNodeView) &&
    isOptional(s.vm, isVmView) &&
    isOptional(s.migration, isMigrationView) &&
    isOptional(s.streamDown, isStreamDownView)
  );
}

export function isHostMessage(m: unknown): m is HostMessage {
  return isStateMessage(m);
}
