// Runs a validated plan through ClusterSource.migrate, so the watcher, the history, the output and
// the status bar see each migration like any other. Entries start in plan order within the limits
// (per cluster, per source node), once the VMs they wait for have moved, inside the window; each
// is followed to its end through the migration's completion and the source's migration events.
// Cancel stops what runs and drops what waits; stopOnFailure drops what waits after a failure.
// Its state is plain data (plan-run-state.ts): given back, the runner resumes without starting a
// migration twice.

import { withDeadline } from '../base/deadline';
import { Emitter, type Event } from '../base/event';
import type { IDisposable } from '../base/lifecycle';
import { describeError } from '../model/errors';
import { isFinal, type Migration, type MigrationStreamEvent } from '../model/migration';
import type { ClusterSource } from '../sources/cluster-source';
import { initialRunState, isEnded, type EntryState, type PlanRunEntry, type PlanRunState, type PlanRunStatus } from './plan-run-state';
import type { MigrationPlan } from './plan-types';
import { planIdOf } from './plan-identity';
import { notStartedText, windowEndedText, windowStanding, windowTimes, windowTimeText } from './plan-window';
import { restartElsewhere } from './restart-move';
import { eligibleTarget, whyNotTarget } from './target-eligibility';

/** What the runner needs of a source (stopVm/startVm/listVms and traits: cold moves on a kind that migrates only live). */
export type PlanRunnerSource = Pick<ClusterSource, 'migrate' | 'cancel' | 'onMigrationEvent'> & Partial<Pick<ClusterSource, 'getMigration' | 'stopVm' | 'startVm' | 'listVms' | 'listNodes' | 'traits'>>;

/** How long the look at the cluster after a failure may take before the cluster counts as not answering. */
const PROBE_DEADLINE_MS = 10_000;

export type PlanRunEvent = { type: 'entry'; index: number; entry: PlanRunEntry } | { type: 'plan'; status: PlanRunStatus };

export interface PlanClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface PlanRunnerOptions {
  /** A state kept from an earlier run of the same plan: resume it. */
  resume?: PlanRunState;
  /** VMs found on their target already (validation's `alreadyThere`): counted done, not moved. */
  alreadyThere?: readonly string[];
  clock?: PlanClock;
  /** Called after every change, with the state to keep (persist it here). */
  onStateChange?: (state: PlanRunState) => void;
  /** The id its migrations carry through the cluster (MigrationRequest.planId); planIdOf(plan) unless given. */
  planId?: string;
}

