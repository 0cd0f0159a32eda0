// The tracking stage: the migration's live view — stepper with a time per phase, elapsed time,
// the live-copy progress bar (where the cluster reports progress), Cancel while it runs; the
// final state stays, with "Migrate again" and "Close".

import { buildSteps, type Step } from '../../src/protocol/migration-steps';
import { nodeTitle } from '../../src/protocol/node-description';
import { outcomeSentence } from '../../src/protocol/migration-outcome';
import { progressFigures, ProgressTrend } from '../../src/protocol/progress-figures';
import { downtimeText, formatBytes, formatDuration, formatPercent, formatRate, formatTimeLeft } from '../../src/model/vocabulary';
import type { DialogViewState, MigrationView } from '../../src/protocol/migration-dialog';
import { cancelUnavailableReason, lastKnownLabel, streamDownNotice } from '../../src/protocol/stream-down-text';
import { ConvergenceView } from './convergence-view';
import { SettingsView } from './settings-view';
import { append, el, setText, toggleAttribute } from './element';

export interface TrackingCallbacks {
  cancel(): void;
  migrateAgain(): void;
  close(): void;
}

const STATUS_MARK: Record<Step['status'], string> = {
  done: '✓',
  current: '●',
  pending: '○',
  skipped: '–',
  failed: '✕',
  cancelled: '✕',
};

