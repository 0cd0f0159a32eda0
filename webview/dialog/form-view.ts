// The form stage: the VM, the target dropdown, live/force toggles, inline validation with the
// TUI's messages, and the reference table of nodes. Built once per stage and updated in place
// so focus and the open dropdown survive refreshes from the host.

import { capacityShortfall, hasErrors, liveChoice, liveToggleLockReason, nodeUnsuitability, validateMigration, type MigrationChoice, type ValidationContext, type ValidationIssue } from '../../src/protocol/migration-validation';
import { freeCpuLabel, freeMemoryLabel, nodeOptionLabel, nodeStatusLabel, nodeTitle, vmCountLabel } from '../../src/protocol/node-description';
import type { DialogViewState, NodeView } from '../../src/protocol/migration-dialog';
import type { MigrationDialogTraits } from '../../src/model/cluster-kind';
import { formatMemoryMb, vmStateText } from '../../src/model/vocabulary';
import { append, el, setText, toggleAttribute } from './element';

/** The user's choices; `targetNodeId` undefined = nothing chosen yet, null = "Any node" (where the kind has it). */
export interface FormValues {
  targetNodeId: string | null | undefined;
  live: boolean | undefined;
  force: boolean;
}

export interface FormCallbacks {
  submit(choice: MigrationChoice): void;
  close(): void;
  refresh(): void;
  changed(values: FormValues): void;
}

/**
 * The keyboard, said once (the README's "Keyboard" bullet says the same): as in the Blixard TUI,
 * Enter submits from the target field only, so a key pressed on a checkbox or a button never
 * migrates something the user was not looking at.
 */
export function keyboardHint(traits: Pick<MigrationDialogTraits, 'typedNodeIds'>): string {
  const pick = traits.typedNodeIds ? 'type a node id to pick it' : "type a node's name to pick it";
  return `On the target: ${pick}, Enter migrates · Space or Enter toggles a checkbox · Tab moves · Esc closes`;
}

const ANY_NODE = 'any';
const NONE = 'none';
const nodeValue = (id: string) => `node:${id}`;

interface DropdownElement extends HTMLElement {
  value: string;
  open: boolean;
}

interface CheckboxElement extends HTMLElement {
  checked: boolean;
}

interface DataGridElement extends HTMLElement {
  rowsData: object[];
  columnDefinitions: { columnDataKey: string; title: string }[] | null;
}

export class FormView {
  readonly root: HTMLElement;
  private state!: DialogViewState;
  private values: FormValues;
  private readonly title = el('h1');
  private readonly subtitle = el('p', { class: 'subtitle' });
  private readonly facts = el('dl', { class: 'facts' });
  private readonly vmError = el('p', { class: 'field-error', role: 'alert', id: 'vm-error' });
  private readonly dropdown = el('vscode-dropdown', { id: 'target', 'aria-describedby': 'target-message', position: 'below' }) as DropdownElement;
  private readonly targetMessage = el('p', { class: 'field-message', id: 'target-message', 'aria-live': 'polite' });
  private readonly live = el('vscode-checkbox', { id: 'live', 'aria-describedby': 'live-message' }, 'Live migration') as CheckboxElement;
  private readonly liveMessage = el('p', { class: 'field-message', id: 'live-message' });
  private readonly forceRow = el('div', { class: 'field' });
  private readonly force = el('vscode-checkbox', { id: 'force', 'aria-describedby': 'force-message' }, 'Force (override the capacity check)') as CheckboxElement;
  private readonly forceMessage = el('p', { class: 'field-message', id: 'force-message' });
  private readonly submitError = el('p', { class: 'submit-error', role: 'alert', id: 'submit-error' });
  private readonly migrateButton = el('vscode-button', { id: 'migrate', appearance: 'primary' }, 'Migrate');
  private readonly cancelButton = el('vscode-button', { id: 'cancel', appearance: 'secondary' }, 'Cancel');
  private readonly hint = el('p', { class: 'hint' });
  private readonly busy = el('span', { class: 'busy', hidden: true }, el('vscode-progress-ring'), 'Submitting…');
  private readonly grid = el('vscode-data-grid', { id: 'nodes', 'aria-label': 'Available nodes', 'grid-template-columns': 'minmax(120px, 1.4fr) minmax(90px, 1fr) minmax(140px, 1.4fr) minmax(190px, 2fr) minmax(112px, 1fr) minmax(150px, 1.8fr)' }) as DataGridElement;
  private optionSignature = '';
  private typedId = '';
  private typedAt = 0;
  private touched = false;
  /** Host issues stay visible until the user changes something. */
  private showHostIssues = true;

