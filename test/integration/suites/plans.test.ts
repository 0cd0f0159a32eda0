// Migration plans in a real VS Code against a real Blixard dev cluster (three node daemons over
// gRPC): a plan document with an unknown VM and a target over capacity is underlined where the
// faults are, with the cluster's figures; Evacuate Node… plans through the command, and Run Plan
// moves every VM off the node, with the checklist and the state file beside the plan.

import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import { writePlanDocument } from '../../../src/plans/plan-document-writer';
import type { PlanRunState } from '../../../src/plans/plan-run-state';
import type { MigrationPlan } from '../../../src/plans/plan-types';
import type { ClusterSource } from '../../../src/sources/cluster-source';
import { elementIds } from '../../../src/ui/clusters/core/tree-elements';
import { DevClusterProcess } from '../../../src/ui/dev-cluster/core/dev-cluster-process';
import { extensionApi, extensionPath, updateSettings, waitFor } from '../support/extension-fixture';

const CLUSTER = 'Plans cluster';

describe('migration plans', function () {
  let api: BlixardExtensionApi;
  let cluster: DevClusterProcess;
  let dir: string;

  before(async function () {
    api = await extensionApi();
    cluster = await DevClusterProcess.start({ script: path.join(extensionPath(), 'dist', 'companion', 'blixard-node.js'), nodes: 3, vms: 6, extraArgs: ['--capacity', 'vcpus=6,memory=8192'] });
    dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-plans-it-'));
    const emptyKubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(emptyKubeconfig, 'apiVersion: v1\nkind: Config\ncontexts: []\nclusters: []\nusers: []\n');
    await updateSettings(api, {
      'blixard.refreshIntervalSeconds': 2,
      'blixard.kubevirt.kubeconfig': [emptyKubeconfig],
      'blixard.kubevirt.contexts': [],
      'blixard.clusters': [{ name: CLUSTER, endpoints: cluster.endpoints, datacenter: 'plans' }],
    });
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await updateSettings(api, { 'blixard.clusters': [], 'blixard.refreshIntervalSeconds': undefined, 'blixard.kubevirt.kubeconfig': undefined, 'blixard.kubevirt.contexts': undefined });
    await cluster?.stop();
  });

  function source(): { id: string; source: ClusterSource } {
    const entry = api.clusters.clusters.find((e) => e.spec.label === CLUSTER);
    assert.ok(entry, `the registry has ${CLUSTER}`);
    return { id: entry.id, source: entry.acquire() };
  }

  it('underlines an unknown VM and a target over capacity, with the figures', async function () {
    this.timeout(60_000);
    const { source: s } = source();
    const [nodes, vms] = await Promise.all([s.listNodes(), s.listVms()]);
    const target = nodes[0];
    const movers = vms.filter((v) => v.nodeId && v.nodeId !== target.id);
    const wanted = vms.filter((v) => v.nodeId).reduce((sum, v) => sum + (v.vcpus ?? 0), 0);
    assert.ok(target.capacity && wanted > target.capacity.vcpus, `moving ${movers.length} VMs (${wanted} vCPU with what is there) would overfill ${target.name} (${target.capacity?.vcpus} vCPU)`);
    const plan: MigrationPlan = {
      cluster: CLUSTER,
      kind: 'migrate',
      concurrency: { perCluster: 2, perSourceNode: 1 },
      stopOnFailure: false,
      entries: [
        { vm: 'no-such-vm', from: movers[0].nodeId!, to: target.id, mode: 'live', modeReason: 'test', order: 1, reason: 'test', size: { vcpus: 1, memoryMb: 128 } },
        ...movers.map((v, i) => ({ vm: v.id, from: v.nodeId!, to: target.id, mode: 'live' as const, modeReason: 'test', order: i + 2, reason: 'test', size: { vcpus: v.vcpus ?? 0, memoryMb: v.memoryMb ?? 0 } })),
      ],
      blockers: [],
      nodes: [],
    };
    const text = writePlanDocument(plan);
    const file = path.join(dir, 'faults.blixard-plan.yaml');
    writeFileSync(file, text);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const lines = text.split('\n');

    const diagnostics = await waitFor('the cluster checks of the plan', () => {
      const found = vscode.languages.getDiagnostics(doc.uri);
      return found.some((d) => d.code === 'unknown-vm') && found.some((d) => d.code === 'over-capacity') ? found : undefined;
    });
    const unknown = diagnostics.find((d) => d.code === 'unknown-vm')!;
    const ghostLine = lines.findIndex((l) => /\bvm: no-such-vm\b/.test(l));
    assert.equal(unknown.range.start.line, ghostLine, 'on the line of the unknown VM');
    assert.equal(doc.getText(unknown.range), 'no-such-vm', 'the VM name itself is underlined');
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
    assert.match(unknown.message, new RegExp(`^no-such-vm is not a VM of ${CLUSTER}`));

    const over = diagnostics.filter((d) => d.code === 'over-capacity');
    assert.ok(over.length >= 1);
    for (const d of over) {
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      assert.match(lines[d.range.start.line], /^\s*to: /, 'on the entry’s target');
      assert.equal(doc.getText(d.range).replace(/["']/g, ''), target.id);
      // The entry the diagnostic sits in names the VM the message names.
      const vmLine = lines.slice(0, d.range.start.line).reverse().find((l) => /^\s*-?\s*vm: /.test(l))!;
      const vm = vmLine.replace(/^\s*-?\s*vm: /, '').replace(/["']/g, '').trim();
      assert.match(d.message, new RegExp(`^${target.name} is over capacity with ${vm.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*vCPU`));
    }
    assert.ok(!diagnostics.some((d) => d.code === 'wrong-cluster'), 'checked against the cluster, which answered');
  });

  it('says in one warning on the cluster line when the plan cannot be checked: no such cluster, or one that does not answer', async function () {
    this.timeout(60_000);
    // A port nothing listens on: the cluster is configured but dead.
    await updateSettings(api, {
      'blixard.clusters': [
        { name: CLUSTER, endpoints: cluster.endpoints, datacenter: 'plans' },
        { name: 'Dead cluster', endpoints: ['127.0.0.1:9'], datacenter: 'plans' },
      ],
    });
    try {
      for (const [name, reason] of [
        ['Nowhere', /^not checked against the cluster: no cluster named "Nowhere" is configured/],
        ['Dead cluster', /^not checked against Dead cluster: /],
      ] as const) {
        const text = writePlanDocument({ cluster: name, kind: 'rebalance', concurrency: { perCluster: 5, perSourceNode: 2 }, stopOnFailure: false, entries: [], blockers: [], nodes: [] });
        const file = path.join(dir, `${name.replace(/\W/g, '-')}.blixard-plan.yaml`);
        writeFileSync(file, text);
        const started = Date.now();
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
        await vscode.window.showTextDocument(doc);
        const found = await waitFor(`the warning for ${name}`, () => {
          const d = vscode.languages.getDiagnostics(doc.uri);
          return d.length > 0 ? d : undefined;
        });
        assert.equal(found.length, 1, found.map((d) => d.message).join('; '));
        assert.equal(found[0].severity, vscode.DiagnosticSeverity.Warning);
        assert.match(found[0].message, reason);
        assert.match(doc.lineAt(found[0].range.start.line).text, /^cluster: /);
        assert.ok(Date.now() - started < 15_000, 'within the snapshot deadline, not the cluster’s own retries');
      }
    } finally {
      await updateSettings(api, { 'blixard.clusters': [{ name: CLUSTER, endpoints: cluster.endpoints, datacenter: 'plans' }] });
    }
  });

  it('evacuates a node through the command and runs the plan to the end', async function () {
    this.timeout(120_000);
    const { id, source: s } = source();
    const vms = await s.listVms();
    const nodeId = vms.find((v) => v.nodeId && v.state === 'running')!.nodeId!;
    const onNode = vms.filter((v) => v.nodeId === nodeId).map((v) => v.id).sort();
    const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('blixard.plans.evacuateNode', { type: 'node', id: elementIds.node(id, nodeId), clusterId: id, nodeId });
    assert.ok(uri, 'Evacuate Node… opened a plan');
    assert.match(path.basename(uri.fsPath), /^evacuate-.*\.blixard-plan\.yaml$/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), uri.toString(), 'the plan is open in an editor');
    const planned = readFileSync(uri.fsPath, 'utf8');
    for (const vm of onNode) assert.ok(planned.includes(`vm: ${vm}`), `${vm} is in the plan`);
    const final = await vscode.commands.executeCommand<PlanRunState | undefined>('blixard.plans.run', uri);
    assert.ok(final, 'the plan ran');
    assert.deepEqual(
      final.entries.map((e) => [e.vm, e.status.state]),
      final.entries.map((e) => [e.vm, 'done']),
    );
    assert.deepEqual(final.entries.map((e) => e.vm).sort(), onNode);
    const feature = await api.plans.feature();
    assert.deepEqual(feature.checklist.entries().map((e) => e.status.state), onNode.map(() => 'done'), 'the checklist shows every entry done');
    // This window has a history: the run is kept there under the plan's id, not beside the plan,
    // and each VM's one migration carries that id through the cluster into the history.
    assert.ok(!existsSync(`${uri.fsPath}.state.json`), 'no state file beside the plan when the history keeps the run');
    const tagged = await waitFor('the plan\'s migrations in the history, with its id', async () => {
      const all = await api.history.all({ limit: 1000 });
      const ofPlan = all.filter((m) => m.planId !== undefined && onNode.includes(m.vm));
      return ofPlan.length >= onNode.length && ofPlan.every((m) => m.state === 'succeeded') ? ofPlan : undefined;
    });
    const planIds = [...new Set(tagged.map((m) => m.planId))];
    assert.equal(planIds.length, 1, `one plan id on its migrations: ${planIds.join(', ')}`);
    assert.deepEqual(tagged.map((m) => m.vm).sort(), onNode, 'each VM moved by exactly one migration of the plan');
    assert.deepEqual((await api.history.all({ planId: planIds[0] })).map((m) => m.vm).sort(), onNode, 'the history answers by plan id');
    const after = await s.listVms();
    for (const vm of onNode) assert.notEqual(after.find((v) => v.id === vm)?.nodeId, nodeId, `${vm} left the node`);
  });
});
