// The shared team history in a real VS Code: `blixard.history.server` pointed at a real
// `blixard-migrations serve --read-only` (its bearer token from --token-file) over a history file
// another process wrote. Without the token the view says the token is refused and shows this
// machine's history; with it (Blixard: Set History Server Token) the Migrations view's Recent
// group, the history panel and the seed-query commands show the server's migrations and say so.
// Then the server is killed: one line in the view, and this machine's history takes over.

import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import type { HistoryEntry } from '../../../src/history';
import type { Migration } from '../../../src/model/migration';
import type { MigrationsElement } from '../../../src/ui/migrations/core/migrations-elements';
import { extensionApi, extensionPath, updateSettings, waitFor } from '../support/extension-fixture';

const TOKEN = 'team-history-integration-token-4f1c9a';
const CLUSTER = 'kubevirt:team-prod';

interface ViewItem {
  element: MigrationsElement;
  label: string;
  description: string;
}

describe('Team history server', function () {
  let api: BlixardExtensionApi;
  let serve: ChildProcess | undefined;
  let url: string;
  let seeded: string[];

  async function viewItems(element?: MigrationsElement): Promise<ViewItem[]> {
    const provider = api.migrations.view.provider;
    return provider.getChildren(element).map((e) => {
      const item = provider.getTreeItem(e);
      return { element: e, label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''), description: typeof item.description === 'string' ? item.description : '' };
    });
  }

  async function recent(): Promise<ViewItem | undefined> {
    return (await viewItems()).find((i) => i.element.type === 'group' && i.label === 'Recent');
  }

  before(async function () {
    api = await extensionApi();
    await api.migrations.whenStarted();
    await api.history.whenReady();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-it-team-'));
    const db = path.join(dir, 'team.sqlite');
    // Created after anything the earlier suites recorded here, so they are the newest in Recent (at most 25).
    const first = String(Date.now() + 10 * 60_000);
    const seed = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join('test', 'integration', 'support', 'seed-team-history.ts'), db, CLUSTER, '12', first], { cwd: extensionPath(), encoding: 'utf8', timeout: 120_000 });
    assert.equal(seed.status, 0, `seeding the team history failed: ${seed.stderr}`);
    seeded = seed.stdout.trim().split('\n');
    assert.equal(seeded.length, 12);
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const cli = path.join(extensionPath(), 'dist', 'cli', 'blixard-migrations.js');
    serve = spawn(process.execPath, [cli, 'serve', '--read-only', '--db', db, '--listen', '127.0.0.1:0', '--token-file', tokenFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    serve.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    url = await waitFor('serve to listen', () => /serving (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/migrations/.exec(stderr)?.[1] ?? (serve!.exitCode !== null ? Promise.reject(new Error(`serve exited: ${stderr}`)) : undefined), 60_000);
  });

  after(async function () {
    serve?.kill('SIGKILL');
    api?.history.panel.close();
    await vscode.commands.executeCommand('blixard.history.clearServerToken').then(undefined, () => undefined);
    await updateSettings(api, { 'blixard.history.server': undefined });
  });

  it('without its token: the view says the token is refused and shows this machine\'s history', async () => {
    await updateSettings(api, { 'blixard.history.server': url });
    await waitFor('the refused token', () => {
      const s = api.history.historySource();
      return s.kind === 'fallback' && s.code === 'unauthorized';
    }, 30_000);
    const line = await waitFor('the fallback line', async () => (await viewItems()).find((i) => i.element.type === 'history-source'));
    assert.equal(line.label, 'Team history token refused');
    assert.match(line.description, /showing this machine's history/);
  });

  it('with its token: Recent, the history panel and the seed queries show the server\'s migrations, and say so', async () => {
    assert.equal(await vscode.commands.executeCommand('blixard.history.setServerToken', TOKEN), true);
    await waitFor('the team history', () => api.history.historySource().kind === 'server', 30_000);
    await api.history.whenTeamHistoryLoaded();
    const host = new URL(url).host;
    const group = await waitFor('Recent to list the server\'s migrations', async () => {
      const r = await recent();
      const ids = r ? (await viewItems(r.element)).flatMap((i) => (i.element.type === 'migration' ? [i.element.migrationId] : [])) : [];
      return r && ids.includes(seeded[11]) && ids.includes(seeded[0]) ? r : undefined;
    }, 30_000);
    assert.match(group.description, new RegExp(`team history · ${host.replace(/\./g, '\\.')}`));
    assert.ok(!(await viewItems()).some((i) => i.element.type === 'history-source'), 'no fallback line while the server answers');

    await api.history.panel.open();
    const state = await waitFor('the panel to show the server\'s migrations', () => {
      const s = api.history.panel.stateOf();
      return s && s.status === 'ready' && s.rows.some((r) => r.id === seeded[11]) ? s : undefined;
    }, 30_000);
    assert.ok(state.total >= 12, `total ${state.total}`);
    assert.deepEqual({ kind: state.source?.kind, text: state.source?.text }, { kind: 'server', text: `Team history · ${host}` }, 'the panel says it shows the team history');
    assert.ok(state.summary.some((s) => s.clusterId === CLUSTER && s.count === 12 && s.failed === 3), JSON.stringify(state.summary));

    const entry = await vscode.commands.executeCommand<HistoryEntry | undefined>('blixard.history.findById', seeded[3]);
    assert.equal(entry?.migration.state, 'failed');
    assert.deepEqual(entry?.transitions.map((t) => t.phase), ['Pending', 'Running', 'Failed']);
    const ofVm = await vscode.commands.executeCommand<Migration[] | undefined>('blixard.history.byVm', 'team-vm-1');
    assert.deepEqual(ofVm?.map((m) => m.id), [seeded[10], seeded[7], seeded[4], seeded[1]]);
    const inDc = await vscode.commands.executeCommand<Migration[] | undefined>('blixard.history.byDatacenter', 'dc-team');
    assert.equal(inDc?.length, 12);
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    // This machine's own history never held them: they came from the server.
    assert.equal((await api.history.all({ limit: 5000 })).filter((m) => m.cluster === CLUSTER).length, 0);
  });

  it('when the server dies: one line in the view, and this machine\'s history takes over', async () => {
    serve!.kill('SIGKILL');
    await waitFor('the fallback', () => {
      const s = api.history.historySource();
      return s.kind === 'fallback' && s.code === 'unreachable';
    }, 60_000);
    const lines = await waitFor('the fallback line', async () => {
      const items = (await viewItems()).filter((i) => i.element.type === 'history-source');
      return items.length > 0 ? items : undefined;
    });
    assert.equal(lines.length, 1);
    assert.equal(lines[0].label, 'Team history unreachable');
    const group = await waitFor('Recent without the server\'s migrations', async () => {
      const r = await recent();
      if (!r || !r.description.includes('this machine')) return undefined;
      const ids = (await viewItems(r.element)).flatMap((i) => (i.element.type === 'migration' ? [i.element.migrationId] : []));
      return ids.some((id) => seeded.includes(id)) ? undefined : r;
    }, 30_000);
    assert.doesNotMatch(group.description, /team history/);
    const local = await api.history.all({ limit: 5000 });
    const state = await waitFor('the panel to show this machine\'s history', () => {
      const s = api.history.panel.stateOf();
      return s && !s.rows.some((r) => seeded.includes(r.id)) ? s : undefined;
    }, 30_000);
    assert.equal(state.total, local.length);
    const host = new URL(url).host;
    const said = await waitFor('the panel to say it shows this machine\'s history', () => {
      const s = api.history.panel.stateOf();
      return s?.source?.kind === 'fallback' ? s.source : undefined;
    });
    assert.equal(said.text, `Team history unreachable · ${host}: showing this machine's history`);
    const entry = await vscode.commands.executeCommand<HistoryEntry | undefined>('blixard.history.findById', seeded[3]);
    assert.equal(entry, undefined);
    await vscode.commands.executeCommand('notifications.clearAll').then(undefined, () => undefined);
  });
});
