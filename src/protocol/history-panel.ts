// The one message protocol between the migration history panel's host and its webview. Imported
// by both sides, so it stays free of `vscode` and of Node APIs. Every message has a type guard;
// the host treats webview messages as untrusted input (ids, filters and page numbers only —
// never paths, commands or SQL).

import type { ClusterSummary } from '../model/cluster-summary';
import type { Migration, MigrationState } from '../model/migration';
import { isPlanId } from '../model/plan-id';
import { hasOnlyKeys, isBoundedId, isBoundedText, isFiniteNumber, isRecord, isString } from './guards';

/** The panel's viewType, shared by the panel host, its serializer and the `onWebviewPanel:` activation event. */
export const HISTORY_PANEL_VIEW_TYPE = 'blixard.historyPanel';

export type HistoryFilterView = 'active' | 'completed' | 'all';
export const HISTORY_FILTERS: readonly HistoryFilterView[] = ['active', 'completed', 'all'];
export type ExportFormatView = 'csv' | 'json';

export const MAX_TEXT_FILTER_LENGTH = 200;
export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;
/** Offsets beyond this are not a real page of any history (retention keeps it far smaller). */
const MAX_OFFSET = 100_000_000;

// ---- view models (host → webview) -----------------------------------------------------------

export interface HistoryQueryView {
  filter: HistoryFilterView;
  /** Case-insensitive substring of the VM, a node, the cluster, the namespace or the migration's name. */
  text: string;
  offset: number;
  pageSize: number;
  /** Only the migrations this plan started (a plan id, model/plan-id.ts); absent: every migration. */
  plan?: string;
  /** Only the migrations of one flow of the charts (a cell of the node × node table); absent: every flow. */
  flow?: HistoryFlowFilter;
}

/** One flow: a cluster's id and the source and target node names, as the history records them. */
export interface HistoryFlowFilter {
  cluster: string;
  source: string;
  target: string;
}

/** The history charts (computed in SQL by the history, src/history/database/history-charts.ts), under the table's state, text and plan filters. */
export interface HistoryChartsView {
  /** Per day (the viewer's local midnight, ms), how many migrations were created, by outcome. */
  days: Array<{ day: number; counts: Record<MigrationState, number> }>;
  /** Nearest-rank p50/p95 of succeeded migrations' durations, per cluster. */
  durations: Array<{ clusterId: string; cluster: string; count: number; p50DurationMs: number; p95DurationMs: number }>;
  /** The same per cluster and day. */
  durationDays: Array<{ clusterId: string; day: number; count: number; p50DurationMs: number; p95DurationMs: number }>;
  /** How many migrations each source node sent to each target node, per cluster. */
  flows: Array<{ clusterId: string; cluster: string; source: string; target: string; count: number }>;
}

/** A plan the history knows (its plan_runs), for the plan filter: its id, the document's name, its cluster and dates. */
export interface HistoryPlanView {
  id: string;
  /** The plan document's file name, or its kind when it was run from memory. */
  label: string;
  cluster: string;
  status: string;
  startedAt?: number;
  endedAt?: number;
}

/** At most this many plans in the filter (the most recently run). */
export const MAX_PLANS_IN_FILTER = 200;

/** A migration as the panel shows it: the model's fields, with the cluster's display name beside its id. */
export type HistoryRowView = Omit<Migration, 'cluster' | 'labels' | 'progress'> & {
  clusterId: string;
  /** The cluster's name as the user knows it (its id when no longer configured). */
  cluster: string;
};

export interface PhaseTimeView {
  phase: string;
  at: number;
}

/** The history's per-cluster figures, with the cluster's display name in `cluster` and its id in `clusterId`. */
export type ClusterSummaryView = ClusterSummary & { clusterId: string };

export interface HistoryDetailView {
  migration: HistoryRowView;
  transitions: PhaseTimeView[];
}

export interface HistoryNotice {
  kind: 'info' | 'error';
  text: string;
}

