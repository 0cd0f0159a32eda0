// The steps of a migration that run on one node, each committed through the store before the
// next begins. Live: the source pre-copies memory (TRANSFERRING, with progress), switches over
// (SWITCHING) and hands the VM to the target (COMPLETED). Cold: the source stops the VM
// (TRANSFERRING) and reassigns it (SWITCHING); the target starts it (COMPLETED).

import { keys, withStatus, type MigrationRecord, type MigrationStatusName, type ProgressRecord, type VmRecord } from '../state/cluster-records';
import type { StoreOp } from '../store/cluster-store';
import { NonConvergenceError, type MigrationPeer, type RuntimeVm, type SwitchoverResult, type TransferProgress } from '../runtime/vm-runtime';
import { WaitTimeoutError } from '../errors';
import { planEndMigration } from './migration-outcomes';
import { retryTransient, type NodeContext } from './node-context';

/** At most this many progress updates per second per migration reach the store. */
const PROGRESS_COMMITS_PER_SECOND = 4;
/** How long a live source waits for a target that must prepare (prepareIncoming) before it fails. */
const INCOMING_WAIT_MS = 60_000;

type StepChange = { migration: MigrationRecord; vm?: VmRecord } | { fail: string };

/**
 * Commits one step if the migration is still in one of `expected` statuses. Returns the
 * committed migration, or undefined when the migration moved on without us (cancelled, failed
 * by the leader's sweep).
 */
async function step(
  ctx: NodeContext,
  id: string,
  expected: MigrationStatusName[],
  change: (m: MigrationRecord, vm: VmRecord) => StepChange,
  signal: AbortSignal,
): Promise<MigrationRecord | undefined> {
  const { result } = await retryTransient(
    () =>
      ctx.writer.commit(() => {
        const m = ctx.view.migrations.get(id)?.value;
        const vm = m && ctx.view.vms.get(m.vmName)?.value;
        if (!m || !vm || !expected.includes(m.status) || vm.migrationId !== id) return { noWrite: true as const, result: undefined };
        const next = change(m, vm);
        if ('fail' in next) return planEndMigration(ctx.view, id, 'FAILED', next.fail);
        const ops: StoreOp[] = [{ type: 'put', key: keys.migration(id), value: JSON.stringify(next.migration) }];
        if (next.vm) ops.push({ type: 'put', key: keys.vm(vm.name), value: JSON.stringify(next.vm) });
        return { guards: [keys.migration(id), keys.vm(vm.name), keys.member(m.targetNodeId)], ops, result: next.migration };
      }),
    signal,
  );
  // A step that had to fail the migration reports "moved on", like one that found it ended.
  if (!result || result.status === 'FAILED' || result.status === 'CANCELLED') return undefined;
  return result;
}

export { step as commitMigrationStep };

async function fail(ctx: NodeContext, id: string, reason: string, progress?: TransferProgress): Promise<void> {
  ctx.log(`migration ${id} failed: ${reason}`);
  const patch = progress ? { progress: progressRecord(progress) } : {};
  await retryTransient(() => ctx.writer.commit(() => planEndMigration(ctx.view, id, 'FAILED', reason, Date.now(), patch)), ctx.shutdown);
}

function runtimeVm(m: MigrationRecord, ctx?: NodeContext): RuntimeVm {
  const vm: RuntimeVm = { name: m.vmName, vcpus: m.vcpus, memoryMb: m.memoryMb };
  const configPath = ctx?.view.vms.get(m.vmName)?.value.configPath;
  if (configPath) vm.configPath = configPath;
  return vm;
}

function targetPeer(ctx: NodeContext, m: MigrationRecord): MigrationPeer {
  const peer: MigrationPeer = { nodeId: m.targetNodeId, address: ctx.view.members.get(m.targetNodeId)?.value.address ?? '' };
  if (m.incoming) peer.incomingUri = m.incoming.uri;
  return peer;
}

