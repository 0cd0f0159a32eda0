// The extension loads in a real VS Code, contributes what its manifest says, and hands its
// API to other extensions and tests.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, extensionApi } from '../support/extension-fixture';
import { harnessPromise } from '../support/harness-promise';

describe('activation', () => {
  it('activates and returns its API', async () => {
    const api = await extensionApi();
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID)?.isActive);
    for (const key of ['clusters', 'clusterTree', 'clusterView', 'devCluster', 'log', 'settingsApplied', 'activation'] as const) {
      assert.ok(api[key] !== undefined, `API has ${key}`);
    }
    assert.equal(typeof api.activation.activateMs, 'number');
  });

  it('registers every contributed Blixard command', async () => {
    await extensionApi();
    const registered = new Set(await vscode.commands.getCommands(true));
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string }[] } };
    const missing = manifest.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepEqual(missing, []);
  });

  it('runs in the VS Code the harness promises', () => {
    // The launcher passes the release pinned in scripts/ensure-code-server.sh and its UI kind.
    const promised = harnessPromise();
    assert.equal(vscode.version, promised.vscodeVersion);
    assert.equal(vscode.env.uiKind, promised.uiKind === 'web' ? vscode.UIKind.Web : vscode.UIKind.Desktop);
  });
});
