// The history panel's logic, without `vscode`: answers the webview's queries one page at a time
// from the history (never the whole table), keeps the per-cluster summary and the open
// migration's timeline current as the history changes, and runs exports. The host wraps it in a
// WebviewPanel; tests drive it with a real HistoryStore.

import { describeError } from '../../../model/errors';
import type { Event } from '../../../base/event';
import { Disposable, toDisposable } from '../../../base/lifecycle';
import type { Logger } from '../../../base/logger';
import type { Migration, PhaseTransition } from '../../../model/migration';
import type { PlanRunRecord } from '../../../model/plan-run-record';
import type { ClusterSummary, HistoryCharts, KeysetPage, PageCursor } from '../../../history/database/history-database';
import { describeHistoryDamage, isFullyRecovered, type HistoryDamage } from '../../../history/history-damage';
import { sortTimeline } from '../../../model/phase-order';
import { lifecycleOf } from '../../../sources/cluster-kinds';
import {
  defaultHistoryQuery,
  describeRejectedMessage,
  isHistoryWebviewMessage,
  type ExportFormatView,
  MAX_PLANS_IN_FILTER,
  type HistoryChartsView,
  type HistoryFilterView,
  type HistoryHostMessage,
  type HistoryPlanView,
  type HistoryPanelViewState,
  type HistoryQueryView,
  type HistoryRowView,
  type HistorySourceView,
  type PersistedHistoryState,
} from '../../../protocol/history-panel';

/** Which migrations a query asks for: by state, text and plan (the worker answers a plan from its index), and one flow of the charts. */
type PanelFilter = { filter: HistoryFilterView; text?: string; planId?: string; cluster?: string; sourceNode?: string; targetNode?: string };

/** What the panel asks of the history (HistoryStore and the worker client satisfy it; the client answers later). */
export interface HistoryPanelQueries {
  all(query: PanelFilter & { limit: number; offset: number }): Migration[] | Promise<Migration[]>;
  /** Keyset pages: the page after a cursor, and the cursor of the one after it. */
  page(query: PanelFilter & { limit: number; after?: PageCursor }): KeysetPage | Promise<KeysetPage>;
  count(query: PanelFilter): number | Promise<number>;
  /** The plans the history knows, most recently changed first (the plan filter's choices). */
  planRuns?(query: { limit: number }): PlanRunRecord[] | Promise<PlanRunRecord[]>;
  byId(id: string): { migration: Migration; transitions: PhaseTransition[] } | undefined | Promise<{ migration: Migration; transitions: PhaseTransition[] } | undefined>;
  summaryByCluster(): ClusterSummary[] | Promise<ClusterSummary[]>;
  /** The charts under the table's filters, aggregated by the history (absent: the panel shows none, as for a team history server). */
  charts?(query: PanelFilter & { utcOffsetMinutes: number }): HistoryCharts | Promise<HistoryCharts>;
  /** Set while the database file is damaged (HistoryStore.damage): said in the panel's notice. */
  readonly damage?: HistoryDamage;
  /** Which history this is, when not simply this machine's (a team history server); read on every change. */
  readonly sourceView?: HistorySourceView;
  readonly onDidChange: Event<unknown>;
}

export interface ExportOutcome {
  file: string;
  rows: number;
}

export interface HistoryPanelSessionDeps {
  /** Resolves once the history is open; rejects (with a readable reason) when it cannot be. */
  history(): Promise<HistoryPanelQueries>;
  post(message: HistoryHostMessage): void;
  /** Asks where to save and writes the export of this query; undefined when the user cancelled. */
  exportTo(format: ExportFormatView, query: { filter: HistoryFilterView; text: string; planId?: string }): Promise<ExportOutcome | undefined>;
  clusterLabel(clusterId: string): string | undefined;
  log: Pick<Logger, 'warn'>;
  /** What a restored panel showed before the reload. */
  initial?: PersistedHistoryState;
  /** History changes within this window are shown together. Default 300 ms. */
  changeDebounceMs?: number;
  /** The summary (the costliest query) is recomputed on history changes at most this often. Default 2 s. */
  summaryIntervalMs?: number;
  now?: () => number;
}

