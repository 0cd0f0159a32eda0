// A Blixard dev cluster run from the installed extension's own companion daemon, as an operator
// runs one beside the editor: a slow migration link so migrations last long enough to watch, and
// fixed ports so a cluster killed mid-migration can come back where the extension looks for it.

import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { eventually } from './installed-workbench';

export interface CompanionClusterOptions {
  bandwidthMbps: number;
  nodes?: number;
  vms?: number;
  /** The first node's port; 0 lets each node take a free one (then a restart gets new ports). */
  basePort?: number;
}

export class CompanionCluster {
  private constructor(
    private readonly script: string,
    private readonly args: string[],
    readonly endpoints: string[],
    private child: ChildProcess,
    private output: () => string,
  ) {}

  static async start(extensionDir: string, options: CompanionClusterOptions): Promise<CompanionCluster> {
    const script = path.join(extensionDir, 'dist', 'companion', 'blixard-node.js');
    const args = [
      'dev-cluster',
      '--nodes', String(options.nodes ?? 3),
      '--base-port', String(options.basePort ?? 0),
      '--vms', String(options.vms ?? 4),
      '--bandwidth-mbps', String(options.bandwidthMbps),
      '--dirty-rate-mbps', '10',
      '--boot-ms', '100',
      '--quiet',
    ];
    const { child, endpoints, output } = await launch(script, args);
    return new CompanionCluster(script, args, endpoints, child, output);
  }

  /** Kills every node at once, as a power cut would: no goodbye to the extension. */
  async kill(): Promise<void> {
    await stopChild(this.child, 'SIGKILL');
  }

  /** Starts the cluster again on the same ports (a fresh store: what ran before is gone). */
  async restart(): Promise<void> {
    await stopChild(this.child, 'SIGKILL');
    const again = await launch(this.script, this.args);
    this.child = again.child;
    this.output = again.output;
  }

  async stop(): Promise<void> {
    await stopChild(this.child, 'SIGTERM');
  }

  /** What the daemons printed since they were last started. */
  get log(): string {
    return this.output();
  }
}

/** A base port with `count` free loopback ports after it, so a restart can take them again. */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free loopback ports found`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function launch(script: string, args: string[]): Promise<{ child: ChildProcess; endpoints: string[]; output: () => string }> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const match = await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`the companion cluster exited ${child.exitCode}: ${output}`);
      return /blixard dev-cluster ready: (\S+)/.exec(output) ?? undefined;
    },
    () => `the companion cluster to be ready (${output})`,
    60_000,
  );
  return { child, endpoints: match[1].split(','), output: () => output };
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
