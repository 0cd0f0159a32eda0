// The console command on the Clusters view: "Open VM Console" on a running VM whose kind has
// consoles (traits.console; the tree marks such rows `vm.running.console`).

import * as vscode from 'vscode';
import { describeError } from '../../model/errors';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import type { ClusterTreeProvider } from '../clusters/cluster-tree-provider';
import type { ExtensionLog } from '../common/extension-log';
import type { TreeElement } from '../clusters/core/tree-elements';
import { openVmConsoleTerminal, type VmConsoleTerminal } from './vm-console-terminal';

export interface ConsolesApi {
  /** What the open console terminal of `vmName` has shown (tests read it), or undefined. */
  transcript(vmName: string): string | undefined;
}

export function registerConsoleCommands(deps: { registry: ClusterRegistry; tree: ClusterTreeProvider; log: ExtensionLog }): { disposables: vscode.Disposable[]; api: ConsolesApi } {
  const open = new Map<string, VmConsoleTerminal>();
  const command = vscode.commands.registerCommand('blixard.openVmConsole', (element?: TreeElement) => {
    if (element?.type !== 'vm') return;
    const vm = deps.tree.model(element.clusterId)?.vm(element.nodeId, element.vmId);
    const entry = deps.registry.get(element.clusterId);
    if (!vm || !entry) return;
    const key = `${element.clusterId}/${vm.id}`;
    const existing = open.get(key);
    if (existing && existing.core.endReason === undefined) return existing.terminal.show();
    try {
      const source = entry.acquire();
      if (!source.traits.console || !source.attachConsole) throw new Error(`${source.traits.label} VMs have no console here`);
      existing?.terminal.dispose();
      const opened = openVmConsoleTerminal(source, vm.id, vm.name, entry.spec.label, () => {
        if (open.get(key) === opened) open.delete(key);
      });
      open.set(key, opened);
      opened.terminal.show();
      deps.log.info(`${entry.spec.label}: opened the console of ${vm.name}`);
    } catch (err) {
      const reason = describeError(err);
      deps.log.warn(`${entry.spec.label}: could not open the console of ${vm.name}: ${reason}`);
      void vscode.window.showWarningMessage(`Could not open the console of ${vm.name}: ${reason}`);
    }
  });
  const api: ConsolesApi = {
    transcript: (vmName) => [...open.values()].find((t) => t.terminal.name.startsWith(`${vmName} (`))?.core.transcript,
  };
  return { disposables: [command, { dispose: () => [...open.values()].forEach((t) => t.terminal.dispose()) }], api };
}
