// ClusterSource for one Blixard cluster, reached over gRPC. gRPC itself is loaded on the first
// call, so constructing sources during activation costs next to nothing.

import type { ChangedScope, ClusterNode, ConnectionState, Vm } from '../../model/cluster';
import { SourceError, describeError } from '../../model/errors';
import { Emitter, type Event } from '../../base/event';
import { Disposable, toDisposable } from '../../base/lifecycle';
import type { Logger } from '../../base/logger';
import { SETTINGS } from '../../model/settings';
import { ownMigrationId, type MigrationObservation, type MigrationStreamEvent } from '../../model/migration';
import type { ClusterSource, ConsoleAttachment, ConsoleListener, MigrationHandle, MigrationRequest } from '../cluster-source';
import { BlixardClient, type BlixardMethod, type BlixardRequest, type BlixardResponse, type BlixardService } from './blixard-client';
import { attachBlixardConsole } from './blixard-console';
import { BLIXARD_TRAITS } from './blixard-kind';
import { clusterDisplayName, connectionWarnings, findConfigProblem, type BlixardClusterConfig } from './blixard-cluster-config';
import type { WireListVmsResponse, WireMigrationInfo, WireVmInfo } from './blixard-wire';
import { ClusterChangePoller } from './cluster-change-poller';
import { MigrationLedger, isFinalInfo } from './migration-ledger';
import { blixardMigrationId, blixardPhaseWord, toMigrationObservation } from './migration-mapping';
import { MigrationStream, type MigrationChange } from './migration-stream';
import { submitBlixardMigration } from './migration-submission';
import { toClusterNodes } from './node-mapping';
import { toVm } from './vm-mapping';

export interface BlixardSourceOptions {
  /** Deadline of each unary call on one endpoint. Default 5000. */
  callDeadlineMs?: number;
  /** Deadline of MigrateVm, which lasts as long as the migration. Default 1 hour. */
  migrationDeadlineMs?: number;
  /** How long migrate() waits for the daemon to show the new migration. Default 15000. */
  acceptTimeoutMs?: number;
  /** A new watch stream must deliver its snapshot within this. Default 3 × callDeadlineMs. */
  snapshotDeadlineMs?: number;
  /** Stream reconnection: first delay and cap. Defaults 500 and 30000, with 50 % jitter. */
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** How often a cluster whose daemons have no MigrationService is asked again. Default 300000. */
  unsupportedStreamRetryMs?: number;
  /** ListVms/GetClusterStatus polling interval while onDidChange has listeners (blixard.refreshIntervalSeconds). Default: the setting's. */
  refreshIntervalMs?: number;
  /** How long an open console keeps trying to attach again after its daemon went away. Default 60000; 0: never. */
  consoleReconnectMs?: number;
  /** HTTP/2 keepalive on open streams. Default 30000. */
  keepaliveMs?: number;
  /** Override where blixard.proto is read from. */
  protoPath?: string;
  /** Diagnostics for an output channel (a LogOutputChannel fits). Never receives credentials. */
  logger?: Logger;
}

const DEFAULTS = {
  callDeadlineMs: 5_000,
  migrationDeadlineMs: 60 * 60_000,
  acceptTimeoutMs: 15_000,
  reconnectInitialDelayMs: 500,
  reconnectMaxDelayMs: 30_000,
  unsupportedStreamRetryMs: 300_000,
  refreshIntervalMs: SETTINGS['blixard.refreshIntervalSeconds'].default * 1000,
  keepaliveMs: 30_000,
  consoleReconnectMs: 60_000,
};

export class BlixardSource extends Disposable implements ClusterSource {
  readonly kind = 'blixard' as const;
  readonly traits = BLIXARD_TRAITS;
  readonly id: string;
  readonly label: string;
  readonly datacenter?: string;
  readonly warnings: readonly string[];

  private readonly client: BlixardClient;
  private readonly ledger = new MigrationLedger();
  private readonly stream: MigrationStream;
  private readonly poller: ClusterChangePoller;
  private readonly changes: Emitter<ChangedScope>;
  private readonly connectionChanges = new Emitter<ConnectionState>();
  private readonly lifetime = new AbortController();
  private readonly configProblem?: string;
  private streamDemand = 0;
  /** The cluster's listing the callers of this turn wait for, until it is sent (clusterListing). */
  private nextListing: Promise<[WireListVmsResponse, WireMigrationInfo[]]> | undefined;
  /** Each listing's VMs by node, made when a node's VMs are first asked of it (see listedOn). */
  private readonly listingsByNode = new WeakMap<WireListVmsResponse, Map<string, WireVmInfo[]>>();
  private currentConnection: ConnectionState = { state: 'connecting' };
  private readonly options: Required<Omit<BlixardSourceOptions, 'protoPath' | 'logger' | 'snapshotDeadlineMs'>> & { snapshotDeadlineMs: number };

