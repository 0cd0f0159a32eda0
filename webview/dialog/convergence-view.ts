// The live copy's verdict and chart, under the progress bar: "Converging, about 40s left" or
// "Will not converge: …", the rates it is judged by, what would help, and the transfer chart.
// The verdict is read again every second from the host's series (model/convergence), so figures
// that stop arriving turn "not live" here without the host saying anything. Screen readers hear
// the verdict when its kind changes (not every second's ETA) and can read every figure as text.

import { convergenceVerdict, type ConvergenceVerdict } from '../../src/model/convergence/convergence-verdict';
import type { MigrationTuning } from '../../src/model/convergence/convergence-input';
import { seriesSamples } from '../../src/model/convergence/progress-series';
import { adviceSentence, etaTrendWord, verdictText, verdictWords } from '../../src/model/convergence/convergence-words';
import type { DialogViewState } from '../../src/protocol/migration-dialog';
import { el, setText } from './element';
import { TransferChart } from './transfer-chart';

export class ConvergenceView {
  readonly root: HTMLElement;
  private readonly headline = el('p', { class: 'verdict-headline', id: 'verdict' });
  private readonly reason = el('p', { class: 'verdict-reason', id: 'verdict-reason' });
  private readonly advice = el('p', { class: 'verdict-advice', id: 'verdict-advice' });
  /** What a screen reader is told: the whole verdict, only when its kind changes. */
  private readonly announce = el('p', { class: 'sr-only', role: 'status', id: 'verdict-status' });
  private readonly chart = new TransferChart();
  private announced?: string;
  private state?: DialogViewState;
  private verdictNow?: ConvergenceVerdict;

  constructor() {
    // The whole section is not live: the verdict's ETA changes every second and would be read out each time.
    this.root = el('section', { class: 'convergence', id: 'convergence', 'aria-label': 'Convergence', 'aria-live': 'off' }, this.headline, this.reason, this.advice, this.announce, this.chart.root);
  }

  /** The latest verdict shown (the progress line takes its round, sent and ETA from it). */
  get verdict(): ConvergenceVerdict | undefined {
    return this.verdictNow;
  }

  update(state: DialogViewState, hostNow: number): void {
    this.state = state;
    this.chart.update(state.migration?.progressSeries);
    this.tick(hostNow);
  }

  /** Re-reads the verdict at `hostNow` (every second while the migration runs). */
  tick(hostNow: number): void {
    const s = this.state;
    const m = s?.migration;
    const series = m?.progressSeries;
    if (!s || !m || !series || series.at.length === 0) {
      this.root.hidden = true;
      this.verdictNow = undefined;
      return;
    }
    this.root.hidden = false;
    const tuning: MigrationTuning = { canMigrateCold: s.cluster.traits.live === 'choice', ...m.tuning };
    let v = convergenceVerdict(seriesSamples(series), tuning, hostNow);
    // The cluster's stream is down: whatever the figures say, they are not live.
    if (s.streamDown && v.state !== 'stale') v = { ...v, state: 'stale', headline: verdictWords.stale(Math.max(0, hostNow - (v.asOf ?? hostNow))), advice: [], etaMs: undefined, etaTrend: undefined };
    this.verdictNow = v;
    const final = m.state === 'succeeded' || m.state === 'failed' || m.state === 'cancelled';
    this.root.dataset.verdict = final ? 'ended' : v.state;
    // Once it has ended the outcome speaks; the chart stays as the record of how the copy went.
    this.headline.hidden = final;
    this.reason.hidden = final || !v.reason;
    setText(this.headline, v.headline);
    const trend = v.etaTrend && v.etaMs ? ` · ETA ${etaTrendWord(v.etaTrend)}` : '';
    setText(this.reason, v.reason ? `${v.reason.charAt(0).toUpperCase()}${v.reason.slice(1)}${trend}` : '');
    const advice = final ? undefined : adviceSentence(v.advice);
    setText(this.advice, advice ?? '');
    this.advice.hidden = !advice;
    const kind = final ? 'ended' : v.state;
    if (kind !== this.announced) {
      this.announced = kind;
      setText(this.announce, final ? '' : verdictText(v));
    }
  }

  dispose(): void {
    this.chart.dispose();
  }
}
