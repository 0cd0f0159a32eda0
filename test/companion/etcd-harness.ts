// Starts a real single-member etcd for a test, on free loopback ports with its own data dir,
// and can stop and restart it on the same ports and data. A missing etcd fails loudly.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { killOnExit } from './cli-process';

export const ETCD_MISSING = 'etcd is not installed: run `apt-get install etcd-server` (the daemon fault tests need a real etcd)';

export function etcdBinary(): string {
  for (const candidate of [process.env.ETCD_BIN, '/usr/bin/etcd', '/usr/local/bin/etcd']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const which = spawnSync('which', ['etcd'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(ETCD_MISSING);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export class EtcdHarness {
  private child?: ChildProcess;
  private output = '';
  readonly dataDir: string;

  private constructor(
    readonly clientPort: number,
    readonly peerPort: number,
  ) {
    // tmpfs keeps etcd's fsyncs cheap on a shared CI machine.
    const base = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
    this.dataDir = mkdtempSync(path.join(base, 'blixard-etcd-'));
    const dataDir = this.dataDir;
    process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  }

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  static async start(): Promise<EtcdHarness> {
    etcdBinary();
    const harness = new EtcdHarness(await freePort(), await freePort());
    await harness.startProcess();
    return harness;
  }

  async startProcess(): Promise<void> {
    const client = `http://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    this.output = '';
    const child = spawn(
      etcdBinary(),
      [
        '--name', 'blixard-test',
        '--data-dir', this.dataDir,
        '--listen-client-urls', client,
        '--advertise-client-urls', client,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `blixard-test=${peer}`,
        '--logger', 'zap',
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    killOnExit(child);
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}): ${this.output.slice(-500)}`);
      if (await this.healthy()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd did not become healthy: ${this.output.slice(-500)}`);
  }

  private healthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: this.clientPort, path: '/health', timeout: 1000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes('true')));
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => {
        req.destroy();
        resolve(false);
      });
    });
  }

  /** Stops etcd (SIGKILL by default) and waits for the process to be gone. */
  async stopProcess(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
