// The host-side brain of one migration dialog: loads the VM and nodes from its ClusterSource,
// acts on (already guarded) webview messages, validates again against fresh cluster data before
// migrating, and follows the migration through a MigrationFeed. Free of `vscode`: the panel
// wraps it, and tests drive it directly.

import { describeError } from '../../../model/errors';
import { Disposable, MutableDisposable, type IDisposable } from '../../../base/lifecycle';
import type { Logger } from '../../../base/logger';
import { withDeadline } from '../../../base/deadline';
import { isFinal } from '../../../model/migration';
import type { ClusterSource, MigrationHandle } from '../../../sources/cluster-source';
import { clusterView, inFlightView, migrationView, nodeView, vmView } from './dialog-view-model';
import { MigrationProgressLog } from './migration-progress-log';
import type { MigrationFeed, MigrationSnapshot } from './migration-feed';
import { hasErrors, validateMigration } from '../../../protocol/migration-validation';
import { cancelUnavailableReason } from '../../../protocol/stream-down-text';
import {
  describeRejectedMessage,
  isWebviewMessage,
  type DialogViewState,
  type HostMessage,
  type InFlightView,
  type NodeView,
  type VmView,
  type WebviewMessage,
} from '../../../protocol/migration-dialog';

export interface MigrationDialogSessionOptions {
  source: ClusterSource;
  vmId: string;
  feed: MigrationFeed;
  /** Sends a message to the webview (may be called while it is hidden; it re-asks with `ready`). */
  post(message: HostMessage): void;
  /** Closes the panel (Esc, "Close"). */
  close(): void;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** A migration to follow right away: a panel restored after a reload. */
  migrationId?: string;
  /** Bound on each load from the cluster, on top of the source's own deadlines. */
  loadTimeoutMs?: number;
  /** How long to wait for the feed to report the end after `completion` settles before asking the cluster again. */
  settleGraceMs?: number;
  now?: () => number;
}

export class MigrationDialogSession extends Disposable {
  private state: DialogViewState;
  private readonly source: ClusterSource;
  private readonly feed: MigrationFeed;
  private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  private readonly now: () => number;
  /** Host time of the last news of the followed migration (what "last known at" means while the stream is down). */
  private lastHeardAt?: number;
  /** The followed migration's progress over time, for the chart and the convergence verdict. */
  private readonly progressLog = new MigrationProgressLog();
  private readonly migrationSubscription = this._register(new MutableDisposable<IDisposable>());
  private reloadTimer?: ReturnType<typeof setTimeout>;
  private settleTimer?: ReturnType<typeof setTimeout>;
  private loadGeneration = 0;
  private rejectedMessages = 0;
  private readyMessages = 0;
  private readonly changeListeners = new Set<() => void>();

  constructor(private readonly options: MigrationDialogSessionOptions) {
    super();
    this.source = options.source;
    this.feed = options.feed;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.state = { stage: 'loading', cluster: clusterView(options.source), nodes: [] };
    // Follow the cluster's migrations from the start, so none of ours is missed between submit and subscribe.
    this._register(this.feed.follow(this.source));
    this._register(this.source.onDidChange(() => this.scheduleReload()));
    this._register(this.feed.onDidChangeOutage(this.source.id, () => this.applyOutage()));
    this.applyOutage(false);
  }

  get vmId(): string {
    return this.options.vmId;
  }

  get clusterId(): string {
    return this.source.id;
  }

  /** True once the webview has loaded and asked for its state (its script ran under the CSP). */
  get webviewReady(): boolean {
    return this.readyMessages > 0;
  }

  get viewState(): DialogViewState {
    return this.state;
  }

  /** A short title for the panel tab. */
  get title(): string {
    const name = this.state.vm?.name ?? this.options.vmId;
    const m = this.state.migration;
    if (this.state.stage === 'tracking' && m) {
      if (m.state === 'succeeded') return `Migrated ${name}`;
      if (m.state === 'failed') return `Migration failed: ${name}`;
      if (m.state === 'cancelled') return `Migration cancelled: ${name}`;
      return `Migrating ${name}…`;
    }
    return `Migrate ${name}`;
  }

  /** Fires after every state change (the panel updates its title). */
  onDidChangeState(listener: () => void): IDisposable {
    this.changeListeners.add(listener);
    return { dispose: () => this.changeListeners.delete(listener) };
  }

