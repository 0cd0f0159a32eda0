// HTTP to one Kubernetes API server. client-node applies the kubeconfig (TLS material, bearer
// tokens, exec/OIDC plugins, proxies) to the request options; the requests themselves are plain
// node:http(s) so every one has a deadline and a watch can be aborted at any moment — which
// client-node's Watch cannot do before the server's response headers arrive.

import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { StringDecoder } from 'node:string_decoder';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeAnswerError, KubeHttpError, KubeTimeoutError } from './kube-error';
import type { KubeStatus } from './kube-objects';
import { registerRequestSecrets } from './kubeconfig-secrets';
import { scrubSecrets } from '../../base/secret-registry';
import { formatBytes } from '../../model/vocabulary';

export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: QueryParams;
  body?: unknown;
  /** Of the body; default application/json (a PATCH names its patch type, e.g. application/strategic-merge-patch+json). */
  contentType?: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface WatchHandlers {
  /** The server accepted the watch (200 and headers received). */
  onOpen(): void;
  /** One decoded line of the watch stream: `{type, object}`. */
  onEvent(event: { type?: string; object?: unknown }): void;
  onMalformedLine(snippet: string): void;
  /** The stream ended: cleanly (server timeout) when `err` is undefined. Called once. */
  onEnd(err?: unknown): void;
}

export interface WatchConnection {
  /** Closes the stream; onEnd is not called after this. */
  close(): void;
}

/** Bodies larger than this are refused rather than buffered (a runaway list). */
const MAX_BODY_BYTES = 512 * 1024 * 1024;

export class KubeClient {
  private readonly kubeConfig: KubeConfig;

  constructor(
    kubeConfig: KubeConfig,
    /** Tests lower it to check the refusal without buffering 512 MiB. */
    private readonly maxBodyBytes = MAX_BODY_BYTES,
  ) {
    this.kubeConfig = allowPlainHttp(kubeConfig);
  }

  /** The API server URL, with no credentials in it. */
  get server(): string {
    const server = this.kubeConfig.getCurrentCluster()?.server ?? '';
    try {
      const url = new URL(server);
      url.username = '';
      url.password = '';
      return url.toString().replace(/\/$/, '');
    } catch {
      return scrubSecrets(server);
    }
  }

  /** One request with a deadline covering the whole answer; JSON in, JSON out. */
  async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const { url, init } = await this.prepare(method, path, options.query, options.body !== undefined, options.contentType);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (err: unknown, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value as T);
      };
      const req = transport(url).request(url, init, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxBodyBytes) {
            // Settled first: destroying the request also fails the response with a bare "aborted".
            finish(new KubeAnswerError(`the server's answer is larger than the ${formatBytes(this.maxBodyBytes)} limit`));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => finish(err));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            finish(httpError(status, res.statusMessage, text));
            return;
          }
          if (text.trim() === '') {
            finish(undefined, undefined as T);
            return;
          }
          try {
            finish(undefined, JSON.parse(text) as T);
          } catch {
            finish(new KubeAnswerError(`the server's answer (${status}) could not be decoded: it is not JSON`));
          }
        });
      });
      const timer = setTimeout(() => req.destroy(new KubeTimeoutError(options.timeoutMs)), options.timeoutMs);
      const onAbort = () => req.destroy(new Error('request aborted'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.signal?.aborted) onAbort();
      req.on('error', (err) => finish(err));
      if (options.body !== undefined) req.end(JSON.stringify(options.body));
      else req.end();
    });
  }

  /**
   * Opens a watch stream. `connectTimeoutMs` bounds the wait for the response headers; after
   * that, silence is the caller's to judge (bookmarks make a healthy watch speak regularly).
   */
  async watch(path: string, query: QueryParams, handlers: WatchHandlers, connectTimeoutMs: number): Promise<WatchConnection> {
    const { url, init } = await this.prepare('GET', path, { ...query, watch: 'true' }, false);
    let ended = false;
    const end = (err?: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(connectTimer);
      handlers.onEnd(err);
    };
    const req = transport(url).request(url, init, (res) => {
      clearTimeout(connectTimer);
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.length < 64 && chunks.push(c));
        res.on('end', () => end(httpError(status, res.statusMessage, Buffer.concat(chunks).toString('utf8'))));
        res.on('error', (err) => end(err));
        return;
      }
      handlers.onOpen();
      const decoder = new StringDecoder('utf8');
      let buffered = '';
      res.on('data', (chunk: Buffer) => {
        if (ended) return;
        buffered += decoder.write(chunk);
        let newline: number;
        while (!ended && (newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') deliver(line);
        }
      });
      res.on('end', () => {
        const rest = (buffered + decoder.end()).trim();
        if (rest !== '' && !ended) deliver(rest);
        end();
      });
      res.on('error', (err) => end(err));
      res.on('close', () => end(res.complete ? undefined : new Error('watch stream closed before its end')));
    });
    const deliver = (line: string) => {
      let event: unknown;
      try {
        event = JSON.parse(line);
      } catch {
        handlers.onMalformedLine(scrubSecrets(line.slice(0, 120)));
        return;
      }
      if (event && typeof event === 'object') handlers.onEvent(event as { type?: string; object?: unknown });
      else handlers.onMalformedLine(scrubSecrets(line.slice(0, 120)));
    };
    const connectTimer = setTimeout(() => req.destroy(new KubeTimeoutError(connectTimeoutMs)), connectTimeoutMs);
    req.on('error', (err) => end(err));
    req.end();
    return {
      close() {
        if (ended) return;
        ended = true;
        clearTimeout(connectTimer);
        req.destroy();
      },
    };
  }

  private async prepare(method: string, path: string, query: QueryParams | undefined, hasBody: boolean, contentType = 'application/json') {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig context names no cluster');
    const url = new URL(cluster.server + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const init: https.RequestOptions = { headers: {} };
    try {
      await this.kubeConfig.applyToHTTPSOptions(init);
      if (init.agent instanceof https.Agent) init.agent = sharedTlsAgent(init.agent);
      // Token files, exec plugins and key files are read only here: known by value from now on.
      registerRequestSecrets(init);
    } catch (err) {
      // Exec plugins and token files fail with messages that may echo what they read.
      throw new Error(`cannot use the kubeconfig: ${scrubSecrets(err instanceof Error ? err.message.split('\n')[0] : String(err))}`);
    }
    init.method = method;
    init.headers = { ...(init.headers as Record<string, string>), Accept: 'application/json' };
    if (hasBody) (init.headers as Record<string, string>)['Content-Type'] = contentType;
    return { url, init };
  }
}

