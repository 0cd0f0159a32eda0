// How a node reads in the dialog's dropdown and nodes table. Pure; shared by webview and tests.

import type { MigrationDialogTraits } from '../model/cluster-kind';
import type { NodeView } from './migration-dialog';
import { formatMemoryMb } from '../model/vocabulary';

export function nodeStatusLabel(node: NodeView): string {
  const status =
    node.status === 'leader' ? 'leader'
    : node.status === 'follower' ? 'follower'
    : node.status === 'candidate' ? 'candidate'
    : node.status === 'ready' ? 'Ready'
    : node.status === 'not-ready' ? 'NotReady'
    : 'unknown';
  return node.schedulable ? status : `${status}, unschedulable`;
}

/** "node-2" reads better with its id where ids are what a person types to pick a node (the Blixard TUI's way). */
export function nodeTitle(node: NodeView, traits: Pick<MigrationDialogTraits, 'typedNodeIds'>): string {
  return traits.typedNodeIds && node.name !== node.id ? `${node.name} (id ${node.id})` : node.name;
}

export function freeCpuLabel(node: NodeView): string {
  if (node.freeVcpus === undefined) return node.capacityVcpus !== undefined ? `${node.capacityVcpus} vCPU` : '—';
  return node.capacityVcpus !== undefined ? `${node.freeVcpus} of ${node.capacityVcpus} vCPU free` : `${node.freeVcpus} vCPU free`;
}

export function freeMemoryLabel(node: NodeView): string {
  const mb = (v: number) => formatMemoryMb(Math.max(0, v));
  if (node.freeMemoryMb === undefined) return node.capacityMemoryMb !== undefined ? mb(node.capacityMemoryMb) : '—';
  return node.capacityMemoryMb !== undefined ? `${mb(node.freeMemoryMb)} of ${mb(node.capacityMemoryMb)} free` : `${mb(node.freeMemoryMb)} free`;
}

/** One dropdown line: "node-2 (id 2) — 6 of 16 vCPU free · 12 GiB of 32 GiB free · follower". */
export function nodeOptionLabel(node: NodeView, traits: Pick<MigrationDialogTraits, 'typedNodeIds'>, unsuitable?: string): string {
  const parts = [freeCpuLabel(node), freeMemoryLabel(node), nodeStatusLabel(node)].filter((p) => p !== '—');
  return `${nodeTitle(node, traits)} — ${parts.join(' · ')}${unsuitable ? ` — cannot take this VM: ${unsuitable}` : ''}`;
}

/**
 * How many VMs a node holds, all of them (a stopped VM is still placed there): "3", or
 * "3 (1 running)" when not all run.
 */
export function vmCountLabel(node: NodeView): string {
  if (node.vmCount === undefined) return node.runningVms !== undefined ? `${node.runningVms} running` : '—';
  if (node.runningVms === undefined || node.runningVms >= node.vmCount) return String(node.vmCount);
  return `${node.vmCount} (${node.runningVms} running)`;
}
