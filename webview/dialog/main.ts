// Browser side of the migration dialog. Renders what the host sends (one full state per
// message), keeps the user's choices with setState so hiding or reloading loses nothing, and
// speaks only the typed protocol in src/dialog/protocol.ts.

import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';
import { isHostMessage, type DialogViewState, type PersistedDialogState } from '../../src/dialog/protocol';
import { el, setText } from './element';
import { FormView, type FormValues } from './form-view';
import { TrackingView } from './tracking-view';
import { loadPersisted, post, savePersisted } from './vscode-api';

provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeCheckbox(),
  vsCodeDataGrid(),
  vsCodeDataGridCell(),
  vsCodeDataGridRow(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodeProgressRing(),
);

const app = document.getElementById('app') as HTMLElement;
const persisted = loadPersisted();
let formValues: FormValues = persisted?.form ? { ...persisted.form } : { targetNodeId: undefined, live: undefined, force: false };
let state: DialogViewState | undefined;
let skewMs = 0;
let form: FormView | undefined;
let tracking: TrackingView | undefined;
let shownStage: string | undefined;

function persist(): void {
  if (!state?.vm && !persisted) return;
  const next: PersistedDialogState = {
    v: 1,
    clusterId: state?.cluster.id ?? persisted!.clusterId,
    vmId: state?.vm?.id ?? persisted!.vmId,
  };
  if (state?.migrationId) next.migrationId = state.migrationId;
  if (formValues.targetNodeId !== undefined || formValues.live !== undefined || formValues.force) {
    next.form = { targetNodeId: formValues.targetNodeId ?? null, live: formValues.live ?? false, force: formValues.force };
  }
  savePersisted(next);
}

function newForm(): FormView {
  return new FormView(formValues, {
    submit: (choice) => post({ type: 'submit', targetNodeId: choice.targetNodeId, live: choice.live, force: choice.force }),
    close: () => post({ type: 'close' }),
    refresh: () => post({ type: 'refresh' }),
    changed: (values) => {
      formValues = values;
      persist();
    },
  });
}

function newTracking(): TrackingView {
  return new TrackingView({
    cancel: () => post({ type: 'cancelMigration' }),
    migrateAgain: () => {
      // A fresh choice: the last target is now the VM's own node. Keep the live/cold choice.
      formValues = { targetNodeId: undefined, live: state?.submitted?.live, force: false };
      persist();
      post({ type: 'migrateAgain' });
    },
    close: () => post({ type: 'close' }),
  });
}

function simplePage(title: string, message: string, busy: boolean, actions: boolean): HTMLElement {
  const section = el('section', { class: busy ? 'loading' : 'unavailable' });
  section.append(el('h1', {}, title));
  if (busy) section.append(el('p', { class: 'busy' }, el('vscode-progress-ring'), message));
  else section.append(el('p', { class: 'submit-error', role: 'alert' }, message));
  if (actions) {
    const retry = el('vscode-button', { appearance: 'primary', id: 'retry' }, 'Retry');
    const close = el('vscode-button', { appearance: 'secondary', id: 'close' }, 'Close');
    retry.addEventListener('click', () => post({ type: 'refresh' }));
    close.addEventListener('click', () => post({ type: 'close' }));
    section.append(el('div', { class: 'actions' }, retry, close));
  }
  return section;
}

function render(): void {
  if (!state) return;
  const stage = state.stage === 'submitting' ? 'form' : state.stage;
  const entering = stage !== shownStage;
  if (entering) {
    tracking?.dispose();
    form = undefined;
    tracking = undefined;
    if (stage === 'form') {
      form = newForm();
      app.replaceChildren(form.root);
    } else if (stage === 'tracking') {
      tracking = newTracking();
      app.replaceChildren(tracking.root);
    } else if (stage === 'loading') {
      app.replaceChildren(simplePage(`Migrate VM`, `Loading ${state.cluster.label}…`, true, false));
    } else {
      app.replaceChildren(simplePage('Migrate VM', state.loadError ?? 'The VM is not available.', false, true));
    }
    shownStage = stage;
  }
  form?.update(state);
  tracking?.update(state, skewMs);
  if (entering) {
    // Custom elements upgrade synchronously once registered; wait a frame so they can take focus.
    requestAnimationFrame(() => {
      if (form) form.focusTarget();
      else if (tracking) tracking.focusPrimary();
      else (document.getElementById('retry') as HTMLElement | null)?.focus();
    });
  }
  document.title = state.vm ? `Migrate ${state.vm.name}` : 'Migrate VM';
  persist();
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only the host posts into this frame; still, render only what has the expected shape.
  if (!isHostMessage(event.data)) return;
  state = event.data.state;
  skewMs = event.data.hostNow - Date.now();
  render();
});

function isCheckbox(node: Element | null): node is HTMLElement & { checked: boolean } {
  return !!node && node.tagName === 'VSCODE-CHECKBOX';
}

// Keyboard, as in the Blixard TUI. Capture phase, so the dropdown's own handling of digits
// (type-ahead) and Enter (open the list) gives way to the TUI's meaning when the list is closed.
window.addEventListener(
  'keydown',
  (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const active = document.activeElement;
    const dropdownOpen = form?.isDropdownOpen() ?? false;
    if (e.key === 'Escape') {
      if (dropdownOpen) return;
      e.preventDefault();
      post({ type: 'close' });
      return;
    }
    if (!form) return;
    const onTarget = active === form.targetElement;
    if (e.key === 'Enter') {
      if (dropdownOpen) return;
      if (isCheckbox(active)) {
        e.preventDefault();
        e.stopPropagation();
        if (!active.hasAttribute('disabled')) active.checked = !active.checked;
        return;
      }
      if (active && active.tagName === 'VSCODE-BUTTON') return;
      e.preventDefault();
      e.stopPropagation();
      form.submit();
      return;
    }
    if (onTarget && !dropdownOpen && state?.cluster.kind === 'blixard') {
      if (/^[0-9]$/.test(e.key)) {
        e.preventDefault();
        e.stopPropagation();
        form.typeDigit(e.key);
      } else if (e.key === 'Backspace') {
        e.preventDefault();
        e.stopPropagation();
        form.backspace();
      }
    }
  },
  true,
);

setText(app, '');
app.append(simplePage('Migrate VM', 'Loading…', true, false));
post({ type: 'ready' });