/**
 * Which history the panel shows, when blixard.history.server is set (without one it is this
 * machine's, as always, and nothing is said): the team's merged with this machine's, or this
 * machine's alone while the server is being reached or does not answer.
 */
export interface HistorySourceView {
  kind: 'server' | 'connecting' | 'fallback';
  text: string;
  tooltip: string;
}

/**
 * Everything the panel shows, sent whole on every change (a page is at most MAX_PAGE_SIZE rows),
 * so a webview that was hidden and recreated renders the same thing from one message.
 */
export interface HistoryPanelViewState {
  /** loading: the history is opening; unavailable: it could not be opened (`error` says why). */
  status: 'loading' | 'ready' | 'unavailable';
  error?: string;
  query: HistoryQueryView;
  rows: HistoryRowView[];
  /** Rows matching the query in the whole history. */
  total: number;
  summary: ClusterSummaryView[];
  /** The plans the history knows, most recently run first (the plan filter's choices). */
  plans?: HistoryPlanView[];
  detail?: HistoryDetailView;
  /** The history charts; absent until computed, or where the history cannot compute them (a team history server). */
  charts?: HistoryChartsView;
  /** The id asked for in detail when the history does not hold it (removed by retention). */
  detailMissing?: string;
  exporting?: ExportFormatView;
  notice?: HistoryNotice;
  source?: HistorySourceView;
}

// ---- messages --------------------------------------------------------------------------------

/** Host → webview. `hostNow` lets the webview correct for clock skew (code-server runs it elsewhere). */
export interface HistoryStateMessage {
  type: 'state';
  state: HistoryPanelViewState;
  hostNow: number;
}

export type HistoryHostMessage = HistoryStateMessage;

/** Webview → host. */
export type HistoryWebviewMessage =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'query'; filter: HistoryFilterView; text: string; offset: number; pageSize: number; plan?: string; flow?: HistoryFlowFilter }
  | { type: 'detail'; id: string | null }
  | { type: 'export'; format: ExportFormatView };

export type HistoryWebviewMessageType = HistoryWebviewMessage['type'];

/** What the webview keeps with `setState`, and what the panel serializer gets back after a reload. */
export interface PersistedHistoryState {
  v: 1;
  query: HistoryQueryView;
  detailId?: string;
}

export function defaultHistoryQuery(): HistoryQueryView {
  return { filter: 'all', text: '', offset: 0, pageSize: DEFAULT_PAGE_SIZE };
}

// ---- guards ----------------------------------------------------------------------------------

export function isHistoryFilter(value: unknown): value is HistoryFilterView {
  return typeof value === 'string' && (HISTORY_FILTERS as readonly string[]).includes(value);
}

function isTextFilter(value: unknown): value is string {
  return isBoundedText(value, MAX_TEXT_FILTER_LENGTH);
}

function isOffset(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_OFFSET;
}

function isPageSize(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PAGE_SIZE;
}

/** Absent, or a cluster id and two node names, each a bounded id. */
function isFlowFilter(value: unknown): boolean {
  return value === undefined || (isRecord(value) && hasOnlyKeys(value, ['cluster', 'source', 'target']) && isBoundedId(value.cluster) && isBoundedId(value.source) && isBoundedId(value.target));
}

/** Absent, or a plan id (the strict rule the clusters and the history keep: a label value's). */
function isPlanFilter(value: unknown): boolean {
  return value === undefined || isPlanId(value);
}

export function isHistoryQueryView(q: unknown): q is HistoryQueryView {
  return isRecord(q) && hasOnlyKeys(q, ['filter', 'text', 'offset', 'pageSize'], ['plan', 'flow']) && isHistoryFilter(q.filter) && isTextFilter(q.text) && isOffset(q.offset) && isPageSize(q.pageSize) && isPlanFilter(q.plan) && isFlowFilter(q.flow);
}