export class HistoryPanelSession extends Disposable {
  private state: HistoryPanelViewState;
  private history?: HistoryPanelQueries;
  private detailId?: string;
  private ready = false;
  private changeTimer?: NodeJS.Timeout;
  private summaryAt = 0;
  /** Each question to the history is numbered; only the latest one's answer is shown. */
  private queryGeneration = 0;
  private querying: Promise<void> | undefined;
  private summaryWanted = false;
  /**
   * Where each page the user reached by paging starts (offset → cursor), for one filter and page
   * size: paging on asks the history for the rows after the last one shown instead of skipping
   * `offset` rows, however deep. Forgotten when the history changes (new rows shift the offsets).
   */
  private cursors = new Map<number, PageCursor | undefined>();
  private cursorsFor = '';
  private rejected = 0;
  /** The filters the charts shown were computed under (they are recomputed when these change, or with the summary). */
  private chartsFor = '';
  private starting?: Promise<void>;
  /** The damage notice last shown, so it is replaced or cleared as the damage changes, and comes back after other notices. */
  private damageNotice?: HistoryPanelViewState['notice'];
  private readonly now: () => number;

  constructor(private readonly deps: HistoryPanelSessionDeps) {
    super();
    this._register(toDisposable(() => clearTimeout(this.changeTimer)));
    this.now = deps.now ?? Date.now;
    this.state = { status: 'loading', query: deps.initial?.query ?? defaultHistoryQuery(), rows: [], total: 0, summary: [] };
    this.detailId = deps.initial?.detailId;
  }

  /** Waits for the history and shows the first page. Idempotent. */
  start(): Promise<void> {
    this.starting ??= this.load();
    return this.starting;
  }

  private async load(): Promise<void> {
    try {
      const history = await this.deps.history();
      if (this.isDisposed) return;
      this.history = history;
      this._register(history.onDidChange(() => this.scheduleChange()));
      this.state = { ...this.state, status: 'ready', error: undefined };
      this.requery(true);
      await this.whenIdle();
    } catch (err) {
      if (this.isDisposed) return;
      this.state = { ...this.state, status: 'unavailable', error: describeError(err) };
      this.send();
    }
  }

  get viewState(): HistoryPanelViewState {
    return this.state;
  }

  get webviewReady(): boolean {
    return this.ready;
  }

