// Translates the model (what sources report) into the view models the dialog protocol carries.

import type { ClusterNode, Vm } from '../../../model/cluster';
import { migrationDialogTraits } from '../../../model/cluster-kind';
import type { Migration } from '../../../model/migration';
import type { ClusterSource } from '../../../sources/cluster-source';
import type { MigrationSnapshot } from './migration-feed';
import type { ClusterView, InFlightView, MigrationView, NodeView, VmView } from '../../../protocol/migration-dialog';

export function clusterView(source: ClusterSource): ClusterView {
  return { id: source.id, label: source.label, traits: migrationDialogTraits(source.traits) };
}

/** `vmCount`: the VMs the cluster lists on this node, when the caller has the VM list. */
export function nodeView(node: ClusterNode, vmCount?: number): NodeView {
  const view: NodeView = { id: node.id, name: node.name, status: node.status, schedulable: node.schedulable };
  if (node.capacity) {
    view.capacityVcpus = node.capacity.vcpus;
    view.capacityMemoryMb = node.capacity.memoryMb;
    if (node.used) {
      view.freeVcpus = node.capacity.vcpus - node.used.vcpus;
      view.freeMemoryMb = node.capacity.memoryMb - node.used.memoryMb;
    }
  }
  if (node.runningVms !== undefined) view.runningVms = node.runningVms;
  if (vmCount !== undefined) view.vmCount = vmCount;
  return view;
}

export function vmView(vm: Vm): VmView {
  const view: VmView = { id: vm.id, name: vm.name, state: vm.state, phase: vm.phase };
  if (vm.namespace !== undefined) view.namespace = vm.namespace;
  if (vm.nodeId !== undefined) view.nodeId = vm.nodeId;
  if (vm.vcpus !== undefined) view.vcpus = vm.vcpus;
  if (vm.memoryMb !== undefined) view.memoryMb = vm.memoryMb;
  if (vm.liveMigratable) view.liveMigratable = { ...vm.liveMigratable };
  return view;
}

export function inFlightView(migration: Pick<Migration, 'id' | 'name' | 'phase'>): InFlightView {
  return { id: migration.id, name: migration.name, phase: migration.phase };
}

export function migrationView(snapshot: MigrationSnapshot): MigrationView {
  const m = snapshot.migration;
  const view: MigrationView = {
    id: m.id,
    name: m.name,
    phase: m.phase,
    state: m.state,
    mode: m.mode,
    createdAt: m.createdAt,
    phases: snapshot.phases.map((p) => ({ phase: p.phase, at: p.at })),
  };
  if (m.sourceNode !== undefined) view.sourceNode = m.sourceNode;
  if (m.targetNode !== undefined) view.targetNode = m.targetNode;
  if (m.startedAt !== undefined) view.startedAt = m.startedAt;
  if (m.endedAt !== undefined) view.endedAt = m.endedAt;
  if (m.downtimeMs !== undefined) view.downtimeMs = m.downtimeMs;
  if (m.failureReason !== undefined) view.failureReason = m.failureReason;
  if (m.progress) view.progress = { ...m.progress };
  if (m.tuning) view.tuning = { ...m.tuning };
  return view;
}
