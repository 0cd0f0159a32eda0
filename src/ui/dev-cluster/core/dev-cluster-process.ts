// Runs the companion's `blixard-node dev-cluster` as a child process and waits for its ready
// line. No `vscode` here, so the start script's logic is tested the same way it runs.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const READY = /^blixard dev-cluster ready: (\S+)\s*$/;

/** The endpoints announced by `blixard dev-cluster ready: 127.0.0.1:P1,127.0.0.1:P2,…`, or undefined. */
export function parseDevClusterReadyLine(line: string): string[] | undefined {
  const match = READY.exec(line.trim());
  if (!match) return undefined;
  const endpoints = match[1].split(',').filter(Boolean);
  return endpoints.length > 0 && endpoints.every((e) => /^[^\s:]+:\d{1,5}$/.test(e)) ? endpoints : undefined;
}

export interface DevClusterOptions {
  /** dist/companion/blixard-node.js */
  script: string;
  nodes?: number;
  vms?: number;
  readyTimeoutMs?: number;
  /** More `dev-cluster` options (e.g. --capacity, --boot-ms). */
  extraArgs?: string[];
  /** Each line the daemon prints, for the output channel. */
  onOutput?(line: string): void;
}

export class DevClusterProcess {
  private exited = false;
  private readonly exitPromise: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly endpoints: string[],
    exitPromise: Promise<number | null>,
  ) {
    this.exitPromise = exitPromise.finally(() => {
      this.exited = true;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Settles with the exit code when the cluster process ends, whoever ended it. */
  get exit(): Promise<number | null> {
    return this.exitPromise;
  }

  static start(options: DevClusterOptions): Promise<DevClusterProcess> {
    if (!existsSync(options.script)) {
      return Promise.reject(new Error(`The companion daemon is missing (${options.script}); run "npm run build".`));
    }
    const args = [options.script, 'dev-cluster', '--nodes', String(options.nodes ?? 3), '--base-port', '0', '--vms', String(options.vms ?? 6), `--exit-with-parent=${process.pid}`, ...(options.extraArgs ?? [])];
    // In desktop VS Code process.execPath is Electron; ELECTRON_RUN_AS_NODE makes it a plain Node.
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    const tail: string[] = [];
    const remember = (line: string) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      options.onOutput?.(line);
    };
    return new Promise<DevClusterProcess>((resolve, reject) => {
      let settled = false;
      const timeoutMs = options.readyTimeoutMs ?? 60_000;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        child.kill('SIGKILL');
        reject(new Error(`The dev cluster did not report ready within ${Math.round(timeoutMs / 1000)} s.${lastLines(tail)}`));
      }, timeoutMs);
      readLines(child.stderr!, remember);
      readLines(child.stdout!, (line) => {
        remember(line);
        const endpoints = parseDevClusterReadyLine(line);
        if (endpoints && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(new DevClusterProcess(child, endpoints, exit));
        }
      });
      child.once('error', (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`Could not start the dev cluster: ${err.message}`));
      });
      void exit.then((code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(`The dev cluster exited (code ${code}) before it was ready.${lastLines(tail)}`));
      });
    });
  }

  /** Asks the cluster to shut down, and insists after a grace period. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }
}

function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let index: number;
    while ((index = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, index).replace(/\r$/, ''));
      buffer = buffer.slice(index + 1);
    }
    if (buffer.length > 64 * 1024) buffer = buffer.slice(-64 * 1024);
  });
  stream.on('end', () => {
    if (buffer) onLine(buffer);
  });
}

function lastLines(lines: string[]): string {
  const tail = lines.slice(-5).join('\n').trim();
  return tail ? `\n${tail}` : '';
}
