// blixard-node: the command-line entry of the node daemon (bundled to dist/companion/blixard-node.js).

import { PARENT_AT_START } from './parent-at-start';
import { readFileSync } from 'node:fs';
import { HELP_TEXT, parseCommandLine, UsageError, type CommonOptions } from './cli-options';
import { startNode, type RunningNode } from './node-daemon';
import { startDevCluster } from './dev-cluster';
import { qemuRuntimes } from './runtime/qemu/qemu-runtimes';
import { CONSOLE_USAGE, parseConsoleArgs, runConsole } from './rpc/console-client';
import type { TlsFiles } from './rpc/grpc-server';
import { isLoopbackHost, splitHostPort } from './rpc/connection-listener';

const VERSION = '0.1.0';

function readTls(tls: CommonOptions['tls']): TlsFiles | undefined {
  if (!tls) return undefined;
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read(tls.certFile, '--tls-cert'), key: read(tls.keyFile, '--tls-key'), ca: tls.caFile ? read(tls.caFile, '--tls-ca') : undefined };
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'console') {
    // A client of the daemons, not a daemon: its own flags (rpc/console-client.ts).
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(CONSOLE_USAGE);
      return 0;
    }
    try {
      return await runConsole(parseConsoleArgs(argv.slice(1)));
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`blixard-node: ${err.message}\n${CONSOLE_USAGE}`);
      return 2;
    }
  }
  let cmd;
  try {
    cmd = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`blixard-node: ${err.message} (see --help)\n`);
      return 2;
    }
    throw err;
  }
  if (cmd.command === 'help') {
    process.stdout.write(HELP_TEXT);
    return 0;
  }
  if (cmd.command === 'version') {
    process.stdout.write(`blixard-node ${VERSION}\n`);
    return 0;
  }
  let tls: TlsFiles | undefined;
  try {
    tls = readTls(cmd.tls);
  } catch (err) {
    process.stderr.write(`blixard-node: ${(err as Error).message}\n`);
    return 2;
  }
  const log = cmd.quiet ? () => {} : (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  // Even with --quiet: plain gRPC has no authentication, so the port itself is the only gate.
  const listenHost = cmd.command === 'dev-cluster' ? cmd.host : splitHostPort(cmd.listen).host;
  if (!tls && !isLoopbackHost(listenHost)) {
    process.stderr.write(
      `blixard-node: WARNING: serving ${listenHost || 'every interface'} without TLS: anyone who can reach the port can create, stop, delete and migrate VMs. ` +
        'Turn on mutual TLS with --tls-cert FILE --tls-key FILE --tls-ca FILE, or listen on 127.0.0.1.\n',
    );
  }

  let stop: () => Promise<void>;
  try {
    if (cmd.command === 'dev-cluster') {
      const cluster = await startDevCluster({
        nodes: cmd.nodes,
        basePort: cmd.basePort,
        vms: cmd.vms,
        host: cmd.host,
        runtime: cmd.runtime,
        createRuntime: qemuRuntimes(cmd, log),
        capacity: cmd.capacity,
        leaseTtlSeconds: cmd.leaseTtlSeconds,
        tls,
        limits: cmd.limits,
        log,
      });
      stop = cluster.stop;
      process.stdout.write(`blixard dev-cluster ready: ${cluster.endpoints.join(',')}\n`);
    } else {
      const node: RunningNode = await startNode({
        id: cmd.id,
        listen: cmd.listen,
        advertise: cmd.advertise,
        ...(cmd.metricsListen ? { metricsListen: cmd.metricsListen } : {}),
        store: cmd.store.kind === 'memory' ? 'memory' : `etcd://${cmd.store.endpoints.join(',')}`,
        runtime: qemuRuntimes(cmd, log)?.(cmd.id) ?? cmd.runtime,
        capacity: cmd.capacity,
        leaseTtlSeconds: cmd.leaseTtlSeconds,
        tls,
        limits: cmd.limits,
        log,
      });
      stop = node.stop;
      process.stdout.write(`blixard-node ${node.id} ready: ${node.address}\n`);
      // A line of its own: "ready: ADDRESS" ends the line scripts read the address from.
      if (node.metricsAddress) process.stdout.write(`blixard-node ${node.id} metrics: ${tls ? 'https' : 'http'}://${node.metricsAddress}/metrics\n`);
    }
  } catch (err) {
    process.stderr.write(`blixard-node: ${(err as Error).message.split('\n')[0]}\n`);
    return 1;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: stopping`);
      const hard = setTimeout(() => resolve(1), 10_000);
      hard.unref();
      stop().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (cmd.exitWithParent) {
      // A parent killed without cleaning up (an extension host killed -9) never sends a signal;
      // Linux re-parents the orphan, so a changed ppid is the sign to stop. Checked at once too:
      // the parent may have died while the cluster was starting.
      const parent = typeof cmd.exitWithParent === 'number' ? cmd.exitWithParent : PARENT_AT_START;
      const orphaned = () => process.ppid !== parent;
      const check = setInterval(() => {
        if (orphaned()) onSignal('SIGTERM');
      }, 1000);
      check.unref();
      if (orphaned()) onSignal('SIGTERM');
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`blixard-node: ${err.message.split('\n')[0]}\n`);
    process.exit(1);
  },
);
