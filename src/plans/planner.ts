// The planner: from one snapshot of a cluster and a request (evacuate a node, move these VMs,
// rebalance), a plan — which VM goes where, live or cold and why, in which order — and the VMs it
// cannot move, each with the reason, instead of a guess. Pure and deterministic: the same
// snapshot and request give the same plan, so a plan recomputed later differs only where the
// cluster did. Capacity is booked in a CapacityLedger that counts every migration in flight or
// planned against its target from its start, so no order of running the plan overcommits a node.

import type { ClusterNode, Resources, Vm } from '../model/cluster';
import { CapacityLedger, useFraction, vmSize } from './capacity-ledger';
import { compareIds, orderMoves, type OrderItem } from './plan-order';
import { rebalanceMoves } from './rebalance';
import { eligibleTarget, whyNotTarget } from './target-eligibility';
import { movability } from './vm-movability';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_REBALANCE_THRESHOLD,
  type ChosenMove,
  type ClusterSnapshot,
  type MigrationPlan,
  type NodeUse,
  type PlanBlocker,
  type PlanConcurrency,
  type PlanEntry,
  type PlanMode,
  type PlanRequest,
  type PlanWindow,
} from './plan-types';

export interface PlanOptions {
  window?: PlanWindow;
  concurrency?: Partial<PlanConcurrency>;
  stopOnFailure?: boolean;
  /** Stamped as createdAt; absent: no stamp (keeps the plan a pure function of its inputs). */
  createdAt?: string;
}

export function planMigrations(snapshot: ClusterSnapshot, request: PlanRequest, options: PlanOptions = {}): MigrationPlan {
  const nodes = [...snapshot.nodes].sort((a, b) => compareIds(a.id, b.id));
  const vms = [...snapshot.vms].sort((a, b) => compareIds(a.id, b.id));
  const ledger = new CapacityLedger(nodes, vms);
  const blockers: PlanBlocker[] = [];
  let moves: ChosenMove[] = [];

  if (request.kind === 'rebalance') {
    const threshold = request.threshold ?? DEFAULT_REBALANCE_THRESHOLD;
    moves = rebalanceMoves(nodes, vms, ledger, threshold, snapshot.traits);
  } else {
    const { candidates, target } = requestedMoves(snapshot, nodes, vms, request, blockers);
    const movable: { vm: Vm; mode: PlanMode; why: string }[] = [];
    for (const vm of candidates) {
      const m = movability(vm, snapshot.traits);
      if (m.ok) movable.push({ vm, mode: m.mode, why: m.why });
      else blockers.push({ vm: vm.id, node: vm.nodeId, kind: m.kind, reason: m.reason });
    }
    // Dependency cycles and waits on blocked VMs first: a VM that will not move books no room.
    const first = orderMoves(movable.map(orderItem), new Set(blockers.map((b) => b.vm!).filter(Boolean)));
    const orderable = new Set(first.order);
    blockers.push(...first.blockers.map((b) => ({ ...b, node: vmById(vms, b.vm)?.nodeId })));
    // Largest first when choosing targets (first-fit decreasing packs best); start order comes later.
    const bySize = movable.filter((m) => orderable.has(m.vm.id)).sort((a, b) => largestFirst(a.vm, b.vm));
    for (const m of bySize) {
      const chosen = m.mode === 'cold' && snapshot.traits.live === 'always' ? restartTarget(m.vm, snapshot, nodes) : target(m.vm, ledger);
      if ('blocked' in chosen) {
        blockers.push({ vm: m.vm.id, node: m.vm.nodeId, kind: chosen.kind, reason: chosen.blocked });
        continue;
      }
      ledger.reserveMove(m.vm, chosen.to);
      moves.push({ vm: m.vm, to: chosen.to, mode: m.mode, modeReason: m.why, reason: chosen.reason });
    }
  }

  const { entries, blockers: orderBlockers } = orderedEntries(moves, vms, new Set(blockers.map((b) => b.vm!).filter(Boolean)));
  blockers.push(...orderBlockers);
  return {
    cluster: snapshot.cluster,
    kind: request.kind,
    ...(request.kind === 'evacuate' ? { node: request.nodeId, ...(emptiedNodes(request).length > 1 ? { alsoNodes: emptiedNodes(request).slice(1) } : {}) } : {}),
    ...(request.kind === 'rebalance' ? { threshold: request.threshold ?? DEFAULT_REBALANCE_THRESHOLD } : {}),
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
    ...(options.window ? { window: { ...options.window } } : {}),
    concurrency: { ...DEFAULT_CONCURRENCY, ...options.concurrency },
    stopOnFailure: options.stopOnFailure ?? false,
    entries,
    blockers: sortBlockers(blockers),
    nodes: nodeUses(nodes, ledger),
  };
}

