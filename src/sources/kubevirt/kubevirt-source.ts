// One KubeVirt cluster (one kubeconfig context) as a ClusterSource. Nodes, VMIs and VMIMs are
// followed by resilient list+watch caches once first used (kubevirt-informers.ts), so the tree
// is answered from memory (cluster-inventory.ts) and every change is reported as the smallest
// scope that covers it; the VMIMs become the migration stream (migration-observer.ts); the
// connection state comes from the informers' health (connection-health.ts); requests go
// through kubevirt-requests.ts. This file ties them together and is the source's face.

import type { KubeConfig } from '@kubernetes/client-node';
import type { ChangedScope, ClusterNode, ConnectionState, Vm } from '../../model/cluster';
import { SourceError } from '../../model/errors';
import { requestPlanId } from '../../model/plan-id-request';
import { Emitter, type Event } from '../../base/event';
import { Disposable, toDisposable } from '../../base/lifecycle';
import { SETTINGS } from '../../model/settings';
import { ownMigrationId, type MigrationStreamEvent } from '../../model/migration';
import type { ClusterSource, MigrationHandle, MigrationRequest } from '../cluster-source';
import type { BackoffOptions } from '../../base/backoff';
import { LogOnce } from '../../base/log-once';
import type { KubeVmim } from './kube-objects';
import { objectKey } from './kube-objects';
import { loadKubeConfigForContext } from './kubeconfig-loader';
import { scrubSecrets } from '../../base/secret-registry';
import { flattenControlCharacters } from '../../base/text';
import { KUBEVIRT_TRAITS } from './kubevirt-kind';
import { silentLogger, type Logger } from '../../base/logger';
import { isFinalKubevirtPhase, kubevirtMigrationId } from './vmim-parsing';
import { allInformers, createInformers, type KubevirtInformers } from './kubevirt-informers';
import { ClusterInventory, type ProblemLog } from './cluster-inventory';
import { ConnectionHealth } from './connection-health';
import { MigrationObserver } from './migration-observer';
import { MigrationCompletions } from './migration-completions';
import { KubevirtRequests } from './kubevirt-requests';
import { MigrationProgressPoller } from './migration-progress-poller';
import { PrometheusConnection, type PrometheusCredentials } from './prometheus-client';

export interface KubevirtSourceOptions {
  /** Kubeconfig files, merged as kubectl does (see resolveKubeconfigPaths). */
  kubeconfigPaths: readonly string[];
  /** The kubeconfig context this source talks to. */
  context: string;
  /** ClusterSource.id; default `kubevirt:<context>`. */
  id?: string;
  /** What the tree shows; default the context name. */
  label?: string;
  datacenter?: string;
  /** ClusterSource.clusterIdentity, as the cluster plan read it from the kubeconfig (server + CA). */
  clusterIdentity?: string;
  logger?: Logger;
  /** Deadline of single requests (get, create, delete, start/stop). Default 15 s. */
  requestTimeoutMs?: number;
  /** Deadline of each list page. Default 60 s. */
  listTimeoutMs?: number;
  /** Deadline for a watch's response headers. Default 15 s. */
  connectTimeoutMs?: number;
  /** A watch with no event and no bookmark for this long is restarted. Default: blixard.kubevirt.watchStallSeconds's. */
  stallTimeoutMs?: number;
  /** Server-side watch timeout, randomised up to twice this. Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Reconnect delays. Default 500 ms doubling up to 30 s, with jitter. */
  backoff?: BackoffOptions;
  /** List page size. Default 500. */
  pageSize?: number;
  /** How long listNodes/listVms wait for the first complete list. Default 20 s. */
  firstSyncTimeoutMs?: number;
  /**
   * Where virt-handler's migration metrics are (blixard.kubevirt.prometheus): running migrations
   * get byte progress from it every `intervalMs` (2 s), each query within `timeoutMs` (5 s).
   */
  prometheus?: Omit<PrometheusCredentials, 'token'> & { url: string; token?: string | PrometheusCredentials['token']; intervalMs?: number; timeoutMs?: number; missingAfterMs?: number };
}

