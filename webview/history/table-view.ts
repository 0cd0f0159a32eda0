// The history table: filter dropdown (active / completed / all), plan dropdown (the plans the
// history knows), text filter (VM, node, cluster, namespace, migration name), export buttons, one
// page of migrations, and the pager. A row opens the migration's detail on click or Enter.

import type { ExportFormatView, HistoryFilterView, HistoryPanelViewState, HistoryPlanView, HistoryQueryView, HistoryRowView } from '../../src/protocol/history-panel';
import { el, setText, toggleAttribute } from '../dialog/element';
import { currentPhaseWord, stateTitle, stateWord } from '../../src/model/vocabulary';
import { count, dateTime, duration, route, rowDuration, STATE_MARK, vmName } from './history-format';

export interface TableCallbacks {
  query(query: HistoryQueryView): void;
  open(migrationId: string): void;
  export(format: ExportFormatView): void;
}

interface ValueElement extends HTMLElement {
  value: string;
}

const TEXT_DEBOUNCE_MS = 250;

export class TableView {
  readonly root: HTMLElement;
  private readonly filter = el(
    'vscode-dropdown',
    { id: 'filter', 'aria-label': 'Show', position: 'below' },
    el('vscode-option', { value: 'all' }, 'All'),
    el('vscode-option', { value: 'active' }, 'Active'),
    el('vscode-option', { value: 'completed' }, 'Completed'),
  ) as ValueElement;
  /** '' = every migration; else a plan id. Its options are rebuilt when the history's plans change. */
  private readonly plan = el('vscode-dropdown', { id: 'plan-filter', 'aria-label': 'Plan', position: 'below' }, el('vscode-option', { value: '' }, 'All migrations')) as ValueElement;
  private plansSignature = '';
  private readonly text = el('vscode-text-field', { id: 'text-filter', placeholder: 'Filter by VM, node, cluster…', 'aria-label': 'Text filter' }) as ValueElement;
  private readonly exportCsv = el('vscode-button', { id: 'export-csv', appearance: 'secondary' }, 'Export CSV');
  private readonly exportJson = el('vscode-button', { id: 'export-json', appearance: 'secondary' }, 'Export JSON');
  private readonly notice = el('p', { class: 'notice', id: 'notice', role: 'status' });
  private readonly grid = el('vscode-data-grid', {
    id: 'migrations',
    'aria-label': 'Migrations',
    // Fits a 900 px panel with room to spare; a long name ends in "…" (its cell's title has it whole), never wraps.
    'grid-template-columns': '124px minmax(80px, 1.4fr) minmax(80px, 1.2fr) minmax(80px, 1fr) minmax(80px, 1.1fr) 168px 92px',
  });
  private readonly empty = el('p', { class: 'empty', id: 'empty', hidden: true });
  private readonly range = el('span', { class: 'range', id: 'range' });
  private readonly previous = el('vscode-button', { id: 'previous-page', appearance: 'secondary' }, 'Previous');
  private readonly next = el('vscode-button', { id: 'next-page', appearance: 'secondary' }, 'Next');
  private state?: HistoryPanelViewState;
  private textTimer?: ReturnType<typeof setTimeout>;
  private signature = '';

  constructor(private readonly callbacks: TableCallbacks) {
    this.root = el(
      'section',
      { class: 'table', 'aria-label': 'Migrations' },
      el('div', { class: 'controls' }, el('label', { class: 'control' }, 'Show', this.filter), el('label', { class: 'control' }, 'Plan', this.plan), this.text, el('span', { class: 'spacer' }), this.exportCsv, this.exportJson),
      this.notice,
      this.grid,
      this.empty,
      el('div', { class: 'pager' }, this.range, this.previous, this.next),
    );
    this.filter.addEventListener('change', () => this.requery({ filter: this.filter.value as HistoryFilterView, offset: 0 }));
    this.plan.addEventListener('change', () => this.requery({ plan: this.plan.value || undefined, offset: 0 }));
    this.text.addEventListener('input', () => {
      if (this.textTimer) clearTimeout(this.textTimer);
      this.textTimer = setTimeout(() => this.requery({ text: this.text.value.slice(0, 200), offset: 0 }), TEXT_DEBOUNCE_MS);
    });
    this.previous.addEventListener('click', () => this.page(-1));
    this.next.addEventListener('click', () => this.page(1));
    this.exportCsv.addEventListener('click', () => !this.exportCsv.hasAttribute('disabled') && callbacks.export('csv'));
    this.exportJson.addEventListener('click', () => !this.exportJson.hasAttribute('disabled') && callbacks.export('json'));
    const openFrom = (event: Event) => {
      const row = (event.target as HTMLElement | null)?.closest?.('vscode-data-grid-row[data-id]') as HTMLElement | null;
      if (row?.dataset.id) callbacks.open(row.dataset.id);
    };
    this.grid.addEventListener('click', openFrom);
    this.grid.addEventListener('keydown', (event) => {
      if ((event as KeyboardEvent).key === 'Enter') openFrom(event);
    });
  }

