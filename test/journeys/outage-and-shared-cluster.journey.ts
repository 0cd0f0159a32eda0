// Three journeys of issue 9 in one workbench with the extension installed from the release VSIX,
// configured by settings as an operator has it:
//   7. one KubeVirt API server reached through two kubeconfig contexts (an admin and a read-only
//      viewer): the tree says they are one cluster, and a migration on it is one migration — one
//      in the status bar, one row in the Migrations view, one line per transition, one record;
//   8. a Blixard cluster killed four seconds into a live migration: the dialog says the cluster is
//      unreachable and its figures are stale (no ETA, no running clock, Cancel off with the
//      reason), the status bar says the stream is down, and both recover by themselves when the
//      cluster is back;
//   9. the output channel of all that: one line when the stream went down, one when it came back
//      (with how long), no second timestamp, lines readable at 100 columns.
// Screenshots go to .test-artifacts/journeys/.

import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../support/kube-api-server';
import { CompanionCluster, freePortRange } from './support/companion-cluster';
import { repoRoot } from '../e2e/support/code-server';
import { eventually, exactly, InstalledWorkbench } from './support/installed-workbench';

const ADMIN = 'lab-admin';
const VIEWER = 'lab-viewer (read-only)';
const RACK = 'Rack A';
const MIGRATION_LOG = 'Blixard Migrations';