  readonly onDidChange: Event<ChangedScope>;
  readonly onDidChangeConnection: Event<ConnectionState> = this.connectionChanges.event;

  constructor(
    config: BlixardClusterConfig,
    private readonly sourceOptions: BlixardSourceOptions = {},
  ) {
    super();
    const merged = { ...DEFAULTS, ...definedOnly(sourceOptions) };
    this.options = { ...merged, snapshotDeadlineMs: sourceOptions.snapshotDeadlineMs ?? merged.callDeadlineMs * 3 };
    this.id = config.id;
    this.label = clusterDisplayName(config);
    if (config.datacenter) this.datacenter = config.datacenter;
    this.warnings = connectionWarnings(config);
    this.configProblem = findConfigProblem(config);
    if (this.configProblem) this.currentConnection = { state: 'unreachable', reason: this.configProblem };

    this.client = new BlixardClient(config, {
      callDeadlineMs: this.options.callDeadlineMs,
      keepaliveMs: this.options.keepaliveMs,
      protoPath: sourceOptions.protoPath,
    });
    this._register(
      this.client.onOutcome((outcome) => {
        if (outcome.ok) this.setConnection({ state: 'connected', endpoint: outcome.endpoint });
        else if (!outcome.reachable) this.setConnection({ state: 'unreachable', reason: outcome.error.message });
      }),
    );

    this.stream = new MigrationStream(this.client, { sourceId: this.id, datacenter: this.datacenter }, this.ledger, {
      callDeadlineMs: this.options.callDeadlineMs,
      snapshotDeadlineMs: this.options.snapshotDeadlineMs,
      backoff: { initialMs: this.options.reconnectInitialDelayMs, maxMs: this.options.reconnectMaxDelayMs, jitter: 0.5 },
      unsupportedRetryMs: this.options.unsupportedStreamRetryMs,
      stableAfterMs: 5_000,
      reconcileWindowMs: 5 * 60_000,
      log: (message) => sourceOptions.logger?.info(message),
    });
    this._register(this.stream.onState((state) => this.setConnection(state)));
    this._register(this.stream.onChange((change) => this.announceMigrationChange(change)));

    this.poller = new ClusterChangePoller({
      listVms: async () => (await this.call('cluster', 'ListVms', {}, 'list VMs')).vms ?? [],
      clusterStatus: () => this.call('cluster', 'GetClusterStatus', {}, 'read the cluster status'),
      fire: (scope) => this.changes.fire(scope),
      intervalMs: this.options.refreshIntervalMs,
      log: (message) => sourceOptions.logger?.warn(message),
    });
    this.changes = new Emitter<ChangedScope>({
      onFirstListener: () => {
        this.addStreamDemand();
        if (!this.configProblem) this.poller.start();
      },
      onLastListenerRemoved: () => {
        this.poller.stop();
        this.removeStreamDemand();
      },
    });
    this.onDidChange = this.changes.event;
  }

  get connection(): ConnectionState {
    return this.currentConnection;
  }

  readonly onMigrationEvent: Event<MigrationStreamEvent> = (listener) => {
    if (this.lifetime.signal.aborted) return { dispose() {} };
    this.addStreamDemand();
    const subscription = this.stream.subscribe(listener);
    if (this.configProblem) {
      const state = this.currentConnection;
      queueMicrotask(() => listener({ type: 'connection', state }));
    }
    return toDisposable(() => {
      subscription.dispose();
      this.removeStreamDemand();
    });
  };

  async listNodes(): Promise<ClusterNode[]> {
    const [status, summary] = await Promise.allSettled([
      this.call('cluster', 'GetClusterStatus', {}, 'read the cluster status'),
      this.call('cluster', 'GetClusterResourceSummary', {}, 'read node capacity'),
    ]);
    if (status.status === 'rejected') throw status.reason;
    this.poller.observeStatus(status.value);
    if (summary.status === 'rejected') this.sourceOptions.logger?.warn(`Node capacity of "${this.label}" is unavailable: ${describeError(summary.reason)}`);
    return toClusterNodes(status.value, summary.status === 'fulfilled' ? summary.value : undefined);
  }

