// Moves VirtualMachineInstanceMigrations along the way virt-controller and virt-handler do:
// Pending → Scheduling → Scheduled → PreparingTarget → TargetReady → Running → Succeeded
// (or Failed), one phaseTransitionTimestamp per phase; the VMI's status.migrationState
// while it runs, copied into the migration once it ends; the VMI's node moves on success.
// A DELETE of an unfinished migration is a cancel: the finalizer holds the object while it
// turns Failed (abortRequested, abortStatus Succeeded), then it goes. Finished migrations
// beyond five per VMI are garbage-collected.
import { randomUUID } from 'node:crypto';
import type { KubeCluster } from './cluster';
import type { KubeObject } from './kube-object';
import type { ChangeEvent } from './object-store';
import { MIGRATIONS, NODES, VIRTUAL_MACHINE_INSTANCES } from './resource-types';
import type { ControllerTiming } from './controller-timing';
import { isNodeReady } from './object-factories';
import { MIGRATION_FINALIZER, VMI_NAME_LABEL, isFinalMigrationPhase } from './migration-admission';
import type { MigrationFailureRule } from './fault-state';
import { randomNameSuffix } from './generated-names';
import { effectiveMigrationConfiguration } from './migration-configuration';

const GC_BUFFER = 5;
const HANDED_OFF = new Set(['PreparingTarget', 'TargetReady', 'Running']);
const TARGET_LABEL = 'kubevirt.io/migrationTargetNodeName';
const NODE_LABEL = 'kubevirt.io/nodeName';
export const DEFAULT_FAILURE_REASON = "Live migration failed error encountered during MigrateToURI3 libvirt api call: virError(Code=1, Domain=10, Message='internal error: qemu unexpectedly closed the monitor')";
export const ABORT_REASON = 'Live migration aborted ';

interface Runtime {
  namespace: string;
  name: string;
  seq: number;
  timer?: NodeJS.Timeout;
  failure?: MigrationFailureRule;
  targetNode?: string;
  schedulingSinceMs?: number;
  runningSinceMs?: number;
  /** When the migration entered its current phase (this process's clock). */
  phase?: string;
  phaseSinceMs?: number;
}

function uidOf(o: KubeObject): string { return o.metadata.uid ?? ''; }

function podUid(): string { return randomUUID(); }

export class MigrationController {
  private readonly runtimes = new Map<string, Runtime>();
  /** Creation order of every migration seen, to break creationTimestamp ties (whole seconds) in GC. */
  private readonly creationOrder = new Map<string, number>();
  private seq = 0;
  /** VMIs per node, kept current from change events so picking a target stays O(nodes). */
  private readonly vmisPerNode = new Map<string, number>();
  private stopped = false;
  private unsubscribe?: () => void;