  async start(): Promise<void> {
    if (this.options.migrationId) {
      this.track(this.options.migrationId);
      await this.reload({ keepStage: true });
    } else {
      await this.reload();
    }
  }

  /** The one entry point for whatever the webview posts. */
  handle(message: unknown): void {
    if (this.isDisposed) return;
    if (!isWebviewMessage(message)) {
      // Logged once per panel: a misbehaving webview must not flood the log.
      if (this.rejectedMessages++ === 0) this.log.warn(`Migration dialog: ignored a malformed message (${describeRejectedMessage(message)})`);
      return;
    }
    this.act(message);
  }

  private act(message: WebviewMessage): void {
    switch (message.type) {
      case 'ready':
        this.readyMessages++;
        this.publish();
        return;
      case 'refresh':
        if (this.state.stage === 'form' || this.state.stage === 'unavailable') void this.reload();
        return;
      case 'submit':
        if (this.state.stage === 'form') void this.submit(message);
        return;
      case 'cancelMigration':
        void this.cancel();
        return;
      case 'migrateAgain':
        this.startOver();
        return;
      case 'close':
        this.options.close();
        return;
    }
  }

  /**
   * A fresh form, when the migration this dialog followed has ended (or was lost): "Migrate again",
   * or "Migrate VM…" on a VM whose finished dialog is still open. Goes through `loading`, which
   * tells the webview the form starts anew. A migration still running stays on screen.
   */
  startOver(): void {
    if (this.isDisposed) return;
    if (!(this.state.stage === 'tracking' && (this.state.migration ? isFinal(this.state.migration.state) : !!this.state.submitError))) return;
    this.stopTracking();
    this.update({ stage: 'loading', migrationId: undefined, migration: undefined, submitError: undefined, cancelError: undefined, cancelling: undefined, hostIssues: undefined });
    void this.reload();
  }

  // ---- loading ----------------------------------------------------------------------------

