// One KubeVirt cluster (one kubeconfig context) as a ClusterSource. Nodes, VMIs and VMIMs are
// followed by resilient list+watch caches once first used, so the tree is answered from memory
// and every change is reported as the smallest scope that covers it.

import type { KubeConfig } from '@kubernetes/client-node';
import type { ChangedScope, ClusterNode, ConnectionState, Vm } from '../../model/cluster';
import { SourceError } from '../../model/errors';
import { Emitter, type Event } from '../../base/event';
import { SETTINGS } from '../../model/settings';
import type { MigrationStreamEvent } from '../../model/migration';
import type { ClusterSource, MigrationHandle, MigrationRequest } from '../cluster-source';
import type { BackoffOptions } from '../../base/backoff';
import { LogOnce } from '../../base/log-once';
import { gatedClient } from './connection-gate';
import { KubeClient } from './kube-client';
import { KubeHttpError, toSourceError, type RequestIntent } from './kube-error';
import type { KubeNode, KubeObject, KubeVmi, KubeVmim } from './kube-objects';
import { objectKey } from './kube-objects';
import { loadKubeConfigForContext } from './kubeconfig-loader';
import { parseNode } from './node-parsing';
import { bytesToMb } from './quantity';
import { ResilientInformer, type InformerStatus, type InformerTiming } from './resilient-informer';
import { scrubSecrets } from '../../base/secret-registry';
import { KUBEVIRT_TRAITS } from './kubevirt-kind';
import { silentLogger, type Logger } from '../../base/logger';
import { parseVmi, vmiControllerName, vmiRequests } from './vmi-parsing';
import { HOSTNAME_LABEL, isFinalKubevirtPhase, kubevirtMigrationId, parseVmim, USER_MIGRATION_PREFIX, type VmimContext } from './vmim-parsing';

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

const KUBEVIRT = '/apis/kubevirt.io/v1';
const SUBRESOURCES = '/apis/subresources.kubevirt.io/v1';

interface Informers {
  client: KubeClient;
  nodes: ResilientInformer<KubeNode>;
  vmis: ResilientInformer<KubeVmi>;
  vmims: ResilientInformer<KubeVmim>;
}

interface VmEntry {
  vm: Vm;
  usage?: { vcpus: number; memoryBytes: number };
}

