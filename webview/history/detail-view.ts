// One migration in full: who, where, how, the outcome, and its phase timeline (each phase with
// its time, the time since the migration was created, and how long the phase lasted).

import type { HistoryDetailView } from '../../src/protocol/history-panel';
import { append, el } from '../dialog/element';
import { currentPhaseWord, modeWord, phaseWord, stateWord } from '../../src/model/vocabulary';
import { clock, dateTime, duration, route, rowDuration, STATE_MARK, vmName } from './history-format';

export interface DetailCallbacks {
  close(): void;
}

export class DetailView {
  readonly root: HTMLElement;
  private readonly title = el('h2', { id: 'detail-title' });
  private readonly facts = el('dl', { class: 'facts', id: 'detail-facts' });
  private readonly timeline = el('ol', { class: 'timeline', id: 'timeline', 'aria-label': 'Phase timeline' });
  private readonly closeButton = el('vscode-button', { id: 'close-detail', appearance: 'secondary' }, 'Close');
  private signature = '';

  constructor(callbacks: DetailCallbacks) {
    this.root = el('section', { class: 'detail', id: 'detail', 'aria-labelledby': 'detail-title', hidden: true }, el('header', { class: 'detail-header' }, this.title, this.closeButton), this.facts, el('h3', {}, 'Timeline'), this.timeline);
    this.closeButton.addEventListener('click', () => callbacks.close());
  }

  render(detail: HistoryDetailView | undefined, missing: string | undefined, now: number): void {
    const signature = JSON.stringify([detail, missing, detail && !detail.migration.endedAt ? Math.floor(now / 1000) : 0]);
    if (signature === this.signature) return;
    this.signature = signature;
    if (!detail) {
      this.root.hidden = !missing;
      if (missing) {
        this.title.textContent = 'Migration not in the history';
        this.facts.replaceChildren(el('dt', {}, 'Id'), el('dd', {}, missing));
        this.timeline.replaceChildren();
        this.root.dataset.id = missing;
      }
      return;
    }
    const m = detail.migration;
    const opened = this.root.hidden || this.root.dataset.id !== m.id;
    this.root.hidden = false;
    this.root.dataset.id = m.id;
    this.root.dataset.state = m.state;
    this.title.textContent = `${STATE_MARK[m.state]} ${vmName(m)}  ${route(m)}`;
    const facts: [string, string | undefined][] = [
      ['State', stateWord(m.state)],
      ['Phase', currentPhaseWord(m)],
      ['Cluster', m.cluster],
      ['Datacenter', m.datacenter],
      ['Migration', m.name],
      ['Id', m.id],
      ['Mode', modeWord(m.mode)],
      ['Origin', m.origin],
      ['Created', dateTime(m.createdAt)],
      ['Started', m.startedAt !== undefined ? dateTime(m.startedAt) : undefined],
      ['Ended', m.endedAt !== undefined ? dateTime(m.endedAt) : undefined],
      ['Duration', duration(rowDuration(m, now))],
      ['Downtime', m.downtimeMs !== undefined ? duration(m.downtimeMs) : undefined],
      ['Reason', m.failureReason],
      ['Plan', m.planId],
    ];
    this.facts.replaceChildren();
    for (const [name, value] of facts) if (value !== undefined && value !== '') append(this.facts, el('dt', {}, name), el('dd', { class: name === 'Reason' ? 'error-text' : undefined }, value));

    const items = detail.transitions.map((t, i) => {
      const next = detail.transitions[i + 1];
      const last = i === detail.transitions.length - 1;
      const lasted = next ? duration(next.at - t.at) : last && (m.state === 'pending' || m.state === 'running') ? `${duration(now - t.at)} so far` : '';
      return el(
        'li',
        { class: `phase${last ? ` last ${m.state}` : ''}`, 'data-phase': t.phase },
        el('span', { class: 'phase-name', title: t.phase }, phaseWord(t.phase, m.state, last)),
        el('span', { class: 'phase-time' }, clock(t.at)),
        el('span', { class: 'phase-since' }, `+${duration(t.at - m.createdAt)}`),
        el('span', { class: 'phase-lasted' }, lasted),
      );
    });
    if (items.length === 0) items.push(el('li', { class: 'empty' }, 'No phase times recorded.'));
    this.timeline.replaceChildren(...items);
    // A migration just opened from a long table: bring its detail into view.
    if (opened) this.root.scrollIntoView({ block: 'nearest' });
  }
}
