// A real Prometheus (Debian's `prometheus` package, 2.42) for a test or the bench: its own
// loopback port, a temp storage dir, and a generated scrape config for the given targets at a
// short interval. A missing binary fails with the install line. `startBearerProxy` stands in for
// what guards Prometheus with bearer tokens in real clusters (kube-rbac-proxy, OpenShift's
// thanos-querier front): Prometheus itself checks only basic auth (--web.config.file).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { request as httpRequest, type Server } from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tlsMaterial } from './kube-api-server/tls-material';
import { freePort } from '../companion/etcd-harness';
import { killOnExit } from '../companion/cli-process';

export const PROMETHEUS_MISSING = 'prometheus is not installed: run `apt-get install -y prometheus` (or `bash scripts/ensure-system-deps.sh prometheus` as root); the Prometheus tests need a real one';

export function prometheusBinary(): string {
  for (const candidate of [process.env.PROMETHEUS_BIN, '/usr/bin/prometheus', '/usr/local/bin/prometheus']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  const which = spawnSync('which', ['prometheus'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error(PROMETHEUS_MISSING);
}

export interface PrometheusOptions {
  /** Scrape targets: full URLs of /metrics endpoints (http). */
  targets: string[];
  /** Default 1 s. */
  scrapeIntervalMs?: number;
}

export class PrometheusServer {
  private output = '';
  private constructor(private readonly child: ChildProcess, readonly url: string, private readonly dir: string) {
    child.stdout?.on('data', (d) => (this.output = (this.output + d).slice(-4000)));
    child.stderr?.on('data', (d) => (this.output = (this.output + d).slice(-4000)));
  }

  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const binary = prometheusBinary();
    const dir = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'blixard-prometheus-'));
    const interval = `${Math.max(1, Math.round((options.scrapeIntervalMs ?? 1000) / 1000))}s`;
    const jobs = options.targets.map((target, i) => {
      const u = new URL(target);
      return [`  - job_name: target-${i}`, `    scrape_interval: ${interval}`, `    scrape_timeout: ${interval}`, `    metrics_path: ${u.pathname}`, `    static_configs:`, `      - targets: ['${u.host}']`].join('\n');
    });
    writeFileSync(path.join(dir, 'prometheus.yml'), [`global:`, `  scrape_interval: ${interval}`, `  evaluation_interval: ${interval}`, `scrape_configs:`, ...jobs, ''].join('\n'));
    const port = await freePort();
    const child = spawn(binary, [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    killOnExit(child);
    const server = new PrometheusServer(child, `http://127.0.0.1:${port}`, dir);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${server.output.slice(-800)}`);
      // Ready is not scraping: Prometheus hands new targets to its scrapers ~5 s after start.
      if ((await server.ready()) && (await server.scraped(options.targets.length))) return server;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`prometheus did not become ready: ${server.output.slice(-800)}`);
  }

  /** The prometheus process (for a bench reading its CPU time). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private async ready(): Promise<boolean> {
    try {
      return (await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
      return false;
    }
  }

  /** Whether every target has been scraped once (`up` is 1 for each job). */
  private async scraped(count: number): Promise<boolean> {
    try {
      return (await this.query('up == 1')).length >= count;
    } catch {
      return false;
    }
  }

  /** An instant query's result, as Prometheus' API gives it. */
  async query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    return body.data.result;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An https front (CA: `caPem`) that forwards to `target` only requests with `Authorization: Bearer <token>`; 401 otherwise. */
export async function startBearerProxy(target: string, token: string): Promise<{ url: string; caPem: string; refused: number; stop(): Promise<void> }> {
  const tls = await tlsMaterial();
  const upstream = new URL(target);
  const state = { refused: 0 };
  const server: Server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      state.refused++;
      res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
      return;
    }
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: tls.caPem,
    get refused() { return state.refused; },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
