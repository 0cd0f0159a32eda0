// Figures per cluster: how many migrations, how many still running, success rate, and the p50 and
// p95 durations of the successful ones.

import type { ClusterSummaryView } from '../../src/protocol/history-panel';
import { el } from '../dialog/element';
import { count, duration, percent } from './history-format';

export class SummaryView {
  readonly root: HTMLElement;
  private readonly grid = el('vscode-data-grid', {
    id: 'summary',
    'aria-label': 'Summary per cluster',
    'grid-template-columns': 'minmax(160px, 2fr) repeat(5, minmax(80px, 1fr))',
  });
  private signature = '';

  constructor() {
    this.root = el('section', { class: 'summary', 'aria-labelledby': 'summary-title' }, el('h2', { id: 'summary-title' }, 'By cluster'), this.grid);
  }

  render(summary: readonly ClusterSummaryView[]): void {
    const signature = JSON.stringify(summary);
    if (signature === this.signature) return;
    this.signature = signature;
    this.root.hidden = summary.length === 0;
    const header = row(true, ['Cluster', 'Migrations', 'Active', 'Success rate', 'p50', 'p95']);
    const rows = summary.map((s) => {
      const r = row(false, [s.cluster, count(s.count), count(s.active), percent(s.successRate), duration(s.p50DurationMs), duration(s.p95DurationMs)]);
      r.dataset.cluster = s.clusterId;
      r.classList.add('summary-row');
      r.title = `${s.succeeded} succeeded, ${s.failed} failed, ${s.cancelled} cancelled`;
      return r;
    });
    this.grid.replaceChildren(header, ...rows);
  }
}

function row(header: boolean, cells: string[]): HTMLElement {
  return el(
    'vscode-data-grid-row',
    header ? { 'row-type': 'sticky-header' } : {},
    ...cells.map((text, i) => el('vscode-data-grid-cell', { 'grid-column': String(i + 1), ...(header ? { 'cell-type': 'columnheader' } : {}) }, text)),
  );
}