/** The nodes an evacuation empties, the first one first, each once. */
export function emptiedNodes(request: Extract<PlanRequest, { kind: 'evacuate' }>): string[] {
  return [...new Set([request.nodeId, ...(request.alsoNodeIds ?? [])])];
}

type TargetChoice = { to?: string; reason: string } | { blocked: string; kind: PlanBlocker['kind'] };

function requestedMoves(
  snapshot: ClusterSnapshot,
  nodes: ClusterNode[],
  vms: Vm[],
  request: Exclude<PlanRequest, { kind: 'rebalance' }>,
  blockers: PlanBlocker[],
): { candidates: Vm[]; target: (vm: Vm, ledger: CapacityLedger) => TargetChoice } {
  const nodeName = (id: string | undefined) => nodes.find((n) => n.id === id)?.name ?? id ?? 'no node';
  if (request.kind === 'evacuate') {
    // Every node emptied by this plan; none of them is a target, whatever its state.
    const emptied: ClusterNode[] = [];
    for (const id of emptiedNodes(request)) {
      const node = nodes.find((n) => n.id === id);
      if (node) emptied.push(node);
      else blockers.push({ node: id, kind: 'no-target', reason: `node ${id} is not in the cluster` });
    }
    if (emptied.length === 0) return { candidates: [], target: () => ({ blocked: 'no such node', kind: 'no-target' }) };
    const emptiedIds = new Set(emptied.map((n) => n.id));
    const others = nodes.filter((n) => !emptiedIds.has(n.id));
    const targets = others.filter(eligibleTarget);
    const names = emptied.map((n) => n.name).join(', ');
    return {
      candidates: vms.filter((vm) => vm.nodeId !== undefined && emptiedIds.has(vm.nodeId)),
      target: (vm, ledger) => {
        if (others.length === 0) return { blocked: emptied.length === 1 ? `${names} is the only node of the cluster` : `${names} are all the nodes of the cluster`, kind: 'only-node' };
        if (targets.length === 0) return { blocked: `no other node takes VMs: ${others.map(whyNotTarget).join('; ')}`, kind: 'only-node' };
        return spreadTarget(vm, targets, ledger, `evacuating ${names}`);
      },
    };
  }
  const candidates: Vm[] = [];
  const seen = new Set<string>();
  for (const id of request.vmIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    const vm = vmById(vms, id);
    if (vm) candidates.push(vm);
    else blockers.push({ vm: id, kind: 'unknown-vm', reason: `${id} is not a VM of ${snapshot.cluster}` });
  }
  const to = request.to;
  if (to === 'any') {
    return {
      candidates,
      target: () => (snapshot.traits.anyNode ? { to: undefined, reason: "the cluster's scheduler picks the node" } : { blocked: 'this kind of cluster cannot choose the node itself: give a node or spread', kind: 'no-target' }),
    };
  }
  if (to === 'spread') {
    const targets = nodes.filter(eligibleTarget);
    return {
      candidates,
      target: (vm, ledger) => {
        const others = targets.filter((n) => n.id !== vm.nodeId);
        if (others.length === 0) return { blocked: `no node other than ${nodeName(vm.nodeId)} takes VMs`, kind: 'only-node' };
        return spreadTarget(vm, others, ledger, 'spread');
      },
    };
  }
  const node = nodes.find((n) => n.id === to.node);
  return {
    candidates,
    target: (vm, ledger) => {
      if (!node) return { blocked: `node ${to.node} is not in the cluster`, kind: 'no-target' };
      if (vm.nodeId === node.id) return { blocked: `${vm.id} is on ${node.name} already`, kind: 'no-target' };
      if (!eligibleTarget(node)) return { blocked: whyNotTarget(node), kind: 'target-unschedulable' };
      const misfit = ledger.misfit(node.id, vmSize(vm));
      if (misfit) return { blocked: `${vm.id} does not fit on ${node.name}: ${misfit}`, kind: 'no-room' };
      return { to: node.id, reason: `asked: to ${node.name}` };
    },
  };
}

/**
 * A cold move where the kind migrates only live is a restart: the cluster's scheduler picks the
 * node, so no target is named (or booked); the runner fails the entry if the VM comes back on its
 * own node (cordon it first). Only for a source node that is cordoned already, or being emptied.
 */
function restartTarget(vm: Vm, snapshot: ClusterSnapshot, nodes: ClusterNode[]): TargetChoice {
  if (!snapshot.traits.anyNode) return { blocked: `${vm.id} can move only by a restart, and this cluster cannot choose the node itself`, kind: 'not-migratable' };
  if (!nodes.some((n) => n.id !== vm.nodeId && eligibleTarget(n))) return { blocked: `no node other than ${vm.nodeId ?? 'its own'} takes VMs`, kind: 'only-node' };
  return { to: undefined, reason: "restarted: stopped, then started on the node the cluster's scheduler picks (its node must be cordoned first)" };
}