/**
 * A runtime that receives guests itself has the target prepare first (live-target-driver.ts):
 * waits until the target has committed where it listens. Undefined when the migration ended meanwhile.
 */
async function waitForIncoming(ctx: NodeContext, id: string, signal: AbortSignal): Promise<MigrationRecord | undefined> {
  try {
    return await ctx.view.waitUntil(
      () => {
        const m = ctx.view.migrations.get(id)?.value;
        if (!m || m.status !== 'PREPARING') return { ended: true as const };
        return m.incoming ? { migration: m } : undefined;
      },
      { signal, timeoutMs: INCOMING_WAIT_MS },
    ).then((r) => ('migration' in r ? r.migration : undefined));
  } catch (err) {
    if (signal.aborted) return undefined;
    if (!(err instanceof WaitTimeoutError)) throw err;
    const m = ctx.view.migrations.get(id)?.value;
    await fail(ctx, id, `target node ${m?.targetNodeId ?? '?'} did not get ready to receive the VM within ${INCOMING_WAIT_MS / 1000} s`);
    return undefined;
  }
}

function progressRecord(p: TransferProgress): ProgressRecord {
  return { ...p };
}

/** Source side of a live migration: PREPARING → TRANSFERRING → SWITCHING → COMPLETED. */
export async function driveLiveSource(ctx: NodeContext, m0: MigrationRecord, signal: AbortSignal): Promise<void> {
  const id = m0.id;
  const vm = runtimeVm(m0, ctx);
  if (ctx.runtime.prepareIncoming && !m0.incoming && !(await waitForIncoming(ctx, id, signal))) return;
  const transferring = await step(
    ctx,
    id,
    ['PREPARING'],
    (m) => {
      if (!ctx.view.members.has(m.targetNodeId)) return { fail: `target node ${m.targetNodeId} left the cluster during the migration` };
      // The store is the truth: a VM it says runs here is ours even if the runtime has not caught up.
      if (!ctx.runtime.isRunning(m.vmName)) ctx.runtime.adopt(vm);
      const migration = withStatus(m, 'TRANSFERRING', Date.now());
      migration.progress = progressRecord(ctx.runtime.initialProgress(vm));
      return { migration };
    },
    signal,
  );
  if (!transferring) return;

  const progress = new ProgressCommitter(ctx, id, signal);
  let converged: TransferProgress;
  try {
    converged = await ctx.runtime.precopy(vm, targetPeer(ctx, transferring), (p) => progress.offer(p), signal);
  } catch (err) {
    await progress.close();
    if (signal.aborted) return; // someone else ended the migration; the guest keeps running here
    return fail(ctx, id, (err as Error).message, err instanceof NonConvergenceError ? err.progress : undefined);
  }
  await progress.close();

  const switching = await step(
    ctx,
    id,
    ['TRANSFERRING'],
    (m) => ({ migration: { ...withStatus(m, 'SWITCHING', Date.now()), progress: progressRecord(converged) } }),
    signal,
  );
  if (!switching) {
    ctx.runtime.adopt(vm); // ended before the switchover (a cancel): the guest goes on here
    return;
  }
  let final: SwitchoverResult | void;
  try {
    final = await ctx.runtime.switchover(vm, targetPeer(ctx, switching), converged, signal);
  } catch (err) {
    ctx.runtime.adopt(vm); // the switchover did not happen: the guest resumes on the source
    if (signal.aborted) return;
    return fail(ctx, id, `switchover failed: ${(err as Error).message}`);
  }
  const done = await step(
    ctx,
    id,
    ['SWITCHING'],
    (m, current) => {
      // A hypervisor that received the guest itself has it now, whether or not its daemon is there (it adopts it when back).
      if (!m.incoming && !ctx.view.members.has(m.targetNodeId)) return { fail: `target node ${m.targetNodeId} left the cluster during the switchover` };
      const total = converged.totalBytes;
      const migration: MigrationRecord = {
        ...withStatus(m, 'COMPLETED', Date.now(), ''),
        progress: final?.progress
          ? progressRecord(final.progress)
          : { ...progressRecord(converged), transferredBytes: converged.transferredBytes + converged.remainingBytes, remainingBytes: 0, totalBytes: total },
      };
      if (final?.downtimeMs !== undefined) migration.downtimeMs = final.downtimeMs;
      return { migration, vm: { ...current, nodeId: m.targetNodeId, state: 'RUNNING', migrationId: undefined, updatedAt: migration.updatedAt } };
    },
    signal,
  );
  if (!done || done.status !== 'COMPLETED') ctx.runtime.adopt(vm); // not handed over: it stays here
}

