// Maintenance mode (cordon) of a node: the flag is a record of its own in the cluster store,
// committed like every other change, and every write that would put a VM on a node — a
// migration's target, CreateVm's placement, StartVm — asks here first and guards the record's
// key, so a node entering maintenance and a VM placed on it cannot both get in.

import { keys, type MaintenanceRecord } from './state/cluster-records';
import type { ClusterView } from './state/cluster-view';
import type { NodeContext } from './agent/node-context';
import { NodeInMaintenanceError, NotFoundError, quote } from './errors';

export interface MaintenanceChange {
  /** The record now, undefined when the node is not in maintenance. */
  record?: MaintenanceRecord;
  /** False when the node already was as asked. */
  changed: boolean;
  /** One sentence for the caller. */
  message: string;
}

/** "Node 2 is in maintenance ('kernel patch')", or undefined when the node takes VMs. */
export function maintenanceOf(view: ClusterView, nodeId: number): string | undefined {
  const record = view.maintenance.get(nodeId)?.value;
  if (!record) return undefined;
  return `Node ${nodeId} is in maintenance${record.reason ? ` (${quote(record.reason)})` : ''}`;
}

/** Throws NodeInMaintenanceError naming the node, and `consequence` after it. */
export function refuseIfInMaintenance(view: ClusterView, nodeId: number, consequence: string): void {
  const refusal = maintenanceOf(view, nodeId);
  if (refusal) throw new NodeInMaintenanceError(`${refusal}: ${consequence}`);
}

/**
 * Enters (`on`) or leaves maintenance. Entering needs the node in the cluster; leaving also works
 * for a node that is away (it was taken down while in maintenance), so its flag can be cleared
 * before it returns. Setting what is set is no write: the first `since` stays, a new reason replaces
 * the old one.
 */
export async function setNodeMaintenance(ctx: NodeContext, nodeId: number, on: boolean, reason: string): Promise<MaintenanceChange> {
  const { view } = ctx;
  const { result } = await ctx.writer.commit<MaintenanceChange>(() => {
    const existing = view.maintenance.get(nodeId)?.value;
    const member = view.members.has(nodeId);
    if (!member && !existing) throw new NotFoundError(`Node ${nodeId} not found in cluster`);
    const guards = [keys.maintenance(nodeId), keys.member(nodeId)];
    if (!on) {
      if (!existing) return { noWrite: true, result: { changed: false, message: `Node ${nodeId} is not in maintenance` } };
      return { guards, ops: [{ type: 'delete', key: keys.maintenance(nodeId) }], result: { changed: true, message: `Node ${nodeId} left maintenance and takes VMs again` } };
    }
    if (existing && (reason === '' || reason === existing.reason)) {
      return { noWrite: true, result: { record: existing, changed: false, message: `Node ${nodeId} is already in maintenance` } };
    }
    const record: MaintenanceRecord = existing ? { ...existing, reason } : { nodeId, since: Date.now(), reason, requestedVia: ctx.nodeId };
    return {
      guards,
      ops: [{ type: 'put', key: keys.maintenance(nodeId), value: JSON.stringify(record) }],
      result: {
        record,
        changed: true,
        message: existing ? `Node ${nodeId} stays in maintenance; reason updated` : `Node ${nodeId} is in maintenance: it takes no new VMs; the VMs on it keep running until moved`,
      },
    };
  });
  return result;
}
