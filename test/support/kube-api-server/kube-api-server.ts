// startKubeApiServer: a local KubeVirt-compatible Kubernetes API server over HTTP or HTTPS,
// with the built-in controllers, a programmatic API for tests (seed objects, drain nodes,
// start migrations behind a client's back), fault injection and the ground truth of every
// migration. See README.md in this folder.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { KubeCluster } from './cluster';
import type { KubeObject } from './kube-object';
import type { ChangeEvent } from './object-store';
import { AccessControl, type AccessRule, type UserSpec } from './access-control';
import { WatchHub } from './watch-hub';
import { ApiRequestHandler } from './api-request-handler';
import { MigrationController } from './migration-controller';
import { NodeLifecycleController } from './node-lifecycle-controller';
import { VmController } from './vm-controller';
import { migrationAdmission } from './migration-admission';
import { applyTiming, defaultTiming, type ControllerTiming, type TimingOverrides } from './controller-timing';
import { buildNode, buildVm, buildVmi, liveMigratableCondition, markUnschedulable, setNodeReady, type LiveMigratableInit, type NodeInit, type VmInit, type VmiInit } from './object-factories';
import { ALL_RESOURCE_TYPES, MIGRATIONS, NODES, VIRTUAL_MACHINES, VIRTUAL_MACHINE_INSTANCES, type ResourceType } from './resource-types';
import { drainNode, startWorkloadUpdate, uncordonNode, type PlatformMigrationResult } from './platform-migrations';
import { tlsMaterial } from './tls-material';
import { writeKubeconfigFile, buildKubeconfig, type KubeconfigContext } from './kubeconfig';
import type { TimestampPrecision } from './kube-time';
import type { MigrationRecord } from './ground-truth';
import { notFound } from './status-errors';
import { VirtHandlerMetrics } from './virt-handler-metrics';

export interface KubeApiServerOptions {
  /** Port to listen on; 0 (default) picks a free one. Restarts reuse the same port. */
  port?: number;
  host?: string;
  /** HTTPS with a generated CA (default) or plain HTTP. */
  tls?: boolean;
  /** The admin token (random by default). */
  token?: string;
  /** The viewer token (random by default): may read everything, may not write anything. */
  viewerToken?: string;
  /** More users, each with its own deny rules. */
  users?: UserSpec[];
  timing?: TimingOverrides;
  /** Change events kept for watches to resume from (default 20000). */
  eventWindow?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 5000 ms). */
  bookmarkIntervalMs?: number;
  /** Watches without timeoutSeconds end after this (×1..2), default 1800 s like the apiserver. */
  defaultWatchTimeoutSeconds?: number;
  /** metav1.Time precision of controller-written timestamps: 'seconds' (real) or 'milliseconds'. */
  timestampPrecision?: TimestampPrecision;
  /** Namespaces created at start besides default, kube-system and kubevirt. */
  namespaces?: string[];
  /** Also serve virt-handler's migration metrics on /metrics of a plain-HTTP loopback port (virt-handler-metrics.ts). */
  virtHandlerMetrics?: boolean | { port?: number };
}

export interface KubeconfigOptions {
  /** Contexts to write; default one admin context named "kubevirt-test". */
  contexts?: Array<Partial<KubeconfigContext> & { name: string; role?: 'admin' | 'viewer' }>;
  clusterName?: string;
  currentContext?: string;
}

