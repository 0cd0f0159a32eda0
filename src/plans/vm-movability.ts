// Whether a VM can be moved by a plan, and how: live for a running VM that can migrate live, cold
// (stopped and started on the target) where the kind or the VM allows it, else a blocker that
// says why. Pinned VMs and VMs already migrating are never moved by a plan.

import type { Vm } from '../model/cluster';
import type { BlockerKind, ClusterSnapshot, PlanMode } from './plan-types';

export type Movability = { ok: true; mode: PlanMode; why: string } | { ok: false; kind: BlockerKind; reason: string };

export function movability(vm: Vm, traits: ClusterSnapshot['traits']): Movability {
  if (vm.migration) return { ok: false, kind: 'in-flight', reason: `${vm.id} is migrating already (${vm.migration.phase}${vm.migration.targetNodeId ? ` to ${vm.migration.targetNodeId}` : ''})` };
  if (vm.placement?.pinned) return { ok: false, kind: 'pinned', reason: `${vm.id} is pinned to its node: ${vm.placement.pinned}` };
  const cold = coldMove(vm, traits);
  if (vm.state === 'running') {
    if (vm.liveMigratable?.ok === false) {
      const why = `not live-migratable${vm.liveMigratable.reason ? ` (${vm.liveMigratable.reason})` : ''}`;
      if (cold.ok) return { ok: true, mode: 'cold', why: `${why}; ${cold.why}` };
      return { ok: false, kind: 'not-migratable', reason: `${vm.id} is ${why} and ${cold.why}` };
    }
    return { ok: true, mode: 'live', why: 'running, moves live' };
  }
  if (vm.state === 'stopped' || vm.state === 'created' || vm.state === 'failed') {
    if (cold.ok) return { ok: true, mode: 'cold', why: `${vm.state}: ${cold.why}` };
    return { ok: false, kind: 'not-migratable', reason: `${vm.id} is ${vm.state} and ${cold.why}` };
  }
  return { ok: false, kind: 'not-migratable', reason: `${vm.id} is ${vm.state}: plan again once it has settled` };
}

function coldMove(vm: Vm, traits: ClusterSnapshot['traits']): { ok: boolean; why: string } {
  if (vm.coldMove) return vm.coldMove.ok ? { ok: true, why: `moves cold${vm.coldMove.reason ? ` (${vm.coldMove.reason})` : ''}` } : { ok: false, why: `may not be moved cold${vm.coldMove.reason ? ` (${vm.coldMove.reason})` : ''}` };
  return traits.live === 'choice' ? { ok: true, why: 'moves cold' } : { ok: false, why: 'the cluster moves only running VMs live' };
}
