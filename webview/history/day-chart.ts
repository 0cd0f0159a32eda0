// Migrations per day by outcome: stacked bars drawn by uPlot (as the dialog's transfer chart:
// CSSOM positions only, so the panel's strict CSP holds), from the per-day counts the history
// aggregated in SQL. Colours are VS Code's chart variables, read again when the theme changes;
// the canvas is hidden from screen readers, and the same figures are a table under it (a
// <details> a keyboard reaches) and a one-line summary.

import uPlot from 'uplot';
import type { HistoryChartsView } from '../../src/protocol/history-panel';
import { el, setText } from '../dialog/element';
import { count } from './history-format';

const HEIGHT = 180;

/** Bottom to top: what succeeded, failed, was cancelled, and is still active. */
const OUTCOMES = [
  { key: 'succeeded', label: 'Succeeded', colour: '--vscode-charts-green' },
  { key: 'failed', label: 'Failed', colour: '--vscode-charts-red' },
  { key: 'cancelled', label: 'Cancelled', colour: '--vscode-charts-yellow' },
  { key: 'active', label: 'Active', colour: '--vscode-charts-blue' },
] as const;

type Day = HistoryChartsView['days'][number];

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function outcomeCounts(d: Day): number[] {
  return [d.counts.succeeded, d.counts.failed, d.counts.cancelled, d.counts.pending + d.counts.running];
}

function dayLabel(day: number): string {
  return new Date(day).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export class DayChart {
  readonly root: HTMLElement;
  private readonly plotHost = el('div', { class: 'chart-plot', 'aria-hidden': 'true' });
  private readonly caption = el('p', { class: 'chart-caption', id: 'day-chart-caption' });
  private readonly table = el('table', { class: 'day-table', id: 'day-table' });
  private plot?: uPlot;
  private data: uPlot.AlignedData = [[]];
  private signature = '';
  private readonly resize = new ResizeObserver(() => this.fit());
  private readonly themeWatch = new MutationObserver(() => this.rebuild());

  constructor() {
    const legend = el('ul', { class: 'chart-legend', 'aria-hidden': 'true' }, ...OUTCOMES.map((o) => el('li', { class: `chart-key outcome-${o.key}` }, el('span', { class: 'chart-swatch' }), o.label)));
    this.root = el(
      'figure',
      { class: 'day-chart', id: 'day-chart', 'aria-labelledby': 'day-chart-title', 'aria-describedby': 'day-chart-caption' },
      el('h3', { id: 'day-chart-title' }, 'Migrations per day'),
      this.plotHost,
      legend,
      this.caption,
      el('details', { class: 'chart-table' }, el('summary', {}, 'Per day as a table'), this.table),
    );
    this.resize.observe(this.root);
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  }

  render(days: HistoryChartsView['days']): void {
    const signature = JSON.stringify(days);
    if (signature === this.signature) return;
    this.signature = signature;
    this.root.hidden = days.length === 0;
    this.root.dataset.days = String(days.length);
    if (days.length === 0) return;
    // Stacked: each series is the running sum up to its outcome, drawn top first so the lower ones cover it.
    const xs = days.map((d) => d.day / 1000);
    const sums = OUTCOMES.map(() => [] as number[]);
    for (const d of days) {
      let sum = 0;
      outcomeCounts(d).forEach((n, i) => sums[i].push((sum += n)));
    }
    this.data = [xs, ...sums.slice().reverse()] as uPlot.AlignedData;
    if (!this.plot) this.build();
    else this.plot.setData(this.data);
    const totals = OUTCOMES.map((_, i) => days.reduce((n, d) => n + outcomeCounts(d)[i], 0));
    setText(
      this.caption,
      `${count(totals.reduce((a, b) => a + b, 0))} migrations from ${dayLabel(days[0].day)} to ${dayLabel(days[days.length - 1].day)}: ${OUTCOMES.map((o, i) => `${count(totals[i])} ${o.label.toLowerCase()}`).join(', ')}.`,
    );
    this.renderTable(days);
  }

  dispose(): void {
    this.resize.disconnect();
    this.themeWatch.disconnect();
    this.plot?.destroy();
  }

  private renderTable(days: HistoryChartsView['days']): void {
    const head = el('tr', {}, el('th', { scope: 'col' }, 'Day'), ...OUTCOMES.map((o) => el('th', { scope: 'col' }, o.label)));
    const rows = days.map((d) => el('tr', {}, el('th', { scope: 'row' }, dayLabel(d.day)), ...outcomeCounts(d).map((n) => el('td', {}, count(n)))));
    this.table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
  }

  private width(): number {
    return Math.max(240, Math.floor(this.root.clientWidth || 480));
  }

  private fit(): void {
    if (this.plot && this.plot.width !== this.width()) this.plot.setSize({ width: this.width(), height: HEIGHT });
  }

  private rebuild(): void {
    if (!this.plot) return;
    this.plot.destroy();
    this.plot = undefined;
    this.build();
  }

  private build(): void {
    const text = cssVar('--vscode-charts-foreground', cssVar('--vscode-foreground', '#888'));
    const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.3)');
    const font = `11px ${cssVar('--vscode-font-family', 'sans-serif')}`;
    const contrast = document.body.classList.contains('vscode-high-contrast');
    const bars = uPlot.paths.bars!({ size: [0.8, 48], gap: 1 });
    const options: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.1) : 1] } },
      axes: [
        { stroke: text, font, grid: { show: false }, ticks: { stroke: grid, width: 1 } },
        { stroke: text, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 56, values: (_u, ticks) => ticks.map((n) => (Number.isInteger(n) ? count(n) : '')) },
      ],
      series: [
        {},
        ...OUTCOMES.slice()
          .reverse()
          .map((o): uPlot.Series => {
            const colour = cssVar(o.colour, text);
            return { label: o.label, stroke: contrast ? text : colour, fill: colour, width: contrast ? 1.5 : 0, paths: bars, points: { show: false } };
          }),
      ],
    };
    this.plot = new uPlot(options, this.data, this.plotHost);
  }
}