export interface MigrationRequest {
  vmiName: string;
  namespace?: string;
  name?: string;
  /** Default "kubevirt-migrate-vm-" when no name is given, as virtctl does. */
  generateName?: string;
  addedNodeSelector?: Record<string, string>;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface FaultControls {
  /** Cuts every open watch connection (abruptly by default). Returns how many. */
  dropWatches(options?: { graceful?: boolean }): number;
  /** Open watches stay connected but send nothing more, not even bookmarks. Returns how many. */
  stallWatches(): number;
  /** While on, every new watch stalls as soon as it opens. */
  stallNewWatches(on: boolean): void;
  /** The next `count` watches that resume from a resourceVersion get ERROR 410 Expired. */
  expireNextWatch(count?: number): void;
  /**
   * Compacts the history (as etcd compaction does): every resourceVersion handed out so far is
   * too old, open watches get ERROR 410 Expired and close, resuming ones get 410: clients must relist.
   */
  compactHistory(): void;
  /** The next `count` requests (matching `match`, default all API requests) fail with `status` (default 500). */
  failRequests(count: number, options?: { status?: number; message?: string; match?: (method: string, path: string) => boolean }): void;
  /** Makes matching migrations fail (default: the next one created, in phase Running). */
  failMigration(selector?: { namespace?: string; name?: string; vmiName?: string }, options?: { atPhase?: string; reason?: string; count?: number }): void;
  /** Turns every fault off. */
  clear(): void;
}

export interface GroundTruthView {
  /** Every migration ever created, with its full phase history, even after GC or delete. */
  migrations(): MigrationRecord[];
  migration(ref: { uid?: string; namespace?: string; name?: string }): MigrationRecord | undefined;
  /** The current stored object (a copy), or undefined. */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
}

export interface KubeApiServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  readonly viewerToken: string;
  /** base64 of the CA PEM (https only). */
  readonly caData?: string;
  readonly caPem?: string;
  readonly objects: GroundTruthView;
  readonly faults: FaultControls;
  /** virt-handler's /metrics (url, workloads, figures), when started with `virtHandlerMetrics`. */
  readonly metrics?: VirtHandlerMetrics;
  kubeconfig(options?: KubeconfigOptions): Record<string, unknown>;
  writeKubeconfig(path: string, options?: KubeconfigOptions): Promise<void>;
  addNamespace(name: string): void;
  addNode(init: NodeInit): KubeObject;
  setNodeReady(name: string, ready: boolean): KubeObject;
  cordonNode(name: string, unschedulable?: boolean): KubeObject;
  uncordonNode(name: string): void;
  addVm(init: VmInit): { vm: KubeObject; vmi?: KubeObject };
  addVmi(init: VmiInit): KubeObject;
  setVmiLiveMigratable(namespace: string, name: string, value: boolean | LiveMigratableInit): KubeObject;
  deleteVmi(namespace: string, name: string): void;
  drainNode(name: string): PlatformMigrationResult;
  startWorkloadUpdate(filter?: { namespace?: string; vmiNames?: string[] }): PlatformMigrationResult;
  /** Creates a migration as another client would (same admission as the API). */
  createMigration(request: MigrationRequest): KubeObject;
  /** DELETEs a migration as another client would (a cancel while it runs). */
  deleteMigration(namespace: string, name: string): void;
  /** Changes the controllers' timing; migrations in flight follow the new times at once. */
  setTiming(overrides: TimingOverrides): ControllerTiming;
  /** Users' deny rules at run time. */
  denyAccess(token: string, rule: AccessRule): void;
  /** Lifts every deny rule of a token (RBAC granted after the fact). */
  allowAccess(token: string): void;
  resourceVersion(): number;
  openWatchCount(): number;
  /** How many authorized requests of a verb ("list", "watch", …) on a resource it has served. */
  requestCount(verb: string, resource: string): number;
  /** Called for every committed change (the moment a watch event is sent). */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  /** Stops and starts again on the same port; watches are cut, the event log is lost (410 on resume). */
  restart(options?: { keepState?: boolean; downMs?: number; keepEventLog?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

const BASE_NAMESPACES = ['default', 'kube-system', 'kubevirt'];

function resourceByName(resource: string): ResourceType {
  const r = resource.toLowerCase();
  const type = ALL_RESOURCE_TYPES.find((t) => t.plural === r || t.singular === r || t.kind.toLowerCase() === r || t.shortNames.includes(r));
  if (!type) throw new Error(`unknown resource "${resource}"`);
  return type;
}

function token(): string {
  return randomBytes(24).toString('base64url');
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const host = options.host ?? '127.0.0.1';
  const useTls = options.tls ?? true;
  const adminToken = options.token ?? token();
  const viewerToken = options.viewerToken ?? token();
  const users: UserSpec[] = [
    { name: 'kubernetes-admin', token: adminToken },
    { name: 'viewer', token: viewerToken, deny: ['create', 'update', 'patch', 'delete', 'deletecollection'].map((verb) => ({ verb, resource: '*' })) },
    ...(options.users ?? []),
  ];
  const timing = applyTiming(defaultTiming(), options.timing);
  const cluster = new KubeCluster(options.eventWindow ?? 20_000, options.timestampPrecision ?? 'seconds');
  cluster.addAdmission(migrationAdmission(cluster.store));
  const access = new AccessControl(users);
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 5000;
  const watches = new WatchHub(cluster.store, { bookmarkIntervalMs: () => bookmarkIntervalMs, maxQueuedBytes: 64 * 1024 * 1024 }, cluster.faults);
  const migrations = new MigrationController(cluster, timing);
  const vms = new VmController(cluster, timing);
  const nodeLifecycle = new NodeLifecycleController(cluster);
  for (const ns of [...BASE_NAMESPACES, ...(options.namespaces ?? [])]) cluster.ensureNamespace(ns);

  const tls = useTls ? await tlsMaterial() : undefined;
  let port = options.port ?? 0;
  const scheme = useTls ? 'https' : 'http';
  const handler = new ApiRequestHandler(cluster, access, watches, vms, {
    defaultWatchTimeoutSeconds: options.defaultWatchTimeoutSeconds ?? 1800,
    serverAddress: () => `${host}:${port}`,
  });

  let server: Server | undefined;
  const sockets = new Set<Socket>();
  async function listen(): Promise<void> {
    const s: Server = tls ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler.handle) : createHttpServer(handler.handle);
    s.keepAliveTimeout = 65_000;
    s.headersTimeout = 66_000;
    s.requestTimeout = 0;
    s.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => { s.off('error', reject); resolve(); });
    });
    port = (s.address() as AddressInfo).port;
    server = s;
    migrations.start();
    vms.start();
    nodeLifecycle.start();
  }
  async function close(): Promise<void> {
    migrations.stop();
    vms.stop();
    nodeLifecycle.stop();
    watches.dropAll();
    const s = server;
    server = undefined;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    s.closeAllConnections();
    await closed;
  }
  await listen();
  const metricsOption = options.virtHandlerMetrics;
  const metrics = metricsOption ? new VirtHandlerMetrics(cluster.store, { host, port: typeof metricsOption === 'object' ? metricsOption.port : undefined, runningMs: () => timing.phaseMs.Running }) : undefined;
  await metrics?.start();

  const get = (type: ResourceType, namespace: string | undefined, name: string): KubeObject => {
    const stored = cluster.store.get(type, namespace, name);
    if (!stored) throw notFound(type.plural, type.group, name);
    return structuredClone(stored.object);
  };

  const api: KubeApiServer = {
    get url() { return `${scheme}://${host}:${port}`; },
    get port() { return port; },
    token: adminToken,
    viewerToken,
    caPem: tls?.caPem,
    caData: tls ? Buffer.from(tls.caPem).toString('base64') : undefined,

    objects: {
      migrations: () => cluster.truth.migrations(),
      migration: (ref) => cluster.truth.migration(ref),
      get: (resource, namespace, name) => {
        const stored = cluster.store.get(resourceByName(resource), namespace, name);
        return stored && structuredClone(stored.object);
      },
      list: (resource, namespace) => cluster.store.list(resourceByName(resource), namespace).map((s) => structuredClone(s.object)),
    },

    faults: {
      dropWatches: (o) => watches.dropAll(o?.graceful ?? false),
      stallWatches: () => watches.stallAll(),
      stallNewWatches: (on) => { cluster.faults.stallNewWatches = on; },
      expireNextWatch: (count = 1) => { cluster.faults.expireNextWatches += count; },
      compactHistory: () => { cluster.store.compact(); },
      failRequests: (count, o = {}) => {
        cluster.faults.requestFaults.push({
          remaining: count, status: o.status ?? 500, message: o.message ?? 'injected fault',
          matches: o.match ?? (() => true),
        });
      },
      failMigration: (selector = {}, o = {}) => {
        cluster.faults.migrationFailures.push({
          ...selector, atPhase: o.atPhase ?? 'Running', reason: o.reason ?? "Live migration failed error encountered during MigrateToURI3 libvirt api call: virError(Code=1, Domain=10, Message='operation failed: migration out job: unexpectedly failed')",
          remaining: o.count ?? 1,
        });
      },
      clear: () => cluster.faults.reset(),
    },

    kubeconfig: (o = {}) => buildKubeconfig([{
      name: o.clusterName ?? 'kubevirt-test', url: api.url, caData: api.caData,
      contexts: (o.contexts ?? [{ name: 'kubevirt-test' }]).map((c) => ({
        name: c.name, namespace: c.namespace, user: c.user,
        token: c.token ?? (c.role === 'viewer' ? viewerToken : adminToken),
      })),
    }], o.currentContext),
    writeKubeconfig: (path, o = {}) => writeKubeconfigFile(path, [{
      name: o.clusterName ?? 'kubevirt-test', url: api.url, caData: api.caData,
      contexts: (o.contexts ?? [{ name: 'kubevirt-test' }]).map((c) => ({
        name: c.name, namespace: c.namespace, user: c.user,
        token: c.token ?? (c.role === 'viewer' ? viewerToken : adminToken),
      })),
    }], o.currentContext),

    addNamespace: (name) => cluster.ensureNamespace(name),
    addNode: (init) => structuredClone(cluster.store.create(NODES, buildNode(init), Date.now(), true).object),
    setNodeReady: (name, ready) => {
      get(NODES, undefined, name);
      return structuredClone(cluster.mutate(NODES, undefined, name, (d) => setNodeReady(d, ready))!);
    },
    cordonNode: (name, unschedulable = true) => {
      get(NODES, undefined, name);
      return structuredClone(cluster.mutate(NODES, undefined, name, (d) => markUnschedulable(d, unschedulable))!);
    },
    uncordonNode: (name) => uncordonNode(cluster, name),
    addVm: (init) => {
      const namespace = init.namespace ?? 'default';
      cluster.ensureNamespace(namespace);
      if (init.liveMigratable !== undefined) vms.liveMigratable.set(`${namespace}/${init.name}`, init.liveMigratable);
      const running = (init.runStrategy ?? ((init.running ?? true) ? 'Always' : 'Halted')) !== 'Halted';
      const vm = buildVm({ ...init, namespace });
      if (running) vm.status = { ...vm.status, printableStatus: 'Running', ready: true, created: true };
      const storedVm = cluster.store.create(VIRTUAL_MACHINES, vm, Date.now(), true).object;
      let vmi: KubeObject | undefined;
      if (running && init.node) {
        vmi = cluster.store.create(VIRTUAL_MACHINE_INSTANCES, buildVmi({ ...init, namespace, phase: 'Running', owner: { name: init.name, uid: storedVm.metadata.uid ?? '' } }), Date.now(), true).object;
      }
      return { vm: structuredClone(storedVm), vmi: vmi && structuredClone(vmi) };
    },
    addVmi: (init) => {
      const namespace = init.namespace ?? 'default';
      cluster.ensureNamespace(namespace);
      if ((init.phase ?? 'Running') === 'Running' && !init.node) throw new Error('a Running VMI needs a node');
      return JSON.parse(cluster.store.create(VIRTUAL_MACHINE_INSTANCES, buildVmi({ ...init, namespace }), Date.now(), true).json);
    },
    setVmiLiveMigratable: (namespace, name, value) => {
      get(VIRTUAL_MACHINE_INSTANCES, namespace, name);
      return structuredClone(cluster.mutate(VIRTUAL_MACHINE_INSTANCES, namespace, name, (d) => {
        const condition = liveMigratableCondition(value);
        d.status.conditions = [...(d.status.conditions ?? []).filter((c: { type: string }) => c.type !== 'LiveMigratable'), condition];
        d.status.migrationMethod = value === true ? 'LiveMigration' : 'BlockMigration';
      })!);
    },
    deleteVmi: (namespace, name) => { cluster.delete(VIRTUAL_MACHINE_INSTANCES, namespace, name); },
    drainNode: (name) => drainNode(cluster, name),
    startWorkloadUpdate: (filter) => startWorkloadUpdate(cluster, filter),
    createMigration: (request) => {
      const namespace = request.namespace ?? 'default';
      const metadata: Record<string, unknown> = { namespace };
      if (request.name) metadata.name = request.name; else metadata.generateName = request.generateName ?? 'kubevirt-migrate-vm-';
      if (request.annotations) metadata.annotations = request.annotations;
      if (request.labels) metadata.labels = request.labels;
      const spec: Record<string, unknown> = { vmiName: request.vmiName };
      if (request.addedNodeSelector) spec.addedNodeSelector = request.addedNodeSelector;
      return structuredClone(cluster.create(MIGRATIONS, { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstanceMigration', metadata, spec }, namespace));
    },
    deleteMigration: (namespace, name) => { cluster.delete(MIGRATIONS, namespace, name, { cause: 'user' }); },
    setTiming: (overrides) => { const applied = applyTiming(timing, overrides); migrations.retime(); return applied; },
    denyAccess: (t, rule) => access.deny(t, rule),
    allowAccess: (t) => access.allowAll(t),
    resourceVersion: () => cluster.store.currentResourceVersion(),
    openWatchCount: () => watches.openCount(),
    requestCount: (verb, resource) => handler.servedCount(verb, resourceByName(resource).plural),
    onChange: (listener) => cluster.store.onChange(listener),

    async restart(o = {}) {
      await close();
      if (o.keepState === false) {
        const gone = cluster.store.list(MIGRATIONS).map((s) => s.object.metadata.uid ?? '');
        const now = Date.now();
        cluster.store.clear();
        for (const uid of gone) cluster.truth.noteReset(uid, now);
        vms.liveMigratable.clear();
        for (const ns of [...BASE_NAMESPACES, ...(options.namespaces ?? [])]) cluster.ensureNamespace(ns);
      } else if (!o.keepEventLog) {
        cluster.store.compact();
      }
      if (o.downMs) await new Promise((r) => setTimeout(r, o.downMs));
      await listen();
    },
    metrics,
    stop: async () => { await close(); await metrics?.stop(); },
  };
  return api;
}