  /** Everything the webview posts comes through here, and only well-formed messages act. */
  handle(message: unknown): void {
    if (this.isDisposed) return;
    if (!isHistoryWebviewMessage(message)) {
      // Logged a few times only: a misbehaving webview must not flood the log.
      if (this.rejected++ < 5) this.deps.log.warn(`History panel: ignored a message that is not part of its protocol (${describeRejectedMessage(message)})`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.send();
        return;
      case 'refresh':
        this.requery(true);
        return;
      case 'query':
        this.state = { ...this.state, query: { filter: message.filter, text: message.text, offset: message.offset, pageSize: message.pageSize, ...(message.plan ? { plan: message.plan } : {}), ...(message.flow ? { flow: message.flow } : {}) }, notice: undefined };
        this.requery(false);
        return;
      case 'detail':
        this.detailId = message.id ?? undefined;
        this.requery(false);
        return;
      case 'export':
        void this.export(message.format);
        return;
    }
  }

  /** Opens one migration's detail (Show in History); the table keeps its query. */
  showDetail(migrationId: string): void {
    this.detailId = migrationId;
    this.requery(false);
  }

  /** Replaces the table's query (a command asking for one VM's migrations, say). */
  setQuery(query: Partial<Omit<HistoryQueryView, 'offset'>>): void {
    this.state = { ...this.state, query: { ...this.state.query, ...query, offset: 0 } };
    this.requery(false);
  }

  async export(format: ExportFormatView): Promise<ExportOutcome | undefined> {
    await this.starting;
    if (this.state.exporting || this.state.status !== 'ready') return undefined;
    const { filter, text, plan } = this.state.query;
    this.state = { ...this.state, exporting: format, notice: undefined };
    this.send();
    try {
      const outcome = await this.deps.exportTo(format, { filter, text, ...(plan ? { planId: plan } : {}) });
      this.state = {
        ...this.state,
        exporting: undefined,
        notice: outcome ? { kind: 'info', text: `Exported ${outcome.rows} migration${outcome.rows === 1 ? '' : 's'} to ${outcome.file}` } : undefined,
      };
      return outcome;
    } catch (err) {
      this.state = { ...this.state, exporting: undefined, notice: { kind: 'error', text: `Export failed: ${describeError(err)}` } };
      return undefined;
    } finally {
      this.send();
    }
  }

  // ---- queries ------------------------------------------------------------------------------

  private scheduleChange(): void {
    if (this.changeTimer || this.isDisposed) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.forgetCursors();
      this.requery(this.now() - this.summaryAt >= (this.deps.summaryIntervalMs ?? 2000));
    }, this.deps.changeDebounceMs ?? 300);
  }

  /**
   * Asks the history for what the panel shows now and sends it once answered. Questions may
   * overlap (a filter typed while the last page loads): only the answer to the latest is shown,
   * and a question asked meanwhile for the summary keeps it asked.
   */
  private requery(withSummary: boolean): void {
    const asked = ++this.queryGeneration;
    this.summaryWanted ||= withSummary;
    const run = this.answer(asked).finally(() => {
      if (this.querying === run) this.querying = undefined;
    });
    this.querying = run;
  }

  /** Resolves once the latest question to the history is answered and sent (tests, and a panel about to export). */
  async whenIdle(): Promise<void> {
    while (this.querying) await this.querying;
  }

  private async answer(asked: number): Promise<void> {
    const history = this.history;
    if (!history || this.isDisposed) {
      this.send();
      return;
    }
    const latest = () => asked === this.queryGeneration && !this.isDisposed;
    try {
      const query = { ...this.state.query };
      const withSummary = this.summaryWanted || this.state.summary.length === 0;
      const chartFilter: PanelFilter = { filter: query.filter, ...(query.text.trim() ? { text: query.text } : {}), ...(query.plan ? { planId: query.plan } : {}) };
      // A flow narrows the table; the charts stay those of the filters, so another flow can be picked.
      const filter: PanelFilter = { ...chartFilter, ...(query.flow ? { cluster: query.flow.cluster, sourceNode: query.flow.source, targetNode: query.flow.target } : {}) };
      const chartsFor = JSON.stringify(chartFilter);
      const withCharts = !!history.charts && (withSummary || chartsFor !== this.chartsFor);
      const total = await history.count(filter);
      // A page past the end (rows removed since) shows the last page instead of nothing.
      if (query.offset >= total && total > 0) query.offset = Math.floor((total - 1) / query.pageSize) * query.pageSize;
      if (total === 0) query.offset = 0;
      const cursorsFor = JSON.stringify([filter, query.pageSize]);
      if (cursorsFor !== this.cursorsFor) this.forgetCursors(cursorsFor);
      const [page, summaries, entry, plans, charts] = await Promise.all([
        this.pageAt(history, filter, query),
        withSummary ? history.summaryByCluster() : undefined,
        this.detailId ? history.byId(this.detailId) : undefined,
        withSummary && history.planRuns ? history.planRuns({ limit: MAX_PLANS_IN_FILTER }) : undefined,
        withCharts ? history.charts?.({ ...chartFilter, utcOffsetMinutes: -new Date(this.now()).getTimezoneOffset() }) : undefined,
      ]);
      if (!latest()) return;
      let summary = this.state.summary;
      if (summaries) {
        summary = summaries.map((s) => ({ ...s, clusterId: s.cluster, cluster: this.deps.clusterLabel(s.cluster) ?? s.cluster }));
        this.summaryAt = this.now();
        this.summaryWanted = false;
      }
      let detail: HistoryPanelViewState['detail'];
      let detailMissing: string | undefined;
      if (this.detailId) {
        if (entry) detail = { migration: this.rowView(entry.migration), transitions: sortTimeline(lifecycleOf(entry.migration.kind), entry.transitions).map(({ phase, at }) => ({ phase, at })) };
        else detailMissing = this.detailId;
      }
      const rows = page.map((m) => this.rowView(m));
      if (charts) this.chartsFor = chartsFor;
      this.state = { ...this.state, status: 'ready', query, rows, total, summary, ...(plans ? { plans: plans.map(planView) } : {}), ...(charts ? { charts: this.chartsView(charts) } : {}), detail, detailMissing, notice: this.noticeWithDamage(history) };
    } catch (err) {
      if (!latest()) return;
      this.state = { ...this.state, notice: { kind: 'error', text: `The history could not be read: ${describeError(err)}` } };
    }
    this.send();
  }

  /** The page at `query.offset`: from its cursor when paging reached it, else by offset. */
  private async pageAt(history: HistoryPanelQueries, filter: PanelFilter, query: HistoryQueryView): Promise<Migration[]> {
    if (!this.cursors.has(query.offset)) return history.all({ ...filter, limit: query.pageSize, offset: query.offset });
    const after = this.cursors.get(query.offset);
    const cursors = this.cursors;
    const keyset = await history.page({ ...filter, limit: query.pageSize, ...(after ? { after } : {}) });
    if (keyset.next && cursors === this.cursors) cursors.set(query.offset + query.pageSize, keyset.next);
    return keyset.migrations;
  }

  private forgetCursors(cursorsFor = this.cursorsFor): void {
    this.cursors = new Map([[0, undefined]]);
    this.cursorsFor = cursorsFor;
  }

  /**
   * The notice to show: the damage of the database file (never a damaged file shown as a plain,
   * shorter history) unless another notice — an export's outcome, an error — is showing.
   */
  private noticeWithDamage(history: HistoryPanelQueries): HistoryPanelViewState['notice'] {
    const damage = history.damage;
    const previous = this.damageNotice;
    this.damageNotice = damage && { kind: isFullyRecovered(damage) ? 'info' : 'error', text: capitalized(`${describeHistoryDamage(damage)}.`) };
    const current = this.state.notice;
    if (current && current.text !== previous?.text) return current;
    return this.damageNotice;
  }

  private chartsView(charts: HistoryCharts): HistoryChartsView {
    const label = (id: string) => this.deps.clusterLabel(id) ?? id;
    return {
      days: charts.days,
      durations: charts.durations.map((d) => ({ ...d, clusterId: d.cluster, cluster: label(d.cluster) })),
      durationDays: charts.durationDays.map(({ cluster, ...d }) => ({ ...d, clusterId: cluster })),
      flows: charts.flows.map((f) => ({ ...f, clusterId: f.cluster, cluster: label(f.cluster) })),
    };
  }

  private rowView(m: Migration): HistoryRowView {
    const row: HistoryRowView = {
      id: m.id,
      clusterId: m.cluster,
      cluster: this.deps.clusterLabel(m.cluster) ?? m.cluster,
      kind: m.kind,
      vm: m.vm,
      name: m.name,
      mode: m.mode,
      origin: m.origin,
      phase: m.phase,
      state: m.state,
      createdAt: m.createdAt,
    };
    if (m.datacenter !== undefined) row.datacenter = m.datacenter;
    if (m.namespace !== undefined) row.namespace = m.namespace;
    if (m.sourceNode !== undefined) row.sourceNode = m.sourceNode;
    if (m.targetNode !== undefined) row.targetNode = m.targetNode;
    if (m.startedAt !== undefined) row.startedAt = m.startedAt;
    if (m.endedAt !== undefined) row.endedAt = m.endedAt;
    if (m.durationMs !== undefined) row.durationMs = m.durationMs;
    if (m.downtimeMs !== undefined) row.downtimeMs = m.downtimeMs;
    if (m.failureReason !== undefined) row.failureReason = m.failureReason;
    if (m.planId !== undefined) row.planId = m.planId;
    return row;
  }

  private send(): void {
    if (this.isDisposed) return;
    const source = this.history?.sourceView;
    if (source) this.state = { ...this.state, source };
    else if (this.state.source) {
      const { source: _gone, ...rest } = this.state;
      this.state = rest;
    }
    this.deps.post({ type: 'state', state: this.state, hostNow: this.now() });
  }
}

/** A plan run as the filter lists it: the document's file name (the kind when there is none). */
function planView(run: PlanRunRecord): HistoryPlanView {
  const label = run.document ? (run.document.split(/[\\/]/).pop() ?? run.document) : run.kind;
  return { id: run.planId, label, cluster: run.cluster, status: run.status, ...(run.startedAt !== undefined ? { startedAt: run.startedAt } : {}), ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}) };
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
