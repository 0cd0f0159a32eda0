// Which nodes send VMs to which: per cluster, an HTML table of source nodes (rows) × target nodes
// (columns) with each cell's count, shaded by its share of the cluster's busiest flow (five
// classes, no inline style: the CSP stays strict, and the count is always there as text).
// Each non-empty cell is a button: it filters the table to that source → target, and says so
// (aria-pressed); a screen reader hears "12 migrations from node-a to node-b".

import type { HistoryChartsView, HistoryFlowFilter } from '../../src/protocol/history-panel';
import { el, setText } from '../dialog/element';
import { count } from './history-format';

/** At most this many source and target nodes per cluster (the busiest); the rest are counted in a note. */
const MAX_NODES = 24;

type FlowView = HistoryChartsView['flows'][number];

export interface FlowsCallbacks {
  pick(flow: HistoryFlowFilter | undefined): void;
}

export class FlowsView {
  readonly root: HTMLElement;
  private readonly body = el('div', { class: 'flows-body' });
  private readonly chosen = el('p', { class: 'flow-chosen', id: 'flow-chosen', role: 'status' });
  private readonly clear = el('vscode-button', { appearance: 'secondary', id: 'flow-clear' }, 'Show every flow');
  private signature = '';

  constructor(private readonly callbacks: FlowsCallbacks) {
    this.clear.addEventListener('click', () => this.callbacks.pick(undefined));
    this.root = el(
      'section',
      { class: 'flows', id: 'flows', 'aria-labelledby': 'flows-title' },
      el('h3', { id: 'flows-title' }, 'Flows: source node → target node'),
      el('div', { class: 'flow-filter' }, this.chosen, this.clear),
      this.body,
    );
  }

  render(flows: readonly FlowView[], picked: HistoryFlowFilter | undefined): void {
    const signature = JSON.stringify([flows, picked ?? null]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.root.hidden = flows.length === 0 && !picked;
    const chosenLabel = picked ? `${flows.find((f) => f.clusterId === picked.cluster)?.cluster ?? picked.cluster}: ${picked.source} → ${picked.target}` : '';
    setText(this.chosen, picked ? `The table shows the migrations of ${chosenLabel}.` : 'Choose a cell to show only its migrations in the table.');
    this.clear.hidden = !picked;
    const byCluster = new Map<string, FlowView[]>();
    for (const f of flows) byCluster.set(f.clusterId, [...(byCluster.get(f.clusterId) ?? []), f]);
    this.body.replaceChildren(...[...byCluster.values()].map((list) => this.matrix(list, picked)));
  }

  private matrix(flows: FlowView[], picked: HistoryFlowFilter | undefined): HTMLElement {
    const { clusterId, cluster } = flows[0];
    const busiest = (key: 'source' | 'target') => {
      const totals = new Map<string, number>();
      for (const f of flows) totals.set(f[key], (totals.get(f[key]) ?? 0) + f.count);
      return [...totals].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
    };
    const allSources = busiest('source');
    const allTargets = busiest('target');
    const sources = allSources.slice(0, MAX_NODES).sort();
    const targets = allTargets.slice(0, MAX_NODES).sort();
    const cells = new Map(flows.map((f) => [`${f.source}\u0000${f.target}`, f.count]));
    const max = Math.max(...flows.map((f) => f.count));
    const head = el('tr', {}, el('th', { scope: 'col', class: 'flow-corner' }, 'From \\ to'), ...targets.map((t) => el('th', { scope: 'col' }, t)));
    const rows = sources.map((source) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, source),
        ...targets.map((target) => {
          const n = cells.get(`${source}\u0000${target}`) ?? 0;
          if (n === 0) return el('td', { class: 'flow-cell level-0' }, el('span', { class: 'flow-none', 'aria-label': `no migrations from ${source} to ${target}` }, '·'));
          const on = !!picked && picked.cluster === clusterId && picked.source === source && picked.target === target;
          const button = el(
            'button',
            { type: 'button', class: 'flow-button', 'aria-pressed': on ? 'true' : 'false', 'aria-label': `${count(n)} migration${n === 1 ? '' : 's'} from ${source} to ${target}`, 'data-source': source, 'data-target': target, 'data-cluster': clusterId },
            count(n),
          );
          button.addEventListener('click', () => this.callbacks.pick(on ? undefined : { cluster: clusterId, source, target }));
          return el('td', { class: `flow-cell level-${Math.min(5, Math.max(1, Math.ceil((n / max) * 5)))}${on ? ' picked' : ''}` }, button);
        }),
      ),
    );
    const hidden = allSources.length - sources.length + (allTargets.length - targets.length);
    return el(
      'div',
      { class: 'flow-matrix' },
      el('table', { class: 'flow-table', 'data-cluster': clusterId }, el('caption', {}, `${cluster}: migrations from each node (rows) to each node (columns)`), el('thead', {}, head), el('tbody', {}, ...rows)),
      hidden > 0 ? el('p', { class: 'flow-note' }, `Only the ${MAX_NODES} busiest source and target nodes are shown.`) : null,
    );
  }
}
