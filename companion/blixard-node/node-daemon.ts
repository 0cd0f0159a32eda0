// One Blixard node daemon: store → view → membership → agent → gRPC server. `startNode` is the
// programmatic entry used by the CLI, dev-cluster and tests.

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { ClusterStore } from './store/cluster-store';
import { openStore, parseStoreSpec } from './store/open-store';
import { ClusterView } from './state/cluster-view';
import { StateWriter } from './state/state-writer';
import type { MemberRecord, NodeCapacity } from './state/cluster-records';
import type { VmRuntime } from './runtime/vm-runtime';
import { SimulatedRuntime, type SimulatedRuntimeOptions } from './runtime/simulated-runtime';
import type { NodeContext } from './agent/node-context';
import { NodeAgent } from './agent/node-agent';
import { NodeMembership } from './agent/node-membership';
import { NodeOperations } from './node-operations';
import { DaemonStartingError, DaemonStoppingError } from './errors';
import { serverCredentials, serviceDefinition, type TlsFiles } from './rpc/grpc-server';
import { toServiceError } from './rpc/status-table';
import { clusterServiceHandlers } from './rpc/cluster-service';
import { migrationServiceHandlers } from './rpc/migration-service';
import { consoleServiceHandlers } from './rpc/console-service';
import { listenForConnections } from './rpc/connection-listener';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './rpc/stream-buffer-budget';
import { backoffDelay } from '../../src/base/backoff';
import type { MetricsServer } from './metrics/metrics-server';

export const DEFAULT_CAPACITY: NodeCapacity = { vcpus: 16, memoryMb: 32768, diskGb: 500 };
export const DEFAULT_LEASE_TTL_SECONDS = 3;
const DEFAULT_STORE_WAIT_MS = 15_000;

export interface NodeOptions {
  /** Node id, 1 or more, unique in the cluster. */
  id: number;
  /** HOST:PORT to listen on; port 0 picks a free port. Default 127.0.0.1:0. */
  listen?: string;
  /** HOST:PORT other parties should use, when it differs from the listen address. */
  advertise?: string;
  /** "memory" (a fresh embedded store), "etcd://HOST:PORT[,…]", or a store shared with other nodes. */
  store?: string | ClusterStore;
  /** A runtime instance, or options for the simulated runtime. */
  runtime?: VmRuntime | SimulatedRuntimeOptions;
  capacity?: Partial<NodeCapacity>;
  /** How long to keep trying to reach the store at startup (default 15 s). */
  storeWaitMs?: number;
  /** Membership lease TTL: a dead daemon drops out of the cluster this long after it dies. */
  leaseTtlSeconds?: number;
  tls?: TlsFiles;
  /** What slow or abusive clients may make the daemon hold (defaults: DEFAULT_STREAM_LIMITS). */
  limits?: Partial<StreamLimits>;
  /** HOST:PORT to serve Prometheus text on (GET /metrics), with `tls` when given; absent: no metrics. */
  metricsListen?: string;
  /** Serve ClusterService alone, as upstream Blixard daemons do, to check that clients cope with them. */
  withoutMigrationService?: boolean;
  log?: (line: string) => void;
}

