// Parses blixard-node's command line. Every flag is documented in HELP_TEXT; anything else is
// a UsageError (one line on stderr, exit code 2).

import { parseStoreSpec, type StoreSpec } from './store/open-store';
import type { SimulatedRuntimeOptions } from './runtime/simulated-runtime';
import type { NodeCapacity } from './state/cluster-records';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './rpc/stream-buffer-budget';

const MiB = 1024 * 1024;

export const HELP_TEXT = `blixard-node — a Blixard node daemon (gRPC: blixard.ClusterService, blixard.MigrationService,
blixard.ConsoleService)

Usage:
  blixard-node --id N --listen HOST:PORT --store memory|etcd://HOST:PORT[,HOST:PORT…] [options]
  blixard-node dev-cluster [--nodes 3] [--base-port 7001] [--vms 6] [options]
  blixard-node console VM --endpoint HOST:PORT [--tail-bytes N] [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]
                             a VM's serial console: its tail, then live output; stdin goes to the guest;
                             follows the VM across migrations; Ctrl-] detaches
  blixard-node --help | --version

Node daemon:
  --id N                     node id, 1 or more, unique in the cluster (required)
  --listen HOST:PORT         where to serve gRPC (required; port 0 picks a free port)
  --store SPEC               cluster store: "memory" (embedded, this process only; the default)
                             or "etcd://HOST:PORT[,HOST:PORT…]" (shared by every daemon of the cluster)
  --advertise HOST:PORT      address other parties should use, if not the --listen address
  --metrics-listen [HOST:]PORT  serve Prometheus text on GET /metrics (HOST defaults to 127.0.0.1; over
                             TLS with --tls-cert/--tls-key, asking for a client certificate with --tls-ca)
  --runtime simulated|qemu   VM runtime: "simulated" (timers, the default) or "qemu" (every VM a real
                             QEMU guest; see companion/blixard-node/runtime/qemu/README.md)
  --capacity LIST            what this node offers, e.g. vcpus=16,memory=32768,disk=500 (memory in MB,
                             disk in GB; these are the defaults)
  --lease-ttl SECONDS        membership lease: a dead daemon leaves the cluster this long after it dies
                             (default 3, at least 2)

dev-cluster (several daemons in one process on an embedded store, VMs vm-1… created across them,
odd ones running and even ones stopped; prints one line
"blixard dev-cluster ready: HOST:PORT,HOST:PORT,…" once serving; SIGINT/SIGTERM stop it):
  --nodes N                  number of nodes (default 3)
  --base-port PORT           node i listens on PORT+i-1 (default 7001); 0 picks free ports
  --vms N                    VMs to create (default 6)
  --host HOST                interface to listen on (default 127.0.0.1)
  --capacity, --lease-ttl, --runtime and the runtime and TLS options below apply to every node

Simulated runtime timing (any mode):
  --boot-ms N                time a VM takes to boot (default 1000)
  --stop-ms N                time a VM takes to shut down (default 500)
  --bandwidth-mbps N         live-migration link bandwidth in megabits/s (default 10000; 0 = unlimited,
                             transfers are instant)
  --dirty-rate-mbps N        rate at which a running guest dirties memory, megabits/s (default 800);
                             at or above the bandwidth a live migration cannot converge and FAILS
  --max-downtime-ms N        longest acceptable switchover pause (default 300)
  (with --runtime qemu, --bandwidth-mbps and --max-downtime-ms set QEMU's max-bandwidth and
  downtime-limit; the guest's real dirty rate replaces --dirty-rate-mbps)

QEMU runtime (--runtime qemu):
  --state-dir DIR            where each VM's QEMU files live (pid file, QMP socket, console log); a
                             restarted daemon adopts the QEMUs it finds there (default
                             ~/.cache/blixard-migrations/node-state/node-ID; dev-cluster: DIR/node-ID)
  --auto-converge            turn on QEMU's auto-converge (throttles a guest that dirties memory faster
                             than it can be sent)
  --stall-timeout-ms N       a live migration whose remaining memory stops shrinking this long is
                             cancelled and FAILS with QEMU's figures (default 10000)

TLS (any mode):
  --tls-cert FILE            PEM certificate chain to serve TLS with (needs --tls-key)
  --tls-key FILE             PEM private key
  --tls-ca FILE              PEM CA bundle: clients must present a certificate it signed (mutual TLS)
                             Without TLS anyone who can reach the port can move VMs: listen on
                             127.0.0.1 or use all three flags.

Limits on what clients can make the daemon hold (any mode):
  --max-connections N        client connections open at once; more are dropped (default ${DEFAULT_STREAM_LIMITS.maxConnections})
  --max-streams-per-connection N
                             WatchMigrations streams one connection may hold; more are refused with
                             RESOURCE_EXHAUSTED (default ${DEFAULT_STREAM_LIMITS.maxStreamsPerConnection})
  --stream-buffer-mb N       MiB queued for slow watchers, all together; past it the watchers furthest
                             behind are cut off with RESOURCE_EXHAUSTED (default ${DEFAULT_STREAM_LIMITS.maxBufferedBytes / MiB}; one watcher
                             may queue at most ${DEFAULT_STREAM_LIMITS.maxStreamBacklogBytes / MiB} MiB, or a quarter of this if less)

Other:
  --quiet                    no log lines on stderr (startup errors are still reported)
  --exit-with-parent[=PID]   stop when the process that started this one exits, even by kill -9;
                             give its PID when it could die before this one has started
                             (the extension starts its local dev cluster this way)
  -h, --help                 show this help
  --version                  show the version
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommonOptions {
  runtime: SimulatedRuntimeOptions;
  runtimeKind: 'simulated' | 'qemu';
  qemu: { stateDir?: string; autoConverge: boolean; stallTimeoutMs?: number };
  capacity?: Partial<NodeCapacity>;
  leaseTtlSeconds?: number;
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** Only the limits given on the command line; the rest keep their defaults. */
  limits: Partial<StreamLimits>;
  quiet: boolean;
  /** true: the parent found at startup; a number: the pid the parent is known to have. */
  exitWithParent: boolean | number;
}

export type CliCommand =
  | { command: 'help' }
  | { command: 'version' }
  | ({ command: 'node'; id: number; listen: string; advertise?: string; metricsListen?: string; store: StoreSpec } & CommonOptions)
  | ({ command: 'dev-cluster'; nodes: number; basePort: number; vms: number; host: string } & CommonOptions);

const VALUE_FLAGS = new Set([
  '--id', '--listen', '--store', '--advertise', '--metrics-listen', '--runtime', '--capacity', '--lease-ttl',
  '--nodes', '--base-port', '--vms', '--host',
  '--boot-ms', '--stop-ms', '--bandwidth-mbps', '--dirty-rate-mbps', '--max-downtime-ms',
  '--tls-cert', '--tls-key', '--tls-ca',
  '--max-connections', '--max-streams-per-connection', '--stream-buffer-mb',
  '--state-dir', '--stall-timeout-ms',
]);
const NODE_ONLY = new Set(['--id', '--listen', '--store', '--advertise', '--metrics-listen']);
const DEV_ONLY = new Set(['--nodes', '--base-port', '--vms', '--host']);

export function parseCommandLine(argv: string[]): CliCommand {
  if (argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  if (argv.includes('--version')) return { command: 'version' };
  const devCluster = argv[0] === 'dev-cluster';
  const args = devCluster ? argv.slice(1) : argv;
  const values = new Map<string, string>();
  let quiet = false;
  let autoConverge = false;
  let exitWithParent: boolean | number = false;
  for (let i = 0; i < args.length; i++) {
    let arg = args[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--quiet' && inline === undefined) {
      quiet = true;
      continue;
    }
    if (arg === '--auto-converge' && inline === undefined) {
      autoConverge = true;
      continue;
    }
    if (arg === '--exit-with-parent') {
      if (inline !== undefined && !/^[1-9]\d{0,9}$/.test(inline)) throw new UsageError(`--exit-with-parent=PID needs the parent's process id, not "${clip(inline)}"`);
      exitWithParent = inline === undefined ? true : Number(inline);
      continue;
    }
    if (!VALUE_FLAGS.has(arg)) {
      if (!arg.startsWith('-')) throw new UsageError(`unexpected argument "${clip(arg)}"`);
      throw new UsageError(`unknown flag ${clip(arg)}`);
    }
    if (devCluster && NODE_ONLY.has(arg)) throw new UsageError(`${arg} does not apply to dev-cluster`);
    if (!devCluster && DEV_ONLY.has(arg)) throw new UsageError(`${arg} only applies to dev-cluster`);
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${arg} needs a value`);
    if (values.has(arg)) throw new UsageError(`${arg} given twice`);
    values.set(arg, value);
  }

  const runtimeKind = values.get('--runtime') ?? 'simulated';
  if (runtimeKind !== 'simulated' && runtimeKind !== 'qemu') throw new UsageError(`--runtime must be "simulated" or "qemu", not "${clip(runtimeKind)}"`);
  const qemuOnly = ['--state-dir', '--stall-timeout-ms', ...(autoConverge ? ['--auto-converge'] : [])].filter((f) => f === '--auto-converge' || values.has(f));
  if (runtimeKind !== 'qemu' && qemuOnly.length) throw new UsageError(`${qemuOnly[0]} needs --runtime qemu`);
  const common: CommonOptions = {
    runtime: {
      bootMs: optionalInt(values, '--boot-ms', 0, 3_600_000),
      stopMs: optionalInt(values, '--stop-ms', 0, 3_600_000),
      bandwidthMbps: optionalInt(values, '--bandwidth-mbps', 0, 10_000_000),
      dirtyRateMbps: optionalInt(values, '--dirty-rate-mbps', 0, 10_000_000),
      maxDowntimeMs: optionalInt(values, '--max-downtime-ms', 1, 600_000),
    },
    runtimeKind,
    qemu: { stateDir: values.get('--state-dir'), autoConverge, stallTimeoutMs: optionalInt(values, '--stall-timeout-ms', 100, 3_600_000) },
    capacity: values.has('--capacity') ? parseCapacity(values.get('--capacity')!) : undefined,
    leaseTtlSeconds: optionalInt(values, '--lease-ttl', 2, 3600),
    tls: parseTls(values),
    limits: parseLimits(values),
    quiet,
    exitWithParent,
  };

  if (devCluster) {
    return {
      command: 'dev-cluster',
      nodes: optionalInt(values, '--nodes', 1, 64) ?? 3,
      basePort: optionalInt(values, '--base-port', 0, 65535) ?? 7001,
      vms: optionalInt(values, '--vms', 0, 100_000) ?? 6,
      host: values.get('--host') ?? '127.0.0.1',
      ...common,
    };
  }
  if (argv.length === 0) throw new UsageError('missing --id and --listen (see --help)');
  const id = optionalInt(values, '--id', 1, Number.MAX_SAFE_INTEGER);
  if (id === undefined) throw new UsageError('--id is required');
  const listen = values.get('--listen');
  if (!listen) throw new UsageError('--listen is required');
  requireHostPort(listen, '--listen');
  const advertise = values.get('--advertise');
  if (advertise) requireHostPort(advertise, '--advertise');
  let store: StoreSpec;
  try {
    store = parseStoreSpec(values.get('--store') ?? 'memory');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const metricsListen = metricsAddress(values.get('--metrics-listen'));
  return { command: 'node', id, listen, advertise, ...(metricsListen ? { metricsListen } : {}), store, ...common };
}

/** "9100" and ":9100" listen on loopback (metrics can say which VMs run where); "HOST:PORT" as given. */
function metricsAddress(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const address = /^\d{1,5}$/.test(value) ? `127.0.0.1:${value}` : value.startsWith(':') ? `127.0.0.1${value}` : value;
  requireHostPort(address, '--metrics-listen');
  return address;
}

function optionalInt(values: Map<string, string>, flag: string, min: number, max: number): number | undefined {
  const raw = values.get(flag);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} must be a whole number, not "${clip(raw)}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}`);
  return n;
}

