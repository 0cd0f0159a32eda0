// The history panel's charts section: migrations per day by outcome (day-chart.ts), the p50/p95
// of succeeded migrations' durations per cluster with the latest day's beside them (a table: a
// handful of figures read better as text than as a chart), and the flows (flows-view.ts). All
// computed by the history in SQL under the table's filters; the webview only draws them.

import type { HistoryChartsView, HistoryFlowFilter } from '../../src/protocol/history-panel';
import { el } from '../dialog/element';
import { DayChart } from './day-chart';
import { FlowsView, type FlowsCallbacks } from './flows-view';
import { count, duration } from './history-format';

export class ChartsView {
  readonly root: HTMLElement;
  private readonly days = new DayChart();
  private readonly flows: FlowsView;
  private readonly durations = el('table', { class: 'duration-table', id: 'duration-table' });
  private readonly durationsSection = el('section', { class: 'durations', 'aria-labelledby': 'durations-title' }, el('h3', { id: 'durations-title' }, 'Durations of succeeded migrations'), this.durations);
  private signature = '';

  constructor(callbacks: FlowsCallbacks) {
    this.flows = new FlowsView(callbacks);
    this.root = el('section', { class: 'charts', id: 'charts', 'aria-labelledby': 'charts-title' }, el('h2', { id: 'charts-title' }, 'Charts'), el('div', { class: 'charts-row' }, this.days.root, this.durationsSection), this.flows.root);
    this.root.hidden = true;
  }

  render(charts: HistoryChartsView | undefined, flow: HistoryFlowFilter | undefined): void {
    this.root.hidden = !charts;
    if (!charts) return;
    this.days.render(charts.days);
    this.flows.render(charts.flows, flow);
    const signature = JSON.stringify([charts.durations, charts.durationDays]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.durationsSection.hidden = charts.durations.length === 0;
    const latest = new Map<string, HistoryChartsView['durationDays'][number]>();
    for (const d of charts.durationDays) if ((latest.get(d.clusterId)?.day ?? -Infinity) < d.day) latest.set(d.clusterId, d);
    const head = el('tr', {}, ...['Cluster', 'Succeeded', 'p50', 'p95', 'Latest day p50', 'Latest day p95'].map((h) => el('th', { scope: 'col' }, h)));
    const rows = charts.durations.map((d) => {
      const day = latest.get(d.clusterId);
      return el(
        'tr',
        { 'data-cluster': d.clusterId },
        el('th', { scope: 'row' }, d.cluster),
        el('td', {}, count(d.count)),
        el('td', {}, duration(d.p50DurationMs)),
        el('td', {}, duration(d.p95DurationMs)),
        el('td', { title: day ? new Date(day.day).toLocaleDateString() : undefined }, day ? duration(day.p50DurationMs) : '—'),
        el('td', {}, day ? duration(day.p95DurationMs) : '—'),
      );
    });
    this.durations.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
  }
}
