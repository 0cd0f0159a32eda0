// Target side of a live migration, for runtimes that receive the guest themselves (QEMU's
// `-incoming`): in PREPARING the target gets ready and commits where it listens into the
// migration record (`incoming`); the source waits for that before it transfers. The target then
// waits for the end: COMPLETED leaves the received guest to the agent (the VM's record now says it
// runs here, so the agent adopts it); any other end drops what waited for the guest.

import { isFinalStatus, type MigrationRecord } from '../state/cluster-records';
import { commitMigrationStep, handedToTarget } from './migration-driver';
import { decidedByHypervisors } from './migration-outcomes';
import type { NodeContext } from './node-context';

export async function driveLiveTarget(ctx: NodeContext, m0: MigrationRecord, signal: AbortSignal): Promise<void> {
  const { runtime } = ctx;
  if (!runtime.prepareIncoming) return;
  const vmRecord = ctx.view.vms.get(m0.vmName)?.value;
  const vm = { name: m0.vmName, vcpus: m0.vcpus, memoryMb: m0.memoryMb, configPath: vmRecord?.configPath };
  let incoming: { uri: string };
  try {
    incoming = await runtime.prepareIncoming(vm, signal);
  } catch (err) {
    if (signal.aborted) return;
    await commitMigrationStep(ctx, m0.id, ['PREPARING'], () => ({
      fail: `node ${ctx.nodeId} could not get ready to receive VM '${vm.name}': ${(err as Error).message}`,
    }), ctx.shutdown).catch(() => undefined);
    return;
  }
  try {
    const committed = await commitMigrationStep(ctx, m0.id, ['PREPARING'], (m) => ({ migration: { ...m, incoming, updatedAt: Date.now() } }), signal);
    if (!committed) return;
    const orphaned = await ctx.view.waitUntil(() => {
      const m = ctx.view.migrations.get(m0.id)?.value;
      if (!m || isFinalStatus(m.status)) return 'ended' as const;
      // The source's daemon died at switchover: its QEMU may finish the migration alone, so ours says how it ended.
      return decidedByHypervisors(m) && !ctx.view.members.has(m.sourceNodeId) ? ('source gone' as const) : undefined;
    }, { signal });
    if (orphaned === 'source gone') await settleWithoutSource(ctx, m0, signal);
  } catch {
    // Aborted: the migration ended (judged below) or the daemon stops (the runtime's close drops it).
  } finally {
    const m = ctx.view.migrations.get(m0.id)?.value;
    const ours = ctx.view.vms.get(vm.name)?.value?.nodeId === ctx.nodeId;
    if (!(m?.status === 'COMPLETED' && ours)) runtime.discardIncoming?.(vm.name);
    else if (!runtime.isRunning(vm.name)) runtime.adopt(vm);
  }
}

/** How long a target whose source died at switchover waits for the last of the guest to arrive. */
const ARRIVAL_WAIT_MS = 10_000;

async function settleWithoutSource(ctx: NodeContext, m0: MigrationRecord, signal: AbortSignal): Promise<void> {
  const arrived = (await ctx.runtime.incomingArrived?.(m0.vmName, ARRIVAL_WAIT_MS)) ?? false;
  const source = m0.sourceNodeId;
  await commitMigrationStep(
    ctx,
    m0.id,
    ['SWITCHING'],
    (m, vm) => (arrived ? handedToTarget(m, vm, Date.now()) : { fail: `source node ${source} left the cluster during the switchover, before the guest reached node ${ctx.nodeId}` }),
    signal,
  );
}