const DEFAULTS = {
  requestTimeoutMs: 15_000,
  listTimeoutMs: 60_000,
  connectTimeoutMs: 15_000,
  stallTimeoutMs: SETTINGS['blixard.kubevirt.watchStallSeconds'].default * 1000,
  watchTimeoutSeconds: 300,
  backoff: { initialMs: 500, maxMs: 30_000 },
  pageSize: 500,
  firstSyncTimeoutMs: 20_000,
};

export class KubevirtSource extends Disposable implements ClusterSource {
  readonly kind = 'kubevirt' as const;
  readonly traits = KUBEVIRT_TRAITS;
  readonly id: string;
  readonly label: string;
  readonly datacenter?: string;
  readonly clusterIdentity?: string;
  readonly warnings: readonly string[] = [];

  private readonly options: Required<Omit<KubevirtSourceOptions, 'id' | 'label' | 'datacenter' | 'logger' | 'clusterIdentity' | 'prometheus'>>;
  private readonly logger: Logger;
  private started: Promise<KubevirtInformers> | undefined;
  private informers: KubevirtInformers | undefined;

  private readonly changeEmitter = this._register(new Emitter<ChangedScope>());
  private readonly connectionEmitter = this._register(new Emitter<ConnectionState>());
  private readonly migrationEmitter = this._register(new Emitter<MigrationStreamEvent>());

  private readonly loggedProblems = new LogOnce();
  /** Shared by its informers: a failure all three meet (a refused credential) is logged once. */
  private readonly failuresSaid = new Set<string>();
  private readonly health: ConnectionHealth;
  private readonly inventory: ClusterInventory;
  private readonly observer: MigrationObserver;
  private readonly completions = new MigrationCompletions();
  private readonly requests: KubevirtRequests;
  private readonly progress: MigrationProgressPoller | undefined;

  constructor(options: KubevirtSourceOptions) {
    super();
    this.id = options.id ?? `kubevirt:${options.context}`;
    this.label = options.label ?? options.context;
    if (options.datacenter) this.datacenter = options.datacenter;
    if (options.clusterIdentity) this.clusterIdentity = options.clusterIdentity;
    this.logger = options.logger ?? silentLogger;
    this.options = {
      kubeconfigPaths: options.kubeconfigPaths,
      context: options.context,
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      listTimeoutMs: options.listTimeoutMs ?? DEFAULTS.listTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      stallTimeoutMs: options.stallTimeoutMs ?? DEFAULTS.stallTimeoutMs,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? DEFAULTS.watchTimeoutSeconds,
      backoff: options.backoff ?? DEFAULTS.backoff,
      pageSize: options.pageSize ?? DEFAULTS.pageSize,
      firstSyncTimeoutMs: options.firstSyncTimeoutMs ?? DEFAULTS.firstSyncTimeoutMs,
    };
    const logProblem: ProblemLog = (key, message, level = 'warn') => {
      if (this.loggedProblems.first(key)) this.logger[level](scrubSecrets(`${this.label}: ${message}`));
    };
    this.health = new ConnectionHealth(this.label, {
      changed: (state) => {
        if (state.state === 'connected') this.logger.info(`${this.label}: connected`);
        this.connectionEmitter.fire(state);
        this.migrationEmitter.fire({ type: 'connection', state });
      },
      treeUpOrDown: () => this.changeEmitter.fire({ scope: 'cluster' }),
    });
    this.observer = new MigrationObserver(this, (event) => this.migrationEmitter.fire(event), logProblem);
    this.inventory = new ClusterInventory(this.id, this.label, {
      changed: (scope) => this.changeEmitter.fire(scope),
      migrationStateMoved: (vmimKeys) => this.observer.observeAgain(vmimKeys),
      logProblem,
    });
    this.requests = new KubevirtRequests(this.label, this.logger, this.options.requestTimeoutMs);
    this.progress = this.progressPoller(options.prometheus);
    // Registered after the emitters, so disposed before them: the watches stop and waiting
    // completions are settled while the emitters still carry what that says.
    this._register(
      toDisposable(() => {
        if (this.informers) for (const informer of allInformers(this.informers)) informer.stop();
        this.completions.rejectAll(new SourceError('unavailable', `${this.label} was closed before the migration ended`));
      }),
    );
  }

  get connection(): ConnectionState {
    return this.health.state;
  }