const webviewGuards: Record<HistoryWebviewMessageType, (m: Record<string, unknown>) => boolean> = {
  ready: (m) => hasOnlyKeys(m, ['type']),
  refresh: (m) => hasOnlyKeys(m, ['type']),
  query: (m) =>
    hasOnlyKeys(m, ['type', 'filter', 'text', 'offset', 'pageSize'], ['plan', 'flow']) && isHistoryFilter(m.filter) && isTextFilter(m.text) && isOffset(m.offset) && isPageSize(m.pageSize) && isPlanFilter(m.plan) && isFlowFilter(m.flow),
  detail: (m) => hasOnlyKeys(m, ['type', 'id']) && (m.id === null || isBoundedId(m.id)),
  export: (m) => hasOnlyKeys(m, ['type', 'format']) && (m.format === 'csv' || m.format === 'json'),
};

/** The one gate for everything the history webview posts. */
export function isHistoryWebviewMessage(m: unknown): m is HistoryWebviewMessage {
  if (!isRecord(m) || typeof m.type !== 'string') return false;
  if (!Object.prototype.hasOwnProperty.call(webviewGuards, m.type)) return false;
  return webviewGuards[m.type as HistoryWebviewMessageType](m);
}

export function isPersistedHistoryState(s: unknown): s is PersistedHistoryState {
  return isRecord(s) && s.v === 1 && hasOnlyKeys(s, ['v', 'query'], ['detailId']) && isHistoryQueryView(s.query) && (s.detailId === undefined || isBoundedId(s.detailId));
}

const STATES: readonly MigrationState[] = ['pending', 'running', 'succeeded', 'failed', 'cancelled'];

function isRowView(r: unknown): r is HistoryRowView {
  return (
    isRecord(r) &&
    isString(r.id) &&
    isString(r.cluster) &&
    isString(r.vm) &&
    isString(r.phase) &&
    STATES.includes(r.state as MigrationState) &&
    isFiniteNumber(r.createdAt)
  );
}

function isChartsView(c: unknown): c is HistoryChartsView {
  return (
    isRecord(c) &&
    Array.isArray(c.days) &&
    c.days.every((d) => isRecord(d) && isFiniteNumber(d.day) && isRecord(d.counts) && STATES.every((s) => isFiniteNumber((d.counts as Record<string, unknown>)[s]))) &&
    Array.isArray(c.durations) &&
    c.durations.every((d) => isRecord(d) && isString(d.cluster) && isFiniteNumber(d.p50DurationMs) && isFiniteNumber(d.p95DurationMs)) &&
    Array.isArray(c.durationDays) &&
    Array.isArray(c.flows) &&
    c.flows.every((f) => isRecord(f) && isString(f.clusterId) && isString(f.source) && isString(f.target) && isFiniteNumber(f.count))
  );
}

/** Used by the webview: a malformed state from the host must not break rendering. */
export function isHistoryStateMessage(m: unknown): m is HistoryStateMessage {
  if (!isRecord(m) || m.type !== 'state' || !isFiniteNumber(m.hostNow) || !isRecord(m.state)) return false;
  const s = m.state;
  return (
    (s.status === 'loading' || s.status === 'ready' || s.status === 'unavailable') &&
    isRecord(s.query) &&
    isHistoryFilter(s.query.filter) &&
    Array.isArray(s.rows) &&
    s.rows.every(isRowView) &&
    isFiniteNumber(s.total) &&
    Array.isArray(s.summary) &&
    (s.plans === undefined || (Array.isArray(s.plans) && s.plans.every((p) => isRecord(p) && isString(p.id) && isString(p.label) && isString(p.cluster) && isString(p.status)))) &&
    (s.charts === undefined || isChartsView(s.charts)) &&
    (s.source === undefined || (isRecord(s.source) && (s.source.kind === 'server' || s.source.kind === 'connecting' || s.source.kind === 'fallback') && isString(s.source.text) && isString(s.source.tooltip))) &&
    (s.detail === undefined ||
      (isRecord(s.detail) &&
        isRowView(s.detail.migration) &&
        Array.isArray(s.detail.transitions) &&
        s.detail.transitions.every((t) => isRecord(t) && isString(t.phase) && isFiniteNumber(t.at))))
  );
}

export { describeRejectedMessage } from './guards';
