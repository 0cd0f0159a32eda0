// Browser side of the migration history panel. Renders what the host sends (one full state per
// message: a page of rows, the summary, the open migration), keeps the query and the open
// migration with setState so hiding or reloading loses nothing, and speaks only the typed
// protocol in src/protocol/history-panel.ts.

import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { isHistoryStateMessage, type HistoryPanelViewState, type HistoryQueryView } from '../../src/protocol/history-panel';
import { el } from '../dialog/element';
import { ChartsView } from './charts-view';
import { DetailView } from './detail-view';
import { SummaryView } from './summary-view';
import { TableView } from './table-view';
import { post, savePersisted } from './vscode-api';

provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeDataGrid(),
  vsCodeDataGridCell(),
  vsCodeDataGridRow(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodeProgressRing(),
  vsCodeTextField(),
);

const app = document.getElementById('app') as HTMLElement;
let state: HistoryPanelViewState | undefined;
let skewMs = 0;

const table = new TableView({
  query: (query) => postQuery(query),
  open: (id) => post({ type: 'detail', id }),
  export: (format) => post({ type: 'export', format }),
});
const detail = new DetailView({ close: () => post({ type: 'detail', id: null }) });
const summary = new SummaryView();
function postQuery(query: HistoryQueryView): void {
  post({ type: 'query', filter: query.filter, text: query.text, offset: query.offset, pageSize: query.pageSize, ...(query.plan ? { plan: query.plan } : {}), ...(query.flow ? { flow: query.flow } : {}) });
}
// A flow cell filters the table to its source → target (from the first page); choosing it again, or "Show every flow", clears it.
const charts = new ChartsView({
  pick: (flow) => {
    if (!state) return;
    const { flow: _old, ...query } = state.query;
    postQuery({ ...query, offset: 0, ...(flow ? { flow } : {}) });
  },
});
const status = el('p', { class: 'status', id: 'status', role: 'status' });
// Which history this is, when a team history server is set: its own line, so a fallback is never mistaken for the team's.
const source = el('p', { class: 'source', id: 'history-source' });
const layout = el('div', { class: 'layout' }, el('header', {}, el('h1', {}, 'Migration History'), source, status), summary.root, charts.root, table.root, detail.root);

function render(): void {
  if (!state) return;
  const now = Date.now() + skewMs;
  if (!layout.isConnected) app.replaceChildren(layout);
  status.textContent = state.status === 'loading' ? 'Opening the history…' : state.status === 'unavailable' ? (state.error ?? 'The history is unavailable.') : '';
  status.className = `status ${state.status}`;
  source.hidden = !state.source;
  source.textContent = state.source?.text ?? '';
  source.title = state.source?.tooltip ?? '';
  source.className = `source ${state.source?.kind ?? ''}`;
  summary.render(state.summary);
  charts.render(state.charts, state.query.flow);
  table.render(state, now);
  detail.render(state.detail, state.detailMissing, now);
  savePersisted({ v: 1, query: state.query, ...(state.detail ? { detailId: state.detail.migration.id } : {}) });
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = event.data as unknown;
  if (!isHistoryStateMessage(message)) return;
  skewMs = message.hostNow - Date.now();
  state = message.state;
  render();
});

// Running migrations' durations move on between updates.
setInterval(() => {
  if (state?.rows.some((r) => r.state === 'running' || r.state === 'pending') || (state?.detail && !state.detail.migration.endedAt)) render();
}, 1000);

// The host answers with the full state. What a restored panel showed reaches the host through
// the panel serializer (savePersisted above), not through messages.
post({ type: 'ready' });
