// One Prometheus server's HTTP API, as far as the KubeVirt source needs it (virt-handler's migration metrics): an instant query
// (`POST /api/v1/query`, form-encoded so a long selector fits) with a deadline, an optional
// bearer token (registered with the SecretRegistry, never logged) and TLS with the system's CAs
// or a given CA. Failures come back as PrometheusError with a kind the caller words once.
// vscode-free.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { secretRegistry, scrubSecrets } from '../../base/secret-registry';
import { readRegularFile } from '../../model/regular-file';

export interface PrometheusEndpoint {
  /** The server's base URL, e.g. https://prometheus.example:9090 or https://host/prometheus/. */
  url: string;
  /** Sent as `Authorization: Bearer …` (a proxy in front of Prometheus, OpenShift's thanos-querier). */
  token?: string;
  /** PEM of the CA that signed an https server's certificate; absent: the system's CAs. */
  caPem?: string;
}

export type PrometheusFailure = 'unreachable' | 'unauthorized' | 'timeout' | 'bad-response' | 'query-failed';

export class PrometheusError extends Error {
  constructor(readonly failure: PrometheusFailure, message: string) {
    super(scrubSecrets(message));
  }
}

/** One series of an instant vector: its labels (with __name__), its value and the sample's time. */
export interface InstantSample {
  labels: Record<string, string>;
  value: number;
  atMs: number;
}

/** Answers bigger than this are refused: an instant query for a few migrations is a few KiB. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class PrometheusClient {
  private readonly queryUrl: URL;

  constructor(private readonly endpoint: PrometheusEndpoint, private readonly timeoutMs = 5000) {
    let base: URL;
    try {
      base = new URL(endpoint.url);
    } catch {
      throw new PrometheusError('unreachable', `"${endpoint.url.slice(0, 200)}" is not a URL`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new PrometheusError('unreachable', `${base.protocol} is not http or https`);
    this.queryUrl = new URL('api/v1/query', base.href.endsWith('/') ? base.href : `${base.href}/`);
    if (endpoint.token) secretRegistry.add(endpoint.token);
  }

  /** Where queries go (no credentials), for log lines. */
  get address(): string {
    return `${this.queryUrl.protocol}//${this.queryUrl.host}${this.queryUrl.pathname.replace(/api\/v1\/query$/, '')}`;
  }

  /** The instant vector `promql` evaluates to now. */
  async query(promql: string): Promise<InstantSample[]> {
    const body = new URLSearchParams({ query: promql, timeout: `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s` }).toString();
    const { status, text } = await this.post(body);
    if (status === 401 || status === 403) throw new PrometheusError('unauthorized', `${this.address} refused the ${this.endpoint.token ? 'bearer token' : 'request (no token set)'} (HTTP ${status})`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new PrometheusError('bad-response', `${this.address} answered HTTP ${status} with something that is not Prometheus' JSON`);
    }
    const answer = parsed as { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } };
    if (answer?.status !== 'success') {
      const why = typeof answer?.error === 'string' ? answer.error.slice(0, 200) : `HTTP ${status}`;
      throw new PrometheusError(status >= 500 && status !== 503 ? 'bad-response' : 'query-failed', `${this.address}: ${why}`);
    }
    if (answer.data?.resultType !== 'vector' || !Array.isArray(answer.data.result)) throw new PrometheusError('bad-response', `${this.address} did not answer with an instant vector`);
    const samples: InstantSample[] = [];
    for (const entry of answer.data.result as Array<{ metric?: unknown; value?: unknown }>) {
      const pair = entry?.value;
      if (!Array.isArray(pair) || pair.length !== 2) continue;
      const value = Number(pair[1]);
      const at = Number(pair[0]);
      if (!Number.isFinite(value) || !Number.isFinite(at)) continue;
      const labels: Record<string, string> = {};
      if (entry.metric && typeof entry.metric === 'object') for (const [k, v] of Object.entries(entry.metric)) if (typeof v === 'string') labels[k] = v;
      samples.push({ labels, value, atMs: Math.round(at * 1000) });
    }
    return samples;
  }

  private post(body: string): Promise<{ status: number; text: string }> {
    const url = this.queryUrl;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)), accept: 'application/json' };
    if (this.endpoint.token) headers.authorization = `Bearer ${this.endpoint.token}`;
    const options = { method: 'POST', headers, signal: AbortSignal.timeout(this.timeoutMs), ...(this.endpoint.caPem ? { ca: this.endpoint.caPem } : {}) };
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => reject(this.failure(error));
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            res.destroy();
            reject(new PrometheusError('bad-response', `${this.address} answered with more than ${MAX_BODY_BYTES} bytes`));
          } else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });
  }

  private failure(error: unknown): PrometheusError {
    if (error instanceof PrometheusError) return error;
    const e = error as NodeJS.ErrnoException;
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new PrometheusError('timeout', `${this.address} did not answer within ${this.timeoutMs} ms`);
    const tls = typeof e?.code === 'string' && /CERT|SSL|TLS|SELF_SIGNED/.test(e.code);
    return new PrometheusError('unreachable', `${this.address}: ${tls ? 'TLS: ' : ''}${e?.message ?? String(error)}`);
  }
}

export interface PrometheusCredentials {
  /** The bearer token, asked before every query (a token set while the window runs applies at once). */
  token?: () => Promise<string | undefined>;
  /** A CA file (PEM) for an https server, read before every query (a rotated CA applies at once). */
  caFile?: string;
  /** Or the CA's PEM itself. */
  caPem?: string;
}

/** CA files are a few KiB; a bigger "CA" is a mistake, refused before it is read. */
const CA_FILE_LIMITS = { maxBytes: 1024 * 1024 };

/**
 * A Prometheus whose token and CA are read when a query is made (SecretStorage and a file are
 * asynchronous, a source is built synchronously): one client per distinct credentials.
 */
export class PrometheusConnection {
  private client: PrometheusClient | undefined;
  private clientKey: string | undefined;
  readonly address: string;

  constructor(private readonly url: string, private readonly credentials: PrometheusCredentials = {}, private readonly timeoutMs = 5000) {
    this.address = new PrometheusClient({ url }, timeoutMs).address;
  }

  async query(promql: string): Promise<InstantSample[]> {
    const token = (await this.credentials.token?.()) || undefined;
    let caPem = this.credentials.caPem;
    if (this.credentials.caFile) {
      try {
        caPem = (await readRegularFile(this.credentials.caFile, CA_FILE_LIMITS)).toString('utf8');
      } catch (error) {
        throw new PrometheusError('unreachable', `${this.address}: CA file ${this.credentials.caFile}: ${(error as Error).message}`);
      }
    }
    const key = `${token ?? ''}\u0000${caPem ?? ''}`;
    if (!this.client || key !== this.clientKey) {
      this.client = new PrometheusClient({ url: this.url, ...(token ? { token } : {}), ...(caPem ? { caPem } : {}) }, this.timeoutMs);
      this.clientKey = key;
    }
    return this.client.query(promql);
  }
}
