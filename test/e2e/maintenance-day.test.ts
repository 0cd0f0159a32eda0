// End to end, in a real workbench (code-server in Chromium) against a real Blixard dev cluster
// (three node daemons over gRPC): a maintenance day as an operator lives it. Right-click node-3 →
// Enter Maintenance Mode, accept the offer to evacuate, review the plan document (CodeLens, no
// problems), retype targets by hand (an unknown node, the node in maintenance, a target over
// capacity: each underlined and listed in Problems with the cluster's figures, and gone when
// fixed), Run Plan from the CodeLens, watch the Migration Plan checklist fill in to done, find
// node-3 empty and the VMs on the nodes chosen; Exit Maintenance Mode, accept the offer to move
// back, run that plan and find the VMs home again. Screenshots go to .test-artifacts/maintenance-day/
// (the README's copy in media/screenshots/ is refreshed with BLIXARD_UPDATE_SCREENSHOTS=1).

import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { DevClusterProcess } from '../../src/ui/dev-cluster/core/dev-cluster-process';
import { repoRoot } from './support/code-server';
import { answerNotification, childrenOf, clickCodeLens, codeLenses, drawnRows, errorSquiggles, pane, problems, retypeLine, rowOf, until, type DrawnRow } from './support/plan-workbench';
import { Workbench } from './support/workbench';

const ARTIFACTS = path.join(repoRoot, '.test-artifacts', 'maintenance-day');
const README_SHOTS = path.join(repoRoot, 'media', 'screenshots');
const CLUSTER = 'Maintenance cluster';
// 4 vCPU per node: node-1 and node-2 each run a 1-vCPU VM, node-3 runs vm-3 (2 vCPU) and holds the
// stopped vm-6 (2 vCPU) — room for one of them on each other node, not for both on one.
const CAPACITY = 'vcpus=4,memory=8192';

