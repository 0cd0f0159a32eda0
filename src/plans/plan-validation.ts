// A plan document against the cluster as it is now: every entry's VM and nodes must exist, no VM
// twice, targets that take VMs and have room for everything the plan sends them (counting the
// migrations in flight, booked from their start as the planner books them), a mode the VM can
// move in, no dependency cycle. What changed since the plan was made (a VM moved, a node gone) is
// staleness: reported, and the runner re-validates before it starts. Diagnostics point at the
// field at fault.

import type { Vm } from '../model/cluster';
import { CapacityLedger } from './capacity-ledger';
import { compareIds, cyclesOf } from './plan-order';
import type { ParsedPlan } from './plan-document-parser';
import type { PlanDiagnostic } from './plan-diagnostics';
import type { ClusterSnapshot, PlanEntry } from './plan-types';
import { eligibleTarget, whyNotTarget } from './target-eligibility';
import { movability } from './vm-movability';

export interface PlanValidation {
  diagnostics: PlanDiagnostic[];
  /** The plan no longer matches the cluster (VMs moved, nodes gone): say so before it runs. */
  stale: boolean;
  /** Entries whose VM is on its target already (moved since): the runner counts them done. */
  alreadyThere: string[];
  /** No error-level diagnostic (parse or cluster): the plan may run. */
  ok: boolean;
}

export interface ValidationOptions {
  /** For the window check; default Date.now(). */
  now?: number;
}