/** The VM handed to the target at the end of a live migration: COMPLETED, reassigned, running there. */
export function handedToTarget(m: MigrationRecord, vm: VmRecord, now: number): StepChange {
  const p = m.progress;
  const migration: MigrationRecord = { ...withStatus(m, 'COMPLETED', now, '') };
  if (p) migration.progress = { ...p, transferredBytes: p.transferredBytes + p.remainingBytes, remainingBytes: 0 };
  return { migration, vm: { ...vm, nodeId: m.targetNodeId, state: 'RUNNING', migrationId: undefined, updatedAt: now } };
}

/**
 * A restarted source finds its live migration at switchover (decidedByHypervisors): its QEMU says
 * whether the guest left. Gone → COMPLETED, and the paused copy here is dropped; still here →
 * FAILED, and the guest resumes here (the runtime's adopt cancels the outgoing migration).
 */
export async function settleSwitchoverAtSource(ctx: NodeContext, m0: MigrationRecord, signal: AbortSignal): Promise<void> {
  const vm = runtimeVm(m0, ctx);
  // No QEMU here to ask: if the guest runs anywhere, it is in the target's.
  const left = (await ctx.runtime.handedOver?.(vm)) ?? true;
  if (left) {
    const done = await step(ctx, m0.id, ['SWITCHING'], (m, current) => handedToTarget(m, current, Date.now()), signal);
    if (done) ctx.runtime.release(vm.name);
    return;
  }
  await step(ctx, m0.id, ['SWITCHING'], () => ({ fail: `node ${ctx.nodeId} restarted during the switchover, before the guest left it; it runs on there` }), signal);
}

/** Source side of a cold migration: PREPARING → TRANSFERRING (stop here) → SWITCHING (reassigned). */
export async function driveColdSource(ctx: NodeContext, m0: MigrationRecord, signal: AbortSignal): Promise<void> {
  const id = m0.id;
  const wasRunning = m0.vmStateAtStart === 'RUNNING';
  if (m0.status === 'PREPARING') {
    const transferring = await step(
      ctx,
      id,
      ['PREPARING'],
      (m, vm) => ({
        migration: withStatus(m, 'TRANSFERRING', Date.now()),
        vm: wasRunning ? { ...vm, state: 'STOPPING', updatedAt: Date.now() } : undefined,
      }),
      signal,
    );
    if (!transferring) return;
  }
  if (wasRunning && ctx.runtime.isRunning(m0.vmName)) {
    try {
      await ctx.runtime.stop(runtimeVm(m0, ctx), signal);
    } catch (err) {
      if (signal.aborted) return;
      return fail(ctx, id, `could not stop VM '${m0.vmName}' on node ${ctx.nodeId}: ${(err as Error).message}`);
    }
  }
  const switching = await step(
    ctx,
    id,
    ['TRANSFERRING'],
    (m, vm) => {
      if (!ctx.view.members.has(m.targetNodeId)) return { fail: `target node ${m.targetNodeId} left the cluster during the migration` };
      const now = Date.now();
      return {
        migration: withStatus(m, 'SWITCHING', now),
        vm: { ...vm, nodeId: m.targetNodeId, state: wasRunning ? 'STARTING' : vm.state === 'STOPPING' ? 'STOPPED' : vm.state, updatedAt: now },
      };
    },
    signal,
  );
  if (switching) ctx.runtime.release(m0.vmName);
}

