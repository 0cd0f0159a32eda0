// End to end, in a real workbench (code-server in Chromium): right-click a VM in the Clusters
// tree → "Migrate VM…", pick the target with the keyboard as in the Blixard TUI, submit, watch
// the stepper reach the end, find the VM under its new node; an invalid choice shows the TUI's
// message; the dialog keeps its state when hidden and across a window reload. Screenshots
// before, during and after, in the dark and the light theme, go to .test-artifacts/dialog/
// (the README's copies in media/screenshots/ are refreshed with BLIXARD_UPDATE_SCREENSHOTS=1).

import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from './support/code-server';
import { Workbench } from './support/workbench';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../support/kube-api-server';
import { SlowDevCluster, treeRow } from './dialog-support';

const ARTIFACTS = path.join(repoRoot, '.test-artifacts', 'dialog');
const README_SHOTS = path.join(repoRoot, 'media', 'screenshots');
const CLUSTER = 'E2E cluster';
const KUBE_CONTEXT = 'kv-e2e';

describe('Migration dialog, end to end', function () {
  this.timeout(600_000);
  let cluster: SlowDevCluster;
  let kube: KubeApiServer;
  let workbench: Workbench;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    cluster = await SlowDevCluster.start(repoRoot);
    // And a KubeVirt cluster: the local KubeVirt-compatible API server, reached through a kubeconfig.
    kube = await startKubeApiServer({ timing: { perPhaseMs: 400 } });
    seedCluster(kube, { nodes: 3, vmisPerNode: 2, notMigratableEvery: 5 });
    const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'blixard-e2e-')), 'kubeconfig');
    await kube.writeKubeconfig(kubeconfig, { clusterName: KUBE_CONTEXT, contexts: [{ name: KUBE_CONTEXT }], currentContext: KUBE_CONTEXT });
    workbench = await Workbench.open({
      viewport: { width: 1400, height: 900 },
      userSettings: {
        'workbench.colorTheme': 'Default Dark Modern',
        'blixard.clusters': [{ name: CLUSTER, endpoints: cluster.endpoints }],
        'blixard.kubevirt.kubeconfig': [kubeconfig],
        'blixard.kubevirt.contexts': [KUBE_CONTEXT],
      },
    });
    page = workbench.page;
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(ARTIFACTS, `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    await workbench?.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await kube?.stop().catch(() => undefined);
  });

  async function shot(name: string, readme?: string): Promise<void> {
    // No hover tooltip from the tree in the picture.
    await page.mouse.move(1200, 850);
    const file = path.join(ARTIFACTS, `${name}.png`);
    // The editor area: the dialog's tab and its content, at the size a person sees it.
    await page.locator('.part.editor').screenshot({ path: file });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-workbench.png`) });
    // The README's copies change only when asked (BLIXARD_UPDATE_SCREENSHOTS=1), so a test run leaves the tree clean.
    if (readme && process.env.BLIXARD_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(README_SHOTS, { recursive: true });
      copyFileSync(file, path.join(README_SHOTS, `${readme}.png`));
    }
  }

  /** The tree's rows, in order, with their depth: enough to tell which node a VM sits under. */
  async function treeRows(): Promise<{ level: number; label: string }[]> {
    return page.locator('.monaco-list-row').evaluateAll((rows) =>
      rows.map((r) => ({ level: Number(r.getAttribute('aria-level')), label: r.querySelector('.label-name')?.textContent?.trim() ?? '' })),
    );
  }

  async function expand(label: string): Promise<void> {
    const row = treeRow(page, label);
    await row.waitFor({ timeout: 60_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  }

  /** Which node row the VM row sits under, reading the tree as drawn. */
  async function nodeOfVmInTree(vm: string): Promise<string | undefined> {
    const rows = await treeRows();
    const i = rows.findIndex((r) => r.label === vm);
    if (i < 0) return undefined;
    for (let j = i - 1; j >= 0; j--) if (rows[j].level === rows[i].level - 1) return rows[j].label;
    return undefined;
  }

  /** The quick-pick row whose label is exactly `label` (fuzzy matching ranks look-alikes first at times). */
  function exactRow(label: string) {
    const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    return page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  }

  /** Runs a command from the palette by clicking the row titled exactly so (look-alike commands can rank first). */
  async function runExactCommand(title: string): Promise<void> {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await exactRow(title).click({ timeout: 30_000 });
  }

  /** Switches the colour theme with the theme picker. */
  /** Waits until the live copy is at least `percent` done, so the "during" picture shows a moving bar. */
  async function progressAtLeast(percent: number): Promise<void> {
    const bar = workbench.webview().locator('.bar');
    const deadline = Date.now() + 60_000;
    for (;;) {
      const now = Number((await bar.getAttribute('aria-valuenow').catch(() => null)) ?? 0);
      if (now >= percent) return;
      assert.ok(Date.now() < deadline, `the copy to reach ${percent}% (at ${now}%)`);
      await page.waitForTimeout(100);
    }
  }

  async function setTheme(label: string, kind: 'vs' | 'vs-dark'): Promise<void> {
    await runExactCommand('Preferences: Color Theme');
    const input = page.locator('.quick-input-widget input');
    await page.waitForFunction(() => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === '', undefined, { timeout: 30_000 });
    await input.fill(label);
    await exactRow(label).click({ timeout: 30_000 });
    await page.waitForFunction((k) => {
      const cls = document.querySelector('.monaco-workbench')?.classList;
      return !!cls && cls.contains(k) && (k === 'vs-dark' || !cls.contains('vs-dark'));
    }, kind, { timeout: 60_000 });
  }

  it('migrates a VM picked with the keyboard, from the tree context menu to the final state, in the dark theme', async () => {
    await workbench.openBlixardView();
    await expand(CLUSTER);
    // One node at a time, each until its VMs show, as a person would.
    await expand('node-3');
    await treeRow(page, 'vm-3').waitFor({ timeout: 60_000 });
    await expand('node-1');
    await treeRow(page, 'vm-1').waitFor({ timeout: 60_000 });
    assert.equal(await nodeOfVmInTree('vm-3'), 'node-3');

    await treeRow(page, 'vm-3').click({ button: 'right' });
    const item = page.getByRole('menuitem', { name: 'Migrate VM…' });
    await item.waitFor({ timeout: 30_000 });
    // Hover focuses the item; Enter runs it (a click right after the menu opens can be taken for the opening click's release).
    await item.hover();
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'Migrate vm-3' }).waitFor({ timeout: 60_000 });

    const dialog = workbench.webview();
    await dialog.locator('h1', { hasText: 'Migrate vm-3' }).waitFor({ timeout: 60_000 });
    // Focus starts on the target field.
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    await dialog.locator('#nodes').getByText('current node (source)').waitFor();
    assert.equal(await dialog.locator('#migrate').getAttribute('disabled'), '', 'Migrate is disabled until a target is chosen');
    await shot('1-form-dark', 'dialog-form-dark');

    // The TUI's invalid choices, typed as node ids: the source node, then one that does not exist.
    await page.keyboard.press('3');
    await dialog.locator('#target-message', { hasText: 'Target node must be different from source node' }).waitFor();
    assert.equal(await dialog.locator('#migrate').getAttribute('disabled'), '');
    await shot('2-invalid-dark', 'dialog-invalid-dark');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('9');
    await dialog.locator('#target-message', { hasText: 'Node 9 not found in cluster' }).waitFor();

    // A valid one: node 1. Enter submits.
    await page.keyboard.press('Backspace');
    await page.keyboard.press('1');
    await dialog.locator('#migrate:not([disabled])').waitFor();
    assert.equal((await dialog.locator('#target-message').textContent())?.trim(), '');
    await page.keyboard.press('Enter');

    await dialog.locator('h1', { hasText: 'Migrating vm-3' }).waitFor({ timeout: 60_000 });
    await dialog.locator('.step.current .phase', { hasText: 'Transferring' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#progress-figures', { hasText: /\d+% of .* copied · .* sent · .* remaining · .*\/s · ETA/ }).waitFor({ timeout: 60_000 });
    await dialog.locator('#elapsed', { hasText: /^Elapsed / }).waitFor();
    await dialog.locator('#cancel-migration').waitFor();
    await progressAtLeast(30);
    await shot('3-progress-dark', 'dialog-progress-dark');

    await dialog.locator('h1', { hasText: 'Migrated vm-3' }).waitFor({ timeout: 120_000 });
    const steps = await dialog.locator('.step').evaluateAll((els) => els.map((e) => `${e.querySelector('.phase')?.textContent}:${e.className.replace('step ', '')}:${e.querySelector('.when')?.textContent ? 'timed' : ''}`));
    assert.deepEqual(steps, ['Preparing:done:timed', 'Transferring:done:timed', 'Switching:done:timed', 'Completed:done:timed']);
    // A live migration's end says the guest's pause, the daemon's figure.
    await dialog.locator('#elapsed', { hasText: /^Took [\d.]+m?s · downtime \d+ms$/ }).waitFor();
    await dialog.locator('#migrate-again').waitFor();
    await dialog.locator('#close').waitFor();
    await shot('4-done-dark', 'dialog-done-dark');

    // The tree moved the VM by itself.
    const deadline = Date.now() + 60_000;
    while ((await nodeOfVmInTree('vm-3')) !== 'node-1') {
      assert.ok(Date.now() < deadline, `vm-3 under node-1 in the tree (rows: ${JSON.stringify(await treeRows())})`);
      await page.waitForTimeout(250);
    }
  });

  it('keeps its choices when hidden, and in the light theme migrates again', async () => {
    await setTheme('Light Modern', 'vs');
    const dialog = workbench.webview();
    await dialog.locator('#migrate-again').click();
    await dialog.locator('h1', { hasText: 'Migrate vm-3' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    await dialog.locator('.source-node', { hasText: 'node-1' }).waitFor();
    await shot('5-form-light', 'dialog-form-light');
    await page.keyboard.press('1');
    await dialog.locator('#target-message', { hasText: 'Target node must be different from source node' }).waitFor();
    await shot('6-invalid-light', 'dialog-invalid-light');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('2');
    await dialog.locator('#migrate:not([disabled])').waitFor();

    // Tab moves between fields; Enter and Space toggle a checkbox, as in the TUI.
    const checked = (id: string) => dialog.locator(`#${id}`).evaluate((el) => (el as HTMLElement & { checked: boolean }).checked);
    await page.keyboard.press('Tab');
    await dialog.locator('#live:focus').waitFor();
    await page.keyboard.press('Enter');
    await dialog.locator('#live-message', { hasText: 'The VM is stopped, moved, and started again.' }).waitFor();
    assert.equal(await checked('live'), false);
    await page.keyboard.press('Space');
    await dialog.locator('#live-message', { hasText: 'The VM keeps running while its memory is copied.' }).waitFor();
    await page.keyboard.press('Tab');
    await dialog.locator('#force:focus').waitFor();
    await page.keyboard.press('Space');
    await dialog.locator('#force-message', { hasText: /^Warning: Force skips the capacity check/ }).waitFor();
    await page.keyboard.press('Enter');
    await dialog.locator('#force-message').waitFor({ state: 'hidden' });
    assert.equal(await checked('force'), false);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await dialog.locator('#target:focus').waitFor();

    // Hide the panel behind another editor and bring it back: the webview is rebuilt from its saved state.
    const scriptNonce = () => dialog.locator('script[src$="dialog.js"]').evaluate((el) => (el as HTMLScriptElement).nonce ?? "");
    const nonceBefore = await scriptNonce();
    assert.match(nonceBefore, /^[A-Za-z0-9]{16,}$/);
    await workbench.runCommand('File: New Untitled Text File');
    await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 30_000 });
    await page.locator('.tabs-container .tab', { hasText: 'Migrate vm-3' }).click();
    await dialog.locator('h1', { hasText: 'Migrate vm-3' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#migrate:not([disabled])').waitFor({ timeout: 30_000 });
    const chosen = await dialog.locator('#target').evaluate((el) => (el as HTMLElement & { value: string }).value);
    assert.equal(chosen, 'node:2', 'the chosen target survived the hide');
    assert.notEqual(await scriptNonce(), nonceBefore, 'a new nonce for the new load');

    await dialog.locator('#migrate').click();
    await dialog.locator('.step.current .phase', { hasText: 'Transferring' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#progress-figures', { hasText: /copied/ }).waitFor({ timeout: 60_000 });
    await progressAtLeast(30);
    await shot('7-progress-light', 'dialog-progress-light');
    await dialog.locator('h1', { hasText: 'Migrated vm-3' }).waitFor({ timeout: 120_000 });
    await shot('8-done-light', 'dialog-done-light');
  });

  it('is restored after a window reload, showing the final state at once, and Esc closes it', async () => {
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
    const dialog = workbench.webview();
    // The panel's tab comes back first; its content used to follow ~9 s later (the serializer read
    // the clusters before it gave the webview any HTML). Now the webview draws its saved picture at once.
    await page.locator('.tabs-container .tab', { hasText: /Migrat(e|ed) vm-3/ }).waitFor({ timeout: 120_000 });
    const tabAt = Date.now();
    await dialog.locator('h1', { hasText: 'Migrated vm-3' }).waitFor({ timeout: 120_000 });
    const blankMs = Date.now() - tabAt;
    console.log(`      restored dialog content ${blankMs} ms after its tab`);
    // A bound, not a measurement: the extension host restarts in this time too (1.9–3.3 s measured on a busy 2-core machine).
    assert.ok(blankMs < 6000, `the restored dialog drew its content ${blankMs} ms after its tab came back`);
    await dialog.locator('.step.done .phase', { hasText: 'Completed' }).waitFor();
    await dialog.locator('#migrate-again').focus();
    await page.keyboard.press('Escape');
    await page.locator('.tabs-container .tab', { hasText: /Migrat(e|ed) vm-3/ }).waitFor({ state: 'detached', timeout: 30_000 });
  });

  /** "Blixard: Migrate VM…" from the palette, picking the cluster and the VM by typing. */
  async function pickFromPalette(clusterLabel: string, vm: string): Promise<void> {
    await workbench.runCommand('Blixard: Migrate VM…');
    const input = page.locator('.quick-input-widget input');
    await exactRow(clusterLabel).waitFor({ timeout: 30_000 });
    await input.fill(clusterLabel);
    await exactRow(clusterLabel).click();
    await exactRow(vm).waitFor({ timeout: 60_000 });
    await input.fill(vm);
    await exactRow(vm).click();
  }

  /** Runs a VM's context-menu item in the Clusters tree (hover + Enter, as in the first test). */
  async function vmMenu(vm: string, itemName: string): Promise<void> {
    // The Clusters view's row, not the Migrations view's row of the same VM.
    const clusters = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*Clusters/i }) });
    const row = clusters.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${vm}$`) }) });
    const item = page.getByRole('menuitem', { name: itemName });
    // The tree may redraw between finding the row and the click (a finished migration moves the
    // VM under another node), so the menu can open on the row that took its place. A right-click
    // focuses the row it lands on: run the item only when that row is the VM's, else try again.
    for (let attempt = 1; ; attempt++) {
      await row.click({ button: 'right' });
      await item.waitFor({ timeout: 30_000 });
      const focused = (await clusters.locator('.monaco-list-row.focused .label-name').first().textContent())?.trim();
      if (focused === vm) break;
      assert.ok(attempt < 5, `the context menu kept opening on ${focused}, not ${vm}`);
      await page.keyboard.press('Escape');
      await item.waitFor({ state: 'detached', timeout: 10_000 });
      await page.waitForTimeout(500);
    }
    await item.hover();
    await page.keyboard.press('Enter');
  }

  /** The node id of the VM's current node, read from the form ("node-2 (id 2)"), and another node's. */
  async function sourceAndOther(): Promise<{ source: string; other: string }> {
    const text = (await workbench.webview().locator('.source-node strong').textContent()) ?? '';
    const source = /id (\d+)/.exec(text)?.[1];
    assert.ok(source, `a node id in "${text}"`);
    return { source, other: source === '1' ? '2' : '1' };
  }

  const checkedOf = (id: string) => workbench.webview().locator(`#${id}`).evaluate((el) => (el as HTMLElement & { checked: boolean }).checked);
  const valueOf = (id: string) => workbench.webview().locator(`#${id}`).evaluate((el) => (el as HTMLElement & { value: string }).value);
  const focusedId = () => workbench.webview().locator('body').evaluate(() => document.activeElement?.id ?? '');

  async function expandAllNodes(): Promise<void> {
    await workbench.openBlixardView();
    await expand(CLUSTER);
    for (const n of ['node-1', 'node-2', 'node-3']) await expand(n);
    await treeRow(page, 'vm-5').waitFor({ timeout: 60_000 });
  }

  it('moves the form to cold when its VM is stopped from the tree, and says why in the seed\'s words (no dead end)', async () => {
    await expandAllNodes();
    await vmMenu('vm-5', 'Migrate VM…');
    const dialog = workbench.webview();
    await dialog.locator('h1', { hasText: 'Migrate vm-5' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    assert.equal(await checkedOf('live'), true, 'a running VM: live by default');
    assert.equal(await dialog.locator('#live').getAttribute('disabled'), null);
    const { other } = await sourceAndOther();
    await page.keyboard.press(other);
    await dialog.locator('#migrate:not([disabled])').waitFor();

    await vmMenu('vm-5', 'Stop VM');
    // The live toggle locks unticked, says why, and Migrate stays available for the cold move.
    await dialog.locator('#live-message', { hasText: 'VM must be running for live migration, so this migration is cold.' }).waitFor({ timeout: 60_000 });
    assert.equal(await checkedOf('live'), false, 'a disabled toggle never holds the value that blocks the form');
    assert.equal(await dialog.locator('#live').getAttribute('disabled'), '');
    await dialog.locator('#migrate:not([disabled])').waitFor({ timeout: 10_000 });
    await shot('12-stopped-goes-cold-light');

    // Enter on the target migrates it, cold; the outcome does not say a stopped VM "runs".
    await dialog.locator('#target').focus();
    await page.keyboard.press('Enter');
    await dialog.locator('h1', { hasText: 'Migrated vm-5' }).waitFor({ timeout: 120_000 });
    await dialog.locator('#route', { hasText: '· cold' }).waitFor();
    await dialog.locator('#outcome', { hasText: /^vm-5 is now on node-\d \(id \d\), stopped\.$/ }).waitFor({ timeout: 30_000 });
    await shot('13-stopped-moved-light');

    // "Migrate VM…" again on the VM whose finished dialog is open: a fresh form, not the old result.
    await vmMenu('vm-5', 'Migrate VM…');
    await dialog.locator('h1', { hasText: 'Migrate vm-5' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    assert.equal(await valueOf('target'), 'none', 'the old target (now the VM\'s own node) is not carried over');
    await dialog.locator('#live-message', { hasText: 'VM must be running for live migration' }).waitFor();
    await page.keyboard.press('Escape');
    await page.locator('.tabs-container .tab', { hasText: /Migrat(e|ed) vm-5/ }).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('answers every key in every field as the hint says: Enter migrates from the target only', async () => {
    const dialog = workbench.webview();
    const open = async () => {
      await vmMenu('vm-1', 'Migrate VM…');
      await dialog.locator('h1', { hasText: 'Migrate vm-1' }).waitFor({ timeout: 60_000 });
      await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    };
    const stillForm = async (why: string) => {
      await page.waitForTimeout(300);
      assert.equal(await dialog.locator('h1').first().textContent(), 'Migrate vm-1', `still the form: ${why}`);
    };
    await open();
    await dialog.locator('.hint', { hasText: 'On the target: type a node id to pick it, Enter migrates · Space or Enter toggles a checkbox · Tab moves · Esc closes' }).waitFor();
    const { source, other } = await sourceAndOther();

    // Target: Enter with nothing chosen submits nothing and says what is missing.
    await page.keyboard.press('Enter');
    await dialog.locator('#target-message', { hasText: 'Choose a target node' }).waitFor();
    await stillForm('Enter without a target');
    // Digits pick by id (the source is refused), Backspace takes one back.
    await page.keyboard.press(source);
    await dialog.locator('#target-message', { hasText: 'Target node must be different from source node' }).waitFor();
    assert.equal(await valueOf('target'), `typed:${source}`);
    assert.match((await dialog.locator('#target').textContent()) ?? '', new RegExp(`node-${source} \\(id ${source}\\) \\(current node\\)`), 'the dropdown names the node as everywhere else');
    await page.keyboard.press('Backspace');
    await page.keyboard.press(other);
    assert.equal(await valueOf('target'), `node:${other}`);
    // Space opens the list; Esc closes the list, not the dialog.
    await page.keyboard.press('Space');
    await dialog.locator('#target[open]').waitFor();
    await page.keyboard.press('Escape');
    await dialog.locator('#target:not([open])').waitFor();
    await stillForm('Esc on the open list');
    assert.equal(await valueOf('target'), `node:${other}`);

    // Tab to Live: Space and Enter toggle it, digits do nothing, Enter never submits from here.
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'live');
    await page.keyboard.press('Space');
    assert.equal(await checkedOf('live'), false);
    await dialog.locator('#live-message', { hasText: 'The VM is stopped, moved, and started again.' }).waitFor();
    await page.keyboard.press('Enter');
    assert.equal(await checkedOf('live'), true, 'Enter toggles, as in the TUI (and the hint)');
    await dialog.locator('#live-message', { hasText: 'The VM keeps running while its memory is copied.' }).waitFor();
    await stillForm('Enter on the live checkbox');
    await page.keyboard.press('Enter');
    assert.equal(await checkedOf('live'), false);
    await page.keyboard.press('3');
    assert.equal(await valueOf('target'), `node:${other}`, 'a digit off the target changes nothing');
    assert.equal(await checkedOf('live'), false);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedId(), 'target');
    await page.keyboard.press('Tab');

    // Tab to Force: the same keys.
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'force');
    await page.keyboard.press('Space');
    assert.equal(await checkedOf('force'), true);
    await dialog.locator('#force-message', { hasText: /^Warning: Force skips the capacity check/ }).waitFor();
    await page.keyboard.press('Enter');
    assert.equal(await checkedOf('force'), false);
    await stillForm('Enter on the force checkbox');
    await page.keyboard.press('2');
    assert.equal(await checkedOf('force'), false);
    assert.equal(await valueOf('target'), `node:${other}`);

    // Tab to Migrate, then Cancel; digits do nothing there; Shift+Tab walks back.
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'migrate');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'cancel');
    await page.keyboard.press('1');
    await stillForm('a digit on Cancel');
    // Past the buttons, the nodes table: Enter there migrates nothing (it used to submit from anywhere).
    await page.keyboard.press('Tab');
    assert.equal(await dialog.locator('#nodes').evaluate((grid) => grid.contains(document.activeElement)), true, 'focus in the nodes table');
    await page.keyboard.press('Enter');
    await stillForm('Enter in the nodes table');
    await dialog.locator('#target').focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'cancel');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedId(), 'migrate');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedId(), 'force');
    await shot('14-keyboard-light');

    // Esc from a checkbox closes; Enter on Cancel closes.
    await page.keyboard.press('Escape');
    await page.locator('.tabs-container .tab', { hasText: 'Migrate vm-1' }).waitFor({ state: 'detached', timeout: 30_000 });
    await open();
    // Live, Force, then Cancel: Migrate is disabled (no target yet) and takes no focus.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'cancel');
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'Migrate vm-1' }).waitFor({ state: 'detached', timeout: 30_000 });

    // Enter on Migrate submits what is shown: the cold choice made with Space.
    await open();
    await page.keyboard.press(other);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    assert.equal(await checkedOf('live'), false);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'migrate');
    await page.keyboard.press('Enter');
    await dialog.locator('#route', { hasText: '· cold' }).waitFor({ timeout: 60_000 });
    await dialog.locator('h1', { hasText: 'Migrated vm-1' }).waitFor({ timeout: 120_000 });
    await dialog.locator('#outcome', { hasText: /^vm-1 now runs on node-\d \(id \d\)\.$/ }).waitFor({ timeout: 30_000 });
  });

  it('fits narrow panels in light and dark: no phase marker outside the content margin', async () => {
    const dialog = workbench.webview();
    const markersInside = async () => {
      const { left, markers } = await dialog.locator('#app').evaluate((app) => ({
        left: app.getBoundingClientRect().left,
        markers: Array.from(document.querySelectorAll('.step .marker')).map((m) => m.getBoundingClientRect().left),
      }));
      assert.ok(markers.length > 0);
      for (const m of markers) assert.ok(m >= left - 0.5, `a phase marker at x=${m} sticks out of the content, which starts at x=${left}`);
      const overflow = await dialog.locator('body').evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth);
      assert.ok(overflow <= 0, `the dialog scrolls sideways by ${overflow} px`);
    };
    await markersInside();
    await shot('15-done-light');
    await page.setViewportSize({ width: 820, height: 900 });
    try {
      await markersInside();
      await shot('16-done-narrow-light');
      await vmMenu('vm-3', 'Migrate VM…');
      await dialog.locator('h1', { hasText: 'Migrate vm-3' }).waitFor({ timeout: 60_000 });
      await shot('17-form-narrow-light');
      await setTheme('Dark Modern', 'vs-dark');
      await shot('18-form-narrow-dark');
      await page.locator('.tabs-container .tab', { hasText: /Migrat(e|ed) vm-1/ }).click();
      await dialog.locator('h1', { hasText: 'Migrated vm-1' }).waitFor({ timeout: 60_000 });
      await markersInside();
      await shot('19-done-narrow-dark');
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
    await shot('20-done-dark');
    await workbench.runCommand('View: Close All Editors');
  });

  it('shows the history at 900 px without scrolling sideways, each row on one line', async () => {
    await page.setViewportSize({ width: 900, height: 800 });
    try {
      await workbench.runCommand('View: Toggle Primary Side Bar Visibility');
      await workbench.runCommand('Blixard: Show Migration History');
      const history = workbench.webview();
      await history.locator('.history-row').first().waitFor({ timeout: 60_000 });
      const layout = await history.locator('#migrations').evaluate((grid) => {
        const rows = Array.from(grid.querySelectorAll('.history-row'));
        const heights = rows.map((r) => Array.from(r.querySelectorAll('vscode-data-grid-cell')).map((c) => (c as HTMLElement).getBoundingClientRect().height));
        return {
          page: document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth,
          grid: grid.scrollWidth - grid.clientWidth,
          width: document.scrollingElement!.clientWidth,
          tallest: Math.max(...heights.flat()),
          shortest: Math.min(...heights.flat()),
        };
      });
      assert.ok(layout.page <= 0, `the history panel (${layout.width} px) scrolls sideways by ${layout.page} px`);
      assert.ok(layout.grid <= 0, `the table scrolls sideways by ${layout.grid} px in a ${layout.width} px panel`);
      assert.ok(layout.tallest < layout.shortest * 1.5, `a cell wraps onto a second line (${layout.tallest} px vs ${layout.shortest} px)`);
      await page.mouse.move(890, 790);
      await page.locator('.part.editor').screenshot({ path: path.join(ARTIFACTS, '21-history-900-dark.png') });
      await setTheme('Light Modern', 'vs');
      await page.mouse.move(890, 790);
      await page.locator('.part.editor').screenshot({ path: path.join(ARTIFACTS, '22-history-900-light.png') });
      await workbench.runCommand('View: Close All Editors');
      await workbench.runCommand('View: Toggle Primary Side Bar Visibility');
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
  });

  it('from the command palette: picks a KubeVirt cluster and a VMI by typing; live locked on, "Any node", LiveMigratable=False explained', async () => {
    const dialog = workbench.webview();

    await pickFromPalette(KUBE_CONTEXT, 'vm-005');
    await dialog.locator('h1', { hasText: 'Migrate vm-005' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#live-message', { hasText: /^VM is not live-migratable: / }).waitFor();
    assert.equal(await dialog.locator('#live').evaluate((el) => (el as HTMLElement & { checked: boolean }).checked), true, 'KubeVirt is always live');
    assert.equal(await dialog.locator('#live').getAttribute('disabled'), '', 'and the toggle is locked');
    assert.equal(await dialog.locator('#target').evaluate((el) => (el as HTMLElement & { value: string }).value), 'any', '"Any node" by default');
    assert.equal(await dialog.locator('#force').isVisible(), false, 'no Force on KubeVirt');
    assert.equal(await dialog.locator('#migrate').getAttribute('disabled'), '');
    await shot('9-kubevirt-not-migratable', 'dialog-kubevirt-not-migratable');
    await dialog.locator('#target').focus();
    await page.keyboard.press('Escape');
    await page.locator('.tabs-container .tab', { hasText: 'Migrate vm-005' }).waitFor({ state: 'detached', timeout: 30_000 });

    await pickFromPalette(KUBE_CONTEXT, 'vm-001');
    await dialog.locator('h1', { hasText: 'Migrate vm-001' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    await dialog.locator('#migrate:not([disabled])').waitFor();
    await page.keyboard.press('Enter');
    await dialog.locator('.step.current .phase', { hasText: /TargetReady|Running/ }).waitFor({ timeout: 60_000 });
    await shot('10-kubevirt-progress', 'dialog-kubevirt-progress');
    await dialog.locator('h1', { hasText: 'Migrated vm-001' }).waitFor({ timeout: 120_000 });
    const steps = await dialog.locator('.step .phase').allTextContents();
    assert.deepEqual(steps, ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded']);
    const record = kube.objects.migrations().find((m) => m.vmiName === 'vm-001');
    assert.ok(record && /^kubevirt-migrate-vm-/.test(record.name) && record.finalPhase === 'Succeeded');
    assert.equal((record.lastObject.spec as Record<string, unknown>).addedNodeSelector, undefined, 'the scheduler chose');
    await shot('11-kubevirt-done', 'dialog-kubevirt-done');
  });

  it('raised no errors in the page', () => {
    assert.deepEqual(pageErrors.filter((e) => /dialog|webview-ui-toolkit|Content Security Policy/i.test(e)), []);
  });
});