function requireHostPort(value: string, flag: string): void {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`${flag} must be HOST:PORT, not "${clip(value)}"`);
}

export function parseCapacity(value: string): Partial<NodeCapacity> {
  const capacity: Partial<NodeCapacity> = {};
  const names: Record<string, keyof NodeCapacity> = { vcpus: 'vcpus', memory: 'memoryMb', disk: 'diskGb' };
  for (const part of value.split(',')) {
    const [k, v, extra] = part.split('=');
    const field = names[k?.trim() ?? ''];
    if (!field || v === undefined || extra !== undefined) throw new UsageError(`--capacity takes vcpus=N,memory=MB,disk=GB, not "${clip(value)}"`);
    if (!/^\d+$/.test(v.trim()) || Number(v) <= 0 || Number(v) > 1e9) throw new UsageError(`--capacity ${k} must be a positive whole number`);
    capacity[field] = Number(v);
  }
  return capacity;
}

function parseLimits(values: Map<string, string>): Partial<StreamLimits> {
  const limits: Partial<StreamLimits> = {};
  const connections = optionalInt(values, '--max-connections', 1, 1_000_000);
  if (connections !== undefined) limits.maxConnections = connections;
  const streams = optionalInt(values, '--max-streams-per-connection', 1, 100_000);
  if (streams !== undefined) limits.maxStreamsPerConnection = streams;
  const bufferMb = optionalInt(values, '--stream-buffer-mb', 1, 1_000_000);
  if (bufferMb !== undefined) limits.maxBufferedBytes = bufferMb * MiB;
  return limits;
}

function parseTls(values: Map<string, string>): CommonOptions['tls'] {
  const certFile = values.get('--tls-cert');
  const keyFile = values.get('--tls-key');
  const caFile = values.get('--tls-ca');
  if (!certFile && !keyFile && !caFile) return undefined;
  if (!certFile || !keyFile) throw new UsageError('--tls-cert and --tls-key go together');
  return { certFile, keyFile, caFile };
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
