// The maintenance offers in a real VS Code against a real Blixard dev cluster (three node daemons
// over gRPC): Enter Maintenance Mode offers to evacuate, and taking the offer opens the plan for
// review (every VM of the node in it, none to the node); running it and then Exit Maintenance Mode
// offers to move back what the evacuation moved, and taking that opens the plan of the return.
// Two nodes entering maintenance together get one offer and one plan that empties both; Evacuate
// Nodes… on a multi-selection makes the same plan. The notifications are answered in the extension
// host's own window API (the one the extension calls), as a person clicking the button would.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import { parsePlanDocument } from '../../../src/plans/plan-document-parser';
import { writePlanDocument } from '../../../src/plans/plan-document-writer';
import { initialRunState, type PlanRunState } from '../../../src/plans/plan-run-state';
import { runStateFileOf, writeRunStateFile } from '../../../src/plans/plan-state-file';
import { windowEndedText } from '../../../src/plans/plan-window';
import type { ClusterSource } from '../../../src/sources/cluster-source';
import type { TreeElement } from '../../../src/ui/clusters/core/tree-elements';
import { DevClusterProcess } from '../../../src/ui/dev-cluster/core/dev-cluster-process';
import { extensionApi, extensionPath, loadedChildren, updateSettings, waitFor } from '../support/extension-fixture';

const CLUSTER = 'Offers cluster';
const DATACENTER = 'offers';

type Answer = { match: RegExp; choose: string };

/** Answers the extension's information and warning messages: the first rule that matches picks its button; every message is kept. */
class Notifications implements vscode.Disposable {
  readonly said: { text: string; buttons: string[] }[] = [];
  private rules: Answer[] = [];
  private readonly window = vscode.window as { -readonly [K in keyof typeof vscode.window]: (typeof vscode.window)[K] };
  private readonly info = this.window.showInformationMessage;
  private readonly warning = this.window.showWarningMessage;

  constructor() {
    const answer = (text: string, ...rest: unknown[]) => {
      const buttons = rest.filter((r): r is string => typeof r === 'string');
      this.said.push({ text, buttons });
      const rule = this.rules.find((r) => r.match.test(text) && buttons.includes(r.choose));
      return Promise.resolve(rule?.choose);
    };
    this.window.showInformationMessage = answer as typeof vscode.window.showInformationMessage;
    this.window.showWarningMessage = answer as typeof vscode.window.showWarningMessage;
  }

  answer(match: RegExp, choose: string): void {
    this.rules.push({ match, choose });
  }

  /** From now on, every message is answered by dismissing it. */
  dismissAll(): void {
    this.rules = [];
  }

  async saidOnce(match: RegExp): Promise<{ text: string; buttons: string[] }> {
    return waitFor(`a notification matching ${match}`, () => this.said.find((s) => match.test(s.text)), 30_000);
  }

  dispose(): void {
    this.window.showInformationMessage = this.info;
    this.window.showWarningMessage = this.warning;
  }
}

