// "Migrate VM…" from the command palette: pick a cluster (skipped when there is one), then a VM,
// with type-to-filter over name, namespace and node.

import * as vscode from 'vscode';
import type { ClusterNode, Vm } from '../../model/cluster';
import { describeError } from '../../model/errors';
import type { ClusterSource } from '../../sources/cluster-source';
import type { VmReference } from './core/vm-reference';
import { formatMemoryMb, vmStateText } from '../../model/vocabulary';

interface SourceItem extends vscode.QuickPickItem {
  source: ClusterSource;
}

interface VmItem extends vscode.QuickPickItem {
  vm: Vm;
}

async function pickSource(sources: readonly ClusterSource[]): Promise<ClusterSource | undefined> {
  if (sources.length === 1) return sources[0];
  const items: SourceItem[] = sources.map((source) => ({
    label: source.label,
    description: source.traits.label,
    detail: source.connection.state === 'unreachable' ? `Unreachable: ${source.connection.reason}` : source.datacenter,
    source,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Migrate VM: choose a cluster', placeHolder: 'Type to filter clusters', matchOnDescription: true });
  return picked?.source;
}

function vmItem(vm: Vm, nodes: ReadonlyMap<string, ClusterNode>): VmItem {
  const node = vm.nodeId ? nodes.get(vm.nodeId)?.name ?? vm.nodeId : 'no node';
  const figures = [vm.vcpus !== undefined ? `${vm.vcpus} vCPU` : '', vm.memoryMb !== undefined ? formatMemoryMb(vm.memoryMb) : ''].filter(Boolean).join(' · ');
  return {
    label: vm.name,
    description: `${vm.namespace ? `${vm.namespace} · ` : ''}on ${node}`,
    detail: `${vmStateText(vm)}${figures ? ` · ${figures}` : ''}${vm.migration ? ' · migrating' : ''}`,
    vm,
  };
}

function pickVm(source: ClusterSource): Promise<Vm | undefined> {
  return new Promise((resolve) => {
    const quickPick = vscode.window.createQuickPick<VmItem>();
    quickPick.title = `Migrate VM: choose a VM in ${source.label}`;
    quickPick.placeholder = 'Type to filter by VM name, namespace or node';
    quickPick.matchOnDescription = true;
    quickPick.busy = true;
    let settled = false;
    const finish = (vm: Vm | undefined) => {
      if (settled) return;
      settled = true;
      resolve(vm);
      quickPick.dispose();
    };
    quickPick.onDidAccept(() => finish(quickPick.selectedItems[0]?.vm));
    quickPick.onDidHide(() => finish(undefined));
    quickPick.show();
    Promise.all([source.listVms(), source.listNodes()]).then(
      ([vms, nodes]) => {
        if (settled) return;
        const byId = new Map(nodes.map((n) => [n.id, n] as const));
        quickPick.items = [...vms].sort((a, b) => a.name.localeCompare(b.name)).map((vm) => vmItem(vm, byId));
        quickPick.busy = false;
        if (vms.length === 0) quickPick.placeholder = `${source.label} has no VMs`;
      },
      (err) => {
        if (settled) return;
        quickPick.busy = false;
        quickPick.placeholder = `Could not list VMs: ${describeError(err)}`;
      },
    );
  });
}

export async function pickVmToMigrate(sources: readonly ClusterSource[]): Promise<VmReference | undefined> {
  if (sources.length === 0) {
    void vscode.window.showInformationMessage('No clusters are configured. Add a Blixard cluster or a kubeconfig in the Blixard view first.');
    return undefined;
  }
  const source = await pickSource(sources);
  if (!source) return undefined;
  const vm = await pickVm(source);
  return vm ? { clusterId: source.id, vmId: vm.id } : undefined;
}
