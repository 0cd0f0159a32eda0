// The live transfer chart: bytes sent and remaining (left axis) and the link's and the guest's
// rates (right axis) over the migration's time, drawn by uPlot on a canvas. uPlot sets the
// positions of its own elements through CSSOM (element.style), which the dialog's CSP allows
// without 'unsafe-inline', and has no eval; its stylesheet rules are in media/dialog.css.
// Colours are VS Code's chart colours, read again whenever the theme changes; rates are dashed
// so the lines differ by more than hue. The canvas is hidden from screen readers: the legend and
// the verdict say the same figures as text.

import uPlot from 'uplot';
import { formatBytes, formatDuration, formatRate } from '../../src/model/vocabulary';
import type { ProgressSeries } from '../../src/model/convergence/progress-series';
import { el, setText } from './element';

const HEIGHT = 200;

interface Line {
  key: 'transferred' | 'remaining' | 'rate' | 'dirty';
  label: string;
  colour: string;
  scale: 'bytes' | 'rate';
  format: (v: number) => string;
}

const LINES: readonly Line[] = [
  { key: 'transferred', label: 'Sent', colour: '--vscode-charts-blue', scale: 'bytes', format: formatBytes },
  { key: 'remaining', label: 'Remaining', colour: '--vscode-charts-orange', scale: 'bytes', format: formatBytes },
  { key: 'rate', label: 'Transfer rate', colour: '--vscode-charts-green', scale: 'rate', format: formatRate },
  { key: 'dirty', label: 'Dirty rate', colour: '--vscode-charts-red', scale: 'rate', format: formatRate },
];

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export class TransferChart {
  readonly root: HTMLElement;
  private readonly plotHost = el('div', { class: 'chart-plot', 'aria-hidden': 'true' });
  private readonly legend = el('ul', { class: 'chart-legend', id: 'chart-legend', 'aria-label': 'Chart lines, latest figures' });
  private readonly legendValues = new Map<Line['key'], HTMLElement>();
  private readonly legendTime = el('li', { class: 'chart-time' });
  private plot?: uPlot;
  private data: uPlot.AlignedData = [[], [], [], [], []];
  private series?: ProgressSeries;
  private readonly resize = new ResizeObserver(() => this.fit());
  private readonly themeWatch = new MutationObserver(() => this.rebuild());

  constructor() {
    for (const line of LINES) {
      const value = el('span', { class: 'chart-value' });
      this.legendValues.set(line.key, value);
      this.legend.append(el('li', { class: `chart-key ${line.key}` }, el('span', { class: 'chart-swatch', 'aria-hidden': 'true' }), `${line.label} `, value));
    }
    this.legend.append(this.legendTime);
    this.root = el('figure', { class: 'transfer-chart', id: 'transfer-chart' }, this.plotHost, el('figcaption', {}, this.legend));
    this.resize.observe(this.root);
    // VS Code changes the theme by swapping the body's class and the root's style variables.
    this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
  }

  /** Draws the series (the host's whole series each time: one setData, no re-creation). */
  update(series: ProgressSeries | undefined): void {
    this.series = series;
    if (!series || series.at.length === 0) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    const t0 = series.at[0];
    this.data = [series.at.map((t) => (t - t0) / 1000), series.transferred, series.remaining, series.rate, series.dirty] as uPlot.AlignedData;
    if (!this.plot) this.build();
    else this.plot.setData(this.data);
    this.showValues(series.at.length - 1);
    this.root.dataset.points = String(series.at.length);
  }

  dispose(): void {
    this.resize.disconnect();
    this.themeWatch.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
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
    const axis = (scale: string, side: 1 | 3, format: (v: number) => string): uPlot.Axis => ({
      scale,
      side,
      stroke: text,
      font,
      grid: { show: side === 3, stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      // Room for "1.86 GiB" and "95.4 MiB/s" at 11px.
      size: side === 1 ? 84 : 70,
      values: (_u, ticks) => ticks.map(format),
    });
    const options: uPlot.Options = {
      width: this.width(),
      height: HEIGHT,
      legend: { show: false },
      cursor: { y: false, points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false }, bytes: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] }, rate: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: text, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values: (_u, ticks) => ticks.map((s) => formatDuration(s * 1000)) },
        axis('bytes', 3, formatBytes),
        axis('rate', 1, formatRate),
      ],
      series: [
        {},
        ...LINES.map((line): uPlot.Series => ({
          label: line.label,
          scale: line.scale,
          stroke: cssVar(line.colour, text),
          width: document.body.classList.contains('vscode-high-contrast') ? 2.5 : 1.75,
          dash: line.scale === 'rate' ? [6, 4] : undefined,
          points: { show: false },
          spanGaps: true,
        })),
      ],
      hooks: { setCursor: [(u) => this.showValues(u.cursor.idx ?? (this.series ? this.series.at.length - 1 : 0))] },
    };
    this.plot = new uPlot(options, this.data, this.plotHost);
  }

  /** The legend's figures at one point (the cursor's, else the newest). */
  private showValues(i: number): void {
    const s = this.series;
    if (!s || i < 0 || i >= s.at.length) return;
    for (const line of LINES) {
      const v = s[line.key][i];
      setText(this.legendValues.get(line.key)!, v === null || v === undefined ? '—' : line.format(v));
    }
    setText(this.legendTime, `at ${formatDuration(s.at[i] - s.at[0])}`);
  }
}
