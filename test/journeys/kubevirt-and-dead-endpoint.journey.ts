// Two journeys in one workbench with the extension installed from the release VSIX, configured
// by settings: a KubeVirt cluster (the local KubeVirt-compatible API server, reached through a
// kubeconfig) and a Blixard cluster whose only endpoint is dead.
//   5. a migration started in the dialog and one started behind the extension's back (a VMIM
//      created directly on the server), both followed to Succeeded in the Migrations view, the
//      output channel and the history;
//   6. the dead endpoint is one error item with Retry, Retry keeps it one item, no modal and no
//      notification; everything else works (the journey above ran next to it).
// Screenshots go to .test-artifacts/journeys/.

import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../support/kube-api-server';
import { eventually, exactly, InstalledWorkbench } from './support/installed-workbench';

const CONTEXT = 'kubevirt-dev';
const DEAD = 'Old datacenter';
const MIGRATION_LOG = 'Blixard Migrations';

/** A loopback port nothing listens on: taken from the OS, then released. */
async function deadEndpoint(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

describe('Journey: a KubeVirt cluster next to a dead Blixard endpoint', function () {
  this.timeout(600_000);
  let kube: KubeApiServer;
  let wb: InstalledWorkbench;
  let kubeDir: string;

  before(async () => {
    kube = await startKubeApiServer({ timing: { perPhaseMs: 700 } });
    seedCluster(kube, { nodes: 3, vmisPerNode: 2 });
    kubeDir = mkdtempSync(path.join(os.tmpdir(), 'blixard-journey-kube-'));
    const kubeconfig = path.join(kubeDir, 'config');
    await kube.writeKubeconfig(kubeconfig, { clusterName: CONTEXT, contexts: [{ name: CONTEXT }], currentContext: CONTEXT });
    wb = await InstalledWorkbench.open({
      userSettings: {
        'blixard.clusters': [{ name: DEAD, endpoints: [await deadEndpoint()] }],
        'blixard.kubevirt.kubeconfig': [kubeconfig],
      },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`failed-kubevirt-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.close();
    await kube?.stop();
    if (kubeDir) rmSync(kubeDir, { recursive: true, force: true });
  });

  async function migrationRows(): Promise<Array<{ group: string; label: string; description: string }>> {
    const rows = await wb.treeRows('Migrations');
    let group = '';
    return rows.flatMap((r) => {
      if (r.level === 1) group = r.label;
      return r.level === 2 ? [{ group, label: r.label, description: r.description }] : [];
    });
  }

  async function historyRows(): Promise<string[][]> {
    return wb
      .webview()
      .locator('vscode-data-grid-row.history-row')
      .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll('vscode-data-grid-cell')).map((c) => (c.textContent ?? '').trim())));
  }

  /** Which node row a VM row sits under, expanding the context's nodes first. */
  async function nodeOf(vm: string): Promise<string | undefined> {
    await wb.expandRow('Clusters', CONTEXT);
    for (const node of ['node01', 'node02', 'node03']) await wb.expandRow('Clusters', new RegExp(`^${node}$`)).catch(() => undefined);
    return wb.parentOf('Clusters', vm);
  }

  it('5. a migration from the dialog and one behind the extension\'s back, both followed to Succeeded in the view, the output and the history', async () => {
    await wb.openBlixardContainer();
    await wb.treeRow('Clusters', CONTEXT).waitFor({ timeout: 120_000 });
    await wb.expandRow('Clusters', CONTEXT);
    await wb.expandRowWithChildren('Clusters', 'node01');
    await wb.treeRow('Clusters', 'vm-001').waitFor({ timeout: 60_000 });
    const before = await nodeOf('vm-001');
    assert.equal(before, 'node01');
    await wb.screenshot('5-kubevirt-tree', { part: 'sidebar' });

    // From the dialog, keyboard only: the palette, the context, the VMI, then Enter ("Any node": the scheduler decides).
    await wb.runCommand('Blixard: Migrate VM…');
    await wb.answerQuickInput(CONTEXT, { pick: CONTEXT, title: /choose a cluster/ });
    await wb.answerQuickInput('vm-001', { pick: 'vm-001', title: /choose a VM/ });
    const dialog = wb.webview();
    await dialog.locator('h1', { hasText: exactly('Migrate vm-001') }).waitFor({ timeout: 60_000 });
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    assert.equal(await dialog.locator('#live').evaluate((el) => (el as HTMLInputElement).checked), true, 'KubeVirt migrations are live');
    await dialog.locator('#migrate:not([disabled])').waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Enter');
    await dialog.locator('h1', { hasText: exactly('Migrating vm-001') }).waitFor({ timeout: 60_000 });

    // Behind its back: a VMIM created on the server, as kubectl or a node drain would.
    const behind = kube.createMigration({ vmiName: 'vm-004', namespace: 'default' });
    const behindName = behind.metadata.name!;
    await wb.screenshot('5-kubevirt-dialog-running');

    await dialog.locator('h1', { hasText: exactly('Migrated vm-001') }).waitFor({ timeout: 180_000 });
    const dialogRecord = await eventually(async () => kube.objects.migrations().find((m) => m.vmiName === 'vm-001' && m.finalPhase === 'Succeeded'), 'the server to hold vm-001\'s migration as Succeeded');
    assert.match(dialogRecord.name, /^kubevirt-migrate-vm-/, 'the dialog created the VMIM as virtctl names them');
    await eventually(async () => kube.objects.migration({ namespace: 'default', name: behindName })?.finalPhase === 'Succeeded', `the server's migration ${behindName} of vm-004 to succeed`, 120_000);

    // The Migrations view: both under Recent, succeeded.
    await wb.expandViewPane('Migrations');
    for (const vm of ['default/vm-001', 'default/vm-004']) {
      await eventually(
        async () => (await migrationRows()).find((r) => r.group === 'Recent' && r.label === vm && /succeeded/.test(r.description)),
        async () => `${vm} under Recent, succeeded, in the Migrations view (rows: ${JSON.stringify(await migrationRows())})`,
      );
    }
    await wb.screenshot('5-kubevirt-migrations-view', { part: 'sidebar' });

    // The output channel: each one's transitions, up to Succeeded.
    const log = await eventually(async () => {
      const text = wb.outputChannelLog(MIGRATION_LOG);
      return [dialogRecord.name, behindName].every((name) => new RegExp(`${name}\\s+Running → Succeeded`).test(text)) ? text : undefined;
    }, () => `both migrations' "Running → Succeeded" lines in the output channel:\n${wb.outputChannelLog(MIGRATION_LOG)}`);
    for (const name of [dialogRecord.name, behindName]) {
      for (const phase of ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded']) {
        assert.match(log, new RegExp(`${name}\\s+(\\S+ )?→ ${phase}\\b`), `the output channel has ${name}'s transition to ${phase}`);
      }
    }
    await wb.showOutputChannel(MIGRATION_LOG);
    await wb.screenshot('5-kubevirt-output');

    // The history: both succeeded.
    await wb.runCommand('Blixard: Show Migration History');
    await wb.webview().locator('h1', { hasText: exactly('Migration History') }).waitFor({ timeout: 60_000 });
    await eventually(
      async () => {
        const rows = await historyRows();
        return ['default/vm-001', 'default/vm-004'].every((vm) => rows.some((r) => r[0].endsWith('succeeded') && r[1] === vm && r[2] === CONTEXT)) || undefined;
      },
      async () => `both migrations succeeded in the History panel (rows: ${JSON.stringify(await historyRows())})`,
    );
    await wb.screenshot('5-kubevirt-history', { part: 'editor' });

    // The tree moved vm-001 to where the scheduler put it.
    const target = dialogRecord.targetNode;
    assert.ok(target && target !== 'node01', `the server moved vm-001 off node01 (to ${target})`);
    await eventually(async () => (await nodeOf('vm-001')) === target, async () => `vm-001 under ${target} in the tree (rows: ${JSON.stringify(await wb.treeRows('Clusters'))})`, 60_000);
  });

  it('6. a dead Blixard endpoint is one error item with Retry; no modal, no notification; the rest works', async () => {
    await wb.runCommand('View: Close All Editors');
    await wb.openBlixardContainer();
    const errorRow = wb.treeRow('Clusters', DEAD);
    await errorRow.waitFor({ timeout: 120_000 });
    // Clusters load when first opened: open it, as a person would, and it turns into the error item.
    if ((await errorRow.getAttribute('aria-expanded')) === 'false') await errorRow.locator('.monaco-tl-twistie').click();
    const deadRows = async () => (await wb.treeRows('Clusters')).filter((r) => r.label === DEAD);
    const reason = /unreachable|refused|unavailable|cannot reach|connect/i;
    const [dead] = await eventually(async () => {
      const rows = await deadRows();
      return rows.length === 1 && reason.test(rows[0].description) ? rows : undefined;
    }, async () => `one "${DEAD}" item saying why it is unreachable (rows: ${JSON.stringify(await wb.treeRows('Clusters'))})`);
    assert.equal(dead.level, 1, 'the error item stands where the cluster would');
    // Under it at most the reason, never nodes.
    const rows = await wb.treeRows('Clusters');
    const at = rows.findIndex((r) => r.label === DEAD);
    const underIt: typeof rows = [];
    for (let i = at + 1; i < rows.length && rows[i].level > 1; i++) underIt.push(rows[i]);
    assert.ok(underIt.length <= 1 && underIt.every((r) => reason.test(r.label) && r.expanded === undefined), `under the dead cluster only its reason: ${JSON.stringify(underIt)}`);

    await errorRow.hover();
    const retry = errorRow.locator('.actions .action-label[aria-label^="Retry"]');
    await retry.waitFor({ timeout: 30_000 });
    await wb.screenshot('6-dead-endpoint', { part: 'sidebar', readme: 'journey-dead-endpoint' });
    await retry.click();
    // Retried and still dead: still exactly one item, and no dialog or toast came up.
    await wb.page.waitForTimeout(3000); // the retry's deadline passes; nothing must appear meanwhile
    await eventually(async () => {
      const rows = await deadRows();
      return rows.length === 1 && reason.test(rows[0].description) ? rows : undefined;
    }, async () => `still one "${DEAD}" item after Retry (rows: ${JSON.stringify(await wb.treeRows('Clusters'))})`);
    assert.equal(await wb.page.locator('.monaco-dialog-box').count(), 0, 'no modal dialog');
    const toasts = await wb.page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    assert.deepEqual(toasts.filter((t) => /Blixard|Old datacenter|unreachable|connect/i.test(t)), [], 'no notification about the dead cluster');

    // Everything else works: the KubeVirt context still answers.
    await wb.expandRow('Clusters', CONTEXT);
    await wb.expandRowWithChildren('Clusters', 'node02');
    assert.equal((await wb.treeRows('Clusters')).filter((r) => r.level === 1 && r.label === CONTEXT).length, 1);
  });
});