describe('Journey: one cluster through two contexts, an outage mid-migration, and a quiet log', function () {
  this.timeout(600_000);
  let kube: KubeApiServer;
  let kubeDir: string;
  let rack: CompanionCluster;
  let wb: InstalledWorkbench;
  /** The output channel's lines as they were before the outage, to tell its lines from the rest. */
  let logBeforeOutage = '';

  before(async () => {
    // Slow phases, so the migration is still running when the views are read.
    kube = await startKubeApiServer({ timing: { perPhaseMs: 3000 } });
    seedCluster(kube, { nodes: 3, vmisPerNode: 2 });
    kubeDir = mkdtempSync(path.join(os.tmpdir(), 'blixard-journey-shared-'));
    const kubeconfig = path.join(kubeDir, 'config');
    await kube.writeKubeconfig(kubeconfig, { clusterName: 'lab', contexts: [{ name: ADMIN }, { name: VIEWER, role: 'viewer' }], currentContext: ADMIN });

    // The rack is the operator's own cluster, run from this checkout's daemon on ports it can come
    // back to after it is killed. 200 Mbit/s moves a 2 GiB guest in about 90 s: long enough to cut
    // the cluster mid-copy.
    rack = await CompanionCluster.start(repoRoot, { bandwidthMbps: 200, basePort: await freePortRange(3), vms: 4 });
    wb = await InstalledWorkbench.open({
      userSettings: {
        'blixard.clusters': [{ name: RACK, endpoints: rack.endpoints }],
        'blixard.kubevirt.kubeconfig': [kubeconfig],
      },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await wb.screenshot(`failed-outage-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`).catch(() => undefined);
  });

  after(async () => {
    await wb?.close();
    await rack?.stop();
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

  /** The message part of the output channel's lines (after LogOutputChannel's own "time [level] "). */
  function logMessages(text: string): string[] {
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \[\w+\] /, ''));
  }

  it('7. two contexts of one API server are one cluster: the tree says so, and a migration counts once everywhere', async () => {
    await wb.openBlixardContainer();
    await wb.treeRow('Clusters', RACK).waitFor({ timeout: 120_000 });
    for (const [context, other] of [[ADMIN, VIEWER], [VIEWER, ADMIN]]) {
      await eventually(
        async () => (await wb.treeRows('Clusters')).find((r) => r.label === context && r.description.includes(`same cluster as ${other}`)),
        async () => `the ${context} row to say it is the same cluster as ${other} (rows: ${JSON.stringify(await wb.treeRows('Clusters'))})`,
        120_000,
      );
    }
    await wb.screenshot('7-shared-cluster-tree', { part: 'sidebar' });

    await wb.expandViewPane('Migrations');
    await wb.recordStatusBar();
    // Behind the extension's back, as kubectl or a node drain would.
    const vmim = kube.createMigration({ vmiName: 'vm-001', namespace: 'default' }).metadata.name!;
    await eventually(async () => (await wb.statusBarTexts()).some((t) => /\b1 migrating\b/.test(t)), async () => `the status bar to say 1 migrating (it shows: ${JSON.stringify(await wb.statusBarTexts())})`);
    const active = await eventually(async () => {
      const found = (await migrationRows()).filter((r) => r.group === 'Active' && r.label === 'default/vm-001');
      return found.length > 0 ? found : undefined;
    }, 'the migration under Active');
    assert.equal(active.length, 1, `one Active row for vm-001, not one per context (rows: ${JSON.stringify(await migrationRows())})`);
    await wb.screenshot('7-shared-cluster-migrating');

    await eventually(async () => kube.objects.migration({ namespace: 'default', name: vmim })?.finalPhase === 'Succeeded', `the server's migration ${vmim} to succeed`, 120_000);
    await eventually(
      async () => (await migrationRows()).find((r) => r.group === 'Recent' && r.label === 'default/vm-001' && /succeeded/.test(r.description)),
      async () => `vm-001 under Recent, succeeded (rows: ${JSON.stringify(await migrationRows())})`,
    );
    const rows = (await migrationRows()).filter((r) => r.label === 'default/vm-001');
    assert.equal(rows.length, 1, `one row for the migration in the Migrations view (rows: ${JSON.stringify(rows)})`);
    const seen = await wb.recordedStatusBar();
    assert.ok(!seen.some((t) => /\b2 migrating\b/.test(t)), `the status bar never counted the migration twice (it showed: ${JSON.stringify(seen)})`);

    // One line per transition, not one per context.
    const lines = await eventually(async () => {
      const messages = logMessages(wb.outputChannelLog(MIGRATION_LOG)).filter((l) => l.includes(vmim));
      return messages.some((l) => /→ Succeeded/.test(l)) ? messages : undefined;
    }, () => `${vmim}'s lines in the output channel:\n${wb.outputChannelLog(MIGRATION_LOG)}`);
    for (const phase of ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded']) {
      const matching = lines.filter((l) => new RegExp(`→ ${phase}\\b`).test(l));
      assert.equal(matching.length, 1, `one output line for ${vmim}'s transition to ${phase} (lines: ${lines.join(' / ')})`);
    }

    // One record in the history, and a summary that counts it once.
    await wb.runCommand('Blixard: Show Migration History');
    const history = wb.webview();
    await history.locator('h1', { hasText: exactly('Migration History') }).waitFor({ timeout: 60_000 });
    const recorded = await eventually(async () => {
      const found = (await historyRows()).filter((r) => r[1] === 'default/vm-001');
      return found.some((r) => r[0].endsWith('succeeded')) ? found : undefined;
    }, async () => `vm-001's migration in the History panel (rows: ${JSON.stringify(await historyRows())})`);
    assert.equal(recorded.length, 1, `one history record for the migration (rows: ${JSON.stringify(recorded)})`);
    const summary = await history
      .locator('vscode-data-grid-row.summary-row')
      .evaluateAll((rs) => rs.map((r) => Array.from(r.querySelectorAll('vscode-data-grid-cell')).map((c) => (c.textContent ?? '').trim())));
    const kubeRows = summary.filter((r) => r[0] === ADMIN || r[0] === VIEWER);
    assert.equal(kubeRows.length, 1, `one summary row for the cluster, whichever context saw it (summary: ${JSON.stringify(summary)})`);
    assert.equal(kubeRows[0][1], '1', `the cluster's summary counts one migration (summary: ${JSON.stringify(summary)})`);
    await wb.screenshot('7-shared-cluster-history', { part: 'editor' });
    await wb.runCommand('View: Close All Editors');
  });

  it('8. a cluster killed mid live migration: the dialog and the status bar say so, the figures go stale, and all recover by themselves', async () => {
    logBeforeOutage = wb.outputChannelLog(MIGRATION_LOG);
    await wb.runCommand('Blixard: Migrate VM…');
    await wb.answerQuickInput(RACK, { pick: RACK, title: /choose a cluster/ });
    await wb.answerQuickInput('vm-3', { pick: 'vm-3', title: /choose a VM/ });
    const dialog = wb.webview();
    await dialog.locator('h1', { hasText: exactly('Migrate vm-3') }).waitFor({ timeout: 60_000 });
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    assert.equal(await dialog.locator('#live').evaluate((el) => (el as HTMLInputElement).checked), true, 'a running VM moves live by default');
    // As in the TUI: type the target node's id. vm-3 is on node-3 in the seed; node-1 takes it.
    await wb.page.keyboard.press('1');
    await dialog.locator('#migrate:not([disabled])').waitFor({ timeout: 30_000 });
    await wb.page.keyboard.press('Enter');
    await dialog.locator('h1', { hasText: exactly('Migrating vm-3') }).waitFor({ timeout: 60_000 });
    await dialog.locator('#progress:not([hidden])').waitFor({ timeout: 60_000 });
    await eventually(async () => /ETA \d/.test(await dialog.locator('#progress-figures').innerText()) || undefined, 'an ETA while the copy runs');

    // Four seconds in, the whole cluster dies.
    await new Promise((r) => setTimeout(r, 4000));
    await rack.kill();
    const killedAt = Date.now();

    await dialog.locator('[data-stream="down"]').waitFor({ timeout: 60_000 });
    const notice = await dialog.locator('#stream-down').innerText();
    assert.match(notice, new RegExp(`${RACK} is unreachable since \\d\\d:\\d\\d:\\d\\d`), `the dialog says the cluster is unreachable (it says: ${notice})`);
    const figures = await dialog.locator('#progress-figures').innerText();
    assert.match(figures, /^Last known at \d\d:\d\d:\d\d/, `the figures say they are last known, not live (they say: ${figures})`);
    assert.doesNotMatch(figures, /ETA/, `no ETA counts down on old data (figures: ${figures})`);
    assert.equal(await dialog.locator('#cancel-migration').getAttribute('disabled'), '', 'Cancel is disabled while the cluster is unreachable');
    assert.match(await dialog.locator('#cancel-note').innerText(), /Cancel is unavailable while/);
    const elapsedBefore = await dialog.locator('#elapsed').innerText();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await dialog.locator('#elapsed').innerText(), elapsedBefore, 'the elapsed clock stops at what was last known');
    await eventually(
      async () => (await wb.statusBarTexts()).find((t) => /1 migrating · stream down/.test(t)),
      async () => `the status bar to say the stream is down (it shows: ${JSON.stringify(await wb.statusBarTexts())})`,
      30_000,
    );
    await wb.screenshot('8-outage-dialog-and-status-bar');
    await wb.screenshot('8-outage-dialog', { part: 'editor' });

    // The cluster comes back (a fresh store: the migration it ran is gone), and so does everything.
    await new Promise((r) => setTimeout(r, Math.max(0, 6000 - (Date.now() - killedAt))));
    await rack.restart();
    await dialog.locator('[data-stream="live"]').waitFor({ timeout: 90_000 });
    await dialog.locator('h1', { hasText: /^Migration of vm-3 failed$/ }).waitFor({ timeout: 90_000 });
    assert.match(await dialog.locator('#outcome').innerText(), /outcome was not observed/, 'the dialog says why it ended: nobody saw its end');
    assert.ok(await dialog.locator('#stream-down').isHidden(), 'the outage notice is gone');
    await eventually(
      async () => !(await wb.statusBarTexts()).some((t) => /stream down/.test(t)) || undefined,
      async () => `the status bar to recover (it shows: ${JSON.stringify(await wb.statusBarTexts())})`,
      60_000,
    );
    await wb.screenshot('8-outage-recovered', { part: 'editor' });
    await wb.runCommand('View: Close All Editors');
  });

  it('9. the output channel says the outage once when it began and once when it ended, with one timestamp and short lines', async () => {
    const text = await eventually(async () => {
      const t = wb.outputChannelLog(MIGRATION_LOG);
      return /migration stream back after/.test(t.slice(logBeforeOutage.length)) ? t : undefined;
    }, () => `the stream-back line in the output channel:\n${wb.outputChannelLog(MIGRATION_LOG)}`);
    const outage = logMessages(text.slice(logBeforeOutage.length)).filter((l) => l.startsWith(`${RACK}  migration stream`));
    assert.equal(outage.filter((l) => /migration stream down/.test(l)).length, 1, `one "stream down" line for the outage (lines: ${outage.join(' / ')})`);
    assert.equal(outage.filter((l) => /migration stream back after \S+/.test(l)).length, 1, `one "stream back after …" line (lines: ${outage.join(' / ')})`);
    assert.ok(outage.filter((l) => /still down/.test(l)).length <= 2, `repeats are counted, not repeated (lines: ${outage.join(' / ')})`);

    const all = logMessages(text);
    // LogOutputChannel stamps each line; our message carries no second ISO time of its own.
    for (const line of all) assert.doesNotMatch(line, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/, `one timestamp per line: ${line}`);
    const rackLines = all.filter((l) => l.startsWith(`${RACK}  `) && / → /.test(l));
    assert.ok(rackLines.length > 0, 'the rack migration has its transition lines');
    // Everything but a failure reason (free text from the cluster, put last on purpose) fits in 100 columns.
    for (const line of rackLines) {
      const fixed = /^.*? \+\S+/.exec(line)?.[0] ?? line;
      assert.ok(fixed.length <= 100, `a transition line readable at 100 columns (${fixed.length}): ${line}`);
    }
    await wb.showOutputChannel(MIGRATION_LOG);
    await wb.screenshot('9-output-channel-outage');
  });
});
