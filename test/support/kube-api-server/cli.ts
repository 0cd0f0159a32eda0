// Dev launcher: a seeded local KubeVirt cluster next to the Blixard dev cluster.
//   node --import tsx test/support/kube-api-server/cli.ts --port 0 --kubeconfig OUT [--nodes 3 --vmis 6]
//        [--phase-ms 1500] [--http] [--context NAME] [--metrics-port PORT]
// With --metrics-port, virt-handler's migration metrics are served too (a second line says where),
// for a real Prometheus to scrape and blixard.kubevirt.prometheus to point at.
// Prints one line, "kubevirt api server ready: <url> kubeconfig: <path>", then serves until
// SIGINT/SIGTERM. Migrations move at a human pace by default (1.5 s per phase).
import { resolve } from 'node:path';
import { startKubeApiServer } from './kube-api-server';
import { seedCluster } from './seed';

interface CliArgs { port: number; kubeconfig: string; nodes: number; vmis: number; phaseMs: number; tls: boolean; context: string; metricsPort?: number }

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: cli.ts --kubeconfig OUT [--port 0] [--nodes 3] [--vmis 6] [--phase-ms 1500] [--http] [--context kubevirt-dev] [--metrics-port PORT]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { port: 0, kubeconfig: '', nodes: 3, vmis: 6, phaseMs: 1500, tls: true, context: 'kubevirt-dev' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => { const v = argv[++i]; if (v === undefined) usage(`${flag} needs a value`); return v; };
    const integer = () => { const v = Number(value()); if (!Number.isInteger(v) || v < 0) usage(`${flag} needs a whole number`); return v; };
    switch (flag) {
      case '--port': args.port = integer(); break;
      case '--kubeconfig': args.kubeconfig = value(); break;
      case '--nodes': args.nodes = integer(); break;
      case '--vmis': args.vmis = integer(); break;
      case '--phase-ms': args.phaseMs = integer(); break;
      case '--context': args.context = value(); break;
      case '--metrics-port': args.metricsPort = integer(); break;
      case '--http': args.tls = false; break;
      case '--help': case '-h': usage('Starts a local KubeVirt-compatible API server.'); break;
      default: usage(`unknown option ${flag}`);
    }
  }
  if (!args.kubeconfig) usage('--kubeconfig is required');
  if (args.nodes < 1) usage('--nodes must be at least 1');
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const server = await startKubeApiServer({
    port: args.port,
    tls: args.tls,
    timing: { perPhaseMs: args.phaseMs, phaseMs: { Running: args.phaseMs * 3 }, vmiPhaseMs: Math.max(10, Math.floor(args.phaseMs / 2)), finalizeMs: 50, abortMs: args.phaseMs },
    bookmarkIntervalMs: 30_000,
    ...(args.metricsPort !== undefined ? { virtHandlerMetrics: { port: args.metricsPort } } : {}),
  });
  seedCluster(server, { nodes: args.nodes, totalVmis: args.vmis });
  const kubeconfig = resolve(args.kubeconfig);
  // The second context is there to show RBAC (a user who may read but not migrate); its name says
  // so, and the Clusters view notes that it reaches the same cluster (its migrations count once).
  await server.writeKubeconfig(kubeconfig, {
    clusterName: args.context,
    contexts: [{ name: args.context }, { name: viewerContextName(args.context), role: 'viewer' }],
    currentContext: args.context,
  });
  process.stdout.write(`kubevirt api server ready: ${server.url} kubeconfig: ${kubeconfig}\n`);
  if (server.metrics) process.stdout.write(`virt-handler metrics: ${server.metrics.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`kubevirt api server failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/** "kubevirt-dev (read-only viewer)": the RBAC demonstration context of `npm start`. */
function viewerContextName(context: string): string {
  return `${context} (read-only viewer)`;
}
