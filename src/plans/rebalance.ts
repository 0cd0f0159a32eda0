// Rebalancing, as DRS' recommendations do it: while the spread of use (max − min, of vCPU and of
// memory, across the nodes that take VMs) is above the threshold, move the one VM whose move
// narrows it most, from a most-used node to a least-used one with room; stop when no move helps.
// Each move is the best one left, so the plan reaches the threshold with few moves; each VM moves
// at most once, and only live (a rebalance never stops a VM).

import type { ClusterNode, Vm } from '../model/cluster';
import { type CapacityLedger, useFraction, vmSize } from './capacity-ledger';
import { compareIds } from './plan-order';
import type { ChosenMove, ClusterSnapshot } from './plan-types';
import { eligibleTarget } from './target-eligibility';
import { movability } from './vm-movability';

/** Targets looked at per step: the least used by vCPU and by memory (the best move lands on one of them). */
const TARGETS_PER_RESOURCE = 8;
const IMPROVEMENT = 1e-9;

export function rebalanceMoves(nodes: readonly ClusterNode[], vms: readonly Vm[], ledger: CapacityLedger, threshold: number, traits: ClusterSnapshot['traits']): ChosenMove[] {
  const usable = nodes.filter((n) => eligibleTarget(n) && n.capacity && n.capacity.vcpus > 0 && n.capacity.memoryMb > 0);
  if (usable.length < 2) return [];
  const index = new Map(usable.map((n, i) => [n.id, i]));
  const cpu = usable.map((n) => useFraction(ledger.after(n.id), n.capacity).cpu);
  const mem = usable.map((n) => useFraction(ledger.after(n.id), n.capacity).memory);
  const onNode: Vm[][] = usable.map(() => []);
  for (const vm of vms) {
    const i = vm.nodeId === undefined ? undefined : index.get(vm.nodeId);
    if (i === undefined) continue;
    const m = movability(vm, traits);
    if (m.ok && m.mode === 'live' && (vm.vcpus ?? 0) + (vm.memoryMb ?? 0) > 0) onNode[i].push(vm);
  }

  const moves: ChosenMove[] = [];
  const spreadOf = (xs: number[]) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return hi - lo;
  };
  const imbalance = () => Math.max(spreadOf(cpu), spreadOf(mem));

  for (let step = 0; step < vms.length; step++) {
    const now = imbalance();
    if (now <= threshold) break;
    const sources = [...new Set([argMax(cpu), argMax(mem)])];
    const targets = [...new Set([...leastUsed(cpu, TARGETS_PER_RESOURCE), ...leastUsed(mem, TARGETS_PER_RESOURCE)])].sort((a, b) => a - b);
    let best: { vm: Vm; from: number; to: number; imbalance: number } | undefined;
    for (const from of sources) {
      for (const vm of onNode[from]) {
        const size = vmSize(vm);
        const dc = [size.vcpus / usable[from].capacity!.vcpus, size.memoryMb / usable[from].capacity!.memoryMb];
        for (const to of targets) {
          if (to === from || ledger.misfit(usable[to].id, size)) continue;
          const tc = [size.vcpus / usable[to].capacity!.vcpus, size.memoryMb / usable[to].capacity!.memoryMb];
          cpu[from] -= dc[0];
          mem[from] -= dc[1];
          cpu[to] += tc[0];
          mem[to] += tc[1];
          const after = imbalance();
          cpu[from] += dc[0];
          mem[from] += dc[1];
          cpu[to] -= tc[0];
          mem[to] -= tc[1];
          if (after < now - IMPROVEMENT && (!best || after < best.imbalance - IMPROVEMENT || (Math.abs(after - best.imbalance) <= IMPROVEMENT && tieBreak(vm, to, best, usable)))) {
            best = { vm, from, to, imbalance: after };
          }
        }
      }
    }
    if (!best) break;
    const size = vmSize(best.vm);
    ledger.reserve(usable[best.from].id, usable[best.to].id, size);
    cpu[best.from] = useFraction(ledger.after(usable[best.from].id), usable[best.from].capacity).cpu;
    mem[best.from] = useFraction(ledger.after(usable[best.from].id), usable[best.from].capacity).memory;
    cpu[best.to] = useFraction(ledger.after(usable[best.to].id), usable[best.to].capacity).cpu;
    mem[best.to] = useFraction(ledger.after(usable[best.to].id), usable[best.to].capacity).memory;
    onNode[best.from] = onNode[best.from].filter((v) => v !== best!.vm);
    moves.push({
      vm: best.vm,
      to: usable[best.to].id,
      mode: 'live',
      modeReason: 'running, moves live',
      reason: `rebalance: ${usable[best.from].name} → ${usable[best.to].name} narrows the spread of use from ${pct(now)} to ${pct(best.imbalance)}`,
    });
  }
  return moves;
}

function tieBreak(vm: Vm, to: number, best: { vm: Vm; to: number }, usable: readonly ClusterNode[]): boolean {
  // Same gain: the bigger VM (fewer moves later), then ids, so the choice never depends on input order.
  const a = (vm.memoryMb ?? 0) - (best.vm.memoryMb ?? 0);
  if (a !== 0) return a > 0;
  return compareIds(vm.id, best.vm.id) < 0 || (vm.id === best.vm.id && compareIds(usable[to].id, usable[best.to].id) < 0);
}

function argMax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

function leastUsed(xs: number[], k: number): number[] {
  return xs
    .map((x, i) => [x, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

const pct = (fraction: number) => `${Math.round(fraction * 100)} points`;
