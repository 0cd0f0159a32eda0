// How a migration ends badly (FAILED or CANCELLED) and what that does to its VM, as one write
// plan. Shared by the drivers, CancelMigration, the leader's sweep and a restarting node, so
// every path leaves the VM on exactly one node in a state it can continue from.

import { keys, isFinalStatus, withStatus, type MigrationRecord, type VmRecord } from '../state/cluster-records';
import type { ClusterView } from '../state/cluster-view';
import type { NoWrite, WritePlan } from '../state/state-writer';
import type { StoreOp } from '../store/cluster-store';

export function planEndMigration(
  view: ClusterView,
  migrationId: string,
  status: 'FAILED' | 'CANCELLED',
  reason: string,
  now = Date.now(),
  /** Last figures to record with the outcome (a live transfer's final progress). */
  patch: Partial<Pick<MigrationRecord, 'progress'>> = {},
  /** A cold migration whose target failed to boot the VM: hand it back to its source to boot there. */
  rollBackToSource = false,
): WritePlan<MigrationRecord | undefined> | NoWrite<MigrationRecord | undefined> {
  const m = view.migrations.get(migrationId)?.value;
  if (!m || isFinalStatus(m.status)) return { noWrite: true, result: m };
  const ended = { ...withStatus(m, status, now, reason), ...patch };
  const ops: StoreOp[] = [{ type: 'put', key: keys.migration(m.id), value: JSON.stringify(ended) }];
  const vm = view.vms.get(m.vmName)?.value;
  if (vm && vm.migrationId === m.id) {
    ops.push({ type: 'put', key: keys.vm(vm.name), value: JSON.stringify(vmAfterEndedMigration(view, m, vm, now, reason, rollBackToSource)) });
  }
  return { guards: [keys.migration(m.id), keys.vm(m.vmName)], ops, result: ended };
}

function vmAfterEndedMigration(view: ClusterView, m: MigrationRecord, vm: VmRecord, now: number, reason: string, rollBack: boolean): VmRecord {
  const next: VmRecord = { ...vm, migrationId: undefined, updatedAt: now };
  const sourceAlive = view.members.has(m.sourceNodeId);
  const targetAlive = view.members.has(m.targetNodeId);
  const wasRunning = m.vmStateAtStart === 'RUNNING';
  if (vm.nodeId === m.sourceNodeId) {
    // A cold migration had stopped the VM on its source: bring it back where it was.
    if (!m.live && wasRunning && (vm.state === 'STOPPING' || vm.state === 'STOPPED')) next.state = sourceAlive ? 'STARTING' : 'STOPPED';
    return next;
  }
  if (vm.nodeId === m.targetNodeId && !m.live) {
    // A cold migration had already handed the VM to its target.
    if ((!targetAlive || rollBack) && sourceAlive) {
      next.nodeId = m.sourceNodeId;
      next.state = wasRunning ? 'STARTING' : vm.state === 'STARTING' ? 'STOPPED' : vm.state;
    } else if (vm.state === 'STARTING') {
      next.state = targetAlive ? 'FAILED' : 'STOPPED';
      if (targetAlive) next.stateMessage = reason;
    }
  }
  return next;
}

/**
 * A live migration into a runtime that receives the guest itself (QEMU's -incoming), at its
 * switchover: the hypervisors finish it without their daemons, so whether the guest has left its
 * source is read from them (the source's outgoing status, the target's arrived guest) by whichever
 * side is still there — not judged from who is alive, which could kill the only running copy.
 */
export function decidedByHypervisors(m: MigrationRecord): boolean {
  return m.live && m.status === 'SWITCHING' && m.incoming !== undefined;
}

/** Whether a non-final migration can still progress with the nodes now in the cluster, and if not, why. */
export function missingParticipant(view: ClusterView, m: MigrationRecord): string | undefined {
  const sourceAlive = view.members.has(m.sourceNodeId);
  const targetAlive = view.members.has(m.targetNodeId);
  if (decidedByHypervisors(m) && (sourceAlive || targetAlive)) return undefined;
  // A cold migration in SWITCHING has already moved the VM: only its target has work left.
  const needsSource = !(m.status === 'SWITCHING' && !m.live);
  if (!targetAlive) return `target node ${m.targetNodeId} left the cluster during the migration`;
  if (needsSource && !sourceAlive) return `source node ${m.sourceNodeId} left the cluster during the migration`;
  return undefined;
}