  async listVms(nodeId?: string): Promise<Vm[]> {
    const [vms, active] = await this.clusterListing();
    const byVm = new Map<string, WireMigrationInfo>();
    for (const info of active) byVm.set(info.vmName, info);
    return this.listedOn(vms, nodeId).map((info) => {
      const vm = toVm(info);
      const migration = byVm.get(info.name);
      if (migration) {
        vm.migration = { id: blixardMigrationId(this.id, migration.id), name: migration.id, phase: blixardPhaseWord(migration.status) };
        if (migration.targetNodeId && migration.targetNodeId !== '0') vm.migration.targetNodeId = migration.targetNodeId;
      }
      return vm;
    });
  }

  async startVm(vmId: string): Promise<void> {
    await this.vmAction('StartVm', vmId, `start ${vmId}`);
  }

  async stopVm(vmId: string): Promise<void> {
    await this.vmAction('StopVm', vmId, `stop ${vmId}`);
  }

  /**
   * MigrationService.SetNodeMaintenance, with the unary deadline. Idempotent on the daemon (the
   * same flag again is no write), so it may fail over to another endpoint after a timeout.
   */
  async setNodeMaintenance(nodeId: string, on: boolean, reason?: string): Promise<void> {
    if (typeof nodeId !== 'string' || !/^\d{1,16}$/.test(nodeId) || /^0+$/.test(nodeId)) throw new SourceError('invalid-argument', `Which node? "${String(nodeId).slice(0, 40)}" is not a Blixard node id.`);
    await this.call('migration', 'SetNodeMaintenance', { nodeId, maintenance: on, reason: reason?.trim() ?? '' }, on ? `put node ${nodeId} into maintenance` : `take node ${nodeId} out of maintenance`);
  }

  /** The VM's id is its name, which is what ConsoleService takes. */
  attachConsole(vmId: string, listener: ConsoleListener): ConsoleAttachment {
    this.assertUsable();
    return attachBlixardConsole(this.client, vmId, listener, { reconnectMs: this.options.consoleReconnectMs });
  }

  async migrate(request: MigrationRequest): Promise<MigrationHandle> {
    this.assertUsable();
    return submitBlixardMigration(
      {
        client: this.client,
        sourceId: this.id,
        onChange: this.stream.onChange,
        lifetime: this.lifetime.signal,
        timings: {
          callDeadlineMs: this.options.callDeadlineMs,
          migrationDeadlineMs: this.options.migrationDeadlineMs,
          acceptTimeoutMs: this.options.acceptTimeoutMs,
          followPollMs: 1_000,
        },
      },
      request,
    );
  }

  async cancel(migrationId: string): Promise<void> {
    const daemonId = this.daemonMigrationId(migrationId);
    const res = await this.call('migration', 'CancelMigration', { id: daemonId }, 'cancel the migration', false);
    if (!res.success) throw new SourceError('failed-precondition', res.message || `Blixard cluster "${this.label}" did not cancel the migration.`);
  }

  /** One migration's current state (Migration.id or the daemon's id), undefined when the cluster no longer has it. */
  async getMigration(migrationId: string): Promise<MigrationObservation | undefined> {
    const daemonId = this.daemonMigrationId(migrationId);
    const res = await this.call('migration', 'GetMigration', { id: daemonId }, 'read the migration').catch((err: unknown) => {
      if (err instanceof SourceError && err.code === 'not-found') return { found: false, migration: null };
      throw err;
    });
    if (!res.found || !res.migration) return undefined;
    return toMigrationObservation(res.migration, { sourceId: this.id, datacenter: this.datacenter });
  }

  override dispose(): void {
    if (this.lifetime.signal.aborted) return;
    this.lifetime.abort();
    this.poller.stop();
    this.stream.dispose();
    // The client's and the stream's subscriptions, once the stream has stopped.
    super.dispose();
    this.changes.dispose();
    this.connectionChanges.dispose();
    this.client.dispose();
  }

  private daemonMigrationId(migrationId: string): string {
    // The daemon's own id is taken as it is too.
    const daemonId = ownMigrationId(migrationId, this.id) ?? migrationId;
    if (typeof daemonId !== 'string' || daemonId === '') throw new SourceError('invalid-argument', 'Which migration? No id was given.');
    return daemonId;
  }