export interface RunningNode {
  readonly id: number;
  /** HOST:PORT as bound (the real port when 0 was asked for). */
  readonly address: string;
  /** Where GET /metrics answers (HOST:PORT as bound), when metricsListen was given. */
  readonly metricsAddress?: string;
  readonly store: ClusterStore;
  readonly view: ClusterView;
  readonly runtime: VmRuntime;
  readonly operations: NodeOperations;
  /** Leaves the cluster cleanly: stops serving, resigns, drops its membership at once. */
  stop(): Promise<void>;
  /** Dies abruptly, like kill -9: connections drop, leases are left to expire. */
  crash(): Promise<void>;
}

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  if (!Number.isSafeInteger(options.id) || options.id <= 0) throw new Error(`node id must be a positive integer, not ${options.id}`);
  const log = options.log ?? (() => {});
  const nodeLog = (line: string) => log(`[node ${options.id}] ${line}`);
  const ownsStore = typeof options.store !== 'object';
  const store = typeof options.store === 'object' ? options.store : await openStore(parseStoreSpec(options.store ?? 'memory'));
  const runtime: VmRuntime = isRuntime(options.runtime) ? options.runtime : new SimulatedRuntime(options.runtime ?? {});
  const shutdown = new AbortController();
  // Every driver, VM task, wait and watch stream listens for shutdown: many at once is normal.
  setMaxListeners(100_000, shutdown.signal);
  // prom-client costs ~70 ms to load: only a daemon asked for metrics loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const metrics = options.metricsListen ? new (require('./metrics/daemon-metrics') as typeof import('./metrics/daemon-metrics')).DaemonMetrics(options.id) : undefined;
  // With metrics on, every store request of this daemon is timed on its way.
  const measuredStore = metrics ? metrics.measure(store) : store;
  const view = new ClusterView(measuredStore, nodeLog);
  metrics?.follow(view);
  const ctx: NodeContext = { nodeId: options.id, store: measuredStore, view, writer: new StateWriter(measuredStore, view), runtime, log: nodeLog, shutdown: shutdown.signal };
  const operations = new NodeOperations(ctx);
  const limits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
  // One stalled watcher alone may not take more than a quarter of what all share.
  limits.maxStreamBacklogBytes = Math.min(limits.maxStreamBacklogBytes, Math.floor(limits.maxBufferedBytes / 4));

  const server = new grpc.Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  let ready = false;
  const gate = <T extends grpc.UntypedServiceImplementation>(handlers: T): T => {
    // Calls that arrive before the daemon has joined the cluster are told to come back.
    const gated: grpc.UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(handlers)) {
      gated[name] = ((call: grpc.ServerUnaryCall<unknown, unknown>, callback?: grpc.sendUnaryData<unknown>) => {
        if (ready) return (handler as (c: unknown, cb?: unknown) => void)(call, callback);
        const err = toServiceError(new DaemonStartingError(), nodeLog, name);
        if (callback) callback(err);
        else call.emit('error', err);
      }) as grpc.UntypedHandleCall;
    }
    return gated as T;
  };
  server.addService(serviceDefinition('ClusterService'), gate(clusterServiceHandlers(ctx, operations)));
  if (!options.withoutMigrationService) server.addService(serviceDefinition('MigrationService'), gate(migrationServiceHandlers(ctx, operations, limits)));
  // Upstream daemons have no consoles either; the console is this project's addition like MigrationService.
  if (!options.withoutMigrationService) server.addService(serviceDefinition('ConsoleService'), gate(consoleServiceHandlers(ctx, limits)));

  const listen = options.listen ?? '127.0.0.1:0';
  const listener = await listenForConnections(server, listen, serverCredentials(options.tls), limits.maxConnections, nodeLog);
  const port = listener.port;
  const host = listen.slice(0, listen.lastIndexOf(':'));
  const address = options.advertise ?? `${host === '0.0.0.0' || host === '[::]' || host === '' ? '127.0.0.1' : host}:${port}`;

  const member: MemberRecord = {
    id: options.id,
    address,
    // A real hypervisor offers what the machine has (qemu: its cores and free memory).
    capacity: { ...DEFAULT_CAPACITY, ...runtime.defaultCapacity?.(), ...options.capacity },
    features: [runtime.kind, 'live-migration'],
    runtime: runtime.kind,
    startedAt: Date.now(),
    incarnation: randomUUID(),
  };
  const membership = new NodeMembership(ctx, member, options.leaseTtlSeconds ?? DEFAULT_LEASE_TTL_SECONDS);
  const agent = new NodeAgent(ctx);
  try {
    await waitForStore(() => view.start(), store, options.storeWaitMs ?? DEFAULT_STORE_WAIT_MS, nodeLog);
    await membership.start();
    await agent.start();
  } catch (err) {
    shutdown.abort(new DaemonStoppingError());
    listener.destroy();
    server.forceShutdown();
    membership.abandon();
    view.close();
    if (ownsStore) await store.close().catch(() => {});
    throw err;
  }
  ready = true;
  let metricsServer: MetricsServer | undefined;

  let ended = false;
  async function end(graceful: boolean): Promise<void> {
    if (ended) return;
    ended = true;
    shutdown.abort(new DaemonStoppingError());
    await metricsServer?.close();
    agent.stop();
    if (graceful) {
      listener.close();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          listener.destroy();
          server.forceShutdown();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          listener.destroy(); // connections still in their TLS handshake never became sessions
          resolve();
        });
      });
      await membership.stop();
    } else {
      listener.destroy();
      server.forceShutdown();
      membership.abandon();
    }
    view.close();
    await runtime.close();
    if (ownsStore) await store.close().catch(() => {});
    nodeLog(graceful ? 'stopped' : 'crashed');
  }
  if (metrics && options.metricsListen) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { serveMetrics } = require('./metrics/metrics-server') as typeof import('./metrics/metrics-server');
      metricsServer = await serveMetrics(options.metricsListen, metrics.registry, options.tls);
    } catch (err) {
      await end(true);
      throw new Error(`cannot serve metrics on ${options.metricsListen}: ${(err as Error).message}`);
    }
  }
  nodeLog(`serving on ${address} (store: ${store.description}, runtime: ${runtime.kind})${metricsServer ? `, metrics on ${metricsServer.url}` : ''}`);
  return {
    id: options.id,
    address,
    ...(metricsServer ? { metricsAddress: metricsServer.address } : {}),
    store,
    view,
    runtime,
    operations,
    stop: () => end(true),
    crash: () => end(false),
  };
}

/** Retries the first contact with the store (it may still be starting), then gives up with a clear message. */
async function waitForStore(first: () => Promise<void>, store: ClusterStore, waitMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await first();
    } catch (err) {
      const reason = (err as Error).message.split('\n')[0].replace(/^\d+ [A-Z_]+: /, '');
      if (Date.now() >= deadline) throw new Error(`cannot reach the cluster store (${store.description}): ${reason}`);
      if (attempt === 0) log(`waiting for the cluster store (${store.description}): ${reason}`);
      // No jitter: a few local daemons of a dev cluster, whose start-up stays deterministic.
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { initialMs: 100, maxMs: 1000, jitter: 0 })));
    }
  }
}

function isRuntime(value: unknown): value is VmRuntime {
  return !!value && typeof (value as VmRuntime).precopy === 'function';
}