describe('maintenance offers: evacuate on enter, move back on exit', function () {
  let api: BlixardExtensionApi;
  let cluster: DevClusterProcess;
  let notifications: Notifications;
  let dir: string;

  before(async function () {
    this.timeout(120_000);
    api = await extensionApi();
    cluster = await DevClusterProcess.start({ script: path.join(extensionPath(), 'dist', 'companion', 'blixard-node.js'), nodes: 3, vms: 6 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-offers-it-'));
    const emptyKubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(emptyKubeconfig, 'apiVersion: v1\nkind: Config\ncontexts: []\nclusters: []\nusers: []\n');
    await updateSettings(api, {
      'blixard.refreshIntervalSeconds': 2,
      'blixard.kubevirt.kubeconfig': [emptyKubeconfig],
      'blixard.kubevirt.contexts': [],
      'blixard.clusters': [{ name: CLUSTER, endpoints: cluster.endpoints, datacenter: DATACENTER }],
    });
  });

  beforeEach(() => {
    notifications = new Notifications();
  });

  afterEach(async () => {
    notifications.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const s = source();
    for (const n of await s.listNodes()) if (n.maintenance) await s.setNodeMaintenance!(n.id, false);
  });

  after(async function () {
    this.timeout(60_000);
    await updateSettings(api, { 'blixard.clusters': [], 'blixard.refreshIntervalSeconds': undefined, 'blixard.kubevirt.kubeconfig': undefined, 'blixard.kubevirt.contexts': undefined });
    await cluster?.stop();
  });

  function source(): ClusterSource {
    const entry = api.clusters.clusters.find((e) => e.spec.label === CLUSTER);
    assert.ok(entry, `the registry has ${CLUSTER}`);
    return entry.acquire();
  }

  /** The node rows as the Clusters view has them loaded (the maintenance commands act on the view's model). */
  async function nodeRows(): Promise<(TreeElement & { type: 'node' })[]> {
    const dc = (await loadedChildren(api, undefined)).find((r) => r.label === DATACENTER);
    assert.ok(dc, 'the datacenter row');
    const row = (await loadedChildren(api, dc.element)).find((r) => r.label === CLUSTER);
    assert.ok(row, 'the cluster row');
    const nodes = (await loadedChildren(api, row.element)).map((r) => r.element).filter((e): e is TreeElement & { type: 'node' } => e.type === 'node');
    assert.equal(nodes.length, 3);
    return nodes;
  }

  async function vmsOn(nodeId: string): Promise<string[]> {
    return (await source().listVms())
      .filter((v) => v.nodeId === nodeId)
      .map((v) => v.id)
      .sort();
  }

  /** The plan document VS Code opened most recently, once it is the active editor and matches `name`. */
  async function openedPlan(name: RegExp): Promise<vscode.Uri> {
    return waitFor(`a plan document ${name} in the active editor`, () => {
      const uri = vscode.window.activeTextEditor?.document.uri;
      return uri && name.test(path.basename(uri.fsPath)) ? uri : undefined;
    }, 30_000);
  }

  it('Enter Maintenance Mode offers to evacuate; taking it opens the plan; after the run, Exit offers to move the VMs back', async function () {
    this.timeout(180_000);
    const nodes = await nodeRows();
    const target = nodes[1];
    const onNode = await vmsOn(target.nodeId);
    assert.ok(onNode.length >= 2, `node ${target.nodeId} holds ${onNode.join(', ')}`);

    notifications.answer(/is in maintenance: no new VMs go there\. Move the VMs on it off now\?$/, 'Evacuate node…');
    await vscode.commands.executeCommand('blixard.enterMaintenance', target, undefined, { reason: 'offer test' });
    const offer = await notifications.saidOnce(/Move the VMs on it off now\?/);
    assert.match(offer.text, /^node-\d is in maintenance: no new VMs go there\. Move the VMs on it off now\?$/);
    assert.deepEqual(offer.buttons, ['Evacuate node…']);
    const uri = await openedPlan(/^evacuate-node-\d-.*\.blixard-plan\.yaml$/);
    const plan = parsePlanDocument(readFileSync(uri.fsPath, 'utf8')).plan!;
    assert.equal(plan.kind, 'evacuate');
    assert.equal(plan.node, target.nodeId);
    assert.deepEqual(plan.entries.map((e) => e.vm).sort(), onNode, 'every VM of the node is in the plan');
    assert.ok(plan.entries.every((e) => e.to !== target.nodeId), 'none to the node in maintenance');
    assert.deepEqual(await vmsOn(target.nodeId), onNode, 'nothing moved before the plan is run');

    // Run it (the operator's Run Plan), then leave maintenance.
    const final = await vscode.commands.executeCommand<PlanRunState | undefined>('blixard.plans.run', uri);
    assert.ok(final && final.entries.every((e) => e.status.state === 'done'), JSON.stringify(final?.entries));
    assert.deepEqual(await vmsOn(target.nodeId), []);

    notifications.answer(/takes new VMs again\. Its evacuation moved .*: plan moving (it|them) back\?$/, 'Move back…');
    await vscode.commands.executeCommand('blixard.exitMaintenance', target);
    const back = await notifications.saidOnce(/takes new VMs again\. Its evacuation moved/);
    assert.match(back.text, new RegExp(`^node-\\d takes new VMs again\\. Its evacuation moved ${onNode.length} VMs: plan moving them back\\?$`));
    const returnUri = await openedPlan(/^migrate-.*\.blixard-plan\.yaml$/);
    const returning = parsePlanDocument(readFileSync(returnUri.fsPath, 'utf8')).plan!;
    assert.deepEqual(returning.entries.map((e) => e.vm).sort(), onNode, 'the return plan moves exactly what the evacuation moved');
    assert.ok(returning.entries.every((e) => e.to === target.nodeId), 'back to the node');
    const home = await vscode.commands.executeCommand<PlanRunState | undefined>('blixard.plans.run', returnUri);
    assert.ok(home && home.entries.every((e) => e.status.state === 'done'), JSON.stringify(home?.entries));
    assert.deepEqual(await vmsOn(target.nodeId), onNode, 'the VMs are home again');

    // The offer is made once: a second exit has nothing to move back.
    notifications.dismissAll();
    await vscode.commands.executeCommand('blixard.enterMaintenance', target, undefined, { reason: 'again' });
    await waitFor('the node in maintenance again', async () => (await source().listNodes()).find((n) => n.id === target.nodeId)?.maintenance);
    const before = notifications.said.length;
    await vscode.commands.executeCommand('blixard.exitMaintenance', target);
    const plain = await waitFor('the exit message', () => notifications.said.slice(before).find((s) => /takes new VMs again/.test(s.text)));
    assert.deepEqual(plain.buttons, [], `no move-back offer: ${plain.text}`);
  });

  it('declining the offer opens no plan and moves nothing', async function () {
    this.timeout(60_000);
    const [first] = await nodeRows();
    const onNode = await vmsOn(first.nodeId);
    const editor = vscode.window.activeTextEditor?.document.uri.toString();
    await vscode.commands.executeCommand('blixard.enterMaintenance', first, undefined, { reason: 'declined' });
    await notifications.saidOnce(/Move the VMs on it off now\?/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), editor, 'no plan opened');
    assert.deepEqual(await vmsOn(first.nodeId), onNode);
  });

  it('two nodes entering maintenance together: one offer, one plan that empties both and targets neither', async function () {
    this.timeout(60_000);
    const nodes = await nodeRows();
    const chosen = [nodes[0], nodes[2]];
    const moving = [...(await vmsOn(chosen[0].nodeId)), ...(await vmsOn(chosen[1].nodeId))].sort();
    notifications.answer(/are in maintenance: no new VMs go there\. Move the VMs on them off now\?$/, 'Evacuate nodes…');
    await vscode.commands.executeCommand('blixard.enterMaintenance', chosen[0], chosen, { reason: 'rack swap' });
    const offer = await notifications.saidOnce(/Move the VMs on them off now\?/);
    assert.deepEqual(offer.buttons, ['Evacuate nodes…']);
    assert.equal(notifications.said.filter((s) => /Move the VMs/.test(s.text)).length, 1, 'one offer for both');
    const uri = await openedPlan(/^evacuate-node-\d-and-1-more-.*\.blixard-plan\.yaml$/);
    const plan = parsePlanDocument(readFileSync(uri.fsPath, 'utf8')).plan!;
    assert.deepEqual([plan.node, ...(plan.alsoNodes ?? [])].sort(), chosen.map((n) => n.nodeId).sort());
    assert.deepEqual([...plan.entries.map((e) => e.vm), ...plan.blockers.flatMap((b) => (b.vm ? [b.vm] : []))].sort(), moving);
    assert.ok(plan.entries.every((e) => e.to === nodes[1].nodeId), JSON.stringify(plan.entries.map((e) => [e.vm, e.to])));
  });

  it('resuming a run whose window ended while VS Code was closed says so, starts nothing and offers Re-plan for the next window', async function () {
    this.timeout(60_000);
    const [first] = await nodeRows();
    const onNode = await vmsOn(first.nodeId);
    // An evacuation planned for last night's 01:00–02:00, interrupted with one entry done.
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('blixard.plans.evacuateNode', first);
    assert.ok(uri);
    const notAfter = Date.now() - 2 * 3_600_000;
    const planned = parsePlanDocument(readFileSync(uri.fsPath, 'utf8')).plan!;
    const plan = { ...planned, window: { notBefore: new Date(notAfter - 3_600_000).toISOString(), notAfter: new Date(notAfter).toISOString() } };
    assert.ok(plan.entries.length >= 2, JSON.stringify(plan.entries));
    const file = path.join(dir, 'nightly.blixard-plan.yaml');
    writeFileSync(file, writePlanDocument(plan));
    const kept = initialRunState(plan);
    kept.status = 'running';
    kept.entries[0].status = { state: 'done', endedAt: notAfter - 1_800_000 };
    writeRunStateFile(runStateFileOf(file), kept);
    const waiting = plan.entries.length - 1;

    notifications.answer(/while VS Code was closed/, 'Re-plan');
    const feature = await api.plans.feature();
    await feature.runs.offerResume(vscode.Uri.file(file));
    const said = await notifications.saidOnce(/was interrupted/);
    assert.equal(said.text, `The migration plan nightly.blixard-plan.yaml was interrupted, and ${windowEndedText(notAfter, waiting, Date.now())} while VS Code was closed (1/${plan.entries.length} done). Re-plan it for the next window?`);
    assert.deepEqual(said.buttons, ['Re-plan', 'Open Plan']);
    assert.ok(!said.buttons.includes('Resume'), 'no Resume of a window that is over');
    // Re-plan: the document recomputed in place, its window the next occurrence (same times of day).
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const replanned = await waitFor('the re-planned document', () => {
      const p = parsePlanDocument(doc.getText()).plan;
      return p?.window?.notAfter && Date.parse(p.window.notAfter) > Date.now() ? p : undefined;
    });
    assert.equal(Date.parse(replanned.window!.notAfter!), notAfter + 86_400_000);
    assert.equal(Date.parse(replanned.window!.notBefore!), notAfter - 3_600_000 + 86_400_000);
    assert.deepEqual(await vmsOn(first.nodeId), onNode, 'nothing was started');
  });

  it('Evacuate Nodes… on a multi-selection plans one evacuation of every selected node', async function () {
    this.timeout(60_000);
    const nodes = await nodeRows();
    const chosen = [nodes[1], nodes[2]];
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('blixard.plans.evacuateNodes', chosen[0], chosen);
    assert.ok(uri, 'a plan was opened');
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString());
    const plan = parsePlanDocument(readFileSync(uri.fsPath, 'utf8')).plan!;
    assert.deepEqual([plan.node, ...(plan.alsoNodes ?? [])], chosen.map((n) => n.nodeId));
    const ids = new Set(chosen.map((n) => n.nodeId));
    assert.ok(plan.entries.length > 0);
    assert.ok(plan.entries.every((e) => ids.has(e.from) && !ids.has(e.to!)), JSON.stringify(plan.entries.map((e) => [e.vm, e.from, e.to])));
  });
});
