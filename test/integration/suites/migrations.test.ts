// The background migration watcher in a real VS Code: a Blixard dev cluster (real daemons over
// gRPC) and the local KubeVirt-compatible API server (real HTTPS list/watch) configured at once.
// During and after migrations on both kinds: the "Blixard Migrations" output lines, the status
// bar, the Migrations view's groups and timelines, cancel from the view, the durable history
// (rows, seed queries, the history panel, CSV export), and a cluster going down while the other
// keeps flowing.

import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import type { HistoryEntry } from '../../../src/history';
import type { Migration } from '../../../src/model/migration';
import type { MigrationsElement } from '../../../src/ui/migrations/core/migrations-elements';
import type { RevealOutcome } from '../../../src/ui/migrations/migrations-reveal';
import { DevClusterProcess } from '../../../src/ui/dev-cluster/core/dev-cluster-process';
import { migrationReference } from '../../../src/watch/output-line-formatter';
import { phaseWord } from '../../../src/model/vocabulary';

/** A duration as the vocabulary writes it: 850ms, 4.2s, 42s, 2m 05s, 1h 02m. */
const DURATION = String.raw`(?:\d+ms|\d+\.\ds|\d+s|\d+m \d\ds|\d+h \d\dm)`;
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { extensionApi, extensionPath, updateSettings, waitFor } from '../support/extension-fixture';

const BLIXARD = 'Watcher test cluster';
const BLIXARD_ID = `blixard:${BLIXARD}`;
const DATACENTER = 'dc-watch';
const CONTEXT = 'kv-watch';
const KUBE_ID = `kubevirt:${CONTEXT}`;

interface ViewItem {
  element: MigrationsElement;
  label: string;
  description: string;
  contextValue?: string;
  icon?: string;
}

