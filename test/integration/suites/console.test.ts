// "Open VM Console" in the real extension host against a Blixard dev cluster (node daemons over
// gRPC): the command opens a terminal whose Pseudoterminal shows the guest's console, and the
// terminal stays attached while the VM migrates under it.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import type { TreeElement } from '../../../src/ui/clusters/core/tree-elements';
import { DevClusterProcess } from '../../../src/ui/dev-cluster/core/dev-cluster-process';
import { BlixardProbe } from '../support/blixard-probe';
import { childByLabel, extensionApi, extensionPath, loadedChildren, updateSettings, waitFor, type RenderedItem } from '../support/extension-fixture';

const CLUSTER = 'Console cluster';
const DATACENTER = 'console-dc';

const heartbeats = (text: string) => [...text.matchAll(/heartbeat (\d+)/g)].map((m) => Number(m[1]));

describe('VM console: Blixard', function () {
  let api: BlixardExtensionApi;
  let cluster: DevClusterProcess;
  let probe: BlixardProbe;

  before(async function () {
    api = await extensionApi();
    cluster = await DevClusterProcess.start({ script: path.join(extensionPath(), 'dist', 'companion', 'blixard-node.js'), nodes: 2, vms: 1 });
    probe = BlixardProbe.forRepo(cluster.endpoints[0], extensionPath());
    await updateSettings(api, { 'blixard.clusters': [{ name: CLUSTER, endpoints: cluster.endpoints, datacenter: DATACENTER }] });
  });

  after(async function () {
    await updateSettings(api, { 'blixard.clusters': [] });
    probe?.close();
    await cluster?.stop();
  });

  async function runningVm(): Promise<{ node: RenderedItem; vm: RenderedItem }> {
    const dc = await childByLabel(api, undefined, DATACENTER);
    const clusterItem: TreeElement = (await childByLabel(api, dc.element, CLUSTER)).element;
    return waitFor('a running VM row with a console', async () => {
      for (const node of await loadedChildren(api, clusterItem)) {
        for (const vm of await loadedChildren(api, node.element)) if (vm.contextValue === 'vm.running.console') return { node, vm };
      }
      return undefined;
    });
  }

  it('opens a terminal on the console and keeps it through a live migration', async () => {
    const { vm } = await runningVm();
    const name = String(vm.label);
    await vscode.commands.executeCommand('blixard.openVmConsole', vm.element);
    const terminal = await waitFor('the console terminal', () => vscode.window.terminals.find((t) => t.name.startsWith(`${name} (`)));
    try {
      await waitFor('a heartbeat in the terminal', () => heartbeats(api.consoles.transcript(name) ?? '').length >= 1);
      const shown = api.consoles.transcript(name)!;
      assert.match(shown, new RegExp(`^\\[console: ${name} on node-1; close the terminal to detach\\]\\r\\n`));
      terminal.sendText('hello', true);
      await waitFor('the guest to echo the line', () => api.consoles.transcript(name)?.includes('$ hello\r\n'));
      const outcome = await probe.migrateVm(name, '2', true);
      assert.ok(outcome.success, outcome.message);
      await waitFor('the move said in the terminal', () => api.consoles.transcript(name)?.includes(`[console: ${name} moved to node-2]`));
      const before = heartbeats(api.consoles.transcript(name)!).length;
      await waitFor('heartbeats from node 2', () => heartbeats(api.consoles.transcript(name)!).length >= before + 2);
      const counts = heartbeats(api.consoles.transcript(name)!);
      assert.deepEqual(counts, counts.map((_, i) => counts[0] + i), `the counter continues: ${counts.join(' ')}`);
      await probe.stopVm(name);
      await waitFor('the end said, the terminal kept open', () => /\[console: ended: VM '.*' is (stopping|stopped)\]\r\n$/.test(api.consoles.transcript(name) ?? ''));
      assert.ok(vscode.window.terminals.includes(terminal), 'the terminal stays open');
    } finally {
      terminal.dispose();
    }
  });
});