/** Target side of a cold migration: SWITCHING → COMPLETED, starting the VM here if it ran before. */
export async function driveColdTarget(ctx: NodeContext, m0: MigrationRecord, signal: AbortSignal): Promise<void> {
  const id = m0.id;
  const wasRunning = m0.vmStateAtStart === 'RUNNING';
  const vm = runtimeVm(m0, ctx);
  if (wasRunning && !ctx.runtime.isRunning(vm.name)) {
    try {
      await ctx.runtime.start(vm, signal);
    } catch (err) {
      if (signal.aborted) return;
      return rollBack(ctx, m0, `VM '${vm.name}' failed to start on node ${ctx.nodeId}: ${(err as Error).message}`);
    }
  }
  const done = await step(
    ctx,
    id,
    ['SWITCHING'],
    (m, current) => {
      const migration = withStatus(m, 'COMPLETED', Date.now(), '');
      return { migration, vm: { ...current, state: wasRunning ? 'RUNNING' : current.state, migrationId: undefined, updatedAt: migration.updatedAt } };
    },
    signal,
  );
  if (!done && wasRunning) {
    // Ended elsewhere meanwhile (the VM went back to its source): do not keep a second copy.
    const now = ctx.view.vms.get(vm.name)?.value;
    if (!now || now.nodeId !== ctx.nodeId) ctx.runtime.release(vm.name);
  }
}

/**
 * A cold migration whose target could not boot the VM: the migration FAILS and, when its source
 * is still in the cluster, the VM goes back there to boot again (the seed's rollback on failure).
 */
async function rollBack(ctx: NodeContext, m: MigrationRecord, reason: string): Promise<void> {
  const sourceAlive = ctx.view.members.has(m.sourceNodeId) && m.sourceNodeId !== m.targetNodeId;
  const why = sourceAlive ? `${reason}; rolled back: booting it again on node ${m.sourceNodeId}` : reason;
  ctx.log(`migration ${m.id} failed: ${why}`);
  await retryTransient(() => ctx.writer.commit(() => planEndMigration(ctx.view, m.id, 'FAILED', why, Date.now(), {}, sourceAlive)), ctx.shutdown);
}

/**
 * Commits live progress at a bounded rate, one write at a time, always keeping the newest
 * figures; progress is informative, so a failed write is simply superseded by the next.
 */
class ProgressCommitter {
  private latest?: TransferProgress;
  /** The TRANSFERRING commit carried the starting figures; a transfer that ends sooner needs no other. */
  private lastCommitAt = Date.now();
  private writing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly ctx: NodeContext,
    private readonly id: string,
    private readonly signal: AbortSignal,
  ) {}

  offer(p: TransferProgress): void {
    if (this.closed) return;
    this.latest = p;
    this.schedule();
  }

  private schedule(): void {
    if (this.writing || this.timer || !this.latest) return;
    const wait = this.lastCommitAt + 1000 / PROGRESS_COMMITS_PER_SECOND - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.schedule();
      }, wait);
      return;
    }
    const p = this.latest;
    this.latest = undefined;
    this.lastCommitAt = Date.now();
    this.writing = this.write(p).finally(() => {
      this.writing = undefined;
      if (!this.closed) this.schedule();
    });
  }

  private async write(p: TransferProgress): Promise<void> {
    if (this.signal.aborted) return;
    try {
      await this.ctx.writer.commit(() => {
        const m = this.ctx.view.migrations.get(this.id)?.value;
        if (!m || m.status !== 'TRANSFERRING') return { noWrite: true as const, result: undefined };
        const next: MigrationRecord = { ...m, progress: progressRecord(p), updatedAt: Date.now() };
        return { guards: [keys.migration(this.id)], ops: [{ type: 'put', key: keys.migration(this.id), value: JSON.stringify(next) }], result: undefined };
      }, 3);
    } catch {
      // superseded by the next figures
    }
  }

  /** Stops further writes and waits for one in flight, so phase commits follow the last progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.writing;
  }
}