  render(state: HistoryPanelViewState, now: number): void {
    this.state = state;
    const q = state.query;
    if (this.filter.value !== q.filter) this.filter.value = q.filter;
    this.renderPlans(state.plans ?? [], q.plan);
    // Never overwrite what the user is typing with an older echo.
    if (document.activeElement !== this.text && !this.textTimer && this.text.value !== q.text) this.text.value = q.text;
    toggleAttribute(this.exportCsv, 'disabled', !!state.exporting || state.status !== 'ready');
    toggleAttribute(this.exportJson, 'disabled', !!state.exporting || state.status !== 'ready');
    setText(this.exportCsv, state.exporting === 'csv' ? 'Exporting…' : 'Export CSV');
    setText(this.exportJson, state.exporting === 'json' ? 'Exporting…' : 'Export JSON');
    setText(this.notice, state.notice?.text ?? '');
    this.notice.className = `notice ${state.notice?.kind ?? ''}`;

    const first = state.total === 0 ? 0 : q.offset + 1;
    const last = q.offset + state.rows.length;
    setText(this.range, state.total === 0 ? 'No migrations' : `${count(first)}–${count(last)} of ${count(state.total)}`);
    toggleAttribute(this.previous, 'disabled', q.offset === 0);
    toggleAttribute(this.next, 'disabled', last >= state.total);

    this.empty.hidden = state.rows.length > 0 || state.status !== 'ready';
    setText(this.empty, q.text || q.plan || q.filter !== 'all' ? 'No migrations match this filter.' : 'No migrations recorded yet. They appear here as the watcher sees them.');

    const signature = JSON.stringify([state.rows, state.detail?.migration.id, state.rows.some((r) => r.state === 'running' || r.state === 'pending') ? Math.floor(now / 1000) : 0]);
    if (signature === this.signature) return;
    this.signature = signature;
    const header = el(
      'vscode-data-grid-row',
      { 'row-type': 'sticky-header' },
      ...['State', 'VM', 'Cluster', 'Route', 'Phase', 'Created', 'Duration'].map((title, i) => el('vscode-data-grid-cell', { 'cell-type': 'columnheader', 'grid-column': String(i + 1) }, title)),
    );
    this.grid.replaceChildren(header, ...state.rows.map((row) => this.row(row, now, row.id === state.detail?.migration.id)));
  }

  private row(row: HistoryRowView, now: number, selected: boolean): HTMLElement {
    const cells = [`${STATE_MARK[row.state]} ${stateWord(row.state)}`, vmName(row), row.cluster, route(row), currentPhaseWord(row), dateTime(row.createdAt), duration(rowDuration(row, now))];
    return el(
      'vscode-data-grid-row',
      { class: `history-row state-${row.state}${selected ? ' selected' : ''}`, 'data-id': row.id, title: `${row.failureReason ? `${stateTitle(row.state)}: ${row.failureReason}` : row.name}${row.planId ? ` · plan ${row.planId}` : ''}`, 'aria-selected': selected ? 'true' : undefined },
      // A cell cut short with "…" carries its whole text (the state cell keeps the row's title: the failure reason).
      ...cells.map((text, i) => el('vscode-data-grid-cell', { 'grid-column': String(i + 1), class: i === 0 ? 'state' : undefined, title: i > 0 ? text : undefined }, text)),
    );
  }

  /** The plan dropdown: every plan the history knows (and the chosen one, should it have gone), newest first. */
  private renderPlans(plans: readonly HistoryPlanView[], chosen: string | undefined): void {
    const signature = JSON.stringify([plans, chosen ?? '']);
    if (signature !== this.plansSignature) {
      this.plansSignature = signature;
      const options = plans.map((p) => el('vscode-option', { value: p.id, title: p.id }, `${p.label} · ${p.cluster}${p.startedAt !== undefined ? ` · ${dateTime(p.startedAt)}` : ''} · ${p.status}`));
      if (chosen && !plans.some((p) => p.id === chosen)) options.unshift(el('vscode-option', { value: chosen }, chosen));
      this.plan.replaceChildren(el('vscode-option', { value: '' }, 'All migrations'), ...options);
    }
    if (this.plan.value !== (chosen ?? '')) this.plan.value = chosen ?? '';
  }

  private page(direction: -1 | 1): void {
    const s = this.state;
    if (!s) return;
    const offset = Math.max(0, s.query.offset + direction * s.query.pageSize);
    if (offset >= s.total && direction > 0) return;
    this.requery({ offset });
  }

  private requery(patch: Partial<HistoryQueryView>): void {
    if (this.textTimer) clearTimeout(this.textTimer);
    this.textTimer = undefined;
    const base = this.state?.query;
    if (!base) return;
    const next: HistoryQueryView = { ...base, text: this.text.value.slice(0, 200), ...patch };
    if (!next.plan) delete next.plan;
    this.callbacks.query(next);
  }
}