  readonly onDidChange: Event<ChangedScope> = this.changeEmitter.event;
  readonly onDidChangeConnection: Event<ConnectionState> = this.connectionEmitter.event;

  /**
   * Each new subscriber first gets the current picture (connection, every migration the cache
   * holds, `synced`), then live events. Subscribing starts the watches.
   */
  readonly onMigrationEvent: Event<MigrationStreamEvent> = (listener) => {
    const subscription = this.migrationEmitter.event(listener);
    let active = true;
    this.ensureStarted().catch(() => {
      // reported through the connection state; the caller sees it on the stream
    });
    queueMicrotask(() => {
      if (!active || this.isDisposed) return;
      for (const event of this.observer.catchUp(this.health.state)) listener(event);
    });
    return {
      dispose: () => {
        active = false;
        subscription.dispose();
      },
    };
  };

  async listNodes(): Promise<ClusterNode[]> {
    await this.treeReady();
    return this.inventory.listNodes();
  }

  async listVms(nodeId?: string): Promise<Vm[]> {
    await this.treeReady();
    return this.inventory.listVms(nodeId);
  }

  async startVm(vmId: string): Promise<void> {
    const { namespace, name } = splitVmId(vmId);
    await this.requests.changeRunState(await this.ensureStarted(), namespace, name, 'start');
  }

  async stopVm(vmId: string): Promise<void> {
    const { namespace, name } = splitVmId(vmId);
    await this.requests.changeRunState(await this.ensureStarted(), namespace, name, 'stop');
  }

  /** Cordon or uncordon (`traits.maintenance`): Kubernetes records no reason, so `reason` is only logged. */
  async setNodeMaintenance(nodeId: string, on: boolean, reason?: string): Promise<void> {
    if (typeof nodeId !== 'string' || nodeId.trim() === '') throw new SourceError('invalid-argument', 'Which node? No name was given.');
    if (reason) this.logger.info(`${this.label}: ${on ? 'cordoning' : 'uncordoning'} node ${nodeId}: ${flattenControlCharacters(reason).slice(0, 200)}`);
    await this.requests.setNodeUnschedulable(await this.ensureStarted(), nodeId, on);
  }

  async migrate(request: MigrationRequest): Promise<MigrationHandle> {
    const { namespace, name } = splitVmId(request.vmId);
    if (!request.live) {
      throw new SourceError('invalid-argument', 'KubeVirt migrates running VMs live only; there is no cold migration');
    }
    const target = request.targetNodeId?.trim() || undefined;
    const planId = requestPlanId(request.planId);
    const informers = await this.ensureStarted();
    this.inventory.checkMigration(`${namespace}/${name}`, target);
    const createdName = await this.requests.createMigration(informers, namespace, name, target, planId);
    const migrationId = kubevirtMigrationId(this.id, namespace, createdName);
    const key = `${namespace}/${createdName}`;
    return { migrationId, completion: this.completions.track(migrationId, key, this.informers?.vmims.items.get(key)) };
  }