describe('Migration watcher', function () {
  let api: BlixardExtensionApi;
  let cluster: DevClusterProcess;
  let server: KubeApiServer;

  before(async function () {
    api = await extensionApi();
    await api.migrations.whenStarted();
    await api.history.whenReady();
    // Live transfers slow enough to watch (and cancel): 512 MB at 400 Mbit/s is about 10 s.
    cluster = await DevClusterProcess.start({
      script: path.join(extensionPath(), 'dist', 'companion', 'blixard-node.js'),
      nodes: 3,
      vms: 6,
      extraArgs: ['--bandwidth-mbps', '400', '--dirty-rate-mbps', '20'],
    });
    server = await startKubeApiServer({ tls: true, timing: { perPhaseMs: 400 } });
    seedCluster(server, { nodes: 3, vmisPerNode: 2, notMigratableEvery: 0 });
    const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'blixard-it-watch-')), 'config');
    await server.writeKubeconfig(kubeconfig, { clusterName: CONTEXT, contexts: [{ name: CONTEXT }], currentContext: CONTEXT });
    await updateSettings(api, {
      'blixard.clusters': [{ name: BLIXARD, endpoints: cluster.endpoints, datacenter: DATACENTER }],
      'blixard.kubevirt.kubeconfig': [kubeconfig],
      'blixard.kubevirt.contexts': [CONTEXT],
      'blixard.statusBar.enabled': true,
    });
    await waitFor('the watcher to follow both clusters', () => {
      const watched = api.migrations.watchedClusters();
      return watched.includes(BLIXARD_ID) && watched.includes(KUBE_ID) && api.migrations.streamStatus(BLIXARD_ID)?.state === 'connected';
    }, 60_000);
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    api?.history.panel.close();
    await updateSettings(api, { 'blixard.clusters': [], 'blixard.kubevirt.kubeconfig': undefined, 'blixard.kubevirt.contexts': undefined, 'blixard.statusBar.enabled': undefined });
    await cluster?.stop();
    await server?.stop().catch(() => undefined);
  });

  // ---- helpers ------------------------------------------------------------------------------

  async function viewItems(element?: MigrationsElement): Promise<ViewItem[]> {
    const provider = api.migrations.view.provider;
    return provider.getChildren(element).map((e) => {
      const item = provider.getTreeItem(e);
      return {
        element: e,
        label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
        description: typeof item.description === 'string' ? item.description : '',
        contextValue: item.contextValue,
        icon: item.iconPath instanceof vscode.ThemeIcon ? item.iconPath.id : undefined,
      };
    });
  }

  async function group(name: 'Active' | 'Recent'): Promise<ViewItem | undefined> {
    return (await viewItems()).find((i) => i.element.type === 'group' && i.label === name);
  }

  /** The migration's item in a group, once the view shows it there. */
  async function inGroup(name: 'Active' | 'Recent', migrationId: string, timeoutMs = 30_000): Promise<ViewItem> {
    return waitFor(`${migrationId} in ${name}`, async () => {
      const g = await group(name);
      if (!g) return undefined;
      return (await viewItems(g.element)).find((i) => i.element.type === 'migration' && i.element.migrationId === migrationId);
    }, timeoutMs);
  }

  async function blixardMigrate(vm: string, live: boolean): Promise<{ id: string; done: Promise<void> }> {
    const source = api.clusters.get(BLIXARD_ID)!.acquire();
    const vms = await source.listVms();
    const from = vms.find((v) => v.name === vm)!.nodeId!;
    const to = (await source.listNodes()).find((n) => n.id !== from)!.id;
    const handle = await source.migrate({ vmId: vm, targetNodeId: to, live });
    return { id: handle.migrationId, done: handle.completion };
  }

  /** The output lines of one migration, named as the lines name it (a Blixard UUID by its first 8 characters). */
  function linesOf(name: string): string[] {
    const shown = migrationReference({ id: name, name });
    return api.migrations.outputLines().filter((l) => l.includes(`  ${shown}  `));
  }

  async function recorded(id: string, state: Migration['state'], timeoutMs = 90_000): Promise<HistoryEntry> {
    return waitFor(`${id} recorded as ${state}`, async () => {
      const entry = await api.history.byId(id);
      return entry?.migration.state === state ? entry : undefined;
    }, timeoutMs);
  }

  // ---- tests --------------------------------------------------------------------------------

  it('keeps its history in the extension global storage, readable by the user alone, written by this window', async () => {
    const file = api.history.path!;
    assert.ok(file.includes('globalStorage'), file);
    assert.equal(api.history.role, 'writer');
    const dir = path.dirname(file);
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [path.join(d, e.name), ...walk(path.join(d, e.name))] : [path.join(d, e.name)]));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const p of walk(dir)) {
      const st = statSync(p);
      assert.equal(st.mode & 0o077, 0, `${p} is private (mode ${(st.mode & 0o777).toString(8)})`);
    }
  });

  it('Blixard: while a live migration runs — output lines, "1 migrating" in the status bar, the Active group with its timeline', async () => {
    const { id, done } = await blixardMigrate('vm-1', true);
    const name = id.slice(id.lastIndexOf('/') + 1);
    const bar = await waitFor('the status bar to show it', () => {
      const s = api.migrations.statusBar;
      return s.active.visible && s.active.tooltip.includes('vm-1') ? s : undefined;
    });
    assert.match(bar.active.text, /^\$\(sync~spin\) [12] migrating$/);
    const item = await inGroup('Active', id);
    assert.equal(item.label, 'vm-1');
    assert.equal(item.contextValue, 'migration.active');
    assert.match(item.description, new RegExp(`→ .* · ${DURATION} · Watcher test cluster$`));
    const timeline = await waitFor('its timeline', async () => {
      const phases = await viewItems(item.element);
      return phases.length > 0 ? phases : undefined;
    });
    assert.ok(timeline.every((p) => p.element.type === 'phase'));
    const lines = await waitFor('its lines in the output channel', () => (linesOf(name).length > 0 ? linesOf(name) : undefined));
    // One timestamp per line: the output channel stamps it; the line itself starts with the cluster.
    assert.match(lines[0], new RegExp(`^${BLIXARD}  vm-1  ${migrationReference({ id: name, name })}  (\\S+ )?→ \\S+  \\d+ → \\d+  \\+${DURATION}$`));

    // ---- after it ends
    await done;
    const ended = await waitFor('the check item', () => {
      const s = api.migrations.statusBar;
      return s.ended.visible && s.ended.text.startsWith('$(check) vm-1 migrated') ? s : undefined;
    });
    assert.ok(ended.ended.tooltip.includes('vm-1'));
    const entry = await recorded(id, 'succeeded');
    assert.deepEqual(entry.transitions.map((t) => t.phase).filter((p) => p !== 'Unknown'), ['Preparing', 'Transferring', 'Switching', 'Completed']);
    assert.equal(entry.migration.datacenter, DATACENTER);
    const recent = await inGroup('Recent', id);
    assert.equal(recent.contextValue, 'migration.ended');
    assert.equal(recent.icon, 'pass');
    // The recorded timeline, its final phase read as the outcome (Blixard's "Completed" is "Succeeded").
    const shownPhases = entry.transitions.map((t, i) => phaseWord(t.phase, entry.migration.state, i === entry.transitions.length - 1));
    assert.deepEqual((await viewItems(recent.element)).map((p) => p.label), shownPhases, 'the view timeline is the recorded one');
    const finalLine = await waitFor('the final line', () => linesOf(name).find((l) => / → Succeeded {2}/.test(l)));
    assert.ok(finalLine);
    assert.equal(new Set(linesOf(name)).size, linesOf(name).length, 'no line twice');
    assert.equal(linesOf(name).length, entry.transitions.length, 'one line per recorded transition');
    // vm-1 was the only migration: once the watcher has nothing active the item must go.
    await waitFor('no migration active', () => api.migrations.active().length === 0);
    await waitFor('the migrating item hidden when nothing is active', () => !api.migrations.statusBar.active.visible);
  });

  it('KubeVirt: a migration created behind the extension\'s back is followed to Succeeded — status bar, view, output, history', async () => {
    const vmim = server.createMigration({ vmiName: 'vm-001', namespace: 'default' });
    const id = `${KUBE_ID}/default/${vmim.metadata.name}`;
    const item = await inGroup('Active', id);
    assert.equal(item.label, 'default/vm-001');
    await waitFor('the status bar to list it', () => api.migrations.statusBar.active.tooltip.includes('default/vm\\-001') || api.migrations.statusBar.active.tooltip.includes('default/vm-001'));

    const entry = await recorded(id, 'succeeded');
    const truth = server.objects.migrations().find((m) => m.name === vmim.metadata.name)!;
    assert.deepEqual(entry.transitions.map((t) => t.phase), truth.phases.map((p) => p.phase), 'every phase the server went through, once');
    assert.equal(entry.migration.origin, 'user');
    assert.equal(entry.migration.targetNode, truth.targetNode);
    const recent = await inGroup('Recent', id);
    assert.deepEqual((await viewItems(recent.element)).map((p) => p.label), truth.phases.map((p) => p.phase));
    const lines = await waitFor('the final line', () => (linesOf(vmim.metadata.name!).some((l) => / → Succeeded {2}/.test(l)) ? linesOf(vmim.metadata.name!) : undefined));
    assert.equal(lines.length, truth.phases.length);
    assert.ok(lines.every((l) => l.startsWith(`${CONTEXT}  default/vm-001  `)), `every line starts with the cluster and the VM: ${lines.join(' / ')}`);
    assert.match(lines[lines.length - 1], new RegExp(` Running → Succeeded  node\\d+ → node\\d+  \\+${DURATION}$`));
  });

  it('cancels a Blixard live migration from the Migrations view; the history records it cancelled', async () => {
    // vm-3 has 2 GiB: about 40 s of transfer, time enough to cancel.
    const { id } = await blixardMigrate('vm-3', true);
    const item = await inGroup('Active', id);
    const cancelled = await vscode.commands.executeCommand<boolean>('blixard.migrations.cancel', item.element);
    assert.equal(cancelled, true);
    const entry = await recorded(id, 'cancelled');
    assert.equal(entry.transitions[entry.transitions.length - 1].phase, 'Cancelled');
    await waitFor('the error item naming it', () => api.migrations.statusBar.ended.text.includes('vm-3 migration cancelled'));
    assert.equal((await inGroup('Recent', id)).icon, 'circle-slash');
  });

  it('cancels a KubeVirt migration from the view: the VMIM is deleted and the migration recorded cancelled, not lost', async () => {
    server.setTiming({ perPhaseMs: 300, phaseMs: { Running: 120_000 } });
    try {
      const vmim = server.createMigration({ vmiName: 'vm-002', namespace: 'default' });
      const id = `${KUBE_ID}/default/${vmim.metadata.name}`;
      await waitFor('it to be Running', () => api.migrations.active().find((m) => m.id === id && m.phase === 'Running'), 60_000);
      const item = await inGroup('Active', id);
      assert.equal(await vscode.commands.executeCommand<boolean>('blixard.migrations.cancel', item.element), true);
      await waitFor('the server to see the delete', () => server.objects.migrations().find((m) => m.name === vmim.metadata.name)?.cancelRequested);
      const entry = await recorded(id, 'cancelled');
      assert.equal(entry.migration.state, 'cancelled');
      assert.ok(linesOf(vmim.metadata.name!).some((l) => / → Cancelled {2}/.test(l)));
    } finally {
      server.setTiming({ perPhaseMs: 400, phaseMs: { Running: 400 } });
    }
  });

  it('reveals a migrated VM in the Clusters view', async () => {
    const done = api.migrations.recent(50).find((m) => m.cluster === BLIXARD_ID && m.vm === 'vm-1' && m.state === 'succeeded')!;
    const item = await inGroup('Recent', done.id);
    const outcome = await vscode.commands.executeCommand<RevealOutcome>('blixard.migrations.revealVm', item.element);
    assert.ok(outcome && 'revealed' in outcome, JSON.stringify(outcome));
    assert.equal(outcome.revealed.vmId, 'vm-1');
    assert.equal(outcome.revealed.nodeId, done.targetNode, 'under the node it moved to');
    // The workbench reports the selection back asynchronously.
    const deadline = Date.now() + 30_000;
    while (api.clusterView.selection[0]?.id !== outcome.revealed.id) {
      if (Date.now() > deadline) assert.fail(`${outcome.revealed.id} not selected (selection: ${api.clusterView.selection.map((e) => e.id).join(', ') || 'none'}; view visible: ${api.clusterView.visible})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('blixard.statusBar.enabled turns the status bar off and on while a migration runs', async () => {
    // vm-3 has 2 GiB: over the 400 Mbit/s link its transfer cannot take less than ~40 s, so
    // both halves are checked while it certainly runs (asserted, not assumed), then cancelled.
    const isActive = () => api.migrations.active().some((m) => m.id === id);
    await updateSettings(api, { 'blixard.statusBar.enabled': false });
    const { id } = await blixardMigrate('vm-3', true);
    try {
      await waitFor('the migration to be active', isActive);
      assert.equal(api.migrations.statusBar.enabled, false);
      // Hidden for several of the indicator's debounce periods, not just at one instant.
      for (const until = Date.now() + 600; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 50))) {
        assert.equal(api.migrations.statusBar.active.visible, false, 'hidden while disabled, though a migration runs');
      }
      assert.ok(isActive(), 'still running when the setting is turned back on');
      await updateSettings(api, { 'blixard.statusBar.enabled': true });
      await waitFor('the status bar back, naming the migration', () => api.migrations.statusBar.active.visible && api.migrations.statusBar.active.tooltip.includes('vm-3'));
      assert.ok(isActive(), 'the "on" half was checked on a running migration');
    } finally {
      await updateSettings(api, { 'blixard.statusBar.enabled': true });
      await api.clusters.get(BLIXARD_ID)!.acquire().cancel(id).catch(() => undefined);
    }
    await recorded(id, 'cancelled');
  });

  it('answers the seed queries from the history, through the API and as commands', async () => {
    const all = await api.history.all();
    assert.ok(all.length >= 5);
    assert.deepEqual(await api.history.active(), []);
    const byDc = await api.history.byDatacenter(DATACENTER);
    assert.ok(byDc.length >= 3 && byDc.every((m) => m.cluster === BLIXARD_ID));
    const byVm = await api.history.byVm('vm-001');
    assert.ok(byVm.length >= 1 && byVm.every((m) => m.vm === 'vm-001'));
    const one = await api.history.byId(byVm[0].id);
    assert.equal(one?.migration.id, byVm[0].id);

    const listed = await vscode.commands.executeCommand<Migration[]>('blixard.history.showAll');
    assert.deepEqual(listed.map((m) => m.id), all.map((m) => m.id));
    assert.deepEqual(await vscode.commands.executeCommand<Migration[]>('blixard.history.showActive'), []);
    assert.deepEqual((await vscode.commands.executeCommand<Migration[]>('blixard.history.byDatacenter', DATACENTER)).map((m) => m.id), byDc.map((m) => m.id));
    assert.deepEqual((await vscode.commands.executeCommand<Migration[]>('blixard.history.byVm', 'vm-001')).map((m) => m.id), byVm.map((m) => m.id));
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    const found = await vscode.commands.executeCommand<HistoryEntry>('blixard.history.findById', byVm[0].id);
    assert.equal(found?.migration.id, byVm[0].id);
    await waitFor('the history panel to show it', () => api.history.panel.stateOf()?.detail?.migration.id === byVm[0].id);
  });

  it('history panel: filters active/completed/all and by text, opens a timeline, exports CSV with the rows', async () => {
    await vscode.commands.executeCommand('blixard.showHistory');
    await waitFor('the panel webview to load', () => api.history.panel.webviewReady(), 60_000);
    const panel = api.history.panel;
    const state = () => panel.stateOf()!;
    await waitFor('the first page', () => state().status === 'ready' && state().total >= 5);
    assert.ok(state().summary.some((s) => s.cluster === BLIXARD && s.count >= 3 && s.successRate !== null));

    panel.deliver({ type: 'query', filter: 'completed', text: '', offset: 0, pageSize: 100 });
    await waitFor('completed only', () => state().query.filter === 'completed' && state().rows.length > 0 && state().rows.every((r) => ['succeeded', 'failed', 'cancelled'].includes(r.state)));
    panel.deliver({ type: 'query', filter: 'active', text: '', offset: 0, pageSize: 100 });
    await waitFor('active only', () => state().query.filter === 'active' && state().total === 0);
    panel.deliver({ type: 'query', filter: 'all', text: 'vm-001', offset: 0, pageSize: 100 });
    const filtered = await waitFor('the text filter', () => (state().query.text === 'vm-001' && state().rows.length > 0 ? state() : undefined));
    assert.ok(filtered.rows.every((r) => r.vm === 'vm-001'));
    panel.deliver({ type: 'detail', id: filtered.rows[0].id });
    const detail = await waitFor('the timeline', () => (state().detail?.migration.id === filtered.rows[0].id ? state().detail : undefined));
    assert.ok(detail.transitions.length >= 4);
    assert.equal(detail.transitions[detail.transitions.length - 1].phase, 'Succeeded');
    panel.deliver({ type: 'runCommand', command: 'workbench.action.reloadWindow' });
    assert.equal(state().detail?.migration.id, filtered.rows[0].id, 'a message outside the protocol changes nothing');

    // "Show in History" from the Migrations view opens that migration's timeline in the panel.
    const cancelled = (await api.history.all({ filter: 'completed' })).find((m) => m.state === 'cancelled' && m.cluster === BLIXARD_ID)!;
    const viewItem = await inGroup('Recent', cancelled.id);
    await vscode.commands.executeCommand('blixard.migrations.showInHistory', viewItem.element);
    const shown = await waitFor('the cancelled migration in the panel', () => (state().detail?.migration.id === cancelled.id ? state().detail : undefined));
    assert.equal(shown.transitions[shown.transitions.length - 1].phase, 'Cancelled');

    const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-it-export-'));
    const csv = path.join(dir, 'history.csv');
    const result = await vscode.commands.executeCommand<{ file: string; rows: number }>('blixard.history.exportCsv', csv);
    const all = await api.history.all();
    assert.equal(result.rows, all.length);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.match(lines[0], /^id,cluster,kind,datacenter,namespace,vm,/);
    assert.equal(lines.length - 1, all.length, 'one row per migration');
    for (const m of all) assert.ok(lines.some((l) => l.startsWith(`${m.id},`) || l.startsWith(`"${m.id}",`)), `${m.id} exported`);
    assert.equal(statSync(csv).mode & 0o077, 0, 'export readable by the user alone');
    const json = await api.history.exportTo(path.join(dir, 'history.json'), 'json', { filter: 'completed' });
    assert.equal((JSON.parse(readFileSync(json.file, 'utf8')) as unknown[]).length, json.rows);
  });

  it('a cluster whose stream is down shows as such while the other keeps flowing', async () => {
    await server.stop();
    const down = await waitFor('the KubeVirt stream to be reported down', async () => (await viewItems()).find((i) => i.element.type === 'stream'), 120_000);
    assert.equal(down.label, CONTEXT);
    assert.match(down.description, /^not streaming: /);
    const { id, done } = await blixardMigrate('vm-1', true);
    await inGroup('Active', id);
    await done;
    await recorded(id, 'succeeded');
    assert.ok(linesOf(id.slice(id.lastIndexOf('/') + 1)).some((l) => / → Succeeded {2}/.test(l)));
  });

  it('follows settings: a cluster removed from them is no longer watched, without a reload', async () => {
    await updateSettings(api, { 'blixard.kubevirt.contexts': [], 'blixard.kubevirt.kubeconfig': [] });
    await waitFor('the KubeVirt cluster to be let go', () => !api.migrations.watchedClusters().includes(KUBE_ID));
    assert.ok(api.migrations.watchedClusters().includes(BLIXARD_ID));
    await waitFor('its stream no longer shown as down', async () => !(await viewItems()).some((i) => i.element.type === 'stream'));
    assert.ok((await api.history.all()).some((m) => m.cluster === KUBE_ID), 'its migrations stay in the history');
  });
});