/** TLS settings that make a secure context: what tells two of client-node's agents apart. */
const SECURE_CONTEXT_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'honorCipherOrder', 'ecdhCurve', 'crl', 'dhparam', 'secureOptions', 'secureProtocol', 'sessionIdContext'] as const;
const CONNECTION_OPTIONS = ['rejectUnauthorized', 'servername', 'timeout'] as const;
const MAX_SHARED_AGENTS = 64;
const sharedAgents = new Map<string, https.Agent>();

/**
 * client-node gives every request a new https.Agent, and so every connection a new TLS secure
 * context: loading the CA store (Node's roots, or the kubeconfig's) again each time. With
 * thousands of contexts retrying a refused server that was 0.4 s of every 1.4 s of CPU, in turns
 * long enough to hold Ctrl-C back. Agents with the same TLS settings are one agent here, with one
 * secure context made once; sockets still close after each request, as before.
 */
function sharedTlsAgent(fresh: https.Agent): https.Agent {
  const options = fresh.options as tls.ConnectionOptions & Record<string, unknown>;
  const digest = createHash('sha256');
  for (const key of [...SECURE_CONTEXT_OPTIONS, ...CONNECTION_OPTIONS]) {
    const value = options[key];
    digest.update(`${key}=`);
    if (value === undefined) digest.update('∅');
    else if (Array.isArray(value)) for (const v of value) digest.update(typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v));
    else digest.update(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value));
    digest.update('\0');
  }
  const id = digest.digest('hex');
  let agent = sharedAgents.get(id);
  if (agent) {
    sharedAgents.delete(id); // most recently used last
  } else {
    const contextOptions: tls.SecureContextOptions = {};
    for (const key of SECURE_CONTEXT_OPTIONS) if (options[key] !== undefined) (contextOptions as Record<string, unknown>)[key] = options[key];
    agent = new https.Agent({ ...options, secureContext: tls.createSecureContext(contextOptions) });
    if (sharedAgents.size >= MAX_SHARED_AGENTS) sharedAgents.delete(sharedAgents.keys().next().value as string);
  }
  sharedAgents.set(id, agent);
  return agent;
}

/**
 * kubectl talks to an http:// server (`kubectl proxy`, local test servers) as is; client-node
 * 1.x refuses unless insecure-skip-tls-verify is set, which means nothing without TLS anyway.
 */
function allowPlainHttp(kubeConfig: KubeConfig): KubeConfig {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster || !cluster.server.startsWith('http:') || cluster.skipTLSVerify) return kubeConfig;
  const copy = Object.create(Object.getPrototypeOf(kubeConfig)) as KubeConfig;
  Object.assign(copy, kubeConfig);
  copy.loadFromOptions({
    clusters: kubeConfig.getClusters().map((c) => (c.name === cluster.name ? { ...c, skipTLSVerify: true } : c)),
    users: kubeConfig.getUsers(),
    contexts: kubeConfig.getContexts(),
    currentContext: kubeConfig.getCurrentContext(),
  });
  return copy;
}

function transport(url: URL): typeof http | typeof https {
  return url.protocol === 'http:' ? http : https;
}

function httpError(statusCode: number, statusMessage: string | undefined, body: string): KubeHttpError {
  let status: KubeStatus | undefined;
  try {
    const parsed = JSON.parse(body) as KubeStatus;
    if (parsed && typeof parsed === 'object') status = parsed;
  } catch {
    // not a Status object: the reason phrase is all there is
  }
  const message = status?.message || statusMessage || http.STATUS_CODES[statusCode] || `HTTP ${statusCode}`;
  return new KubeHttpError(statusCode, status, scrubSecrets(message));
}