  constructor(private readonly cluster: KubeCluster, private readonly timing: ControllerTiming) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.cluster.store.onChange((e) => this.onChange(e));
    this.vmisPerNode.clear();
    for (const s of this.cluster.store.values(VIRTUAL_MACHINE_INSTANCES)) this.countVmi(s.object.status?.nodeName, 1);
    // Pick up whatever exists (a restart that kept its state).
    for (const stored of this.cluster.store.list(MIGRATIONS)) this.track(stored.object, 0);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const r of this.runtimes.values()) if (r.timer) clearTimeout(r.timer);
    this.runtimes.clear();
  }

  /** Re-evaluates every migration against the current timing (after setTiming). */
  retime(): void {
    for (const uid of this.runtimes.keys()) this.schedule(uid, 0);
  }

  private countVmi(node: string | undefined, delta: number): void {
    if (node) this.vmisPerNode.set(node, (this.vmisPerNode.get(node) ?? 0) + delta);
  }

  private onChange(event: ChangeEvent): void {
    const o = event.stored.object;
    if (event.resource === VIRTUAL_MACHINE_INSTANCES) {
      const before = event.previous?.object.status?.nodeName;
      const after = event.type === 'DELETED' ? undefined : o.status?.nodeName;
      if (before !== after) { this.countVmi(before, -1); this.countVmi(after, 1); }
    }
    if (event.resource === MIGRATIONS) {
      if (event.type === 'ADDED') this.track(o, 0);
      else if (event.type === 'DELETED') this.untrack(uidOf(o));
      else if (o.metadata.deletionTimestamp && !event.previous?.object.metadata.deletionTimestamp) this.schedule(uidOf(o), 0);
    } else if (event.resource === VIRTUAL_MACHINE_INSTANCES && event.type === 'DELETED') {
      const ns = o.metadata.namespace;
      const name = o.metadata.name;
      setImmediate(() => this.removeMigrationsOfVmi(ns, name));
    }
  }

  private track(m: KubeObject, delayMs: number): void {
    const uid = uidOf(m);
    if (this.runtimes.has(uid)) return;
    const namespace = m.metadata.namespace ?? '';
    const name = m.metadata.name ?? '';
    const failure = isFinalMigrationPhase(m.status?.phase) ? undefined : this.cluster.faults.takeMigrationFailure(namespace, name, m.spec?.vmiName ?? '');
    if (!this.creationOrder.has(uid)) this.creationOrder.set(uid, ++this.seq);
    this.runtimes.set(uid, { namespace, name, seq: this.creationOrder.get(uid) ?? 0, failure });
    this.schedule(uid, delayMs);
  }

  private untrack(uid: string): void {
    const r = this.runtimes.get(uid);
    if (r?.timer) clearTimeout(r.timer);
    this.runtimes.delete(uid);
  }

  private schedule(uid: string, delayMs: number): void {
    const r = this.runtimes.get(uid);
    if (!r || this.stopped) return;
    if (r.timer) clearTimeout(r.timer);
    r.timer = setTimeout(() => {
      r.timer = undefined;
      try {
        this.sync(uid);
      } catch (error) {
        // A controller bug must not take the test process down; the migration just stops moving.
        process.stderr.write(`[kube-api-server] migration controller: ${r.namespace}/${r.name}: ${(error as Error).message}\n`);
      }
    }, Math.max(0, delayMs));
  }

  private removeMigrationsOfVmi(namespace: string | undefined, vmiName: string | undefined): void {
    for (const stored of this.cluster.store.list(MIGRATIONS, namespace)) {
      if (stored.object.spec?.vmiName === vmiName) this.cluster.forceRemove(MIGRATIONS, namespace, stored.object.metadata.name ?? '', 'vmi-deleted');
    }
  }

  private setPhase(m: KubeObject, phase: string, extra?: (draft: KubeObject) => void): KubeObject | undefined {
    const now = this.cluster.now();
    const runtime = this.runtimes.get(uidOf(m));
    if (runtime) { runtime.phase = phase; runtime.phaseSinceMs = Date.now(); }
    return this.cluster.mutate(MIGRATIONS, m.metadata.namespace, m.metadata.name ?? '', (d) => {
      d.status ??= {};
      d.status.phase = phase;
      const stamps: Array<{ phase: string; phaseTransitionTimestamp: string }> = d.status.phaseTransitionTimestamps ?? [];
      if (!stamps.some((s) => s.phase === phase)) stamps.push({ phase, phaseTransitionTimestamp: now });
      d.status.phaseTransitionTimestamps = stamps;
      extra?.(d);
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private patchVmiState(vmi: KubeObject, change: (state: any, draft: KubeObject) => void): KubeObject | undefined {
    const updated = this.cluster.mutate(VIRTUAL_MACHINE_INSTANCES, vmi.metadata.namespace, vmi.metadata.name ?? '', (d) => {
      d.status ??= {};
      d.status.migrationState ??= {};
      change(d.status.migrationState, d);
    });
    const state = updated?.status?.migrationState;
    if (state?.migrationUid) this.cluster.truth.noteVmiMigrationState(state.migrationUid, state);
    return updated;
  }

  private sync(uid: string): void {
    const r = this.runtimes.get(uid);
    if (!r || this.stopped) return;
    const m = this.cluster.store.get(MIGRATIONS, r.namespace, r.name)?.object;
    if (!m || uidOf(m) !== uid) { this.untrack(uid); return; }
    const annotations = m.metadata.annotations ?? {};
    if (!annotations['kubevirt.io/latest-observed-api-version']) {
      // virt-controller's first write: record the API version it observed.
      this.cluster.mutate(MIGRATIONS, r.namespace, r.name, (d) => {
        d.metadata.annotations = { ...d.metadata.annotations, 'kubevirt.io/latest-observed-api-version': 'v1', 'kubevirt.io/storage-observed-api-version': 'v1' };
        d.metadata.labels = { ...d.metadata.labels, [VMI_NAME_LABEL]: d.spec?.vmiName ?? '' };
      });
      return this.schedule(uid, 0);
    }
    const phase: string = m.status?.phase ?? '';
    if (isFinalMigrationPhase(phase)) return this.finalize(r, uid, m);
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, r.namespace, m.spec?.vmiName ?? '')?.object;
    if (!vmi) { this.setPhase(m, 'Failed'); return this.schedule(uid, this.timing.finalizeMs); }
    if (m.metadata.deletionTimestamp) return this.cancel(r, uid, m, vmi);
    if (r.failure && r.failure.atPhase === phase) return this.fail(r, uid, m, vmi, r.failure.reason);

    const t = this.timing.phaseMs;
    if (r.phase !== phase) { r.phase = phase; r.phaseSinceMs = Date.now(); }
    // Each phase lasts its configured time, measured from when it began, so a timing change
    // (setTiming) applies to migrations already in flight.
    const stepTime = (t as Record<string, number>)[phase];
    if (stepTime !== undefined && phase !== 'Running' && phase !== 'Scheduling') {
      const remaining = stepTime - (Date.now() - (r.phaseSinceMs ?? 0));
      if (remaining > 0) return this.schedule(uid, remaining);
    }
    switch (phase) {
      case '': {
        const state = vmi.status?.migrationState;
        const busy = state && state.migrationUid && state.migrationUid !== uid && !state.completed && !state.failed;
        if (busy) { this.setPhase(m, 'Failed'); return this.schedule(uid, this.timing.finalizeMs); }
        this.setPhase(m, 'Pending');
        return this.schedule(uid, t.Pending);
      }
      case 'Pending':
        if (!this.withinParallelLimits(vmi)) return this.schedule(uid, Math.max(10, t.Pending));
        this.setPhase(m, 'Scheduling');
        r.schedulingSinceMs = Date.now();
        return this.schedule(uid, t.Scheduling);
      case 'Scheduling': {
        const waited = Date.now() - (r.schedulingSinceMs ?? r.phaseSinceMs ?? 0);
        if (waited < t.Scheduling) return this.schedule(uid, t.Scheduling - waited);
        const target = this.chooseTarget(vmi, m);
        if (!target) {
          if (Date.now() - (r.schedulingSinceMs ?? Date.now()) >= this.timing.unschedulableTimeoutMs) {
            this.setPhase(m, 'Failed');
            return this.schedule(uid, this.timing.finalizeMs);
          }
          return this.schedule(uid, Math.min(1000, Math.max(10, t.Scheduling)));
        }
        r.targetNode = target;
        this.setPhase(m, 'Scheduled');
        return this.schedule(uid, t.Scheduled);
      }
      case 'Scheduled': {
        const target = r.targetNode ?? this.chooseTarget(vmi, m);
        if (!target) { this.setPhase(m, 'Failed'); return this.schedule(uid, this.timing.finalizeMs); }
        r.targetNode = target;
        // Hand-off: the controller writes the VMI's migrationState, then the migration advances.
        const source = vmi.status?.nodeName ?? '';
        this.patchVmiState(vmi, (s, d) => {
          for (const key of Object.keys(s)) delete s[key];
          Object.assign(s, {
            migrationUid: uid,
            sourceNode: source,
            sourcePod: `virt-launcher-${vmi.metadata.name}-${randomNameSuffix()}`,
            targetNode: target,
            targetPod: `virt-launcher-${vmi.metadata.name}-${randomNameSuffix()}`,
            ...this.migrationConfiguration(),
            migrationNetworkType: 'Pod',
          });
          d.metadata.labels = { ...d.metadata.labels, [TARGET_LABEL]: target };
        });
        this.setPhase(m, 'PreparingTarget');
        return this.schedule(uid, t.PreparingTarget);
      }
      case 'PreparingTarget':
        this.patchVmiState(vmi, (s) => {
          s.targetNodeAddress = this.nodeAddress(s.targetNode);
          s.targetDirectMigrationNodePorts = { '38145': 0, '41563': 49152 };
        });
        this.setPhase(m, 'TargetReady');
        return this.schedule(uid, t.TargetReady);
      case 'TargetReady':
        this.patchVmiState(vmi, (s) => { s.startTimestamp = this.cluster.now(); s.mode = 'PreCopy'; });
        r.runningSinceMs = Date.now();
        this.setPhase(m, 'Running');
        return this.schedule(uid, 0);
      case 'Running': {
        const ranMs = Date.now() - (r.runningSinceMs ?? r.phaseSinceMs ?? 0);
        const postCopyAt = this.timing.postCopyAfterMs;
        if (postCopyAt !== undefined && vmi.status?.migrationState?.mode === 'PreCopy') {
          if (ranMs >= postCopyAt) {
            this.patchVmiState(vmi, (s) => { s.mode = 'PostCopy'; });
            return this.schedule(uid, Math.max(0, t.Running - ranMs));
          }
          return this.schedule(uid, Math.min(postCopyAt, t.Running) - ranMs);
        }
        if (ranMs < t.Running) return this.schedule(uid, t.Running - ranMs);
        return this.succeed(uid, m, vmi);
      }
      default:
        // WaitingForSync / Synchronizing (decentralized) and unknown phases: nothing to do here.
        return undefined;
    }
  }

  private succeed(uid: string, m: KubeObject, vmi: KubeObject): void {
    const state = vmi.status?.migrationState ?? {};
    const target: string = state.targetNode;
    this.patchVmiState(vmi, (s, d) => {
      s.targetNodeDomainDetected = true;
      s.targetNodeDomainReadyTimestamp = this.cluster.now();
      s.endTimestamp = this.cluster.now();
      s.completed = true;
      d.status.nodeName = target;
      d.status.activePods = { [podUid()]: target };
      delete d.status.evacuationNodeName;
      const labels: Record<string, string> = { ...d.metadata.labels, [NODE_LABEL]: target };
      delete labels[TARGET_LABEL];
      d.metadata.labels = labels;
    });
    this.setPhase(m, 'Succeeded');
    this.schedule(uid, this.timing.finalizeMs);
  }

  private fail(r: Runtime, uid: string, m: KubeObject, vmi: KubeObject, reason: string): void {
    r.failure = undefined;
    if (HANDED_OFF.has(m.status?.phase)) {
      this.patchVmiState(vmi, (s, d) => {
        s.endTimestamp = this.cluster.now();
        s.failed = true;
        s.failureReason = reason;
        const labels = { ...d.metadata.labels };
        delete labels[TARGET_LABEL];
        d.metadata.labels = labels;
      });
    }
    this.setPhase(m, 'Failed');
    this.schedule(uid, this.timing.finalizeMs);
  }

  private cancel(r: Runtime, uid: string, m: KubeObject, vmi: KubeObject): void {
    const conditions: Array<{ type: string }> = m.status?.conditions ?? [];
    const abortCondition = { type: 'migrationAbortRequested', status: 'True', lastProbeTime: this.cluster.now(), lastTransitionTime: null };
    if (!HANDED_OFF.has(m.status?.phase)) {
      // Not handed off yet: virt-controller fails it at once.
      this.setPhase(m, 'Failed', (d) => {
        if (!conditions.some((c) => c.type === 'migrationAbortRequested')) d.status.conditions = [...conditions, abortCondition];
      });
      return this.schedule(uid, this.timing.finalizeMs);
    }
    if (!conditions.some((c) => c.type === 'migrationAbortRequested')) {
      this.cluster.mutate(MIGRATIONS, r.namespace, r.name, (d) => { d.status.conditions = [...conditions, abortCondition]; });
      this.patchVmiState(vmi, (s) => { s.abortRequested = true; });
      return this.schedule(uid, this.timing.abortMs);
    }
    this.patchVmiState(vmi, (s, d) => {
      s.abortRequested = true;
      s.abortStatus = 'Succeeded';
      s.failed = true;
      s.failureReason = ABORT_REASON;
      s.endTimestamp = this.cluster.now();
      const labels = { ...d.metadata.labels };
      delete labels[TARGET_LABEL];
      d.metadata.labels = labels;
    });
    this.setPhase(m, 'Failed');
    this.schedule(uid, this.timing.finalizeMs);
  }

  /** After the end: copy the VMI's migrationState, then drop the finalizer, then collect garbage. */
  private finalize(r: Runtime, uid: string, m: KubeObject): void {
    const vmi = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, r.namespace, m.spec?.vmiName ?? '')?.object;
    const vmiState = vmi?.status?.migrationState;
    if (vmiState && vmiState.migrationUid === uid && JSON.stringify(m.status?.migrationState) !== JSON.stringify(vmiState)) {
      this.cluster.mutate(MIGRATIONS, r.namespace, r.name, (d) => { d.status.migrationState = structuredClone(vmiState); });
      return this.schedule(uid, this.timing.finalizeMs);
    }
    if ((m.metadata.finalizers ?? []).includes(MIGRATION_FINALIZER)) {
      if (m.metadata.deletionTimestamp) this.cluster.truth.noteDeletionCause(uid, 'user');
      this.cluster.mutate(MIGRATIONS, r.namespace, r.name, (d) => {
        d.metadata.finalizers = (d.metadata.finalizers ?? []).filter((f) => f !== MIGRATION_FINALIZER);
        if (!d.metadata.finalizers.length) delete d.metadata.finalizers;
      });
    }
    this.untrack(uid);
    this.collectGarbage(r.namespace, m.spec?.vmiName ?? '');
  }

  private collectGarbage(namespace: string, vmiName: string): void {
    const finished = this.cluster.store.list(MIGRATIONS, namespace)
      .map((s) => s.object)
      .filter((o) => o.spec?.vmiName === vmiName && isFinalMigrationPhase(o.status?.phase) && !o.metadata.deletionTimestamp && !(o.metadata.finalizers ?? []).length)
      .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')
        || (this.creationOrder.get(uidOf(a)) ?? 0) - (this.creationOrder.get(uidOf(b)) ?? 0));
    for (const old of finished.slice(0, Math.max(0, finished.length - GC_BUFFER))) {
      this.cluster.forceRemove(MIGRATIONS, namespace, old.metadata.name ?? '', 'garbage-collected');
      this.creationOrder.delete(uidOf(old));
    }
  }

  /** Post-copy is allowed whenever this server is set to switch to it. */
  private migrationConfiguration(): ReturnType<typeof effectiveMigrationConfiguration> {
    const { kubevirtMigrations, migrationPolicy, postCopyAfterMs } = this.timing;
    const effective = effectiveMigrationConfiguration(kubevirtMigrations, migrationPolicy);
    if (postCopyAfterMs !== undefined) effective.migrationConfiguration.allowPostCopy = true;
    return effective;
  }

  private nodeAddress(nodeName: string): string {
    const node = this.cluster.store.get(NODES, undefined, nodeName)?.object;
    const ip = (node?.status?.addresses ?? []).find((a: { type: string }) => a.type === 'InternalIP')?.address ?? '192.0.2.1';
    return ip;
  }

  private withinParallelLimits(vmi: KubeObject): boolean {
    const { maxParallelMigrations, maxParallelOutboundPerNode } = this.timing;
    if (!Number.isFinite(maxParallelMigrations) && !Number.isFinite(maxParallelOutboundPerNode)) return true;
    let total = 0;
    let fromNode = 0;
    const source = vmi.status?.nodeName;
    for (const s of this.cluster.store.values(MIGRATIONS)) {
      const phase = s.object.status?.phase;
      if (!phase || phase === 'Pending' || isFinalMigrationPhase(phase)) continue;
      total++;
      const other = this.cluster.store.get(VIRTUAL_MACHINE_INSTANCES, s.object.metadata.namespace, s.object.spec?.vmiName ?? '')?.object;
      if (other?.status?.migrationState?.sourceNode === source || other?.status?.nodeName === source) fromNode++;
    }
    return total < maxParallelMigrations && fromNode < maxParallelOutboundPerNode;
  }

  /** A Ready, schedulable node other than the source that satisfies every node selector; the least loaded wins. */
  private chooseTarget(vmi: KubeObject, m: KubeObject): string | undefined {
    const source = vmi.status?.nodeName;
    const selector: Record<string, string> = { ...(m.spec?.addedNodeSelector ?? {}), ...(vmi.spec?.nodeSelector ?? {}) };
    const candidates = [...this.cluster.store.values(NODES)].map((s) => s.object).filter((n) => {
      if (n.metadata.name === source || n.spec?.unschedulable || !isNodeReady(n)) return false;
      const labels = n.metadata.labels ?? {};
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (!candidates.length) return undefined;
    const load = new Map(this.vmisPerNode);
    for (const r of this.runtimes.values()) if (r.targetNode) load.set(r.targetNode, (load.get(r.targetNode) ?? 0) + 1);
    candidates.sort((a, b) => (load.get(a.metadata.name ?? '') ?? 0) - (load.get(b.metadata.name ?? '') ?? 0) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    return candidates[0].metadata.name;
  }
}
