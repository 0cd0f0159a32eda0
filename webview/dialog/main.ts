// Browser side of the migration dialog. Renders what the host sends (one full state per
// message), keeps the user's choices and the last state shown with setState so hiding or
// reloading loses nothing — a restored dialog shows its last picture at once, marked as loading,
// until the host has fresh data — and speaks only the typed protocol in src/protocol/migration-dialog.ts.

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
import { isHostMessage, type DialogViewState, type PersistedDialogState } from '../../src/protocol/migration-dialog';
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
/** What this webview showed before it was rebuilt; shown until the host has loaded the cluster again. */
let restored: DialogViewState | undefined = persisted?.view ? stillPicture(persisted.view) : undefined;
const restoringNotice = el('p', { class: 'restoring', id: 'restoring', role: 'status' });
let skewMs = 0;
let form: FormView | undefined;
let tracking: TrackingView | undefined;
let shownStage: string | undefined;
/** Focus moves to the stage's first control once it is live (not while a restored picture is inert). */
let focusPending = false;

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
  const view = hostLoaded(state) ? state : restored;
  if (view && (view.stage === 'form' || view.stage === 'tracking')) next.view = view;
  savePersisted(next);
}

/**
 * A saved state as a still picture: no live figures (they would be stale), no migration id (so
 * no Cancel), form stage rather than "submitting". The page is also inert until the host answers.
 */
function stillPicture(view: DialogViewState): DialogViewState {
  const still: DialogViewState = { ...view, stage: view.stage === 'submitting' ? 'form' : view.stage };
  delete still.migrationId;
  delete still.cancelling;
  if (still.migration) {
    still.migration = { ...still.migration };
    delete still.migration.progress;
  }
  return still;
}

/** Whether the host's state carries what it read from the cluster (a restored panel starts with nothing). */
function hostLoaded(s: DialogViewState | undefined): s is DialogViewState {
  return !!s && (s.stage === 'form' || s.stage === 'unavailable' || !!s.vm || !!s.migration || !!s.submitError);
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
    // The host starts over through `loading`, and render() gives the new form fresh values.
    migrateAgain: () => post({ type: 'migrateAgain' }),
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
  const restoring = !!restored && !hostLoaded(state);
  // Until the host has read the cluster again, show the picture from before the reload, inert.
  const shown = restoring ? restored : state;
  if (!shown) return;
  app.toggleAttribute('inert', restoring);
  app.classList.toggle('stale', restoring);
  setText(restoringNotice, restoring ? `Loading the latest from ${shown.cluster.label}…` : '');
  restoringNotice.hidden = !restoring;
  if (!restoring) restored = undefined;
  const stage = shown.stage === 'submitting' ? 'form' : shown.stage;
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
      app.replaceChildren(simplePage(`Migrate VM`, `Loading ${shown.cluster.label}…`, true, false));
    } else {
      app.replaceChildren(simplePage('Migrate VM', shown.loadError ?? 'The VM is not available.', false, true));
    }
    shownStage = stage;
  }
  form?.update(shown);
  tracking?.update(shown, skewMs);
  if (entering) focusPending = true;
  if (focusPending && !restoring) {
    focusPending = false;
    // Custom elements upgrade synchronously once registered; wait a frame so they can take focus.
    requestAnimationFrame(() => {
      if (form) form.focusTarget();
      else if (tracking) tracking.focusPrimary();
      else (document.getElementById('retry') as HTMLElement | null)?.focus();
    });
  }
  document.title = shown.vm ? `Migrate ${shown.vm.name}` : 'Migrate VM';
  persist();
}

window.addEventListener('message', (event: MessageEvent) => {
  // Only the host posts into this frame; still, render only what has the expected shape.
  if (!isHostMessage(event.data)) return;
  state = event.data.state;
  skewMs = event.data.hostNow - Date.now();
  if (state.stage === 'tracking' && state.migrationId && (formValues.targetNodeId !== undefined || formValues.force)) {
    // A choice that became a migration is spent: the next form ("Migrate again", or "Migrate VM…"
    // once this one has ended) starts fresh — the old target is now the VM's own node. Live/cold stays.
    formValues = { targetNodeId: undefined, live: state.submitted?.live ?? formValues.live, force: false };
  }
  render();
});

function isCheckbox(node: Element | null): node is HTMLElement & { checked: boolean } {
  return !!node && node.tagName === 'VSCODE-CHECKBOX';
}

// Keyboard, as in the Blixard TUI (the form's hint and the README say the same, once): Enter
// submits from the target field and nowhere else; Space or Enter toggles a checkbox; a button
// presses with Enter or Space; digits pick a node only on the target; Esc closes. So a key can
// never migrate what the user was not looking at. Capture phase, so the dropdown's own handling
// of digits (type-ahead) and Enter (open the list) gives way to the TUI's meaning when the list is closed.
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
        // The same path as a click, so the form hears the change like any other.
        if (!active.hasAttribute('disabled')) active.click();
        return;
      }
      // A button presses itself (Migrate submits, Cancel closes).
      if (active && active.tagName === 'VSCODE-BUTTON') return;
      e.preventDefault();
      e.stopPropagation();
      if (onTarget) form.submit();
      return;
    }
    if (onTarget && !dropdownOpen && state?.cluster.traits.typedNodeIds) {
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

restoringNotice.hidden = true;
app.before(restoringNotice);
setText(app, '');
if (restored) {
  // Rebuilt (hidden and shown, or a window reload): the last picture at once, not a blank page.
  render();
} else {
  app.append(simplePage('Migrate VM', 'Loading…', true, false));
}
post({ type: 'ready' });