interface PendingCompletion {
  key: string;
  registeredAt: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class KubevirtSource implements ClusterSource {
  readonly kind = 'kubevirt' as const;
  readonly traits = KUBEVIRT_TRAITS;
  readonly id: string;
  readonly label: string;
  readonly datacenter?: string;
  readonly clusterIdentity?: string;
  readonly warnings: readonly string[] = [];

  private readonly options: Required<Omit<KubevirtSourceOptions, 'id' | 'label' | 'datacenter' | 'logger' | 'clusterIdentity'>>;
  private readonly logger: Logger;
  private started: Promise<Informers> | undefined;
  private informers: Informers | undefined;
  private disposed = false;
  private currentConnection: ConnectionState = { state: 'connecting' };

  private readonly changeEmitter = new Emitter<ChangedScope>();
  private readonly connectionEmitter = new Emitter<ConnectionState>();
  private readonly migrationEmitter = new Emitter<MigrationStreamEvent>();

  private readonly nodes = new Map<string, ClusterNode>();
  private readonly vms = new Map<string, VmEntry>();
  private readonly vmsByNode = new Map<string, Set<string>>();
  /** "namespace/vmiName" → keys of the VMIMs that migrate it. */
  private readonly vmimsByVmi = new Map<string, Set<string>>();
  /** What was last emitted per VMIM, so repeated identical states are not re-sent. */
  private readonly lastObservation = new Map<string, string>();
  /** When a phase without a server time was first seen, per VMIM, so it keeps one time. */
  private readonly untimedPhases = new Map<string, Map<string, number>>();
  private readonly completions = new Map<string, PendingCompletion>();
  private readonly loggedProblems = new LogOnce();
  /** Shared by its informers: a failure all three meet (a refused credential) is logged once. */
  private readonly failuresSaid = new Set<string>();
  /** The informer whose failure the connection state reports, kept while it still fails. */
  private failingInformer: ResilientInformer<KubeObject> | undefined;

  constructor(options: KubevirtSourceOptions) {
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
  }

  get connection(): ConnectionState {
    return this.currentConnection;
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
      if (!active || this.disposed) return;
      for (const event of this.snapshot()) listener(event);
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
    const result: ClusterNode[] = [];
    for (const node of this.nodes.values()) {
      let vcpus = 0;
      let memoryBytes = 0;
      let running = 0;
      for (const key of this.vmsByNode.get(node.id) ?? []) {
        const entry = this.vms.get(key);
        if (!entry) continue;
        if (entry.usage) {
          vcpus += entry.usage.vcpus;
          memoryBytes += entry.usage.memoryBytes;
        }
        if (entry.vm.state === 'running') running++;
      }
      result.push({ ...node, used: { vcpus: Math.round(vcpus * 1000) / 1000, memoryMb: bytesToMb(memoryBytes) }, runningVms: running });
    }
    return result.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  async listVms(nodeId?: string): Promise<Vm[]> {
    await this.treeReady();
    const keys = nodeId === undefined ? this.vms.keys() : (this.vmsByNode.get(nodeId) ?? new Set<string>()).values();
    const result: Vm[] = [];
    for (const key of keys) {
      const entry = this.vms.get(key);
      if (entry) result.push(this.withMigration(entry.vm));
    }
    return result.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async startVm(vmId: string): Promise<void> {
    await this.changeRunState(vmId, 'start');
  }

  async stopVm(vmId: string): Promise<void> {
    await this.changeRunState(vmId, 'stop');
  }

  async migrate(request: MigrationRequest): Promise<MigrationHandle> {
    const { namespace, name } = splitVmId(request.vmId);
    if (!request.live) {
      throw new SourceError('invalid-argument', 'KubeVirt migrates running VMs live only; there is no cold migration');
    }
    const target = request.targetNodeId?.trim() || undefined;
    const informers = await this.ensureStarted();
    this.checkMigrationAgainstCache(informers, `${namespace}/${name}`, target);
    const body = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstanceMigration',
      metadata: { generateName: USER_MIGRATION_PREFIX, namespace },
      spec: { vmiName: name, ...(target ? { addedNodeSelector: { [HOSTNAME_LABEL]: target } } : {}) },
    };
    const intent: RequestIntent = { verb: 'create', resource: 'virtualmachineinstancemigrations', namespace };
    const created = await this.call(intent, () =>
      informers.client.request<KubeVmim>('POST', `${KUBEVIRT}/namespaces/${encodeURIComponent(namespace)}/virtualmachineinstancemigrations`, {
        body,
        timeoutMs: this.options.requestTimeoutMs,
      }),
    );
    const createdName = created?.metadata?.name;
    if (typeof createdName !== 'string' || createdName === '') {
      throw new SourceError('internal', `${this.label} accepted the migration of ${namespace}/${name} but did not say its name`);
    }
    const migrationId = kubevirtMigrationId(this.id, namespace, createdName);
    this.logger.info(`${this.label}: created migration ${namespace}/${createdName} of VMI ${name}${target ? ` to ${target}` : ''}`);
    return { migrationId, completion: this.trackCompletion(migrationId, `${namespace}/${createdName}`) };
  }

  async cancel(migrationId: string): Promise<void> {
    const prefix = `${this.id}/`;
    const rest = migrationId.startsWith(prefix) ? migrationId.slice(prefix.length) : '';
    const parts = rest.split('/');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new SourceError('invalid-argument', `Migration ${migrationId} does not belong to ${this.label}`);
    }
    const [namespace, name] = parts;
    const informers = await this.ensureStarted();
    const intent: RequestIntent = { verb: 'delete', resource: 'virtualmachineinstancemigrations', namespace, name };
    try {
      await this.call(intent, () =>
        informers.client.request('DELETE', `${KUBEVIRT}/namespaces/${encodeURIComponent(namespace)}/virtualmachineinstancemigrations/${encodeURIComponent(name)}`, {
          timeoutMs: this.options.requestTimeoutMs,
        }),
      );
      this.logger.info(`${this.label}: cancelled migration ${namespace}/${name}`);
    } catch (err) {
      // Cancelling what is already gone has the outcome the user asked for.
      if (err instanceof SourceError && err.code === 'not-found') {
        this.logger.info(`${this.label}: migration ${namespace}/${name} was already gone when cancelled`);
        return;
      }
      throw err;
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.informers) {
      this.informers.nodes.stop();
      this.informers.vmis.stop();
      this.informers.vmims.stop();
    }
    for (const pending of this.completions.values()) pending.reject(new SourceError('unavailable', `${this.label} was closed before the migration ended`));
    this.completions.clear();
    this.changeEmitter.dispose();
    this.connectionEmitter.dispose();
    this.migrationEmitter.dispose();
  }

  // ---- start-up and health ------------------------------------------------------------------

  private ensureStarted(): Promise<Informers> {
    if (this.disposed) return Promise.reject(new SourceError('unavailable', `${this.label} is closed`));
    this.started ??= this.start().catch((err: unknown) => {
      this.started = undefined;
      const error = err instanceof SourceError ? err : new SourceError('invalid-argument', scrubSecrets(`${this.label}: ${describe(err)}`));
      this.setConnection({ state: 'unreachable', reason: error.message });
      throw error;
    });
    return this.started;
  }

  private async start(): Promise<Informers> {
    const kubeConfig: KubeConfig = await loadKubeConfigForContext(this.options.kubeconfigPaths, this.options.context);
    if (this.disposed) throw new SourceError('unavailable', `${this.label} is closed`);
    // Connection attempts go through the process-wide gate: thousands of contexts connect in turn.
    const client = gatedClient(new KubeClient(kubeConfig));
    const timing: InformerTiming = {
      listTimeoutMs: this.options.listTimeoutMs,
      connectTimeoutMs: this.options.connectTimeoutMs,
      stallTimeoutMs: this.options.stallTimeoutMs,
      watchTimeoutSeconds: this.options.watchTimeoutSeconds,
      backoff: this.options.backoff,
      pageSize: this.options.pageSize,
    };
    const make = <T extends KubeObject>(resource: string, path: string) =>
      new ResilientInformer<T>({ ...timing, resource, path, client, clusterLabel: this.label, logger: this.logger, failuresSaid: this.failuresSaid });
    const informers: Informers = {
      client,
      nodes: make<KubeNode>('nodes', '/api/v1/nodes'),
      vmis: make<KubeVmi>('virtualmachineinstances', `${KUBEVIRT}/virtualmachineinstances`),
      vmims: make<KubeVmim>('virtualmachineinstancemigrations', `${KUBEVIRT}/virtualmachineinstancemigrations`),
    };
    this.informers = informers;
    this.wireNodes(informers.nodes);
    this.wireVmis(informers.vmis);
    this.wireVmims(informers.vmims);
    for (const informer of [informers.nodes, informers.vmis, informers.vmims]) {
      informer.listen({ onStatus: () => this.updateConnection() });
      informer.start();
    }
    this.logger.info(`${this.label}: following nodes, VMIs and migrations at ${client.server}`);
    return informers;
  }

  /**
   * The tree's data is ready: nodes and VMIs listed and being watched. A failing cluster is
   * retried at once (the user may have pressed Retry) and its reason thrown.
   */
  private async treeReady(): Promise<Informers> {
    const informers = await this.ensureStarted();
    await Promise.all([this.healthy(informers.nodes), this.healthy(informers.vmis)]);
    return informers;
  }

  private healthy(informer: ResilientInformer<KubeObject>): Promise<void> {
    const status = informer.status;
    if (status.state === 'watching' && informer.hasSynced) return Promise.resolve();
    if (status.state === 'retrying') informer.retryNow();
    return new Promise<void>((resolve, reject) => {
      const done = (err?: SourceError) => {
        clearTimeout(timer);
        subscription.dispose();
        if (err) reject(err);
        else resolve();
      };
      const subscription = informer.listen({
        onStatus: (s: InformerStatus) => {
          if (s.state === 'watching' && informer.hasSynced) done();
          else if (s.state === 'retrying') done(s.error);
          else if (s.state === 'stopped') done(new SourceError('unavailable', `${this.label} is closed`));
        },
        onSynced: () => done(),
      });
      const timer = setTimeout(
        () => done(new SourceError('timeout', `${this.label} did not answer within ${Math.round(this.options.firstSyncTimeoutMs / 1000)} s`)),
        this.options.firstSyncTimeoutMs,
      );
    });
  }

  private updateConnection(): void {
    const informers = this.informers;
    if (!informers || this.disposed) return;
    const vmims = informers.vmims.status;
    // A user who may list nodes and VMIs but not VMIMs still has a working tree: the cluster is
    // reachable, and what the watcher cannot see is said, not turned into "unreachable".
    const vmimsForbidden = vmims.state === 'retrying' && vmims.error.code === 'forbidden';
    const members: Array<ResilientInformer<KubeObject>> = vmimsForbidden ? [informers.nodes, informers.vmis] : [informers.nodes, informers.vmis, informers.vmims];
    const statuses = members.map((i) => i.status);
    // The reason said is that of the informer that failed first, for as long as it fails: between
    // its attempts it is 'connecting', and the others' words for the same outage are no news.
    const reported = this.failingInformer && members.includes(this.failingInformer) ? this.failingInformer : undefined;
    if (reported?.status.state === 'connecting' && this.currentConnection.state === 'unreachable') return;
    const failingInformer = reported?.status.state === 'retrying' ? reported : members.find((i) => i.status.state === 'retrying');
    this.failingInformer = failingInformer;
    const failing = failingInformer?.status as Extract<InformerStatus, { state: 'retrying' }> | undefined;
    let next: ConnectionState;
    if (failing) next = { state: 'unreachable', reason: failing.error.message, retryInMs: failing.retryInMs };
    else if (statuses.every((s) => s.state === 'watching')) {
      next = { state: 'connected', endpoint: informers.client.server };
      if (vmimsForbidden) next.limitation = `migrations are not followed: ${lowerFirst(vmims.error.message)}`;
    } else next = { state: 'connecting' };
    const before = this.currentConnection;
    if (JSON.stringify(before) === JSON.stringify(next)) return;
    if (before.state === 'unreachable' && next.state === 'unreachable' && before.reason === next.reason) return;
    this.setConnection(next);
    // The tree shows a failing cluster as one error item, and the cluster again once it is back.
    const treeWasDown = before.state === 'unreachable';
    const treeIsDown = next.state === 'unreachable';
    if (treeWasDown !== treeIsDown) this.changeEmitter.fire({ scope: 'cluster' });
  }

  private setConnection(state: ConnectionState): void {
    this.currentConnection = state;
    if (state.state === 'connected') this.logger.info(`${this.label}: connected`);
    this.connectionEmitter.fire(state);
    this.migrationEmitter.fire({ type: 'connection', state });
  }

  // ---- nodes ---------------------------------------------------------------------------------

  private wireNodes(informer: ResilientInformer<KubeNode>): void {
    const upsert = (obj: KubeNode): ClusterNode | undefined => {
      const node = parseNode(obj);
      if (!node) this.logProblem(`node:${JSON.stringify(obj?.metadata ?? null).slice(0, 80)}`, 'a node without a name; skipped');
      else this.nodes.set(node.id, node);
      return node;
    };
    informer.listen({
      onAdd: (obj) => {
        if (upsert(obj)) this.changeEmitter.fire({ scope: 'nodes' });
      },
      onUpdate: (obj) => {
        const before = obj.metadata?.name ? this.nodes.get(obj.metadata.name) : undefined;
        const after = upsert(obj);
        // Nodes update their heartbeat constantly: only what the tree shows counts as a change.
        if (after && JSON.stringify(before) !== JSON.stringify(after)) this.changeEmitter.fire({ scope: 'node', nodeId: after.id });
      },
      onDelete: (obj) => {
        if (obj.metadata?.name && this.nodes.delete(obj.metadata.name)) this.changeEmitter.fire({ scope: 'nodes' });
      },
    });
  }

  // ---- VMIs ----------------------------------------------------------------------------------

  private wireVmis(informer: ResilientInformer<KubeVmi>): void {
    informer.listen({
      onAdd: (obj) => this.vmiChanged(obj, undefined),
      onUpdate: (obj, previous) => this.vmiChanged(obj, previous),
      onDelete: (obj) => this.vmiRemoved(obj),
    });
  }

  private vmiChanged(obj: KubeVmi, previous: KubeVmi | undefined): void {
    const key = objectKey(obj);
    const vm = parseVmi(obj);
    if (!key || !vm) {
      this.logProblem(`vmi:${key ?? JSON.stringify(obj?.metadata ?? null).slice(0, 80)}`, `a VMI without a name or namespace (${key ?? '?'}); skipped`);
      return;
    }
    const before = this.vms.get(key);
    const usage = vmiRequests(obj);
    const entry: VmEntry = usage ? { vm, usage } : { vm };
    this.vms.set(key, entry);
    const oldNode = before?.vm.nodeId;
    if (oldNode !== vm.nodeId) {
      if (oldNode) this.vmsByNode.get(oldNode)?.delete(key);
      if (vm.nodeId) getOrCreate(this.vmsByNode, vm.nodeId, () => new Set()).add(key);
    }
    // A node refresh covers its VMs; a VM refresh alone suffices when the node's figures stay.
    const nodeFiguresChanged =
      !before ||
      oldNode !== vm.nodeId ||
      JSON.stringify(before.usage) !== JSON.stringify(entry.usage) ||
      (before.vm.state === 'running') !== (vm.state === 'running');
    if (nodeFiguresChanged) {
      if (oldNode && oldNode !== vm.nodeId) this.changeEmitter.fire({ scope: 'node', nodeId: oldNode });
      if (vm.nodeId) this.changeEmitter.fire({ scope: 'node', nodeId: vm.nodeId });
    } else if (JSON.stringify(before.vm) !== JSON.stringify(vm)) {
      this.changeEmitter.fire(vm.nodeId ? { scope: 'vm', vmId: vm.id, nodeId: vm.nodeId } : { scope: 'vm', vmId: vm.id });
    }
    // KubeVirt keeps a running migration's state on the VMI: its migrations may have moved on.
    if (previous === undefined || JSON.stringify(previous.status?.migrationState) !== JSON.stringify(obj.status?.migrationState) || oldNode !== vm.nodeId) {
      for (const vmimKey of this.vmimsByVmi.get(key) ?? []) {
        const vmim = this.informers?.vmims.items.get(vmimKey);
        if (vmim) this.observe(vmim, false);
      }
    }
  }

  private vmiRemoved(obj: KubeVmi): void {
    const key = objectKey(obj);
    if (!key) return;
    const before = this.vms.get(key);
    if (!before) return;
    this.vms.delete(key);
    const node = before.vm.nodeId;
    if (node) {
      this.vmsByNode.get(node)?.delete(key);
      this.changeEmitter.fire({ scope: 'node', nodeId: node });
    }
  }

  private withMigration(vm: Vm): Vm {
    const migration = this.inFlightMigration(vm.id);
    return migration ? { ...vm, migration } : { ...vm };
  }

  /** The VMI's newest migration that has not ended, as the tree shows it ("→ target"). */
  private inFlightMigration(vmiKey: string): Vm['migration'] | undefined {
    const keys = this.vmimsByVmi.get(vmiKey);
    const store = this.informers?.vmims.items;
    if (!keys || !store) return undefined;
    let newest: KubeVmim | undefined;
    for (const key of keys) {
      const vmim = store.get(key);
      if (!vmim || isFinalKubevirtPhase(vmim.status?.phase)) continue;
      if (!newest || (vmim.metadata?.creationTimestamp ?? '') > (newest.metadata?.creationTimestamp ?? '')) newest = vmim;
    }
    if (!newest?.metadata?.name || !newest.metadata.namespace) return undefined;
    const vmiState = this.informers?.vmis.items.get(vmiKey)?.status?.migrationState;
    const ownState = vmiState && vmiState.migrationUid === newest.metadata.uid ? vmiState : undefined;
    const target = ownState?.targetNode || newest.spec?.addedNodeSelector?.[HOSTNAME_LABEL];
    const migration: NonNullable<Vm['migration']> = {
      id: kubevirtMigrationId(this.id, newest.metadata.namespace, newest.metadata.name),
      phase: newest.status?.phase || 'Pending',
    };
    if (target) migration.targetNodeId = target;
    return migration;
  }

  // ---- migrations ----------------------------------------------------------------------------

  private wireVmims(informer: ResilientInformer<KubeVmim>): void {
    informer.listen({
      onAdd: (obj) => this.vmimChanged(obj, false),
      onUpdate: (obj) => this.vmimChanged(obj, false),
      onDelete: (obj) => this.vmimChanged(obj, true),
      onSynced: (store, listStartedAt) => {
        const migrationIds: string[] = [];
        for (const key of store.keys()) {
          const [namespace, name] = key.split('/');
          if (namespace && name) migrationIds.push(kubevirtMigrationId(this.id, namespace, name));
        }
        this.migrationEmitter.fire({ type: 'synced', migrationIds });
        // A migration created and deleted while the watch was down never sends an event.
        for (const [id, pending] of this.completions) {
          if (pending.registeredAt < listStartedAt && !store.has(pending.key)) this.settleCompletion(id);
        }
      },
    });
  }

  private vmimChanged(vmim: KubeVmim, deleted: boolean): void {
    const key = objectKey(vmim);
    if (!key) return;
    const vmiName = vmim.spec?.vmiName;
    const vmiKey = typeof vmiName === 'string' && vmiName !== '' && vmim.metadata?.namespace ? `${vmim.metadata.namespace}/${vmiName}` : undefined;
    const migrationBefore = vmiKey ? JSON.stringify(this.inFlightMigration(vmiKey)) : undefined;
    if (vmiKey) {
      if (deleted) {
        const keys = this.vmimsByVmi.get(vmiKey);
        keys?.delete(key);
        if (keys?.size === 0) this.vmimsByVmi.delete(vmiKey);
      } else {
        getOrCreate(this.vmimsByVmi, vmiKey, () => new Set()).add(key);
      }
    }
    this.observe(vmim, deleted);
    if (deleted) {
      this.lastObservation.delete(key);
      this.untimedPhases.delete(key);
    }

    const id = vmim.metadata?.namespace && vmim.metadata.name ? kubevirtMigrationId(this.id, vmim.metadata.namespace, vmim.metadata.name) : undefined;
    if (id && (deleted || isFinalKubevirtPhase(vmim.status?.phase))) this.settleCompletion(id);

    if (vmiKey && JSON.stringify(this.inFlightMigration(vmiKey)) !== migrationBefore) {
      const vm = this.vms.get(vmiKey)?.vm;
      if (vm) this.changeEmitter.fire(vm.nodeId ? { scope: 'vm', vmId: vm.id, nodeId: vm.nodeId } : { scope: 'vm', vmId: vm.id });
    }
  }

  /** Emits the VMIM's observation when it says something new; bad objects are logged and skipped. */
  private observe(vmim: KubeVmim, deleted: boolean): void {
    const key = objectKey(vmim) ?? '?';
    const result = parseVmim(vmim, this.parseContext(vmim, deleted));
    const version = `${key}@${vmim.metadata?.resourceVersion ?? ''}`;
    if (!result.ok) {
      // A VMIM has no status for a moment after it is created: normal, not worth a warning.
      const transient = result.problem.endsWith('no status yet') || result.problem.endsWith('no status.phase yet');
      this.logProblem(`${version}:${result.problem}`, `migration ${result.problem}; skipped`, transient ? 'debug' : 'warn');
      return;
    }
    for (const warning of result.warnings) this.logProblem(`${version}:${warning}`, warning);
    const signature = JSON.stringify(result.observation);
    if (!deleted && this.lastObservation.get(key) === signature) return;
    this.lastObservation.set(key, signature);
    this.migrationEmitter.fire({ type: 'observation', observation: result.observation });
  }

  private parseContext(vmim: KubeVmim, deleted: boolean): VmimContext {
    const key = objectKey(vmim) ?? '';
    const namespace = vmim.metadata?.namespace;
    const vmiName = vmim.spec?.vmiName;
    const vmi = namespace && vmiName ? this.informers?.vmis.items.get(`${namespace}/${vmiName}`) : undefined;
    const context: VmimContext = {
      sourceId: this.id,
      deleted,
      fallbackPhaseTime: (phase) => {
        const phases = getOrCreate(this.untimedPhases, key, () => new Map<string, number>());
        return getOrCreate(phases, phase, () => Date.now());
      },
    };
    if (this.datacenter) context.datacenter = this.datacenter;
    if (vmi) context.vmi = vmi;
    return context;
  }

  /** What a new subscriber needs to catch up: connection, every migration held, synced. */
  private snapshot(): MigrationStreamEvent[] {
    const events: MigrationStreamEvent[] = [{ type: 'connection', state: this.currentConnection }];
    const vmims = this.informers?.vmims;
    if (!vmims?.hasSynced) return events;
    const migrationIds: string[] = [];
    for (const [key, vmim] of vmims.items) {
      const [namespace, name] = key.split('/');
      if (!namespace || !name) continue;
      migrationIds.push(kubevirtMigrationId(this.id, namespace, name));
      const result = parseVmim(vmim, this.parseContext(vmim, false));
      if (result.ok) events.push({ type: 'observation', observation: result.observation });
    }
    events.push({ type: 'synced', migrationIds });
    return events;
  }

  private trackCompletion(migrationId: string, key: string): Promise<void> {
    let pending!: PendingCompletion;
    const completion = new Promise<void>((resolve, reject) => {
      pending = { key, registeredAt: Date.now(), resolve, reject };
    });
    // Callers may ignore the completion: its rejection on dispose must not crash anything.
    completion.catch(() => {});
    this.completions.set(migrationId, pending);
    const known = this.informers?.vmims.items.get(key);
    if (known && isFinalKubevirtPhase(known.status?.phase)) this.settleCompletion(migrationId);
    return completion;
  }

  private settleCompletion(migrationId: string): void {
    const pending = this.completions.get(migrationId);
    if (!pending) return;
    this.completions.delete(migrationId);
    pending.resolve();
  }

  /** The dialog validates too; these checks give the TUI's messages before a round trip. */
  private checkMigrationAgainstCache(informers: Informers, vmiKey: string, target: string | undefined): void {
    if (!informers.vmis.hasSynced) return;
    const entry = this.vms.get(vmiKey);
    if (!entry) throw new SourceError('not-found', `VM ${vmiKey} not found in ${this.label}`);
    if (target && entry.vm.nodeId === target) throw new SourceError('failed-precondition', 'Target node must be different from source node');
    if (target && informers.nodes.hasSynced && !this.nodes.has(target)) throw new SourceError('failed-precondition', `Node ${target} not found in cluster`);
  }

  // ---- start / stop --------------------------------------------------------------------------

  private async changeRunState(vmId: string, action: 'start' | 'stop'): Promise<void> {
    const { namespace, name } = splitVmId(vmId);
    const informers = await this.ensureStarted();
    let vmi: KubeVmi | undefined = informers.vmis.hasSynced ? informers.vmis.items.get(`${namespace}/${name}`) : undefined;
    if (!vmi && !informers.vmis.hasSynced) {
      const path = `${KUBEVIRT}/namespaces/${encodeURIComponent(namespace)}/virtualmachineinstances/${encodeURIComponent(name)}`;
      vmi = await this.call({ verb: 'get', resource: 'virtualmachineinstances', namespace, name }, () =>
        informers.client.request<KubeVmi>('GET', path, { timeoutMs: this.options.requestTimeoutMs }),
      ).catch((err: unknown) => {
        if (err instanceof SourceError && err.code === 'not-found') return undefined;
        throw err;
      });
    }
    let vmName = name;
    if (vmi) {
      const owner = vmiControllerName(vmi);
      if (!owner) {
        throw new SourceError(
          'failed-precondition',
          `${namespace}/${name} has no VirtualMachine to ${action} it: it is a standalone VirtualMachineInstance${action === 'stop' ? ' (delete it to stop it)' : ''}`,
        );
      }
      vmName = owner;
    } else if (action === 'stop') {
      throw new SourceError('not-found', `VM ${namespace}/${name} not found in ${this.label}`);
    }
    // A stopped VirtualMachine may have no VMI at all: start goes to the VM of the same name.
    const path = `${SUBRESOURCES}/namespaces/${encodeURIComponent(namespace)}/virtualmachines/${encodeURIComponent(vmName)}/${action}`;
    await this.call({ verb: 'update', resource: `virtualmachines/${action}`, namespace, name: vmName }, () =>
      informers.client.request('PUT', path, { body: {}, timeoutMs: this.options.requestTimeoutMs }),
    );
    this.logger.info(`${this.label}: asked VirtualMachine ${namespace}/${vmName} to ${action}`);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  private async call<T>(intent: RequestIntent, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const error = toSourceError(err, intent, this.label);
      const status = err instanceof KubeHttpError ? ` (HTTP ${err.statusCode})` : '';
      this.logger.warn(`${this.label}: ${intent.verb} ${intent.resource}${intent.namespace ? ` in ${intent.namespace}` : ''} failed${status}: ${error.message}`);
      throw error;
    }
  }

  private logProblem(key: string, message: string, level: 'warn' | 'debug' = 'warn'): void {
    if (this.loggedProblems.first(key)) this.logger[level](scrubSecrets(`${this.label}: ${message}`));
  }
}

function splitVmId(vmId: string): { namespace: string; name: string } {
  const parts = typeof vmId === 'string' ? vmId.split('/') : [];
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new SourceError('invalid-argument', `"${String(vmId).slice(0, 100)}" is not a KubeVirt VM id (namespace/name)`);
  }
  return { namespace: parts[0], name: parts[1] };
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
