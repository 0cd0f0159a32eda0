// The order a plan's moves start in: by priority, then dependencies (a VM that moves after others
// waits for them), then largest first, then by id so the same input always gives the same order.
// A dependency cycle cannot be ordered: its VMs are blockers, named with the cycle, and so is any
// VM that waits for a VM that cannot move.

import type { Resources } from '../model/cluster';
import type { PlanBlocker } from './plan-types';

export interface OrderItem {
  vm: string;
  priority: number;
  size: Resources;
  after: readonly string[];
  before: readonly string[];
}

export interface OrderResult {
  /** VM ids in start order. */
  order: string[];
  /** Per VM: the VMs of the plan whose move must end first. */
  after: Map<string, string[]>;
  blockers: PlanBlocker[];
}

/**
 * `items`: the VMs the plan moves; `unmovable`: VMs the plan wanted to move but cannot (blocked
 * already): a VM that must move after one of them cannot be moved either.
 */
export function orderMoves(items: readonly OrderItem[], unmovable: ReadonlySet<string> = new Set()): OrderResult {
  const byId = new Map(items.map((i) => [i.vm, i]));
  const preds = new Map<string, Set<string>>(items.map((i) => [i.vm, new Set<string>()]));
  const blockers: PlanBlocker[] = [];
  const blocked = new Map<string, string>();

  for (const item of items) {
    for (const a of item.after) {
      if (a === item.vm) continue;
      if (byId.has(a)) preds.get(item.vm)!.add(a);
      else if (unmovable.has(a) && !blocked.has(item.vm)) blocked.set(item.vm, `moves after ${a}, which cannot move`);
    }
    for (const b of item.before) {
      if (b === item.vm) continue;
      if (byId.has(b)) preds.get(b)!.add(item.vm);
    }
  }

  for (const cycle of cyclesOf(items.map((i) => i.vm), preds)) {
    // In move order: each must have moved before the next.
    const text = [...cycle, cycle[0]].join(' → ');
    for (const vm of cycle) {
      blocked.set(vm, `dependency cycle: ${text}`);
      blockers.push({ vm, kind: 'cycle', reason: `dependency cycle: ${text} (blixard.io/migrate-after / migrate-before)` });
    }
  }

  // Waiting for a VM that cannot move blocks the waiter, and so on down the chain.
  const succs = new Map<string, string[]>();
  for (const [vm, ps] of preds) for (const p of ps) succs.set(p, [...(succs.get(p) ?? []), vm]);
  const queue = [...blocked.keys()].sort();
  for (let i = 0; i < queue.length; i++) {
    for (const s of succs.get(queue[i]) ?? []) {
      if (blocked.has(s)) continue;
      blocked.set(s, `moves after ${queue[i]}, which cannot move`);
      queue.push(s);
    }
  }
  for (const [vm, reason] of [...blocked].sort(([a], [b]) => compareIds(a, b))) {
    if (!reason.startsWith('dependency cycle')) blockers.push({ vm, kind: 'dependency', reason });
  }

  // Kahn's algorithm over the rest, the ready set kept sorted by precedence.
  const remaining = new Map<string, number>();
  for (const item of items) if (!blocked.has(item.vm)) remaining.set(item.vm, [...preds.get(item.vm)!].filter((p) => !blocked.has(p)).length);
  const ready: OrderItem[] = [];
  const push = (item: OrderItem) => {
    let lo = 0;
    let hi = ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (precedes(ready[mid], item)) lo = mid + 1;
      else hi = mid;
    }
    ready.splice(lo, 0, item);
  };
  for (const [vm, n] of remaining) if (n === 0) push(byId.get(vm)!);
  const order: string[] = [];
  while (ready.length > 0) {
    const next = ready.shift()!;
    order.push(next.vm);
    for (const s of succs.get(next.vm) ?? []) {
      if (!remaining.has(s)) continue;
      const left = remaining.get(s)! - 1;
      remaining.set(s, left);
      if (left === 0) push(byId.get(s)!);
    }
  }
  const after = new Map<string, string[]>();
  for (const vm of order) {
    const ps = [...preds.get(vm)!].filter((p) => !blocked.has(p)).sort(compareIds);
    if (ps.length > 0) after.set(vm, ps);
  }
  return { order, after, blockers };
}

function precedes(a: OrderItem, b: OrderItem): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.size.memoryMb !== b.size.memoryMb) return a.size.memoryMb > b.size.memoryMb;
  if (a.size.vcpus !== b.size.vcpus) return a.size.vcpus > b.size.vcpus;
  return compareIds(a.vm, b.vm) < 0;
}

/** Code-point order, the same on every machine (localeCompare is not). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The cycles of the graph (`preds`: each node's predecessors), each as its members in path order,
 * one per strongly connected component of more than one node (Tarjan, iterative: a long chain
 * must not overflow the stack).
 */
export function cyclesOf(nodes: readonly string[], preds: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  for (const root of [...nodes].sort(compareIds)) {
    if (index.has(root)) continue;
    const work: { node: string; next: string[]; i: number }[] = [];
    const open = (node: string) => {
      index.set(node, counter);
      low.set(node, counter);
      counter++;
      stack.push(node);
      onStack.add(node);
      work.push({ node, next: [...(preds.get(node) ?? [])].sort(compareIds), i: 0 });
    };
    open(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.i < frame.next.length) {
        const w = frame.next[frame.i++];
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        if (component.length > 1) components.push(pathOrder(component, preds));
      }
    }
  }
  return components;
}

/** The members of a cycle in an order that follows its edges, starting from the smallest id. */
function pathOrder(component: string[], preds: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const members = new Set(component);
  const start = [...component].sort(compareIds)[0];
  // Walk successors: x follows y when y ∈ preds(x).
  const path = [start];
  const seen = new Set(path);
  let current = start;
  for (;;) {
    const next = [...members].filter((m) => !seen.has(m) && preds.get(m)?.has(current)).sort(compareIds)[0];
    if (next === undefined) break;
    path.push(next);
    seen.add(next);
    current = next;
  }
  for (const m of [...members].sort(compareIds)) if (!seen.has(m)) path.push(m);
  return path;
}