  constructor(
    initial: FormValues,
    private readonly callbacks: FormCallbacks,
  ) {
    this.values = { ...initial };
    this.touched = initial.targetNodeId !== undefined;
    this.grid.columnDefinitions = [
      { columnDataKey: 'node', title: 'Node' },
      { columnDataKey: 'state', title: 'State' },
      { columnDataKey: 'cpu', title: 'vCPU' },
      { columnDataKey: 'memory', title: 'Memory' },
      { columnDataKey: 'vms', title: 'VMs' },
      { columnDataKey: 'note', title: 'Note' },
    ];
    append(this.forceRow, this.force, this.forceMessage);
    this.root = el(
      'section',
      { class: 'form', 'aria-label': 'Migrate VM' },
      el('header', {}, this.title, this.subtitle),
      this.facts,
      this.vmError,
      el('div', { class: 'field' }, el('label', { for: 'target', class: 'label' }, 'Target node'), this.dropdown, this.targetMessage),
      el('div', { class: 'field' }, this.live, this.liveMessage),
      this.forceRow,
      this.submitError,
      el('div', { class: 'actions' }, this.migrateButton, this.cancelButton, this.busy),
      this.hint,
      el('h2', {}, 'Available nodes'),
      this.grid,
    );

    this.dropdown.addEventListener('change', () => {
      this.typedId = '';
      this.setTarget(this.targetFromValue(this.dropdown.value));
    });
    // The toolkit fires `change` for our own assignments too: only a difference from what the form
    // shows is the user's choice (else syncing a locked box would record a value nobody chose).
    this.live.addEventListener('change', () => {
      if (this.live.checked !== this.choice().live) this.setValues({ live: this.live.checked });
    });
    this.force.addEventListener('change', () => {
      if (this.force.checked !== this.choice().force) this.setValues({ force: this.force.checked });
    });
    this.migrateButton.addEventListener('click', () => this.submit());
    this.cancelButton.addEventListener('click', () => callbacks.close());
  }

  get formValues(): FormValues {
    return { ...this.values };
  }

  focusTarget(): void {
    this.dropdown.focus();
  }

  get targetElement(): HTMLElement {
    return this.dropdown;
  }

  isDropdownOpen(): boolean {
    return !!this.dropdown.open;
  }

  /** The TUI's way to pick a target: type the node id's digits (a pause starts a new id). */
  typeDigit(digit: string): void {
    const now = Date.now();
    this.typedId = now - this.typedAt > 1500 ? digit : this.typedId + digit;
    this.typedAt = now;
    this.setTarget(this.typedId);
  }

  backspace(): void {
    if (!this.typedId) return;
    this.typedId = this.typedId.slice(0, -1);
    this.typedAt = Date.now();
    this.setTarget(this.typedId || undefined);
  }

  private targetFromValue(value: string): string | null | undefined {
    if (value === ANY_NODE) return null;
    if (value.startsWith('node:')) return value.slice(5);
    return undefined;
  }

  private setTarget(target: string | null | undefined): void {
    this.touched = true;
    this.setValues({ targetNodeId: target });
  }

  private setValues(patch: Partial<FormValues>): void {
    this.values = { ...this.values, ...patch };
    this.showHostIssues = false;
    this.callbacks.changed(this.formValues);
    this.render();
  }

  private context(): ValidationContext {
    return { traits: this.state.cluster.traits, vm: this.state.vm, nodes: this.state.nodes, inFlight: this.state.inFlight };
  }

  /** The choice as it would be submitted, defaults applied. */
  choice(): MigrationChoice {
    const traits = this.state.cluster.traits;
    return {
      // Nothing chosen yet: "Any node" where the cluster may choose, else "choose one" (invalid).
      targetNodeId: this.values.targetNodeId ?? null,
      // A locked toggle holds what its lock says, so it can never block the form.
      live: liveChoice(traits, this.state.vm, this.values.live),
      force: traits.force ? this.values.force : false,
    };
  }

  issues(): ValidationIssue[] {
    const local = validateMigration(this.context(), this.choice());
    const host = this.showHostIssues ? (this.state.hostIssues ?? []) : [];
    const seen = new Set(local.map((i) => i.message));
    return [...local, ...host.filter((i) => !seen.has(i.message))];
  }