function clock(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** When the migration began, for offsets and the elapsed clock: its creation or first phase, whichever came first. */
function originOf(m: MigrationView): number {
  return Math.min(m.createdAt, ...m.phases.map((p) => p.at));
}

function isFinalState(m: MigrationView | undefined): boolean {
  return !!m && (m.state === 'succeeded' || m.state === 'failed' || m.state === 'cancelled');
}

export class TrackingView {
  readonly root: HTMLElement;
  private state!: DialogViewState;
  private skewMs = 0;
  private readonly title = el('h1');
  private readonly route = el('p', { class: 'subtitle', id: 'route' });
  private readonly ring = el('vscode-progress-ring', { class: 'ring', 'aria-label': 'Migration in progress' });
  private readonly stepper = el('ol', { class: 'stepper', id: 'stepper', 'aria-label': 'Migration phases' });
  private readonly elapsed = el('p', { class: 'elapsed', id: 'elapsed' });
  private readonly progress = el('div', { class: 'progress', id: 'progress', hidden: true });
  private readonly bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Current pre-copy round copied' });
  private readonly barFill = el('div', { class: 'bar-fill' });
  private readonly figures = el('p', { class: 'figures', id: 'progress-figures' });
  /** The convergence verdict and the transfer chart (issue 16). */
  private readonly convergence = new ConvergenceView();
  /** The configuration that applied, as the cluster reports it (issue 16). */
  private readonly settings = new SettingsView();
  private readonly outcome = el('p', { class: 'outcome', role: 'status', id: 'outcome' });
  private readonly errorText = el('p', { class: 'submit-error', role: 'alert', id: 'tracking-error' });
  /** While the cluster's stream is down: says so, and that what is shown is as last known. */
  private readonly streamDown = el('p', { class: 'stream-down', role: 'alert', id: 'stream-down', hidden: true });
  private readonly cancelNote = el('p', { class: 'cancel-note', id: 'cancel-note', hidden: true });
  private readonly cancelButton = el('vscode-button', { id: 'cancel-migration', appearance: 'secondary' }, 'Cancel migration');
  private readonly againButton = el('vscode-button', { id: 'migrate-again', appearance: 'primary' }, 'Migrate again');
  private readonly closeButton = el('vscode-button', { id: 'close', appearance: 'secondary' }, 'Close');
  /** The pace of the migration shown: its ETA comes from how fast its remaining bytes fall. */
  private trend = new ProgressTrend();
  private trendOf?: string;
  private timer?: ReturnType<typeof setInterval>;

  constructor(private readonly callbacks: TrackingCallbacks) {
    append(this.bar, this.barFill);
    append(this.progress, this.bar, this.figures, this.convergence.root);
    this.root = el(
      'section',
      { class: 'tracking', 'aria-label': 'Migration progress' },
      el('header', { class: 'tracking-header' }, this.ring, el('div', {}, this.title, this.route)),
      this.streamDown,
      this.stepper,
      this.elapsed,
      this.progress,
      this.settings.root,
      this.outcome,
      this.errorText,
      el('div', { class: 'actions' }, this.cancelButton, this.againButton, this.closeButton),
      this.cancelNote,
    );
    this.cancelButton.addEventListener('click', () => {
      if (!this.cancelButton.hasAttribute('disabled')) callbacks.cancel();
    });
    this.againButton.addEventListener('click', () => callbacks.migrateAgain());
    this.closeButton.addEventListener('click', () => callbacks.close());
  }

  /** Focus the button that matters now: Cancel while running, Migrate again when done. */
  focusPrimary(): void {
    (isFinalState(this.state?.migration) ? this.againButton : this.cancelButton).focus();
  }

  update(state: DialogViewState, skewMs: number): void {
    this.state = state;
    this.skewMs = skewMs;
    const p = state.migration?.progress;
    if (state.migration && state.migration.id !== this.trendOf) {
      this.trend = new ProgressTrend();
      this.trendOf = state.migration.id;
    }
    if (p) this.trend.observe(p, Date.now());
    this.render();
    const active = !isFinalState(state.migration);
    if (active && !this.timer) this.timer = setInterval(() => this.tick(), 1000);
    if (!active && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.convergence.dispose();
  }

  private nodeName(id: string | undefined): string | undefined {
    if (id === undefined) return undefined;
    const node = this.state.nodes.find((n) => n.id === id || n.name === id);
    return node ? nodeTitle(node, this.state.cluster.traits) : id;
  }

  private render(): void {
    const s = this.state;
    const m = s.migration;
    const vmName = s.vm?.name ?? 'VM';
    const final = isFinalState(m);
    setText(
      this.title,
      !m ? `Starting migration of ${vmName}…`
      : m.state === 'succeeded' ? `Migrated ${vmName}`
      : m.state === 'failed' ? `Migration of ${vmName} failed`
      : m.state === 'cancelled' ? `Migration of ${vmName} cancelled`
      : `Migrating ${vmName}`,
    );
    const from = this.nodeName(m?.sourceNode ?? s.vm?.nodeId) ?? 'its node';
    const to = this.nodeName(m?.targetNode ?? s.submitted?.targetNodeId ?? undefined) ?? s.cluster.traits.anyNode?.destination ?? 'another node';
    const live = m ? m.mode !== 'cold' : (s.submitted?.live ?? true);
    setText(this.route, `${from} → ${to} · ${live ? 'live' : 'cold'}${m ? ` · ${m.name}` : ''}`);

    this.renderSteps();
    this.renderElapsed();
    this.renderProgress(live);
    this.settings.update(this.state.migration?.tuning);

    let outcome = '';
    if (m && final) outcome = outcomeSentence({ vmName, state: m.state, mode: m.mode, failureReason: m.failureReason, from, to: this.nodeName(m.targetNode), vmState: s.vm?.state }) ?? '';
    else if (s.cancelling) outcome = 'Cancelling…';
    setText(this.outcome, outcome);
    this.outcome.className = `outcome ${m?.state ?? 'pending'}`;
    this.outcome.hidden = outcome === '';

    const error = s.cancelError ?? s.submitError ?? '';
    setText(this.errorText, error);
    this.errorText.hidden = error === '';

    // A restored dialog whose migration the cluster no longer reports can only start over.
    const lost = !m && !!s.submitError;
    const down = s.streamDown;
    this.cancelButton.hidden = final || lost;
    toggleAttribute(this.cancelButton, 'disabled', !!s.cancelling || !s.migrationId || !!down);
    setText(this.cancelButton, s.cancelling ? 'Cancelling…' : 'Cancel migration');
    this.againButton.hidden = !(final || lost);
    this.closeButton.hidden = !(final || lost);
    // A spinner says "live": not while the figures are as last known.
    this.ring.hidden = final || lost || !!down;
    this.renderStreamDown(down, final || lost);
  }

  /** The outage notice, the stale marking (data-stream, read by tests and CSS) and why Cancel is off. */
  private renderStreamDown(down: DialogViewState['streamDown'], ended: boolean): void {
    const shown = !!down && !ended;
    this.root.dataset.stream = shown ? 'down' : 'live';
    setText(this.streamDown, shown && down ? streamDownNotice(this.state.cluster.label, down) : '');
    this.streamDown.hidden = !shown;
    setText(this.cancelNote, shown ? cancelUnavailableReason(this.state.cluster.label) : '');
    this.cancelNote.hidden = !shown;
    if (shown) this.cancelButton.setAttribute('aria-describedby', 'cancel-note');
    else this.cancelButton.removeAttribute('aria-describedby');
  }

  private renderSteps(): void {
    const s = this.state;
    const m = s.migration;
    const steps = m ? buildSteps(s.cluster.traits, m, m.phases) : buildSteps(s.cluster.traits, { phase: '', state: 'pending' }, []);
    const start = m ? originOf(m) : undefined;
    const signature = JSON.stringify(steps);
    if (this.stepper.dataset.signature === signature) return;
    this.stepper.dataset.signature = signature;
    this.stepper.replaceChildren(
      ...steps.map((step) =>
        el(
          'li',
          { class: `step ${step.status}`, 'aria-current': step.status === 'current' ? 'step' : undefined },
          el('span', { class: 'marker', 'aria-hidden': 'true' }, STATUS_MARK[step.status]),
          el('span', { class: 'phase' }, step.phase),
          el('span', { class: 'when' }, step.at !== undefined ? `${clock(step.at)}${start !== undefined && step.at >= start ? ` (+${formatDuration(step.at - start)})` : ''}` : step.status === 'skipped' ? 'skipped' : ''),
        ),
      ),
    );
  }

  /** Each second while it runs: the clock, and the verdict (figures that stop arriving stop being live). */
  private tick(): void {
    this.renderElapsed();
    if (!this.progress.hidden && this.state?.migration?.progress) this.renderProgress(true);
  }

  private renderElapsed(): void {
    const m = this.state?.migration;
    if (!m) {
      setText(this.elapsed, '');
      return;
    }
    const start = originOf(m);
    if (isFinalState(m)) {
      const end = m.endedAt ?? Math.max(...m.phases.map((p) => p.at), start);
      // The pause the guest felt, as the hypervisor measured it: what an operator of a live migration asks first.
      setText(this.elapsed, [`Took ${formatDuration(end - start)}`, downtimeText(m.downtimeMs)].filter(Boolean).join(' · '));
    } else if (this.state.streamDown) {
      // No clock running on old data: how long it had run when the cluster was last heard from.
      setText(this.elapsed, `Elapsed ${formatDuration(this.state.streamDown.lastKnownAt - start)} · ${lastKnownLabel(this.state.streamDown).toLowerCase()}`);
    } else {
      setText(this.elapsed, `Elapsed ${formatDuration(Date.now() + this.skewMs - start)}`);
    }
  }

  private renderProgress(live: boolean): void {
    const s = this.state;
    const p = s.migration?.progress;
    // Only a cluster that measures the copy reports progress (Blixard's daemons do, KubeVirt does not).
    const show = live && !!p;
    this.progress.hidden = !show;
    if (!show || !p) return;
    const f = progressFigures(p, this.trend);
    this.convergence.update(s, Date.now() + this.skewMs);
    const v = this.convergence.verdict;
    // The current round's share, which starts again with each round (labelled so), and overall sent
    // apart: a pre-copy round re-sends dirtied pages, and one share of both would run backwards.
    const fraction = v?.roundFraction ?? f.fraction;
    const percent = Math.floor(fraction * 100);
    // CSSOM, not a style attribute: the CSP allows no inline styles.
    this.barFill.style.width = `${percent}%`;
    this.bar.setAttribute('aria-valuenow', String(percent));
    const round = v?.round ?? f.round;
    const of = v?.roundBytes !== undefined ? formatBytes(v.roundBytes) : f.total;
    const parts = [`${round > 0 ? `Round ${round}: ` : ''}${formatPercent(fraction)} of ${of} copied`, `${v?.sentBytes !== undefined ? formatBytes(v.sentBytes) : f.transferred} sent`, `${f.remaining} remaining`];
    const stale = (s.streamDown || v?.state === 'stale') && !isFinalState(s.migration);
    // Stale figures say when they were true; a rate and an ETA from then would be a promise about now.
    if (s.streamDown && !isFinalState(s.migration)) parts.unshift(lastKnownLabel(s.streamDown));
    const rate = v?.transferRate !== undefined ? formatRate(v.transferRate) : f.rate;
    if (rate && !stale) parts.push(rate);
    if (!isFinalState(s.migration) && !stale) parts.push(etaWords(v, f.eta));
    setText(this.figures, parts.join(' · '));
  }
}

/** The ETA as the verdict has it (smoothed, "≤" where only a bound is known); the bar's own figure before a verdict exists. */
function etaWords(v: ConvergenceView['verdict'], fallback: string | undefined): string {
  if (v?.state === 'not-converging') return 'no ETA (not converging)';
  if (v?.etaMs !== undefined) return `ETA ${v.etaIsUpperBound ? '≤ ' : ''}${formatTimeLeft(v.etaMs)}`;
  return fallback && !v ? `ETA ${fallback}` : 'ETA unknown';
}
