// The newcomer's journey, in one workbench with the extension installed from the release VSIX
// and nothing configured:
//   1. the welcome view → "Start Local Dev Cluster" → the tree fills with 3 nodes and their VMs;
//   2. a cold migration of a stopped VM and a live migration of a running one through the dialog,
//      keyboard only; the status bar shows the migration while it runs, the output channel has
//      its lines, the VMs appear under their new nodes;
//   3. a cluster added with "Add Blixard Cluster…" (a slow link, so migrations last), a live
//      migration cancelled from the Migrations view; the history shows it cancelled;
//   4. the History panel: filter active / completed / all, a migration's timeline, Export CSV.
// Screenshots go to .test-artifacts/journeys/; the README's to media/screenshots/journey-*.png.

import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CompanionCluster } from './support/companion-cluster';
import { eventually, exactly, InstalledWorkbench } from './support/installed-workbench';

const DEV_CLUSTER = 'Local dev cluster';
const STAGING = 'Staging';
const MIGRATION_LOG = 'Blixard Migrations';

describe('Journey: a newcomer, from nothing configured to migrations and their history', function () {
  this.timeout(600_000);
  let wb: InstalledWorkbench;
  let staging: CompanionCluster | undefined;

  before(async () => {
    wb = await InstalledWorkbench.open();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`failed-newcomer-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.close();
    await staging?.stop();
  });

  /** Opens the dialog for a VM from the command palette, keyboard only: F1, the command, (the cluster,) the VM. */
  async function openDialogFromPalette(vm: string, cluster?: string): Promise<void> {
    await wb.runCommand('Blixard: Migrate VM…');
    if (cluster) await wb.answerQuickInput(cluster, { pick: cluster, title: /choose a cluster/ });
    await wb.answerQuickInput(vm, { pick: vm, title: /choose a VM/ });
    await wb.editorTab(`Migrate ${vm}`).waitFor({ timeout: 60_000 });
    const dialog = wb.webview();
    await dialog.locator('h1', { hasText: exactly(`Migrate ${vm}`) }).waitFor({ timeout: 60_000 });
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
  }

  /** In the open dialog: types the id of a node other than the source, checks the live toggle, and submits with Enter. */
  async function submitToAnotherNode(vm: string, live: boolean): Promise<string> {
    const dialog = wb.webview();
    const source = ((await dialog.locator('.source-node').first().textContent()) ?? '').trim();
    const sourceId = /node-(\d+)/.exec(source)?.[1];
    assert.ok(sourceId, `the dialog names the source node (${source})`);
    const targetId = sourceId === '1' ? '2' : '1';
    await wb.page.keyboard.press(targetId);
    await dialog.locator('#migrate:not([disabled])').waitFor({ timeout: 30_000 });
    const liveToggle = dialog.locator('#live');
    assert.equal(await liveToggle.evaluate((el) => (el as HTMLInputElement).checked), live, `live migration is ${live ? 'on' : 'off'} for ${vm}`);
    if (!live) assert.equal(await liveToggle.getAttribute('disabled'), '', 'the live toggle is locked for a stopped VM');
    await wb.page.keyboard.press('Enter');
    return `node-${targetId}`;
  }

  async function waitForVmUnder(cluster: string, vm: string, node: string): Promise<void> {
    await eventually(
      async () => {
        await wb.expandRow('Clusters', cluster);
        await wb.expandRowWithChildren('Clusters', node);
        return (await wb.parentOf('Clusters', vm)) === node;
      },
      async () => `${vm} under ${node} in the Clusters tree (rows: ${JSON.stringify(await wb.treeRows('Clusters'))})`,
      90_000,
    );
  }

  it('1. first run: the welcome view, "Start Local Dev Cluster", the tree fills with 3 nodes and their VMs', async () => {
    await wb.openBlixardContainer();
    const welcome = wb.viewPane('Clusters').locator('.welcome-view-content');
    await welcome.waitFor({ timeout: 60_000 });
    assert.match(await welcome.innerText(), /No Blixard or KubeVirt cluster is configured yet/);
    for (const button of ['Add Blixard Cluster…', 'Start Local Dev Cluster', 'Use kubeconfig…', 'Open Settings']) {
      await welcome.getByRole('button', { name: button }).waitFor({ timeout: 30_000 });
    }
    await wb.screenshot('1-welcome', { readme: 'journey-welcome' });

    await welcome.getByRole('button', { name: 'Start Local Dev Cluster' }).click();
    await wb.treeRow('Clusters', DEV_CLUSTER).waitFor({ timeout: 120_000 });
    await wb.expandRow('Clusters', DEV_CLUSTER);
    const nodes = await eventually(
      async () => {
        const rows = await wb.treeRows('Clusters');
        const found = rows.filter((r) => r.level === 2 && /^node-\d$/.test(r.label));
        return found.length === 3 ? found : undefined;
      },
      async () => `3 nodes under "${DEV_CLUSTER}" (rows: ${JSON.stringify(await wb.treeRows('Clusters'))})`,
    );
    assert.ok(nodes.some((n) => /leader/i.test(n.description)), `one node is marked leader: ${JSON.stringify(nodes)}`);
    for (const n of nodes) await wb.expandRowWithChildren('Clusters', n.label);
    const vms = await eventually(
      async () => {
        const rows = (await wb.treeRows('Clusters')).filter((r) => r.level === 3);
        return rows.length === 6 ? rows : undefined;
      },
      async () => `the dev cluster's 6 VMs under its nodes (rows: ${JSON.stringify(await wb.treeRows('Clusters'))})`,
    );
    assert.deepEqual(vms.map((v) => v.label).sort(), ['vm-1', 'vm-2', 'vm-3', 'vm-4', 'vm-5', 'vm-6']);
    await wb.screenshot('1-dev-cluster-tree', { part: 'sidebar', readme: 'journey-tree' });
  });

  it('2. a cold and a live migration through the dialog, keyboard only: status bar, output channel, the tree moves them', async () => {
    await wb.recordStatusBar();

    // Cold: vm-2 is stopped (the dev cluster starts the odd ones).
    await openDialogFromPalette('vm-2');
    await wb.screenshot('2-cold-form', { part: 'editor' });
    const coldTarget = await submitToAnotherNode('vm-2', false);
    await wb.webview().locator('h1', { hasText: exactly('Migrated vm-2') }).waitFor({ timeout: 120_000 });
    await wb.screenshot('2-cold-done', { part: 'editor' });
    await wb.runCommand('View: Close All Editors');

    // Live: vm-3 is running (2 GiB).
    await openDialogFromPalette('vm-3');
    await wb.screenshot('2-live-form', { part: 'editor', readme: 'journey-dialog' });
    const liveTarget = await submitToAnotherNode('vm-3', true);
    await wb.webview().locator('h1', { hasText: /^Migrat(ing|ed) vm-3$/ }).waitFor({ timeout: 60_000 });
    await wb.screenshot('2-live-running');
    await wb.webview().locator('h1', { hasText: exactly('Migrated vm-3') }).waitFor({ timeout: 180_000 });
    await wb.screenshot('2-live-done', { part: 'editor' });

    const seen = await wb.recordedStatusBar();
    assert.ok(seen.some((t) => /\b1 migrating\b/.test(t)), `the status bar showed "1 migrating" while a migration ran (it showed: ${JSON.stringify(seen)})`);
    assert.ok(seen.some((t) => /vm-3/.test(t)), `the status bar named the ended migration of vm-3 (it showed: ${JSON.stringify(seen)})`);

    const drawn = await wb.showOutputChannel(MIGRATION_LOG);
    assert.ok(drawn.some((l) => /vm-3/.test(l)), `the "${MIGRATION_LOG}" output channel shows vm-3's lines (drawn: ${drawn.join(' / ')})`);
    await wb.screenshot('2-output-channel');
    const log = wb.outputChannelLog(MIGRATION_LOG);
    for (const [vm, target] of [['vm-2', coldTarget], ['vm-3', liveTarget]]) {
      const lines = log.split('\n').filter((l) => l.includes(`  ${vm}  `));
      const targetId = target.replace('node-', '');
      // One line per transition: "<cluster>  <vm>  <migration>  Switching → Succeeded  <source id> → <target id>  +Ns" (the final phase reads as the outcome).
      for (const phase of ['Preparing', 'Transferring', 'Switching', 'Succeeded']) {
        assert.ok(lines.some((l) => new RegExp(`→ ${phase}\\s+\\d+ → ${targetId}\\b`).test(l)), `the output channel has ${vm}'s transition to ${phase}, → ${targetId} (lines: ${lines.join(' / ') || 'none'})`);
      }
    }
    await wb.runCommand('View: Close All Editors');
    await waitForVmUnder(DEV_CLUSTER, 'vm-2', coldTarget);
    await waitForVmUnder(DEV_CLUSTER, 'vm-3', liveTarget);
    await wb.screenshot('2-tree-after');
  });

  /** The migration rows of the Migrations view: their group (Active/Recent), label and description. */
  async function migrationRows(): Promise<Array<{ group: string; label: string; description: string; index: number }>> {
    const rows = await wb.treeRows('Migrations');
    let group = '';
    return rows.flatMap((r, index) => {
      if (r.level === 1) group = r.label;
      return r.level === 2 ? [{ group, label: r.label, description: r.description, index }] : [];
    });
  }

  /** The rows of the History panel's table, as their cells read. */
  async function historyRows(): Promise<string[][]> {
    return wb
      .webview()
      .locator('vscode-data-grid-row.history-row')
      .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('vscode-data-grid-cell')).map((c) => (c.textContent ?? '').trim())));
  }

  async function chooseHistoryFilter(label: 'All' | 'Active' | 'Completed'): Promise<void> {
    const history = wb.webview();
    await history.locator('#filter').click();
    await history.getByRole('option', { name: label, exact: true }).click();
  }

  /** Waits until the History panel's rows satisfy `check` (the panel redraws on every change). */
  async function historyRowsWhere(check: (rows: string[][]) => boolean, what: string): Promise<string[][]> {
    return eventually(async () => {
      const rows = await historyRows();
      return check(rows) ? rows : undefined;
    }, async () => `${what} (rows: ${JSON.stringify(await historyRows().catch(() => []))})`, 60_000);
  }

  const isRow = (row: string[], state: string, vm: string, cluster: string) => row[0].endsWith(state) && row[1] === vm && row[2] === cluster;

  it('3. a live migration cancelled from the Migrations view; the history shows it cancelled', async () => {
    staging = await CompanionCluster.start(wb.extensionDir, { bandwidthMbps: 50 });
    // Add it as a person does: the command and its three questions.
    await wb.runCommand('Blixard: Add Blixard Cluster…');
    await wb.answerQuickInput(STAGING, { title: /Add Blixard Cluster \(1\/3\)/ });
    await wb.answerQuickInput(staging.endpoints.join(', '), { title: /Add Blixard Cluster \(2\/3\)/ });
    await wb.answerQuickInput('', { title: /Add Blixard Cluster \(3\/3\)/ });
    await wb.treeRow('Clusters', STAGING).waitFor({ timeout: 60_000 });

    // vm-1 (512 MiB, running) over a 50 Mbit/s link: over a minute of copying.
    await openDialogFromPalette('vm-1', STAGING);
    await submitToAnotherNode('vm-1', true);
    const dialog = wb.webview();
    await dialog.locator('h1', { hasText: exactly('Migrating vm-1') }).waitFor({ timeout: 60_000 });
    await dialog.locator('.step.current .phase', { hasText: 'Transferring' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#progress-figures', { hasText: /copied/ }).waitFor({ timeout: 60_000 });
    // A few percent in, so the picture shows a moving bar (the link copies ~6 MB/s).
    await eventually(async () => Number((await dialog.locator('.bar').getAttribute('aria-valuenow')) ?? 0) >= 4, 'the copy to pass 4%', 60_000);
    await wb.screenshot('3-live-progress', { readme: 'journey-progress' });

    await wb.expandViewPane('Migrations');
    const active = await eventually(
      async () => (await migrationRows()).find((r) => r.group === 'Active' && r.label === 'vm-1' && r.description.includes(STAGING)),
      async () => `vm-1 of ${STAGING} under Active in the Migrations view (rows: ${JSON.stringify(await migrationRows())})`,
    );
    assert.match(active.description, /Transferring/, 'the Migrations view shows the phase');
    await wb.screenshot('3-migrations-view', { part: 'sidebar', readme: 'journey-migrations' });
    const row = wb.viewPane('Migrations').locator('.monaco-list-row').nth(active.index);
    await row.click({ button: 'right' });
    const cancel = wb.page.getByRole('menuitem', { name: exactly('Cancel Migration') });
    await cancel.waitFor({ timeout: 30_000 });
    // In code-server a click on a menu item right after the menu opens is sometimes dropped;
    // hovering the item and pressing Enter is what a keyboard user does and always lands.
    await cancel.hover();
    await wb.page.keyboard.press('Enter');

    await eventually(
      async () => (await migrationRows()).find((r) => r.group === 'Recent' && r.label === 'vm-1' && r.description.includes(STAGING) && /cancelled/.test(r.description)),
      async () => `vm-1 of ${STAGING} under Recent, cancelled (rows: ${JSON.stringify(await migrationRows())})`,
    );
    await wb.editorTab(/vm-1/).click();
    await wb.webview().locator('h1', { hasText: exactly('Migration of vm-1 cancelled') }).waitFor({ timeout: 60_000 });
    await wb.runCommand('View: Close All Editors');

    await wb.runCommand('Blixard: Show Migration History');
    const history = wb.webview();
    await history.locator('h1', { hasText: exactly('Migration History') }).waitFor({ timeout: 60_000 });
    await historyRowsWhere((rows) => rows.some((r) => isRow(r, 'cancelled', 'vm-1', STAGING)), `vm-1 of ${STAGING} cancelled in the History panel`);
    await wb.screenshot('3-history-cancelled', { part: 'editor' });
  });

  it('4. the History panel: filter active / completed / all, a timeline, Export CSV', async () => {
    // A migration that lasts the whole journey: vm-3 (2 GiB) of Staging at 50 Mbit/s.
    await wb.runCommand('View: Close All Editors');
    await openDialogFromPalette('vm-3', STAGING);
    await submitToAnotherNode('vm-3', true);
    await wb.webview().locator('.step.current .phase', { hasText: 'Transferring' }).waitFor({ timeout: 60_000 });
    await wb.runCommand('View: Close All Editors');

    await wb.runCommand('Blixard: Show Migration History');
    const history = wb.webview();
    await history.locator('h1', { hasText: exactly('Migration History') }).waitFor({ timeout: 60_000 });

    await chooseHistoryFilter('Active');
    const activeRows = await historyRowsWhere((rows) => rows.length === 1 && isRow(rows[0], 'running', 'vm-3', STAGING), `only vm-3 of ${STAGING}, running, under Active`);
    assert.equal(activeRows.length, 1);

    await chooseHistoryFilter('Completed');
    const completed = await historyRowsWhere(
      (rows) => rows.length === 3 && rows.some((r) => isRow(r, 'succeeded', 'vm-2', DEV_CLUSTER)) && rows.some((r) => isRow(r, 'succeeded', 'vm-3', DEV_CLUSTER)) && rows.some((r) => isRow(r, 'cancelled', 'vm-1', STAGING)),
      'the three ended migrations (two succeeded on the dev cluster, one cancelled on Staging) under Completed',
    );
    assert.ok(!completed.some((r) => r[0].endsWith('running')), 'nothing running under Completed');

    await chooseHistoryFilter('All');
    await historyRowsWhere((rows) => rows.length === 4, 'all four migrations under All');
    await wb.screenshot('4-history-all', { readme: 'journey-history' });

    // The timeline of the live migration on the dev cluster.
    await history.locator('vscode-data-grid-row.history-row', { hasText: DEV_CLUSTER }).filter({ hasText: 'vm-3' }).first().click();
    await history.locator('#detail:not([hidden])').waitFor({ timeout: 30_000 });
    const phases = await eventually(async () => {
      const names = await history.locator('#timeline .phase-name').allTextContents();
      return names.length >= 4 ? names : undefined;
    }, 'the phase timeline of vm-3');
    // The final phase reads as the outcome, as everywhere else (Blixard's own word is "Completed").
    assert.deepEqual(phases, ['Preparing', 'Transferring', 'Switching', 'Succeeded']);
    await wb.screenshot('4-history-timeline', { part: 'editor', readme: 'journey-history-timeline' });

    // Export CSV: the save dialog offers a file in the workspace; Enter accepts it.
    await history.locator('#export-csv').click();
    const input = wb.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await eventually(
      async () => /blixard-migrations-\d{4}-\d{2}-\d{2}\.csv$/.test(await input.inputValue()),
      async () => `the save dialog to offer a dated CSV file name (it shows "${await input.inputValue()}")`,
      30_000,
    );
    await wb.page.keyboard.press('Enter');
    const csvFile = await eventually(
      async () => {
        const name = readdirSync(wb.workspaceFolder).find((f) => /^blixard-migrations-.*\.csv$/.test(f));
        const file = name && path.join(wb.workspaceFolder, name);
        return file && existsSync(file) && readFileSync(file, 'utf8').trim().split('\n').length >= 5 ? file : undefined;
      },
      () => `the exported CSV in ${wb.workspaceFolder} (${readdirSync(wb.workspaceFolder).join(', ') || 'empty'})`,
    );
    const lines = readFileSync(csvFile, 'utf8').trim().split('\n');
    assert.match(lines[0], /^id,cluster,kind,datacenter,namespace,vm,name,source_node,target_node,mode,origin,state,phase,/, 'the CSV header');
    assert.equal(lines.length, 5, `a header and the four migrations: ${lines.join('\n')}`);
    assert.ok(lines.some((l) => l.includes(',vm-1,') && l.includes(',cancelled,')), 'the cancelled migration is in the CSV');
    assert.ok(lines.filter((l) => l.includes(',succeeded,')).length === 2, 'both completed migrations are in the CSV');
    await history.locator('#notice', { hasText: /4/ }).waitFor({ timeout: 30_000 });
    await wb.screenshot('4-history-exported', { part: 'editor' });
    assert.deepEqual(wb.pageErrors.filter((e) => /webview|history|dialog|Content Security Policy/i.test(e)), [], 'no errors in the page');
  });
});