  isValid(): boolean {
    return this.state.stage === 'form' && !hasErrors(this.issues());
  }

  submit(): void {
    this.touched = true;
    if (!this.isValid()) {
      this.render();
      return;
    }
    this.callbacks.submit(this.choice());
  }

  update(state: DialogViewState): void {
    const previous = this.state;
    this.state = state;
    if (previous && previous.hostIssues !== state.hostIssues && state.hostIssues) this.showHostIssues = true;
    this.render();
  }

  private render(): void {
    const s = this.state;
    const traits = s.cluster.traits;
    const vm = s.vm;
    const ctx = this.context();
    const choice = this.choice();
    const submitting = s.stage === 'submitting';

    setText(this.title, vm ? `Migrate ${vm.name}` : 'Migrate VM');
    setText(this.hint, keyboardHint(traits));
    setText(this.subtitle, `${s.cluster.label} · ${traits.label}`);
    this.renderFacts();

    // Issues by field.
    const issues = this.issues();
    const byField = (field: ValidationIssue['field']) => issues.filter((i) => i.field === field);
    const vmIssues = byField('vm');
    setText(this.vmError, vmIssues.map((i) => i.message).join('\n'));
    this.vmError.hidden = vmIssues.length === 0;

    // Target dropdown.
    const optionsChanged = this.renderOptions(ctx);
    const wanted = this.dropdownValueFor(choice.targetNodeId, s.nodes);
    if (this.dropdown.value !== wanted) this.dropdown.value = wanted;
    if (optionsChanged) {
      // The dropdown learns of new options on slotchange, after this turn: select again once it has.
      requestAnimationFrame(() => {
        const now = this.dropdownValueFor(this.choice().targetNodeId, this.state.nodes);
        if (this.dropdown.value !== now) this.dropdown.value = now;
      });
    }
    const targetIssues = byField('target').filter((i) => i.code !== 'target-required' || this.touched);
    const targetHint = byField('target').find((i) => i.code === 'target-required');
    if (targetIssues.length) {
      this.showMessage(this.targetMessage, targetIssues.map((i) => i.message).join('\n'), 'error');
    } else if (targetHint) {
      this.showMessage(this.targetMessage, traits.typedNodeIds ? 'Choose a node, or type its id.' : 'Choose a node.', 'hint');
    } else if (choice.targetNodeId === null && traits.anyNode) {
      this.showMessage(this.targetMessage, traits.anyNode.hint, 'hint');
    } else {
      this.showMessage(this.targetMessage, '', 'hint');
    }
    this.dropdown.setAttribute('aria-invalid', String(targetIssues.some((i) => i.severity === 'error')));
    toggleAttribute(this.dropdown, 'disabled', submitting);

    // Live toggle.
    const lock = liveToggleLockReason(traits, vm);
    if (this.live.checked !== choice.live) this.live.checked = choice.live;
    toggleAttribute(this.live, 'disabled', !!lock || submitting);
    const liveIssues = byField('live');
    if (liveIssues.length) this.showMessage(this.liveMessage, liveIssues.map((i) => i.message).join('\n'), 'error');
    else if (lock && traits.live === 'choice') this.showMessage(this.liveMessage, `${lock}, so this migration is cold.`, 'hint');
    else if (lock) this.showMessage(this.liveMessage, lock, 'hint');
    else this.showMessage(this.liveMessage, choice.live ? 'The VM keeps running while its memory is copied.' : 'The VM is stopped, moved, and started again.', 'hint');

    // Force, where the kind has it.
    this.forceRow.hidden = !traits.force;
    if (this.force.checked !== choice.force) this.force.checked = choice.force;
    toggleAttribute(this.force, 'disabled', submitting || !traits.force);
    const forceIssues = byField('force');
    if (forceIssues.some((i) => i.severity === 'error')) this.showMessage(this.forceMessage, forceIssues.map((i) => i.message).join('\n'), 'error');
    else if (choice.force) {
      const override = forceIssues.find((i) => i.code === 'capacity-overridden');
      this.showMessage(this.forceMessage, `Warning: Force skips the capacity check; the target node may be overcommitted.${override ? ` ${override.message}.` : ''}`, 'warning');
    } else this.showMessage(this.forceMessage, '', 'hint');

    setText(this.submitError, s.submitError ?? '');
    this.submitError.hidden = !s.submitError;

    toggleAttribute(this.migrateButton, 'disabled', !this.isValid() || submitting);
    this.busy.hidden = !submitting;
    this.renderGrid(ctx);
  }

