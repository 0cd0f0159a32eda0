// Rebalancing, as DRS' recommendations do it: while the spread of use (max − min, of vCPU and of
// memory, across the nodes that take VMs) is above the threshold, move the one VM whose move
// evens use out most (the largest drop in the sum of squared use), from one of the most-used
// nodes to one of the least-used with room; stop when no move helps.
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
/** Sources looked at per step: the most used nodes. */
const SOURCES_PER_STEP = 4;
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
    // The move chosen is the one that lowers the sum of squared use most (it narrows the spread
    // steadily even where several nodes share the maximum, which max − min alone cannot see).
    const sources = mostUsed(cpu, mem, SOURCES_PER_STEP);
    const targets = [...new Set([...leastUsed(cpu, TARGETS_PER_RESOURCE), ...leastUsed(mem, TARGETS_PER_RESOURCE)])].sort((a, b) => a - b);
    let best: { vm: Vm; from: number; to: number; gain: number } | undefined;
    for (const from of sources) {
      for (const vm of onNode[from]) {
        const size = vmSize(vm);
        const dc = size.vcpus / usable[from].capacity!.vcpus;
        const dm = size.memoryMb / usable[from].capacity!.memoryMb;
        for (const to of targets) {
          if (to === from) continue;
          const tc = size.vcpus / usable[to].capacity!.vcpus;
          const tm = size.memoryMb / usable[to].capacity!.memoryMb;
          const gain = sq(cpu[from]) - sq(cpu[from] - dc) + sq(mem[from]) - sq(mem[from] - dm) + sq(cpu[to]) - sq(cpu[to] + tc) + sq(mem[to]) - sq(mem[to] + tm);
          if (gain <= IMPROVEMENT) continue;
          if (best && (gain < best.gain - IMPROVEMENT || (Math.abs(gain - best.gain) <= IMPROVEMENT && !tieBreak(vm, to, best, usable)))) continue;
          if (ledger.misfit(usable[to].id, size)) continue;
          best = { vm, from, to, gain };
        }
      }
    }
    if (!best) break;
    const size = vmSize(best.vm);
    ledger.reserve(usable[best.from].id, usable[best.to].id, size);
    for (const i of [best.from, best.to]) {
      const f = useFraction(ledger.after(usable[i].id), usable[i].capacity);
      cpu[i] = f.cpu;
      mem[i] = f.memory;
    }
    onNode[best.from] = onNode[best.from].filter((v) => v !== best!.vm);
    moves.push({
      vm: best.vm,
      to: usable[best.to].id,
      mode: 'live',
      modeReason: 'running, moves live',
      reason: `rebalance: ${usable[best.from].name} → ${usable[best.to].name} (spread of use ${pct(now)} before this move, ${pct(imbalance())} after)`,
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

const sq = (x: number) => x * x;

/** The `k` nodes with the highest use (the larger of vCPU and memory), ties by position. */
function mostUsed(cpu: number[], mem: number[], k: number): number[] {
  return cpu
    .map((c, i) => [Math.max(c, mem[i]), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

function leastUsed(xs: number[], k: number): number[] {
  return xs
    .map((x, i) => [x, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

const pct = (fraction: number) => `${Math.round(fraction * 100)} points`;