/** The eligible node with room whose use would be lowest with the VM on it (ties: the lower id). */
function spreadTarget(vm: Vm, targets: readonly ClusterNode[], ledger: CapacityLedger, why: string): TargetChoice {
  const size = vmSize(vm);
  let best: { node: ClusterNode; score: number } | undefined;
  const misfits: string[] = [];
  for (const node of targets) {
    const misfit = ledger.misfit(node.id, size);
    if (misfit) {
      misfits.push(misfit);
      continue;
    }
    const after = ledger.after(node.id);
    const f = useFraction({ vcpus: after.vcpus + size.vcpus, memoryMb: after.memoryMb + size.memoryMb }, node.capacity);
    const score = Math.max(f.cpu, f.memory);
    if (!best || score < best.score - 1e-12) best = { node, score };
  }
  if (!best) return { blocked: `no node has room for ${vm.id}: ${misfits[0] ?? 'no candidate node'}${misfits.length > 1 ? ` (and ${misfits.length - 1} more nodes too full)` : ''}`, kind: 'no-room' };
  return { to: best.node.id, reason: `${why}: ${best.node.name} is the least used node with room (${Math.round(best.score * 100)}% with it)` };
}

function orderItem(m: { vm: Vm }): OrderItem {
  return { vm: m.vm.id, priority: m.vm.placement?.priority ?? 0, size: vmSize(m.vm), after: m.vm.placement?.after ?? [], before: m.vm.placement?.before ?? [] };
}

function orderedEntries(moves: ChosenMove[], vms: Vm[], unmovable: Set<string>): { entries: PlanEntry[]; blockers: PlanBlocker[] } {
  const result = orderMoves(moves.map(orderItem), unmovable);
  const byVm = new Map(moves.map((m) => [m.vm.id, m]));
  const entries = result.order.map((id, i): PlanEntry => {
    const m = byVm.get(id)!;
    const after = result.after.get(id);
    return {
      vm: id,
      from: m.vm.nodeId ?? '',
      ...(m.to !== undefined ? { to: m.to } : {}),
      mode: m.mode,
      modeReason: m.modeReason,
      order: i + 1,
      reason: m.reason,
      ...(after ? { after } : {}),
      size: vmSize(m.vm),
    };
  });
  return { entries, blockers: result.blockers.map((b) => ({ ...b, node: vmById(vms, b.vm)?.nodeId })) };
}

function nodeUses(nodes: ClusterNode[], ledger: CapacityLedger): NodeUse[] {
  return nodes.map((n) => ({
    id: n.id,
    name: n.name,
    schedulable: eligibleTarget(n),
    ...(n.capacity ? { capacity: { vcpus: n.capacity.vcpus, memoryMb: n.capacity.memoryMb } } : {}),
    before: pick(ledger.used(n.id)),
    after: pick(ledger.after(n.id)),
  }));
}

const pick = (r: Resources): Resources => ({ vcpus: r.vcpus, memoryMb: r.memoryMb });

function largestFirst(a: Vm, b: Vm): number {
  return (b.memoryMb ?? 0) - (a.memoryMb ?? 0) || (b.vcpus ?? 0) - (a.vcpus ?? 0) || compareIds(a.id, b.id);
}

function vmById(vms: readonly Vm[], id: string | undefined): Vm | undefined {
  return id === undefined ? undefined : vms.find((v) => v.id === id);
}

function sortBlockers(blockers: PlanBlocker[]): PlanBlocker[] {
  const seen = new Set<string>();
  const out: PlanBlocker[] = [];
  for (const b of blockers) {
    const key = `${b.vm ?? ''}\u0000${b.kind}`;
    if (b.vm && seen.has(key)) continue;
    seen.add(key);
    const clean: PlanBlocker = { kind: b.kind, reason: b.reason };
    if (b.vm !== undefined) clean.vm = b.vm;
    if (b.node !== undefined) clean.node = b.node;
    out.push(clean);
  }
  return out.sort((a, b) => compareIds(a.vm ?? '', b.vm ?? '') || compareIds(a.kind, b.kind));
}

/** The spread of use across the eligible nodes: max − min of the vCPU and of the memory fractions. */
export function useSpread(nodes: readonly NodeUse[], when: 'before' | 'after'): { cpu: number; memory: number } {
  const usable = nodes.filter((n) => n.schedulable && n.capacity);
  if (usable.length === 0) return { cpu: 0, memory: 0 };
  const fractions = usable.map((n) => useFraction(n[when], n.capacity));
  const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  return { cpu: spread(fractions.map((f) => f.cpu)), memory: spread(fractions.map((f) => f.memory)) };
}