  async cancel(migrationId: string): Promise<void> {
    const parts = (ownMigrationId(migrationId, this.id) ?? '').split('/');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new SourceError('invalid-argument', `Migration ${migrationId} does not belong to ${this.label}`);
    }
    const [namespace, name] = parts;
    await this.requests.deleteMigration(await this.ensureStarted(), namespace, name);
  }

  // ---- start-up ------------------------------------------------------------------------------

  private ensureStarted(): Promise<KubevirtInformers> {
    if (this.isDisposed) return Promise.reject(new SourceError('unavailable', `${this.label} is closed`));
    this.started ??= this.start().catch((err: unknown) => {
      this.started = undefined;
      const error = err instanceof SourceError ? err : new SourceError('invalid-argument', scrubSecrets(`${this.label}: ${describe(err)}`));
      this.health.set({ state: 'unreachable', reason: error.message });
      throw error;
    });
    return this.started;
  }

  private async start(): Promise<KubevirtInformers> {
    const kubeConfig: KubeConfig = await loadKubeConfigForContext(this.options.kubeconfigPaths, this.options.context);
    if (this.isDisposed) throw new SourceError('unavailable', `${this.label} is closed`);
    const { listTimeoutMs, connectTimeoutMs, stallTimeoutMs, watchTimeoutSeconds, backoff, pageSize } = this.options;
    const informers = createInformers(kubeConfig, {
      listTimeoutMs,
      connectTimeoutMs,
      stallTimeoutMs,
      watchTimeoutSeconds,
      backoff,
      pageSize,
      clusterLabel: this.label,
      logger: this.logger,
      failuresSaid: this.failuresSaid,
    });
    this.informers = informers;
    this.inventory.follow(informers);
    this.observer.follow(informers);
    informers.vmims.listen({
      onAdd: (obj) => this.vmimChanged(obj, false),
      onUpdate: (obj) => this.vmimChanged(obj, false),
      onDelete: (obj) => this.vmimChanged(obj, true),
      onSynced: (store, listStartedAt) => {
        this.observer.synced(store);
        // A migration created and deleted while the watch was down never sends an event.
        this.completions.settleVanished(store, listStartedAt);
      },
    });
    for (const informer of allInformers(informers)) {
      informer.listen({ onStatus: () => this.updateConnection() });
      informer.start();
    }
    this.logger.info(`${this.label}: following nodes, VMIs and migrations at ${informers.client.server}`);
    return informers;
  }

  /**
   * The tree's data is ready: nodes and VMIs listed and being watched. A failing cluster is
   * retried at once (the user may have pressed Retry) and its reason thrown.
   */
  private async treeReady(): Promise<KubevirtInformers> {
    const informers = await this.ensureStarted();
    const timeoutMs = this.options.firstSyncTimeoutMs;
    await Promise.all([this.health.listed(informers.nodes, timeoutMs), this.health.listed(informers.vmis, timeoutMs)]);
    return informers;
  }

  private updateConnection(): void {
    if (this.informers && !this.isDisposed) this.health.update(this.informers);
  }

  /** Byte progress of running migrations from Prometheus, when one is configured (migration-progress-poller.ts). */
  private progressPoller(endpoint: KubevirtSourceOptions['prometheus']): MigrationProgressPoller | undefined {
    if (!endpoint?.url) return undefined;
    let client: PrometheusConnection;
    const { url, token, timeoutMs, ...credentials } = endpoint;
    try {
      const tokenOf = typeof token === 'string' ? async () => token : token;
      client = new PrometheusConnection(url, { ...credentials, ...(tokenOf ? { token: tokenOf } : {}) }, timeoutMs);
    } catch (error) {
      this.logger.warn(`${this.label}: migration progress unavailable, phases only: ${(error as Error).message}`);
      return undefined;
    }
    const poller = this._register(
      new MigrationProgressPoller(client, {
        label: this.label,
        logger: this.logger,
        ...(endpoint.intervalMs !== undefined ? { intervalMs: endpoint.intervalMs } : {}),
        ...(endpoint.missingAfterMs !== undefined ? { missingAfterMs: endpoint.missingAfterMs } : {}),
        transferring: () => this.observer.transferring(),
        changed: (keys) => this.observer.observeAgain(keys),
      }),
    );
    this.observer.progressOf = (key) => poller.progressOf(key);
    this.logger.info(`${this.label}: migration progress from Prometheus at ${client.address}`);
    return poller;
  }

  /** A VMIM came, changed or went: the tree's index, the migration stream, a waiting completion. */
  private vmimChanged(vmim: KubeVmim, deleted: boolean): void {
    const key = objectKey(vmim);
    if (!key) return;
    this.inventory.migrationChanged(vmim, key, deleted, () => {
      this.observer.observe(vmim, deleted);
      if (deleted) {
        this.observer.forget(key);
        this.progress?.forget(key);
      } else if (vmim.status?.phase === 'Running') this.progress?.wake();
      const { namespace, name } = vmim.metadata ?? {};
      if (namespace && name && (deleted || isFinalKubevirtPhase(vmim.status?.phase))) this.completions.settle(kubevirtMigrationId(this.id, namespace, name));
    });
  }
}

function splitVmId(vmId: string): { namespace: string; name: string } {
  const parts = typeof vmId === 'string' ? vmId.split('/') : [];
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new SourceError('invalid-argument', `"${String(vmId).slice(0, 100)}" is not a KubeVirt VM id (namespace/name)`);
  }
  return { namespace: parts[0], name: parts[1] };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