export function validatePlan(parsed: ParsedPlan, snapshot: ClusterSnapshot, options: ValidationOptions = {}): PlanValidation {
  const diagnostics: PlanDiagnostic[] = [...parsed.diagnostics];
  const plan = parsed.plan;
  const alreadyThere: string[] = [];
  let stale = false;
  if (!plan) return { diagnostics, stale, alreadyThere, ok: false };
  const at = (i: number, field?: string) => parsed.locator.at(field ? ['entries', parsed.entryIndex[i], field] : ['entries', parsed.entryIndex[i]]);
  const say = (severity: PlanDiagnostic['severity'], code: PlanDiagnostic['code'], message: string, range: PlanDiagnostic['range']) => diagnostics.push({ severity, code, message, range });

  if (plan.cluster !== snapshot.cluster) say('error', 'wrong-cluster', `the plan is for cluster "${plan.cluster}", not "${snapshot.cluster}"`, parsed.locator.at(['cluster']));
  const now = options.now ?? Date.now();
  if (plan.window?.notAfter && Date.parse(plan.window.notAfter) <= now) say('warning', 'window', `the window closed at ${plan.window.notAfter}: nothing will start`, parsed.locator.at(['window', 'notAfter']));

  const nodes = new Map(snapshot.nodes.map((n) => [n.id, n]));
  const vms = new Map(snapshot.vms.map((v) => [v.id, v]));
  const ledger = new CapacityLedger(snapshot.nodes, snapshot.vms);
  const seen = new Map<string, number>();
  const inPlan = new Set(plan.entries.map((e) => e.vm));
  // Room is booked in the order the entries start, so the first over capacity is the one named.
  const byOrder = plan.entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.order - b.e.order || a.i - b.i);
  for (const { e, i } of byOrder) {
    if (seen.has(e.vm)) {
      say('error', 'duplicate-vm', `${e.vm} is in the plan twice (also entry ${seen.get(e.vm)! + 1}): a VM moves once`, at(i, 'vm'));
      continue;
    }
    seen.set(e.vm, i);
    const vm = vms.get(e.vm);
    if (!vm) {
      say('error', 'unknown-vm', `${e.vm} is not a VM of ${snapshot.cluster} (deleted or renamed since the plan was made?)`, at(i, 'vm'));
      stale = true;
      continue;
    }
    const from = nodes.get(e.from);
    if (!from) {
      say('error', 'unknown-node', `node ${e.from} is not in the cluster any more`, at(i, 'from'));
      stale = true;
    }
    const target = e.to === undefined ? undefined : nodes.get(e.to);
    if (e.to === undefined) {
      if (!snapshot.traits.anyNode) say('error', 'malformed', 'this kind of cluster cannot choose the node itself: give `to` a node id', at(i, 'to'));
    } else if (!target) {
      say('error', 'unknown-node', `node ${e.to} is not in the cluster${nodes.size > 0 ? ` (nodes: ${[...nodes.keys()].sort(compareIds).join(', ')})` : ''}`, at(i, 'to'));
    } else if (!eligibleTarget(target)) {
      say('error', 'target-unschedulable', `${whyNotTarget(target)}: it takes no VMs`, at(i, 'to'));
    } else if (plan.kind === 'evacuate' && (e.to === plan.node || plan.alsoNodes?.includes(e.to))) {
      say('error', 'target-unschedulable', `${target.name} is emptied by this plan: it takes none of its VMs`, at(i, 'to'));
    }
    if (vm.nodeId !== e.from) {
      stale = true;
      if (e.to !== undefined && vm.nodeId === e.to) {
        alreadyThere.push(e.vm);
        say('info', 'stale', `${e.vm} is on ${nodeName(snapshot, e.to)} already: this entry is done`, at(i, 'from'));
        continue;
      }
      say('warning', 'stale', `${e.vm} has moved since the plan was made: it is on ${nodeName(snapshot, vm.nodeId)} now, not ${nodeName(snapshot, e.from)}`, at(i, 'from'));
    }
    if (e.to !== undefined && e.to === vm.nodeId) say('error', 'malformed', `${e.vm} is on ${nodeName(snapshot, e.to)}: from and to are the same node`, at(i, 'to'));
    modeCheck(e, vm, snapshot, (severity, code, message) => say(severity, code, message, at(i, 'mode')));
    const size = { vcpus: vm.vcpus ?? 0, memoryMb: vm.memoryMb ?? 0 };
    if (target && e.to !== vm.nodeId) {
      const misfit = ledger.misfit(target.id, size);
      if (misfit) say('error', 'over-capacity', `${target.name} is over capacity with ${e.vm}: ${misfit}`, at(i, 'to'));
    }
    ledger.reserveMove(vm, e.to);
    for (const a of e.after ?? []) if (!inPlan.has(a)) say('warning', 'malformed', `${e.vm} waits for ${a}, which is not in this plan: the wait is ignored`, at(i, 'after'));
  }

  const preds = new Map(plan.entries.map((e) => [e.vm, new Set((e.after ?? []).filter((a) => inPlan.has(a)))]));
  for (const cycle of cyclesOf([...preds.keys()], preds)) {
    const text = [...cycle, cycle[0]].join(' → ');
    for (const vm of cycle) {
      const i = plan.entries.findIndex((e) => e.vm === vm);
      say('error', 'cycle', `dependency cycle: ${text}; none of them can start`, at(i, 'after'));
    }
  }
  return { diagnostics: sortDiagnostics(diagnostics), stale, alreadyThere, ok: !diagnostics.some((d) => d.severity === 'error') };
}

function modeCheck(e: PlanEntry, vm: Vm, snapshot: ClusterSnapshot, say: (severity: PlanDiagnostic['severity'], code: PlanDiagnostic['code'], message: string) => void): void {
  const m = movability(vm, snapshot.traits);
  if (!m.ok) {
    // A migration in flight may be the plan's own (resumed); the runner follows it.
    if (m.kind === 'in-flight') say('warning', 'stale', m.reason);
    else say('error', 'not-movable', m.reason);
    return;
  }
  if (e.mode === 'live' && m.mode === 'cold') say('error', 'not-movable', `${e.vm} cannot move live (it is ${vm.state}${vm.liveMigratable?.ok === false ? ', not live-migratable' : ''}): use mode: cold`);
  if (e.mode === 'cold' && m.mode === 'live' && snapshot.traits.live === 'always' && vm.coldMove?.ok !== true) say('error', 'not-movable', `${e.vm} may not be moved cold on this cluster`);
}

function nodeName(snapshot: ClusterSnapshot, id: string | undefined): string {
  return snapshot.nodes.find((n) => n.id === id)?.name ?? (id === undefined ? 'no node' : `node ${id}`);
}

function sortDiagnostics(ds: PlanDiagnostic[]): PlanDiagnostic[] {
  return ds.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