  /**
   * ListVms has no node filter, so each node's listing is the whole cluster's: the callers of one
   * turn (a window restoring ten expanded nodes asks for all ten at once) share one request, sent
   * once the turn's microtasks have run. A caller after it was sent gets a request of its own, so
   * no answer predates its question. (At 10 nodes × 1,000 VMs, ten separate listings decoded
   * 100,000 VMs per cluster for the tree's first render.)
   */
  private clusterListing(): Promise<[WireListVmsResponse, WireMigrationInfo[]]> {
    if (this.nextListing) return this.nextListing;
    const listing = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      if (this.nextListing === listing) this.nextListing = undefined;
      const answer = await Promise.all([this.call('cluster', 'ListVms', {}, 'list VMs'), this.activeMigrations()]);
      this.poller.observeVms(answer[0].vms ?? []);
      return answer;
    });
    this.nextListing = listing;
    return listing;
  }

  /**
   * A listing's VMs on one node (all of them when `nodeId` is undefined), grouped once per
   * listing: ten nodes answered from one listing of 10,000 VMs filtered it ten times.
   */
  private listedOn(listing: WireListVmsResponse, nodeId: string | undefined): readonly WireVmInfo[] {
    const all = listing.vms ?? [];
    if (nodeId === undefined) return all;
    let byNode = this.listingsByNode.get(listing);
    if (!byNode) {
      byNode = new Map();
      for (const info of all) {
        const list = byNode.get(info.nodeId);
        if (list) list.push(info);
        else byNode.set(info.nodeId, [info]);
      }
      this.listingsByNode.set(listing, byNode);
    }
    return byNode.get(nodeId) ?? [];
  }

  /** Active migrations: from the stream while it is synced, otherwise asked for. */
  private async activeMigrations(): Promise<WireMigrationInfo[]> {
    if (this.stream.isSynced) return this.ledger.active();
    try {
      const res = await this.call('migration', 'ListMigrations', { activeOnly: true }, 'list active migrations');
      return (res.migrations ?? []).filter((m) => !isFinalInfo(m));
    } catch (err) {
      // VMs without their migration marks beat no VMs at all.
      this.sourceOptions.logger?.warn(`Active migrations of "${this.label}" are unavailable: ${describeError(err)}`);
      return [];
    }
  }

  private async vmAction(method: 'StartVm' | 'StopVm', vmId: string, action: string): Promise<void> {
    if (typeof vmId !== 'string' || vmId === '') throw new SourceError('invalid-argument', 'Which VM? No name was given.');
    const res = await this.call('cluster', method, { name: vmId }, action, false);
    if (!res.success) throw new SourceError('failed-precondition', res.message || `Blixard cluster "${this.label}" could not ${action}.`);
  }

  private call<S extends BlixardService, M extends BlixardMethod<S>>(service: S, method: M, request: BlixardRequest<S, M>, action: string, idempotent = true): Promise<BlixardResponse<S, M>> {
    this.assertUsable();
    return this.client.call(service, method, request, { action, idempotent, signal: this.lifetime.signal });
  }

  private assertUsable(): void {
    if (this.configProblem) throw new SourceError('invalid-argument', this.configProblem);
    if (this.lifetime.signal.aborted) throw new SourceError('unavailable', `The Blixard source "${this.label}" is closed.`);
  }

  private addStreamDemand(): void {
    this.streamDemand++;
    if (this.streamDemand === 1 && !this.configProblem && !this.lifetime.signal.aborted) this.stream.start();
  }

  private removeStreamDemand(): void {
    this.streamDemand = Math.max(0, this.streamDemand - 1);
    if (this.streamDemand === 0) this.stream.stop();
  }

  /** A migration that starts, ends or moves a VM changes what the tree shows for it and its nodes. */
  private announceMigrationChange({ info, previous }: MigrationChange): void {
    if (!this.changes.hasListeners) return;
    const statusChanged = !previous || previous.status !== info.status;
    if (!statusChanged) return;
    const source = info.sourceNodeId !== '0' ? info.sourceNodeId : undefined;
    const target = info.targetNodeId !== '0' ? info.targetNodeId : undefined;
    if (info.status === 'MIGRATION_STATUS_COMPLETED') {
      if (target) this.poller.noteVmNode(info.vmName, target);
      if (source) this.changes.fire({ scope: 'node', nodeId: source });
      if (target) this.changes.fire({ scope: 'node', nodeId: target });
      this.changes.fire({ scope: 'vm', vmId: info.vmName, nodeId: target });
    } else {
      // Started, advanced, failed or cancelled: the VM stays where it was; its label changes.
      this.changes.fire({ scope: 'vm', vmId: info.vmName, nodeId: source });
    }
  }

  private setConnection(state: ConnectionState): void {
    // A call that succeeds says nothing about migration streaming: keep what the stream found out.
    const streamState = this.stream?.state;
    if (state.state === 'connected' && !state.limitation && streamState?.state === 'connected' && streamState.limitation) {
      state = { ...state, limitation: streamState.limitation };
    }
    if (JSON.stringify(state) === JSON.stringify(this.currentConnection)) return;
    this.currentConnection = state;
    this.connectionChanges.fire(state);
  }
}

export function createBlixardSource(config: BlixardClusterConfig, options?: BlixardSourceOptions): BlixardSource {
  return new BlixardSource(config, options);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
