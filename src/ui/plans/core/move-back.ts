// "Exit Maintenance Mode" offers to move back what the node's evacuation moved (as Proxmox does):
// which VMs those are, read from the evacuation's run state (entries that ended done, from that
// node), and the request that plans their return. Free of `vscode`.

import type { PlanRunState } from '../../../plans/plan-run-state';
import type { PlanRequest } from '../../../plans/plan-types';

/** The VMs a run moved off `nodeId` (done entries that had to move: not those found there already). */
export function vmsMovedOff(state: Pick<PlanRunState, 'entries'>, nodeId: string): string[] {
  return state.entries.filter((e) => e.from === nodeId && e.status.state === 'done' && e.status.note !== 'on its target already').map((e) => e.vm);
}

/** The plan request that brings them back to the node. */
export function moveBackRequest(vmIds: readonly string[], nodeId: string): PlanRequest {
  return { kind: 'migrate', vmIds: [...vmIds], to: { node: nodeId } };
}