  private scheduleReload(): void {
    if (this.isDisposed || this.reloadTimer) return;
    // Sources fire per changed VM or node; a burst becomes one reload.
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      if (this.state.stage === 'form' || this.state.stage === 'tracking' || this.state.stage === 'unavailable') void this.reload({ keepStage: true });
    }, 300);
  }

  private async fetch(): Promise<{ vm?: VmView; nodes: NodeView[]; inFlight?: InFlightView }> {
    const timeoutMs = this.options.loadTimeoutMs ?? 20_000;
    const [nodes, vms] = await withDeadline(
      Promise.all([this.source.listNodes(), this.source.listVms()]),
      timeoutMs,
      `the cluster did not answer within ${Math.round(timeoutMs / 1000)} s`,
    );
    const vm = vms.find((v) => v.id === this.options.vmId);
    let inFlight: InFlightView | undefined;
    if (vm) {
      const active = this.feed.activeForVm(this.source.id, vm.name, vm.namespace);
      if (active) inFlight = inFlightView(active);
      else if (vm.migration) inFlight = { id: vm.migration.id, name: vm.migration.name, phase: vm.migration.phase };
    }
    const placed = new Map<string, number>();
    for (const v of vms) if (v.nodeId !== undefined) placed.set(v.nodeId, (placed.get(v.nodeId) ?? 0) + 1);
    return { vm: vm ? vmView(vm) : undefined, nodes: nodes.map((n) => nodeView(n, placed.get(n.id) ?? 0)), inFlight };
  }

  private async reload(opts: { keepStage?: boolean } = {}): Promise<void> {
    const generation = ++this.loadGeneration;
    try {
      const fresh = await this.fetch();
      if (this.isDisposed || generation !== this.loadGeneration) return;
      const tracking = this.state.stage === 'tracking' || this.state.stage === 'submitting';
      // The migration this dialog follows is not "another one in flight".
      const inFlight = fresh.inFlight && fresh.inFlight.id === this.state.migrationId ? undefined : fresh.inFlight;
      if (opts.keepStage && tracking) {
        this.update({ vm: fresh.vm ?? this.state.vm, nodes: fresh.nodes, inFlight });
      } else if (!fresh.vm) {
        this.update({ stage: 'unavailable', vm: undefined, nodes: fresh.nodes, inFlight: undefined, loadError: `VM ${this.options.vmId} is no longer in ${this.source.label}` });
      } else {
        this.update({ stage: 'form', vm: fresh.vm, nodes: fresh.nodes, inFlight, loadError: undefined });
      }
    } catch (err) {
      if (this.isDisposed || generation !== this.loadGeneration) return;
      const reason = describeError(err);
      this.log.warn(`Migration dialog: could not load ${this.source.label}: ${reason}`);
      if (this.state.stage === 'loading' || this.state.stage === 'unavailable') {
        this.update({ stage: 'unavailable', loadError: `Could not load the cluster: ${reason}` });
      }
    }
  }

  // ---- submitting -------------------------------------------------------------------------

  private async submit(choice: Extract<WebviewMessage, { type: 'submit' }>): Promise<void> {
    this.update({ stage: 'submitting', submitError: undefined, hostIssues: undefined, submitted: { targetNodeId: choice.targetNodeId, live: choice.live, force: choice.force } });
    let fresh: Awaited<ReturnType<MigrationDialogSession['fetch']>>;
    try {
      // Never trust the webview's picture of the cluster: validate against what the cluster says now.
      fresh = await this.fetch();
    } catch (err) {
      if (!this.isDisposed) this.update({ stage: 'form', submitError: `Failed to migrate VM: ${describeError(err)}` });
      return;
    }
    if (this.isDisposed) return;
    const issues = validateMigration({ traits: this.source.traits, vm: fresh.vm, nodes: fresh.nodes, inFlight: fresh.inFlight }, choice);
    if (hasErrors(issues) || !fresh.vm) {
      this.update({ stage: fresh.vm ? 'form' : 'unavailable', vm: fresh.vm, nodes: fresh.nodes, inFlight: fresh.inFlight, hostIssues: issues });
      return;
    }
    // The node id handed to the source is the cluster's own, looked up — not the webview's string.
    const target = choice.targetNodeId === null ? undefined : fresh.nodes.find((n) => n.id === choice.targetNodeId)?.id;
    let handle: MigrationHandle;
    try {
      handle = await this.source.migrate({
        vmId: fresh.vm.id,
        targetNodeId: target,
        live: this.source.traits.live === 'always' ? true : choice.live,
        ...(this.source.traits.force ? { force: choice.force } : {}),
      });
    } catch (err) {
      const reason = describeError(err);
      this.log.info(`Migration dialog: ${this.source.label} refused to migrate ${fresh.vm.name}: ${reason}`);
      if (!this.isDisposed) this.update({ stage: 'form', vm: fresh.vm, nodes: fresh.nodes, submitError: `Failed to migrate VM: ${reason}` });
      return;
    }
    if (this.isDisposed) {
      handle.completion.catch(() => undefined);
      return;
    }
    this.log.info(`Migration dialog: started ${handle.migrationId} (${fresh.vm.name} → ${target ?? 'any node'})`);
    this.update({ vm: fresh.vm, nodes: fresh.nodes, inFlight: undefined });
    this.track(handle.migrationId, handle.completion);
  }

  // ---- tracking ---------------------------------------------------------------------------

  private track(migrationId: string, completion?: Promise<void>): void {
    this.stopTracking();
    this.migrationSubscription.value = this.feed.onDidChange(migrationId, (snapshot) => this.onSnapshot(snapshot));
    const known = this.feed.current(migrationId);
    this.lastHeardAt = known ? this.now() : undefined;
    this.update({ stage: 'tracking', migrationId, migration: known ? this.progressLog.withSeries(migrationView(known), this.now()) : this.state.migration?.id === migrationId ? this.state.migration : undefined });
    if (!known && !completion) {
      // A panel restored after a reload: the stream may have no news of a migration that ended meanwhile.
      void this.feed
        .reconcile(this.source, migrationId)
        .catch((err) => this.log.warn(`Migration dialog: could not look up ${migrationId}: ${describeError(err)}`))
        .then(() => {
          if (this.isDisposed || this.state.migrationId !== migrationId || this.state.migration || this.feed.current(migrationId)) return;
          this.update({ submitError: `${this.source.label} no longer reports migration ${migrationId.split('/').pop()}` });
        });
    }
    completion?.then(
      () => this.onCompletion(migrationId),
      (err) => this.onCompletion(migrationId, err),
    );
  }

  private onSnapshot(snapshot: MigrationSnapshot): void {
    if (this.isDisposed || snapshot.migration.id !== this.state.migrationId) return;
    this.lastHeardAt = this.now();
    const view = this.progressLog.withSeries(migrationView(snapshot), this.lastHeardAt);
    const patch: Partial<DialogViewState> = { migration: view };
    if (isFinal(view.state)) {
      patch.cancelling = undefined;
      clearTimeout(this.settleTimer);
      // The VM now lives elsewhere: refresh what the form would show for "Migrate again".
      this.scheduleReload();
    }
    if (this.state.stage === 'tracking') this.update(patch);
  }

  /** `MigrationHandle.completion` settled: the feed should have (or soon have) the final state. */
  private onCompletion(migrationId: string, err?: unknown): void {
    if (this.isDisposed || this.state.migrationId !== migrationId) return;
    const known = this.feed.current(migrationId);
    if (err !== undefined && !known) {
      // The cluster refused before the migration ever appeared: that is a rejected submit.
      this.stopTracking();
      this.update({ stage: 'form', migrationId: undefined, migration: undefined, submitError: `Failed to migrate VM: ${describeError(err)}` });
      void this.reload({ keepStage: true });
      return;
    }
    if (known && isFinal(known.migration.state)) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      if (this.isDisposed || this.state.migrationId !== migrationId) return;
      const now = this.feed.current(migrationId);
      if (now && isFinal(now.migration.state)) return;
      void this.feed
        .reconcile(this.source, migrationId)
        .catch((e) => this.log.warn(`Migration dialog: could not look up ${migrationId}: ${describeError(e)}`))
        .then(() => {
          if (this.isDisposed || this.state.migrationId !== migrationId) return;
          const after = this.feed.current(migrationId);
          if (err !== undefined && !(after && isFinal(after.migration.state))) {
            this.update({ submitError: `Failed to migrate VM: ${describeError(err)}` });
          }
        });
    }, this.options.settleGraceMs ?? 2_000);
  }

  private async cancel(): Promise<void> {
    const { stage, migration, migrationId, cancelling } = this.state;
    if (stage !== 'tracking' || !migrationId || cancelling || (migration && isFinal(migration.state))) return;
    if (this.state.streamDown) {
      // The webview disables Cancel while the cluster is unreachable; a message that comes anyway is
      // answered, not queued (see cancelUnavailableReason).
      this.update({ cancelError: cancelUnavailableReason(this.source.label) });
      return;
    }
    this.update({ cancelling: true, cancelError: undefined });
    try {
      await this.source.cancel(migrationId);
      this.log.info(`Migration dialog: cancel requested for ${migrationId}`);
      // The cancelled state itself arrives through the feed, like every other phase.
    } catch (err) {
      if (!this.isDisposed) this.update({ cancelling: undefined, cancelError: `Failed to cancel migration: ${describeError(err)}` });
    }
  }

  // ---- the cluster's stream -----------------------------------------------------------------

  /**
   * Carries the feed's account of the cluster's stream into the view: while it is down, what the
   * dialog shows is marked as last known (the webview stops its ETA and clock and disables Cancel);
   * when it is back, the marking goes and the feed's catch-up brings the figures up to date.
   */
  private applyOutage(publish = true): void {
    if (this.isDisposed) return;
    const outage = this.feed.outage(this.source.id);
    const streamDown = outage ? { since: outage.since, reason: outage.reason, lastKnownAt: Math.min(this.lastHeardAt ?? outage.since, this.now()) } : undefined;
    const before = this.state.streamDown;
    if (!streamDown && !before) return;
    if (streamDown && before && before.since === streamDown.since && before.reason === streamDown.reason && before.lastKnownAt === streamDown.lastKnownAt) return;
    if (!publish) {
      this.state = { ...this.state, ...(streamDown ? { streamDown } : {}) };
      return;
    }
    this.update({ streamDown, ...(streamDown ? {} : { cancelError: undefined }) });
  }

  private stopTracking(): void {
    this.migrationSubscription.clear();
    clearTimeout(this.settleTimer);
  }

  // ---- state ------------------------------------------------------------------------------

  private update(patch: Partial<DialogViewState>): void {
    const next = { ...this.state, ...patch } as DialogViewState;
    for (const key of Object.keys(next) as (keyof DialogViewState)[]) if (next[key] === undefined) delete next[key];
    this.state = next;
    this.publish();
    for (const listener of [...this.changeListeners]) listener();
  }

  private publish(): void {
    if (this.isDisposed) return;
    this.options.post({ type: 'state', state: this.state, hostNow: this.now() });
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    if (this.rejectedMessages > 1) this.log.warn(`Migration dialog: ignored ${this.rejectedMessages - 1} more malformed message(s)`);
    clearTimeout(this.reloadTimer);
    clearTimeout(this.settleTimer);
    this.changeListeners.clear();
  }
}