  private showMessage(node: HTMLElement, text: string, kind: 'error' | 'warning' | 'hint'): void {
    setText(node, text);
    node.className = `field-message ${kind}`;
    node.setAttribute('role', kind === 'error' ? 'alert' : 'note');
    node.hidden = text === '';
  }

  private renderFacts(): void {
    const s = this.state;
    const vm = s.vm;
    const source = vm?.nodeId ? s.nodes.find((n) => n.id === vm.nodeId) : undefined;
    const rows: [string, string][] = [];
    if (vm) {
      if (vm.namespace) rows.push(['Namespace', vm.namespace]);
      rows.push(['State', vmStateText(vm)]);
      rows.push(['Size', [vm.vcpus !== undefined ? `${vm.vcpus} vCPU` : '', vm.memoryMb !== undefined ? formatMemoryMb(vm.memoryMb) : ''].filter(Boolean).join(' · ') || '—']);
      rows.push(['Cluster', s.cluster.label]);
    }
    const signature = JSON.stringify([rows, source?.id, source && nodeStatusLabel(source), vm?.nodeId]);
    if (this.facts.dataset.signature === signature) return;
    this.facts.dataset.signature = signature;
    this.facts.replaceChildren();
    for (const [k, v] of rows) append(this.facts, el('dt', {}, k), el('dd', {}, v));
    append(
      this.facts,
      el('dt', {}, 'Current node'),
      el('dd', { class: 'source-node' }, el('strong', {}, source ? nodeTitle(source, s.cluster.traits) : (vm?.nodeId ?? 'none')), source ? ` · ${nodeStatusLabel(source)}` : ''),
    );
  }

  private dropdownValueFor(target: string | null, nodes: readonly NodeView[]): string {
    if (target === null) return this.state.cluster.traits.anyNode ? ANY_NODE : NONE;
    return nodes.some((n) => n.id === target && n.id !== this.state.vm?.nodeId) ? nodeValue(target) : `typed:${target}`;
  }

  /** Rebuilds the dropdown's options when they changed; true when it did. */
  private renderOptions(ctx: ValidationContext): boolean {
    const s = this.state;
    const traits = s.cluster.traits;
    const others = s.nodes.filter((n) => n.id !== s.vm?.nodeId);
    const target = this.choice().targetNodeId;
    // A typed id that is no node of the list still shows in the field, so its message has context.
    const typed = target !== null && !others.some((n) => n.id === target) ? target : undefined;
    const lines: [string, string][] = [];
    if (traits.anyNode) lines.push([ANY_NODE, traits.anyNode.option]);
    else lines.push([NONE, 'Choose a target node…']);
    for (const n of others) lines.push([nodeValue(n.id), nodeOptionLabel(n, traits, nodeUnsuitability(ctx, n, this.values.force))]);
    if (typed !== undefined) {
      // The node's own title wherever the cluster knows it ("node-3 (id 3)"); a bare id only for one it does not.
      const known = s.nodes.find((n) => n.id === typed);
      const title = known ? nodeTitle(known, traits) : `Node ${typed}`;
      lines.push([`typed:${typed}`, typed === s.vm?.nodeId ? `${title} (current node)` : title]);
    }
    const signature = JSON.stringify(lines);
    if (signature === this.optionSignature) return false;
    this.optionSignature = signature;
    this.dropdown.replaceChildren(...lines.map(([value, text]) => el('vscode-option', { value }, text)));
    return true;
  }

  private renderGrid(ctx: ValidationContext): void {
    const s = this.state;
    const rows = s.nodes.map((n) => ({
      node: nodeTitle(n, s.cluster.traits),
      state: nodeStatusLabel(n),
      cpu: freeCpuLabel(n),
      memory: freeMemoryLabel(n),
      vms: vmCountLabel(n),
      note: n.id === s.vm?.nodeId ? 'current node (source)' : (nodeUnsuitability(ctx, n, this.values.force) ?? (s.vm && capacityShortfall(s.vm, n) ? 'capacity overridden by Force' : '')),
    }));
    const signature = JSON.stringify(rows);
    if (this.grid.dataset.signature === signature) return;
    this.grid.dataset.signature = signature;
    this.grid.rowsData = rows;
  }
}