describe('A maintenance day, end to end: evacuate a node through a plan, edit it, run it, move back', function () {
  this.timeout(300_000);
  let cluster: DevClusterProcess;
  let workbench: Workbench;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const script = path.join(repoRoot, 'dist', 'companion', 'blixard-node.js');
    assert.ok(existsSync(path.join(repoRoot, 'dist', 'extension.js')) && existsSync(script), 'build first: npm run build');
    // A live copy of vm-3 (2 GiB) takes a few seconds on this link: long enough to see it running.
    cluster = await DevClusterProcess.start({ script, nodes: 3, vms: 6, extraArgs: ['--capacity', CAPACITY, '--bandwidth-mbps', '4000', '--boot-ms', '200'] });
    workbench = await Workbench.open({
      viewport: { width: 1400, height: 900 },
      userSettings: {
        'blixard.clusters': [{ name: CLUSTER, endpoints: cluster.endpoints }],
        'blixard.kubevirt.kubeconfig': [],
        'blixard.kubevirt.contexts': [],
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
  });

  async function shot(name: string, readme?: string): Promise<void> {
    await page.mouse.move(1390, 890);
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file });
    if (readme && process.env.BLIXARD_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(README_SHOTS, { recursive: true });
      copyFileSync(file, path.join(README_SHOTS, `${readme}.png`));
    }
  }

  const clusters = () => pane(page, 'Clusters');
  const checklist = () => pane(page, 'Migration Plan');
  const clusterRows = () => drawnRows(clusters());
  const planDir = () => path.join(workbench.server.workspaceFolder, '.vscode', 'blixard-plans');

  async function expand(label: string): Promise<void> {
    const row = rowOf(page, clusters(), label);
    await row.waitFor({ timeout: 60_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    await page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: 30_000 });
  }

  /** Which node each of `vms` sits under in the tree, once it reads `want`. */
  async function treeShows(want: Record<string, string[]>): Promise<DrawnRow[]> {
    const nodes = Object.keys(want);
    return until(
      page,
      `the tree to show ${JSON.stringify(want)}`,
      clusterRows,
      (rows) => nodes.every((n) => JSON.stringify(childrenOf(rows, n).sort()) === JSON.stringify([...want[n]].sort())),
    );
  }

  /** Opens a node row's context menu and runs `item` (hover + Enter, as the dialog test does). */
  async function nodeMenu(node: string, item: string): Promise<void> {
    const row = rowOf(page, clusters(), node);
    const entry = page.getByRole('menuitem', { name: item });
    for (let attempt = 1; ; attempt++) {
      await row.click({ button: 'right' });
      await entry.waitFor({ timeout: 30_000 });
      const focused = (await clusters().locator('.monaco-list-row.focused .label-name').first().textContent())?.trim();
      if (focused === node) break;
      assert.ok(attempt < 5, `the context menu kept opening on ${focused}, not ${node}`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);
    }
    await entry.hover();
    await page.keyboard.press('Enter');
  }

  /** The plan files the extension wrote, newest last. */
  const planFiles = () => (existsSync(planDir()) ? readdirSync(planDir()).filter((f) => f.endsWith('.blixard-plan.yaml')).sort() : []);

  /** The 1-based line of `field:` in the entry of `vm` in the plan text. */
  function lineOf(text: string, vm: string, field: string): number {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => new RegExp(`^\\s*- vm: ${vm}$`).test(l));
    assert.ok(start >= 0, `an entry for ${vm} in the plan`);
    const at = lines.findIndex((l, i) => i > start && new RegExp(`^\\s*${field}: `).test(l));
    assert.ok(at > start, `${vm}'s ${field} in the plan`);
    return at + 1;
  }

  /** The entries of a plan document: vm → target node id. */
  function targetsIn(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of text.matchAll(/^\s*- vm: (\S+)\n\s*from: "?(\w+)"?\n\s*to: "?(\w+)"?$/gm)) out[m[1]] = m[3];
    return out;
  }

  /** Waits until the Problems view lists exactly one problem per pattern (debounced checks and the view's own refresh settle first). */
  async function problemsSay(what: string, patterns: RegExp[]): Promise<string[]> {
    return until(page, `the Problems view to ${what}`, () => problems(page), (m) => m.length === patterns.length && patterns.every((p) => m.some((x) => p.test(x))), 30_000);
  }

  /** The checklist's rows as drawn: "1. vm-3" → its description. */
  const checklistRows = async (): Promise<Record<string, string>> => Object.fromEntries((await drawnRows(checklist())).map((r) => [r.label, r.description]));

  /** Runs the active plan from its CodeLens and waits for every checklist row to read done; says whether a row was seen running. */
  async function runFromCodeLens(plan: string, vms: string[], shotWhileRunning?: { name: string; readme?: string }): Promise<{ rows: Record<string, string>; sawRunning: boolean }> {
    await clickCodeLens(page, 'Run Plan');
    // The checklist names the plan it shows (the previous run's rows stay until this one's come).
    await checklist().locator('.pane-header', { hasText: path.basename(plan) }).waitFor({ timeout: 60_000 });
    // Done, and on the targets the saved plan names (not the rows of the run shown before).
    const allDone = (r: Record<string, string>) => {
      const want = targetsIn(readFileSync(plan, 'utf8'));
      const byVm = new Map(Object.entries(r).map(([label, d]) => [label.replace(/^\d+\. /, ''), d]));
      return byVm.size === vms.length && vms.every((v) => byVm.get(v)?.startsWith('done') && byVm.get(v)!.includes(`→ node-${want[v]} `));
    };
    const first = await until(page, 'a checklist row running (or all done)', checklistRows, (r) => Object.values(r).some((d) => d.startsWith('running')) || allDone(r), 60_000);
    const sawRunning = Object.values(first).some((d) => d.startsWith('running'));
    if (sawRunning && shotWhileRunning) await shot(shotWhileRunning.name, shotWhileRunning.readme);
    const rows = await until(page, `every checklist row of ${vms.join(', ')} to read done`, checklistRows, allDone, 120_000);
    return { rows, sawRunning };
  }

  let evacuationPlan = '';
  /** The targets as the planner chose them (the file changes once the edits are saved). */
  let planned: Record<string, string> = {};

  it('puts node-3 into maintenance from its context menu, and the offer to evacuate opens the plan with its CodeLens', async () => {
    await workbench.openBlixardView();
    await workbench.collapseView('Migrations');
    await expand(CLUSTER);
    for (const n of ['node-1', 'node-2', 'node-3']) await expand(n);
    await treeShows({ 'node-1': ['vm-1', 'vm-4'], 'node-2': ['vm-2', 'vm-5'], 'node-3': ['vm-3', 'vm-6'] });
    await shot('1-before');

    await nodeMenu('node-3', 'Enter Maintenance Mode');
    const reason = page.locator('.quick-input-widget input');
    await reason.waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('.quick-input-widget', { hasText: 'Enter Maintenance Mode: node-3' }).waitFor({ timeout: 10_000 });
    await reason.fill('kernel patch');
    await page.keyboard.press('Enter');

    const offer = await answerNotification(page, /node-3 is in maintenance: no new VMs go there/, 'Evacuate node…');
    assert.match(offer, /^node-3 is in maintenance: no new VMs go there\. Move the VMs on it off now\?$/);
    // The tree shows the wrench and the state, the VMs still where they were.
    const rows = await until(page, 'node-3 to read maintenance', clusterRows, (r) => /maintenance · since/.test(r.find((x) => x.label === 'node-3')?.description ?? ''));
    assert.deepEqual(childrenOf(rows, 'node-3').sort(), ['vm-3', 'vm-6']);
    assert.equal(await rowOf(page, clusters(), 'node-3').locator('.codicon-tools').count(), 1, 'a wrench on the node in maintenance');

    const tab = page.locator('.tabs-container .tab', { hasText: /evacuate-node-3-\d{8}-\d{6}\.blixard-plan\.yaml/ });
    await tab.waitFor({ timeout: 60_000 });
    assert.equal(planFiles().length, 1, `one plan written into the workspace: ${planFiles().join(', ')}`);
    evacuationPlan = path.join(planDir(), planFiles()[0]);
    const text = readFileSync(evacuationPlan, 'utf8');
    assert.match(text, new RegExp(`^cluster: ${CLUSTER}$`, 'm'));
    assert.match(text, /^kind: evacuate$/m);
    assert.match(text, /^node: "3"$/m);
    planned = targetsIn(text);
    assert.deepEqual(Object.keys(planned).sort(), ['vm-3', 'vm-6'], 'both VMs of node-3 are in the plan');
    assert.notEqual(planned['vm-3'], planned['vm-6'], `the planner spreads them (no node has room for both): ${JSON.stringify(planned)}`);
    for (const to of Object.values(planned)) assert.ok(to === '1' || to === '2', 'never to the node in maintenance');
    assert.match(text, /- vm: vm-3\n\s*from: "3"\n\s*to: "\d"\n\s*mode: live/, 'the running VM moves live');
    assert.match(text, /- vm: vm-6\n\s*from: "3"\n\s*to: "\d"\n\s*mode: cold/, 'the stopped one cold');

    await until(page, 'the CodeLens', () => codeLenses(page).allTextContents(), (t) => ['Run Plan', 'Dry Run', 'Recompute'].every((w) => t.some((x) => x.includes(w))));
    await problemsSay('list nothing for the plan as made', []);
    assert.equal(await errorSquiggles(page).count(), 0, 'no error underlined in the plan as made');
    await shot('2-plan-opened');
  });

  it('underlines a target typed wrong — an unknown node, the node in maintenance, a node over capacity — and clears each when fixed', async () => {
    const text = readFileSync(evacuationPlan, 'utf8');
    const other = (id: string) => (id === '1' ? '2' : '1');
    const vm3To = lineOf(text, 'vm-3', 'to');
    const vm6To = lineOf(text, 'vm-6', 'to');

    // Click into the editor text, then retype vm-3's target by hand.
    await page.locator('.editor-group-container.active .view-lines').click();
    await retypeLine(page, vm3To, 'to: "9"');
    await problemsSay('name node 9, and only that', [/^node 9 is not in the cluster \(nodes: 1, 2, 3\)/]);
    await until(page, 'an error squiggle', () => errorSquiggles(page).count(), (n) => n > 0, 30_000);
    await shot('3-unknown-target');

    await retypeLine(page, vm3To, 'to: "3"');
    // The node in maintenance, and (the same line) that vm-3 is there already; node 9's problem gone.
    await problemsSay('say node-3 takes no VMs', [/^node-3 is in maintenance \(kernel patch\): it takes no VMs/, /^vm-3 is on node-3: from and to are the same node/]);

    // vm-3 onto the node planned for vm-6: that node has room for one of them, not both.
    await retypeLine(page, vm3To, `to: "${planned['vm-6']}"`);
    const said = await problemsSay('say the target is over capacity, with the figures', [new RegExp(`^node-${planned['vm-6']} is over capacity with vm-6: needs 2 vCPU, 1 GiB; node-${planned['vm-6']} has 1 vCPU, [\\d.]+ GiB free of 4 vCPU, 8 GiB`)]);
    assert.match(said[0], new RegExp(`\\[Ln ${vm6To}, Col \\d+\\]`), 'on vm-6\'s target, the entry that no longer fits');
    await shot('4-over-capacity');

    // Swap vm-6 to the other node: no problem left.
    await retypeLine(page, vm6To, `to: "${other(planned['vm-6'])}"`);
    await problemsSay('list nothing once fixed', []);
    await until(page, 'no error squiggle', () => errorSquiggles(page).count(), (n) => n === 0, 30_000);
  });

  it('runs the edited plan from its CodeLens: the checklist fills in to done, node-3 is empty, the VMs are where the edit put them', async () => {
    const vm3Target = `node-${planned['vm-6']}`;
    const vm6Target = `node-${planned['vm-6'] === '1' ? '2' : '1'}`;
    // The README's picture is taken while it runs: no Problems panel in the way.
    await workbench.runCommand('View: Hide Panel');
    await page.locator('.markers-panel').waitFor({ state: 'hidden', timeout: 10_000 });
    const { rows, sawRunning } = await runFromCodeLens(evacuationPlan, ['vm-3', 'vm-6'], { name: '5-running', readme: 'plan-running' });
    const saved = targetsIn(readFileSync(evacuationPlan, 'utf8'));
    assert.deepEqual(saved, { 'vm-3': planned['vm-6'], 'vm-6': vm6Target.slice(5) }, 'the plan run is the edited one, saved');
    assert.match(rows['1. vm-3'], new RegExp(`^done · node-3 → ${vm3Target} · live$`));
    assert.match(rows['2. vm-6'], new RegExp(`^done · node-3 → ${vm6Target} · cold$`));
    assert.ok(sawRunning, 'the checklist showed a migration running on its way to done');
    await page.locator('.notification-toast', { hasText: /evacuate-node-3-.*: 2\/2 done\./ }).waitFor({ timeout: 30_000 });

    const tree = await treeShows({ 'node-3': ['No VMs'], [vm3Target]: [vm3Target === 'node-1' ? 'vm-1' : 'vm-5', 'vm-3', ...(vm3Target === 'node-1' ? ['vm-4'] : ['vm-2'])] });
    assert.ok(childrenOf(tree, vm6Target).includes('vm-6'), `vm-6 under ${vm6Target}`);
    await shot('6-evacuated');
  });

  it('takes node-3 out of maintenance, and the offer to move back plans and runs the return of both VMs', async () => {
    await nodeMenu('node-3', 'Exit Maintenance Mode');
    const offer = await answerNotification(page, /node-3 takes new VMs again/, 'Move back…');
    assert.match(offer, /^node-3 takes new VMs again\. Its evacuation moved 2 VMs: plan moving them back\?$/);
    await until(page, 'node-3 without maintenance', clusterRows, (r) => {
      const d = r.find((x) => x.label === 'node-3')?.description;
      return d !== undefined && !/maintenance/.test(d);
    });

    const tab = page.locator('.tabs-container .tab.active', { hasText: /migrate-.*\.blixard-plan\.yaml/ });
    await tab.waitFor({ timeout: 60_000 });
    const back = planFiles().find((f) => f.startsWith('migrate-'));
    assert.ok(back, `a move-back plan beside the evacuation: ${planFiles().join(', ')}`);
    const text = readFileSync(path.join(planDir(), back), 'utf8');
    assert.deepEqual(targetsIn(text), { 'vm-3': '3', 'vm-6': '3' }, 'both back to node-3');
    await problemsSay('list nothing for the move-back plan', []);

    const { rows } = await runFromCodeLens(path.join(planDir(), back), ['vm-3', 'vm-6']);
    for (const [label, d] of Object.entries(rows)) assert.match(d, /^done · node-\d → node-3 · (live|cold)$/, `${label}: ${d}`);
    await treeShows({ 'node-1': ['vm-1', 'vm-4'], 'node-2': ['vm-2', 'vm-5'], 'node-3': ['vm-3', 'vm-6'] });
    await shot('7-moved-back');
  });

  it('raised no errors in the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
