// A whole cluster in one process for development and tests: N node daemons on one shared
// embedded store, seeded with VMs (about half running, half stopped) across the nodes.

import type { SimulatedRuntimeOptions } from './runtime/simulated-runtime';
import type { VmRuntime } from './runtime/vm-runtime';
import { MemoryStore } from './store/memory-store';
import type { NodeCapacity } from './state/cluster-records';
import { startNode, type RunningNode } from './node-daemon';
import type { TlsFiles } from './rpc/grpc-server';
import type { StreamLimits } from './rpc/stream-buffer-budget';

export interface DevClusterOptions {
  /** Number of node daemons (default 3). */
  nodes?: number;
  /** Node i listens on basePort + i - 1; 0 picks free ports (default 7001). */
  basePort?: number;
  /** VMs to create, named vm-1…vm-N (default 6). */
  vms?: number;
  /** Metadata of seeded VMs by name (the planner's hints: blixard.io/pinned, …), as CreateVm's metadata. */
  vmMetadata?: Readonly<Record<string, Record<string, string>>>;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  runtime?: SimulatedRuntimeOptions;
  /** Each node's runtime (e.g. a QemuRuntime per node); without it, simulated runtimes with `runtime`. */
  createRuntime?: (nodeId: number) => VmRuntime;
  capacity?: Partial<NodeCapacity>;
  leaseTtlSeconds?: number;
  tls?: TlsFiles;
  limits?: Partial<StreamLimits>;
  log?: (line: string) => void;
}

export interface DevCluster {
  /** HOST:PORT of every node, in node id order. */
  readonly endpoints: string[];
  readonly nodes: RunningNode[];
  readonly store: MemoryStore;
  stop(): Promise<void>;
}

/** Real guests (a non-simulated runtime) are seeded small: the test guest needs 80+ MiB, 96 leaves room. */
const REAL_GUEST_SEED = { vcpus: 1, memoryMb: 96 };
/** How long seeded real guests may take to boot before the cluster is announced anyway. */
const REAL_GUEST_BOOT_WAIT_MS = 120_000;

/** Sizes the seeded VMs cycle through. */
const SEED_SIZES = [
  { vcpus: 1, memoryMb: 512 },
  { vcpus: 2, memoryMb: 1024 },
  { vcpus: 2, memoryMb: 2048 },
  { vcpus: 4, memoryMb: 4096 },
];

export async function startDevCluster(options: DevClusterOptions = {}): Promise<DevCluster> {
  const count = options.nodes ?? 3;
  const basePort = options.basePort ?? 7001;
  const vmCount = options.vms ?? 6;
  const host = options.host ?? '127.0.0.1';
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new Error('--nodes must be between 1 and 64');
  if (!Number.isInteger(basePort) || basePort < 0 || basePort + count - 1 > 65535) throw new Error('--base-port must be 0 or a port that leaves room for every node');
  if (!Number.isInteger(vmCount) || vmCount < 0 || vmCount > 100_000) throw new Error('--vms must be between 0 and 100000');

  const store = new MemoryStore();
  const nodes: RunningNode[] = [];
  const stopAll = async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    await store.close();
  };
  try {
    for (let i = 1; i <= count; i++) {
      nodes.push(
        await startNode({
          id: i,
          listen: `${host}:${basePort === 0 ? 0 : basePort + i - 1}`,
          store,
          runtime: options.createRuntime?.(i) ?? options.runtime,
          capacity: options.capacity,
          leaseTtlSeconds: options.leaseTtlSeconds,
          tls: options.tls,
          limits: options.limits,
          log: options.log,
        }),
      );
    }
    // Seed through the daemons' own operations: odd VMs running, even ones stopped, spread round-robin.
    // Real guests are seeded STARTING, so their nodes boot them, and the cluster waits for the boots.
    const real = nodes[0].runtime.kind !== 'simulated';
    for (let i = 1; i <= vmCount; i++) {
      const size = real ? REAL_GUEST_SEED : SEED_SIZES[(i - 1) % SEED_SIZES.length];
      await nodes[0].operations.createVm({
        name: `vm-${i}`,
        ...size,
        configPath: '',
        nodeId: ((i - 1) % count) + 1,
        initialState: i % 2 === 1 ? (real ? 'STARTING' : 'RUNNING') : 'STOPPED',
        metadata: options.vmMetadata?.[`vm-${i}`],
      });
    }
    if (real) {
      const view = nodes[0].view;
      await view.waitUntil(() => ![...view.vms.values()].some((e) => e.value.state === 'STARTING'), { timeoutMs: REAL_GUEST_BOOT_WAIT_MS }).catch(() => undefined);
    }
    // Each node adopts its running VMs before the cluster is announced.
    const last = nodes[0].view.revision;
    await Promise.all(nodes.map((n) => n.view.waitForRevision(last)));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { endpoints: nodes.map((n) => n.address), nodes, store, stop: stopAll };
}
