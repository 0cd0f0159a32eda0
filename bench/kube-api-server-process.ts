// The local KubeVirt-compatible API server in a process of its own, for figures about a client:
// a real kube-apiserver does not share the client's event loop, and one in the same process puts
// the server's work for every other migration of the same tick (writing VMIs and VMIMs to every
// watch, TLS) between a commit and the client reading it. Commit times are taken in the server
// process on the machine's monotonic clock (process.hrtime), which every process shares, and
// sent to the parent; the parent asks for migrations over the same IPC channel.
//
// Parent side: startKubeApiServerProcess(); the child side is this file run with --serve.

import { fork, type ChildProcess } from 'node:child_process';

/** The machine's monotonic clock in ms: comparable between processes, unlike performance.now(). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface ServerProcessOptions {
  nodes: number;
  vmisPerNode: number;
  perPhaseMs: number;
  bookmarkIntervalMs: number;
  kubeconfig: string;
}

/** A VMIM entered a phase, at `at` (monotonicMs) in the server process. */
export interface PhaseCommit {
  name: string;
  phase: string;
  at: number;
}

export interface KubeApiServerProcess {
  readonly migratableVmis: string[];
  onCommit(listener: (commit: PhaseCommit) => void): void;
  /** Creates a migration of each VMI; resolves with the migrations' names. */
  createMigrations(vmis: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

type FromChild = { type: 'ready'; migratableVmis: string[] } | { type: 'commit'; commit: PhaseCommit } | { type: 'created'; names: string[] } | { type: 'failed'; message: string };

export function startKubeApiServerProcess(options: ServerProcessOptions): Promise<KubeApiServerProcess> {
  const child: ChildProcess = fork(__filename, ['--serve', JSON.stringify(options)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const commitListeners: Array<(c: PhaseCommit) => void> = [];
  let created: ((names: string[]) => void) | undefined;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API server process exited with code ${code}`)));
    child.on('message', (m: FromChild) => {
      if (m.type === 'failed') reject(new Error(m.message));
      else if (m.type === 'commit') for (const l of commitListeners) l(m.commit);
      else if (m.type === 'created') created?.(m.names);
      else if (m.type === 'ready') {
        resolve({
          migratableVmis: m.migratableVmis,
          onCommit: (listener) => commitListeners.push(listener),
          createMigrations: (vmis) =>
            new Promise((done) => {
              created = done;
              child.send({ type: 'create', vmis });
            }),
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.removeAllListeners('exit');
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}

async function serve(options: ServerProcessOptions): Promise<void> {
  const { seedCluster, startKubeApiServer } = await import('../test/support/kube-api-server');
  const server = await startKubeApiServer({ bookmarkIntervalMs: options.bookmarkIntervalMs, timing: { perPhaseMs: options.perPhaseMs } });
  seedCluster(server, { nodes: options.nodes, vmisPerNode: options.vmisPerNode });
  await server.writeKubeconfig(options.kubeconfig);
  const send = (m: FromChild) => process.send!(m);
  // Stamped in the store's change event, in the same turn as the commit (the watch lines leave at its end).
  server.onChange((e) => {
    const o = e.stored.object;
    const phase = o.status?.phase;
    if (o.kind === 'VirtualMachineInstanceMigration' && phase && phase !== e.previous?.object.status?.phase) send({ type: 'commit', commit: { name: o.metadata.name!, phase, at: monotonicMs() } });
  });
  const migratableVmis = server.objects
    .list('virtualmachineinstances')
    .filter((v) => v.metadata.ownerReferences?.length && v.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'LiveMigratable' && c.status === 'True'))
    .map((v) => v.metadata.name!);
  process.on('message', (m: { type: 'create'; vmis: string[] }) => {
    if (m.type === 'create') send({ type: 'created', names: m.vmis.map((vmiName) => server.createMigration({ vmiName, namespace: 'default' }).metadata.name!) });
  });
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  send({ type: 'ready', migratableVmis });
}

if (process.argv[2] === '--serve') {
  serve(JSON.parse(process.argv[3]) as ServerProcessOptions).catch((err: unknown) => {
    process.send?.({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  });
}
