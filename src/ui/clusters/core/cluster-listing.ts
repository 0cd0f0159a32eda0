// How one cluster's listing is kept in the Clusters tree: nodes and VMs in the order people read
// them (natural order, so node-2 comes before node-10), one entry per VM id, and the comparisons
// that decide whether a row has to be redrawn.

import type { ClusterNode, Vm } from '../../../model/cluster';

/** A node's VMs as the tree shows them, or why they could not be listed. */
export interface NodeVms {
  vms: Map<string, Vm>;
  sorted: Vm[];
  error?: string;
}

/** One entry per VM id: the tree uses ids as element ids, and VS Code rejects a repeated one. */
export function toNodeVms(vms: Vm[]): NodeVms {
  const byId = new Map<string, Vm>();
  for (const vm of vms) byId.set(vm.id, vm);
  const sorted = [...byId.values()].sort(compareVms);
  const inOrder = new Map<string, Vm>();
  for (const vm of sorted) inOrder.set(vm.id, vm);
  return { vms: inOrder, sorted };
}

// Built on first comparison, not when the bundle loads: an ICU collator with numeric ordering
// took ~5 ms to construct, most of the top level's run time in the extension's require().
let collator: Intl.Collator | undefined;
function compare(a: string, b: string): number {
  return numberAfterSamePrefix(a, b) ?? (collator ??= new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })).compare(a, b);
}

const isDigit = (code: number) => code >= 48 && code <= 57;

/**
 * The collator's answer for the names a cluster mostly holds — the same text, then a number
 * ("vm-17", "vm-203") — without asking it: after an identical prefix, its numeric ordering
 * compares the number's value, which for digits without a leading zero is their count, then
 * the digits. Undefined for anything else (the collator decides). Sorting 100,000 VMs through
 * the collator alone was ~130 ms of the tree's first render.
 */
function numberAfterSamePrefix(a: string, b: string): number | undefined {
  if (a === b) return 0;
  const shorter = Math.min(a.length, b.length);
  let i = 0;
  while (i < shorter && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Back to the start of the digit run the difference is in.
  while (i > 0 && isDigit(a.charCodeAt(i - 1))) i--;
  if (i === a.length || i === b.length || a.charCodeAt(i) === 48 || b.charCodeAt(i) === 48) return undefined;
  for (let k = i; k < a.length; k++) if (!isDigit(a.charCodeAt(k))) return undefined;
  for (let k = i; k < b.length; k++) if (!isDigit(b.charCodeAt(k))) return undefined;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : 1;
}

export function compareNodes(a: ClusterNode, b: ClusterNode): number {
  return compare(a.name, b.name) || compare(a.id, b.id);
}

function compareVms(a: Vm, b: Vm): number {
  return compare(a.name, b.name) || compare(a.namespace ?? '', b.namespace ?? '') || compare(a.id, b.id);
}

export function sameOrder(a: readonly Vm[], b: readonly Vm[]): boolean {
  return a.length === b.length && a.every((vm, i) => vm.id === b[i].id);
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
