// Target side of a live migration, for runtimes that receive the guest themselves (QEMU's
// `-incoming`): in PREPARING the target gets ready and commits where it listens into the
// migration record (`incoming`); the source waits for that before it transfers. The target then
// waits for the end: COMPLETED leaves the received guest to the agent (the VM's record now says it
// runs here, so the agent adopts it); any other end drops what waited for the guest.

import { isFinalStatus, type MigrationRecord } from '../state/cluster-records';
import { commitMigrationStep } from './migration-driver';
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
    await ctx.view.waitUntil(() => {
      const m = ctx.view.migrations.get(m0.id)?.value;
      return !m || isFinalStatus(m.status);
    }, { signal });
  } catch {
    // Aborted: the migration ended (judged below) or the daemon stops (the runtime's close drops it).
  } finally {
    const m = ctx.view.migrations.get(m0.id)?.value;
    const ours = ctx.view.vms.get(vm.name)?.value?.nodeId === ctx.nodeId;
    if (!(m?.status === 'COMPLETED' && ours)) runtime.discardIncoming?.(vm.name);
    else if (!runtime.isRunning(vm.name)) runtime.adopt(vm);
  }
}
