// What the cluster plan needs from kubeconfig files before any connection, without loading
// client-node: each context's name, which cluster it reaches (server + CA, so two contexts of one
// API server are known to be one cluster) and a digest of everything it connects with (so a file
// rewritten with a rotated token or certificate is noticed and the source rebuilt), plus the
// files worth watching for that. Credentials are digested, never kept or logged.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const KUBECONFIG_MAX_BYTES = 4 * 1024 * 1024;
/** A referenced CA, certificate, key or token file larger than this is digested by size and time only. */
const REFERENCED_MAX_BYTES = 1024 * 1024;

/** One kubeconfig file as read: its entries by name, with relative paths resolved against its folder. */
export interface KubeconfigDocument {
  contexts: Array<{ name: string; cluster?: string; user?: string; namespace?: string }>;
  clusters: Map<string, Record<string, unknown>>;
  users: Map<string, Record<string, unknown>>;
}

export interface KubeContextSummary {
  name: string;
  /** Opaque: equal for contexts that reach the same API server with the same CA. Absent when the context names no known cluster. */
  clusterIdentity?: string;
  /** Opaque: changes when anything this context connects with changes (entries or referenced files). */
  configDigest: string;
}

/** Reads one kubeconfig file (YAML or JSON). Throws a message without file contents when it is not one. */
export async function readKubeconfigDocument(file: string): Promise<KubeconfigDocument> {
  const handle = await fs.open(file, 'r');
  let text: string;
  try {
    const { size } = await handle.stat();
    if (size > KUBECONFIG_MAX_BYTES) throw new Error('is too large to be a kubeconfig file');
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  // js-yaml is small (a few ms to load) but only needed once kubeconfigs are read.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('js-yaml') as typeof import('js-yaml');
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch {
    // The parser's message quotes the offending line, which may hold a token: say only where.
    throw new Error('is not valid YAML');
  }
  const empty: KubeconfigDocument = { contexts: [], clusters: new Map(), users: new Map() };
  if (doc === undefined || doc === null) return empty;
  if (typeof doc !== 'object') throw new Error('is not a kubeconfig file (no "contexts" list)');
  const raw = doc as { contexts?: unknown; clusters?: unknown; users?: unknown };
  if (raw.contexts !== undefined && !Array.isArray(raw.contexts)) throw new Error('is not a kubeconfig file (no "contexts" list)');
  const dir = path.dirname(file);
  for (const entry of namedEntries(raw.contexts, 'context')) {
    const c = entry.body;
    empty.contexts.push({
      name: entry.name,
      ...(typeof c.cluster === 'string' ? { cluster: c.cluster } : {}),
      ...(typeof c.user === 'string' ? { user: c.user } : {}),
      ...(typeof c.namespace === 'string' ? { namespace: c.namespace } : {}),
    });
  }
  for (const entry of namedEntries(raw.clusters, 'cluster')) if (!empty.clusters.has(entry.name)) empty.clusters.set(entry.name, absolutePaths(entry.body, CLUSTER_PATH_FIELDS, dir));
  for (const entry of namedEntries(raw.users, 'user')) if (!empty.users.has(entry.name)) empty.users.set(entry.name, absolutePaths(entry.body, USER_PATH_FIELDS, dir));
  return empty;
}

const CLUSTER_PATH_FIELDS = ['certificate-authority'] as const;
const USER_PATH_FIELDS = ['client-certificate', 'client-key', 'tokenFile'] as const;

/**
 * Merges the files as kubectl does (the first file to define a name wins) and summarises each
 * context. Returns the summaries in file order and every referenced file (CA, certificate, key,
 * token file), which a watcher should follow along with the kubeconfig files themselves.
 */
export async function summariseKubeContexts(documents: readonly KubeconfigDocument[]): Promise<{ contexts: KubeContextSummary[]; referencedFiles: string[] }> {
  const clusters = new Map<string, Record<string, unknown>>();
  const users = new Map<string, Record<string, unknown>>();
  for (const doc of documents) {
    for (const [name, body] of doc.clusters) if (!clusters.has(name)) clusters.set(name, body);
    for (const [name, body] of doc.users) if (!users.has(name)) users.set(name, body);
  }
  const referenced = new Set<string>();
  const fileDigests = new Map<string, Promise<string>>();
  const digestOf = (file: string) => {
    referenced.add(file);
    let digest = fileDigests.get(file);
    if (!digest) fileDigests.set(file, (digest = digestFile(file)));
    return digest;
  };
  const seen = new Set<string>();
  const contexts: KubeContextSummary[] = [];
  for (const doc of documents) {
    for (const context of doc.contexts) {
      if (seen.has(context.name)) continue;
      seen.add(context.name);
      const cluster = context.cluster !== undefined ? clusters.get(context.cluster) : undefined;
      const user = context.user !== undefined ? users.get(context.user) : undefined;
      const caDigest = cluster ? await certificateAuthorityDigest(cluster, digestOf) : undefined;
      const fileParts: string[] = [];
      for (const body of [cluster, user]) {
        for (const field of [...CLUSTER_PATH_FIELDS, ...USER_PATH_FIELDS]) {
          const value = body?.[field];
          if (typeof value === 'string' && value !== '') fileParts.push(`${field}=${await digestOf(value)}`);
        }
      }
      const summary: KubeContextSummary = {
        name: context.name,
        configDigest: sha256(JSON.stringify([context, cluster ?? null, user ?? null, fileParts])),
      };
      const server = cluster && typeof cluster.server === 'string' ? normaliseServer(cluster.server) : undefined;
      if (server !== undefined) summary.clusterIdentity = sha256(JSON.stringify([server, caDigest ?? '', cluster?.['tls-server-name'] ?? ''])).slice(0, 32);
      contexts.push(summary);
    }
  }
  return { contexts, referencedFiles: [...referenced] };
}

/** The server's trust anchor: inline data, a file, "insecure" when verification is off, "" for the system roots. */
async function certificateAuthorityDigest(cluster: Record<string, unknown>, digestOf: (file: string) => Promise<string>): Promise<string> {
  const data = cluster['certificate-authority-data'];
  if (typeof data === 'string' && data !== '') return sha256(Buffer.from(data, 'base64'));
  const file = cluster['certificate-authority'];
  if (typeof file === 'string' && file !== '') return digestOf(file);
  if (cluster['insecure-skip-tls-verify'] === true) return 'insecure';
  return '';
}

/** Contents digest of a referenced file; a missing or unreadable one digests as its error, so it appearing later counts as a change. */
async function digestFile(file: string): Promise<string> {
  try {
    const stat = await fs.stat(file);
    if (stat.size > REFERENCED_MAX_BYTES) return `large:${stat.size}:${stat.mtimeMs}`;
    return sha256(await fs.readFile(file));
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** The same server spelled differently (case, default port, trailing slash) is one server. */
function normaliseServer(server: string): string {
  try {
    const url = new URL(server);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return server.trim();
  }
}

function namedEntries(list: unknown, bodyKey: string): Array<{ name: string; body: Record<string, unknown> }> {
  if (!Array.isArray(list)) return [];
  const out: Array<{ name: string; body: Record<string, unknown> }> = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const name = (item as { name?: unknown }).name;
    if (typeof name !== 'string' || name === '') continue;
    const body = (item as Record<string, unknown>)[bodyKey];
    out.push({ name, body: body && typeof body === 'object' ? (body as Record<string, unknown>) : {} });
  }
  return out;
}

function absolutePaths(body: Record<string, unknown>, fields: readonly string[], dir: string): Record<string, unknown> {
  const out = { ...body };
  for (const field of fields) {
    const value = out[field];
    if (typeof value === 'string' && value !== '') out[field] = path.resolve(dir, value);
  }
  return out;
}

function sha256(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}