const SYSTEM_CLOCK: PlanClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export class PlanRunner implements IDisposable {
  private readonly emitter = new Emitter<PlanRunEvent>();
  readonly onEvent: Event<PlanRunEvent> = this.emitter.event;
  private readonly run$: PlanRunState;
  private readonly clock: PlanClock;
  private readonly stop = new AbortController();
  private subscription: IDisposable | undefined;
  private finished: (() => void) | undefined;
  private stopReason: string | undefined;
  private windowTimer = false;
  private readonly planVms: Set<string>;
  /** The latest observation of each migration of a plan VM, also those seen before migrate() answered. */
  private readonly observed = new Map<string, Migration>();
  /** Looks at the cluster after a failure under way: nothing new starts until they have answered. */
  private probing = 0;
  /** Targets the cluster said no about (gone, in maintenance, not ready): node id → why. */
  private readonly lostTargets = new Map<string, string>();
  /** Why the cluster counts as not answering, once a look at it after a failure failed too. */
  private unreachable: string | undefined;
  /** Entries the runner did not start, by why, and the window's word: the plan's note. */
  private readonly notStarted = new Map<string, number>();
  private windowNote: string | undefined;

  constructor(
    private readonly source: PlanRunnerSource,
    private readonly plan: MigrationPlan,
    private readonly options: PlanRunnerOptions = {},
  ) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.run$ = options.resume ? structuredClone(options.resume) : initialRunState(plan);
    this.planVms = new Set(this.run$.entries.map((e) => e.vm));
    const there = new Set(options.alreadyThere ?? []);
    for (const e of this.run$.entries) {
      if (e.status.state === 'waiting' && there.has(e.vm)) e.status = { state: 'done', endedAt: this.clock.now(), note: 'on its target already' };
      // Asked for, never answered, then interrupted: the cluster may or may not have it. Never ask twice.
      if (e.status.state === 'running' && !e.status.migrationId) e.status = { state: 'failed', endedAt: this.clock.now(), reason: 'interrupted before the cluster answered: check where the VM is, then plan again' };
    }
  }

  /** What its migrations carry, so the history knows them as this plan's. */
  get planId(): string {
    return this.options.planId ?? planIdOf(this.plan);
  }

  /** A copy of where the plan stands. */
  get state(): PlanRunState {
    return structuredClone(this.run$);
  }

  /** Running migrations now: in the cluster, and per source node. */
  running(): { total: number; bySource: Map<string, number> } {
    const bySource = new Map<string, number>();
    let total = 0;
    for (const e of this.run$.entries) {
      if (e.status.state !== 'running') continue;
      total++;
      bySource.set(e.from, (bySource.get(e.from) ?? 0) + 1);
    }
    return { total, bySource };
  }

  /** Runs the plan to its end (or its cancellation); resolves with the final state. */
  async run(): Promise<PlanRunState> {
    if (this.run$.status === 'finished' || this.run$.status === 'cancelled') return this.state;
    this.subscription = this.source.onMigrationEvent((e) => this.onMigration(e));
    try {
      const standing = windowStanding(this.plan.window, this.run$, this.clock.now());
      if (standing.state === 'not-yet') {
        this.run$.note = standing.text;
        this.setStatus('waiting-window');
        await this.clock.sleep(standing.opensAt - this.clock.now(), this.stop.signal);
        if (this.run$.note === standing.text) delete this.run$.note;
      }
      if (this.stop.signal.aborted) {
        this.dropWaiting('the plan was cancelled', 'cancelled');
      } else {
        this.run$.startedAt ??= this.clock.now();
        this.setStatus('running');
      }
      const ended = new Promise<void>((resolve) => (this.finished = resolve));
      this.followResumed();
      this.schedule();
      await ended;
    } finally {
      this.subscription?.dispose();
      this.subscription = undefined;
    }
    return this.state;
  }

  /** Cancels the migrations in flight and drops the entries still waiting. */
  cancel(): void {
    if (this.stopReason !== undefined && this.run$.status === 'cancelling') return;
    this.stopReason = 'the plan was cancelled';
    this.stop.abort();
    if (this.run$.status === 'running' || this.run$.status === 'waiting-window' || this.run$.status === 'pending') this.setStatus('cancelling');
    this.dropWaiting(this.stopReason, 'cancelled');
    for (const e of this.run$.entries) if (e.status.state === 'running' && e.status.migrationId) this.cancelMigration(e.status.migrationId);
    this.schedule();
  }

  dispose(): void {
    this.subscription?.dispose();
    this.emitter.dispose();
  }

  private schedule(): void {
    if (this.run$.status === 'finished' || this.run$.status === 'cancelled') return;
    const starting = this.run$.status === 'running';
    const { notAfter } = windowTimes(this.plan.window);
    if (starting && notAfter !== undefined) {
      if (this.clock.now() >= notAfter) this.windowEnded(notAfter);
      else if (!this.windowTimer) {
        this.windowTimer = true;
        void this.clock.sleep(notAfter - this.clock.now(), this.stop.signal).then(() => this.schedule());
      }
    }
    if (starting && this.stopReason === undefined && this.probing === 0) {
      const { limits, byVm } = { limits: this.plan.concurrency, byVm: new Map(this.run$.entries.map((e) => [e.vm, e])) };
      const load = this.running();
      for (let i = 0; i < this.run$.entries.length; i++) {
        const e = this.run$.entries[i];
        if (e.status.state !== 'waiting') continue;
        const waits = (e.after ?? []).map((vm) => byVm.get(vm)).filter((d): d is PlanRunEntry => d !== undefined);
        const broken = waits.find((d) => d.status.state === 'failed' || d.status.state === 'blocked' || d.status.state === 'cancelled');
        if (broken) {
          this.setEntry(i, { state: 'blocked', reason: `waits for ${broken.vm}, which ${broken.status.state === 'failed' ? 'failed' : `is ${broken.status.state}`}` });
          i = -1; // A newly blocked entry may block others listed earlier.
          continue;
        }
        if (waits.some((d) => d.status.state !== 'done')) continue;
        if (load.total >= limits.perCluster) break;
        if ((load.bySource.get(e.from) ?? 0) >= limits.perSourceNode) continue;
        load.total++;
        load.bySource.set(e.from, (load.bySource.get(e.from) ?? 0) + 1);
        this.start(i);
      }
    }
    if (this.run$.entries.every((e) => isEnded(e.status))) {
      this.run$.endedAt = this.clock.now();
      this.setStatus(this.stopReason === 'the plan was cancelled' ? 'cancelled' : 'finished');
      this.stop.abort();
      this.finished?.();
    }
  }

  private start(index: number): void {
    const entry = this.run$.entries[index];
    const startedAt = this.clock.now();
    this.setEntry(index, { state: 'running', startedAt, phase: 'Requested' });
    if (entry.mode === 'cold' && this.source.traits?.live === 'always') return this.restart(index);
    this.source.migrate({ vmId: entry.vm, targetNodeId: entry.to, live: entry.mode === 'live', planId: this.planId }).then(
      (handle) => {
        const s = entry.status;
        if (s.state !== 'running') return;
        this.setEntry(index, { ...s, migrationId: handle.migrationId });
        if (this.stopReason === 'the plan was cancelled') this.cancelMigration(handle.migrationId);
        handle.completion.then(
          () => void this.settled(index, handle.migrationId),
          (err: unknown) => this.end(index, handle.migrationId, describeError(err)),
        );
      },
      (err: unknown) => this.end(index, undefined, describeError(err)),
    );
  }

  /** A cold move where the kind migrates only live: stop, start, and the scheduler picks the node. */
  private restart(index: number): void {
    const entry = this.run$.entries[index];
    const { stopVm, startVm, listVms } = this.source;
    if (!stopVm || !startVm || !listVms) return this.end(index, undefined, 'this cluster moves VMs only live, and cannot restart this one here');
    const source = { stopVm: stopVm.bind(this.source), startVm: startVm.bind(this.source), listVms: listVms.bind(this.source) };
    restartElsewhere(source, entry.vm, entry.from, {
      onPhase: (phase) => {
        const s = entry.status;
        if (s.state === 'running') this.setEntry(index, { ...s, phase });
      },
      sleep: (ms) => this.clock.sleep(ms, new AbortController().signal),
      now: () => this.clock.now(),
    }).then(
      ({ nodeId }) => this.end(index, undefined, undefined, false, `restarted on ${nodeId}`),
      (err: unknown) => this.end(index, undefined, describeError(err)),
    );
  }

  /**
   * The completion settled without an error. Some kinds settle it on any final phase (a KubeVirt
   * VMIM that failed): the migration's own last word decides, from the events or by asking.
   */
  private async settled(index: number, migrationId: string): Promise<void> {
    let last = this.observed.get(migrationId);
    if ((!last || !isFinal(last.state)) && this.source.getMigration) {
      last = (await this.source.getMigration(migrationId).catch(() => undefined))?.migration ?? last;
    }
    if (last && isFinal(last.state) && last.state !== 'succeeded') this.end(index, migrationId, last.failureReason ?? `the migration ${last.state === 'cancelled' ? 'was cancelled' : 'failed'}`, last.state === 'cancelled');
    else this.end(index, migrationId, undefined);
  }

  /** Migrations of a resumed run that were in flight: followed to their end, never started again. */
  private followResumed(): void {
    this.run$.entries.forEach((e, index) => {
      const s = e.status;
      if (s.state !== 'running' || !s.migrationId || !this.source.getMigration) return;
      const id = s.migrationId;
      this.source.getMigration(id).then(
        (observation) => {
          if (!observation) this.end(index, id, 'the cluster no longer has this migration: check where the VM is');
          else if (isFinal(observation.migration.state)) this.end(index, id, observation.migration.state === 'succeeded' ? undefined : (observation.migration.failureReason ?? observation.migration.state), observation.migration.state === 'cancelled');
        },
        () => {}, // the events will say
      );
    });
  }

  private onMigration(event: MigrationStreamEvent): void {
    if (event.type !== 'observation') return;
    const m = event.observation.migration;
    if (this.planVms.has(m.namespace ? `${m.namespace}/${m.vm}` : m.vm)) this.observed.set(m.id, m);
    const index = this.run$.entries.findIndex((e) => e.status.state === 'running' && e.status.migrationId === m.id);
    if (index < 0) return;
    const s = this.run$.entries[index].status as EntryState & { state: 'running' };
    if (isFinal(m.state)) {
      this.end(index, m.id, m.state === 'succeeded' ? undefined : (m.failureReason ?? `the migration ${m.state === 'cancelled' ? 'was cancelled' : 'failed'}`), m.state === 'cancelled');
      return;
    }
    const progress = m.progress && m.progress.totalBytes > 0 ? Math.min(1, m.progress.transferredBytes / m.progress.totalBytes) : undefined;
    if (s.phase === m.phase && s.progress === progress) return;
    this.setEntry(index, { ...s, phase: m.phase, ...(progress !== undefined ? { progress } : {}) });
  }

  private end(index: number, migrationId: string | undefined, failure: string | undefined, cancelled = false, note?: string): void {
    const s = this.run$.entries[index].status;
    if (s.state !== 'running') return;
    const ids = migrationId ? { migrationId } : {};
    if (failure === undefined) this.setEntry(index, { state: 'done', ...ids, startedAt: s.startedAt, endedAt: this.clock.now(), ...(note ? { note } : {}) });
    else if (cancelled || this.stopReason === 'the plan was cancelled') this.setEntry(index, { state: 'cancelled', ...ids, reason: failure });
    else {
      this.setEntry(index, { state: 'failed', ...ids, startedAt: s.startedAt, endedAt: this.clock.now(), reason: failure });
      if (this.plan.stopOnFailure && this.stopReason === undefined) {
        this.stopReason = `stopped after ${this.run$.entries[index].vm} failed (stopOnFailure)`;
        this.dropWaiting(this.stopReason, 'cancelled');
      } else this.lookAfterFailure();
    }
    this.schedule();
  }

  /**
   * After a failure, one look at the cluster before anything else starts: a target it no longer
   * offers (its daemon died, it entered maintenance after planning, it is not ready) takes none of
   * the entries still waiting — they are blocked with the cluster's reason, not sent one by one to
   * be refused (no retry storm) and not moved to a node the operator did not review. A cluster that
   * does not answer the look either starts nothing more.
   */
  private lookAfterFailure(): void {
    const listNodes = this.source.listNodes?.bind(this.source);
    if (!listNodes || this.unreachable !== undefined) return this.blockLost();
    this.probing++;
    withDeadline(listNodes(), PROBE_DEADLINE_MS, `no answer in ${PROBE_DEADLINE_MS / 1000} s`)
      .then(
        (nodes) => {
          const byId = new Map(nodes.map((n) => [n.id, n]));
          for (const e of this.run$.entries) {
            if (e.status.state !== 'waiting' || e.to === undefined || this.lostTargets.has(e.to)) continue;
            const node = byId.get(e.to);
            if (!node) this.lostTargets.set(e.to, `${this.plan.nodes.find((n) => n.id === e.to)?.name ?? `node ${e.to}`} is no longer in the cluster`);
            else if (!eligibleTarget(node)) this.lostTargets.set(e.to, whyNotTarget(node));
          }
        },
        (err: unknown) => {
          this.unreachable = `the cluster does not answer (${describeError(err).split('\n')[0]})`;
        },
      )
      .finally(() => {
        this.probing--;
        this.blockLost();
        this.schedule();
      });
  }

  private blockLost(): void {
    this.run$.entries.forEach((e, i) => {
      if (e.status.state !== 'waiting') return;
      const why = this.unreachable ?? (e.to !== undefined ? this.lostTargets.get(e.to) : undefined);
      if (why === undefined) return;
      this.notStartedFor(why);
      this.setEntry(i, { state: 'blocked', reason: `not started: ${why}; ${this.unreachable ? 'run the plan again once it answers' : 'Recompute to plan these VMs onto the nodes left'}` });
    });
  }

  /** The window closed with entries waiting: they are not started, and the plan says so once. */
  private windowEnded(notAfter: number): void {
    const waiting = this.run$.entries.filter((e) => e.status.state === 'waiting').length;
    if (waiting === 0) return;
    const now = this.clock.now();
    this.windowNote = windowEndedText(notAfter, waiting, now);
    this.composeNote();
    this.dropWaiting(`not started: the window ended at ${windowTimeText(notAfter, now)}`, 'blocked');
  }

  private notStartedFor(why: string): void {
    this.notStarted.set(why, (this.notStarted.get(why) ?? 0) + 1);
    this.composeNote();
  }

  private composeNote(): void {
    const parts = [...[...this.notStarted].map(([w, n]) => `${notStartedText(n)}: ${w}`), ...(this.windowNote ? [this.windowNote] : [])];
    if (parts.length) this.run$.note = parts.join('; ');
  }

  private dropWaiting(reason: string, as: 'cancelled' | 'blocked'): void {
    this.run$.entries.forEach((e, i) => {
      if (e.status.state === 'waiting') this.setEntry(i, as === 'cancelled' ? { state: 'cancelled', reason } : { state: 'blocked', reason });
    });
  }

  private cancelMigration(migrationId: string): void {
    this.source.cancel(migrationId).catch(() => {
      // Already final, or the cluster refused: the migration's own end says what happened.
    });
  }

  private setEntry(index: number, status: EntryState): void {
    const entry = this.run$.entries[index];
    entry.status = status;
    this.changed();
    this.emitter.fire({ type: 'entry', index, entry: structuredClone(entry) });
  }

  private setStatus(status: PlanRunStatus): void {
    if (this.run$.status === status) return;
    this.run$.status = status;
    this.changed();
    this.emitter.fire({ type: 'plan', status });
  }

  private changed(): void {
    try {
      this.options.onStateChange?.(this.state);
    } catch {
      // Keeping the state is the caller's; a failing store must not stop the migrations.
    }
  }
}
