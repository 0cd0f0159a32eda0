// What the cluster plan needs from kubeconfig files before any connection, without loading
// client-node: each context's name, which cluster it reaches (server + CA, so two contexts of one
// API server are known to be one cluster) and a digest of everything it connects with (so a file
// rewritten with a rotated token or certificate is noticed and the source rebuilt), plus the
// files worth watching for that. Credentials are digested, never kept or logged.

import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { readRegularFile, RefusedFileError } from '../../model/regular-file';

/** A kubeconfig is kilobytes (a 2,000-context one is ~110 KB); past this it is refused unread. */
export const KUBECONFIG_MAX_BYTES = 4 * 1024 * 1024;
/** A CA bundle, certificate, key or token is kilobytes; a referenced file past this is refused unread. */
export const REFERENCED_FILE_MAX_BYTES = 1024 * 1024;
/**
 * YAML aliases are references, so a 1 KB file can stand for gigabytes once anything walks it
 * (a digest, client-node, an exec plugin's argument list). A kubeconfig never needs them, but a
 * hand-written one may use a few: the document as if every alias were written out is bounded.
 */
const MAX_EXPANDED_NODES = 200_000;
const MAX_EXPANDED_BYTES = 16 * 1024 * 1024;

export interface KubeconfigContext {
  name: string;
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** One kubeconfig file as read: its entries by name, with relative paths resolved against its folder. */
export interface KubeconfigDocument {
  contexts: KubeconfigContext[];
  clusters: Map<string, Record<string, unknown>>;
  users: Map<string, Record<string, unknown>>;
  /** `current-context`, when the file sets one. */
  currentContext?: string;
}

/** Several kubeconfig files as one, the way kubectl merges them. */
export interface MergedKubeconfig {
  clusters: Map<string, Record<string, unknown>>;
  users: Map<string, Record<string, unknown>>;
  /** In the order they are first listed, each with the file that defined it. */
  contexts: Map<string, { context: KubeconfigContext; file: string }>;
  /** `current-context` of the first file that sets one. */
  currentContext?: string;
}

/**
 * The one merge of kubeconfig files, for planning (which contexts there are) and for loading a
 * context's source alike, so the two never disagree: the first file to define a name wins, for
 * contexts, clusters and users, and so does the first definition within a file (a context listed
 * twice is its first entry). Unreadable files are left out by the caller (undefined here).
 */
export function mergeKubeconfigDocuments(files: ReadonlyArray<{ file: string; document: KubeconfigDocument } | undefined>): MergedKubeconfig {
  const merged: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const entry of files) {
    if (!entry) continue;
    const { file, document } = entry;
    for (const [name, body] of document.clusters) if (!merged.clusters.has(name)) merged.clusters.set(name, body);
    for (const [name, body] of document.users) if (!merged.users.has(name)) merged.users.set(name, body);
    for (const context of document.contexts) if (!merged.contexts.has(context.name)) merged.contexts.set(context.name, { context, file });
    if (merged.currentContext === undefined && document.currentContext) merged.currentContext = document.currentContext;
  }
  return merged;
}

export interface KubeContextSummary {
  name: string;
  /** Opaque: equal for contexts that reach the same API server with the same CA. Absent when the context names no known cluster. */
  clusterIdentity?: string;
  /** Opaque: changes when anything this context connects with changes (entries or referenced files). */
  configDigest: string;
}

/**
 * Reads one kubeconfig file (YAML or JSON), off the event loop: only a regular file of at most
 * KUBECONFIG_MAX_BYTES (a FIFO, /dev/zero or a directory is refused before it is opened — a
 * RefusedFileError naming the file), and only a document that stays small with its aliases
 * expanded. Other errors say what is wrong without quoting the file, which may hold a token.
 */
export async function readKubeconfigDocument(file: string): Promise<KubeconfigDocument> {
  const text = (await readRegularFile(file, { maxBytes: KUBECONFIG_MAX_BYTES })).toString('utf8');
  // js-yaml is small (a few ms to load) but only needed once kubeconfigs are read.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yaml = require('js-yaml') as typeof import('js-yaml');
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    // The parser's message quotes the offending line, which may hold a token: say only where.
    const line = (err as { mark?: { line?: number } })?.mark?.line;
    throw new Error(typeof line === 'number' ? `is not valid YAML (line ${line + 1})` : 'is not valid YAML');
  }
  const tooBig = expansionProblem(doc);
  if (tooBig) throw new Error(tooBig);
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
  const current = (doc as Record<string, unknown>)['current-context'];
  if (typeof current === 'string' && current !== '') empty.currentContext = current;
  return empty;
}

/**
 * Why the document is refused once its aliases are counted as written out, or undefined. Each
 * distinct node is sized once (aliases share it), so this costs what parsing did.
 */
function expansionProblem(doc: unknown): string | undefined {
  const sizes = new Map<object, { nodes: number; bytes: number } | 'open'>();
  const refused = (why: string) => Object.assign(new Error(why), { refusedExpansion: true });
  const size = (node: unknown): { nodes: number; bytes: number } => {
    if (typeof node === 'string') return { nodes: 1, bytes: node.length };
    if (node === null || typeof node !== 'object') return { nodes: 1, bytes: 8 };
    const known = sizes.get(node);
    if (known === 'open') throw refused('uses a YAML alias inside itself (a loop)');
    if (known) return known;
    sizes.set(node, 'open');
    const total = { nodes: 1, bytes: 0 };
    for (const [key, value] of Object.entries(node)) {
      const child = size(value);
      total.nodes += child.nodes;
      total.bytes += child.bytes + key.length;
      if (total.nodes > MAX_EXPANDED_NODES || total.bytes > MAX_EXPANDED_BYTES) {
        throw refused(`uses YAML aliases that expand it past ${MAX_EXPANDED_NODES.toLocaleString('en-US')} entries or ${MAX_EXPANDED_BYTES / (1024 * 1024)} MiB (an alias bomb?); a kubeconfig never needs that`);
      }
    }
    sizes.set(node, total);
    return total;
  };
  try {
    size(doc);
    return undefined;
  } catch (err) {
    if ((err as { refusedExpansion?: boolean }).refusedExpansion) return (err as Error).message;
    // Nesting deeper than the stack: no kubeconfig is shaped like that either.
    return 'is nested too deeply to be a kubeconfig file';
  }
}

const CLUSTER_PATH_FIELDS = ['certificate-authority'] as const;
const USER_PATH_FIELDS = ['client-certificate', 'client-key', 'tokenFile', 'token-file'] as const;

/**
 * Summarises each context of the merged files (mergeKubeconfigDocuments). Returns the summaries
 * in file order and every referenced file (CA, certificate, key, token file), which a watcher
 * should follow along with the kubeconfig files themselves.
 */
export async function summariseKubeContexts(merged: MergedKubeconfig): Promise<{ contexts: KubeContextSummary[]; referencedFiles: string[] }> {
  const { clusters, users } = merged;
  const referenced = new Set<string>();
  const fileDigests = new Map<string, Promise<string>>();
  const digestOf = (file: string) => {
    referenced.add(file);
    let digest = fileDigests.get(file);
    if (!digest) fileDigests.set(file, (digest = digestFile(file)));
    return digest;
  };
  const contexts: KubeContextSummary[] = [];
  for (const { context } of merged.contexts.values()) {
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

/**
 * Contents digest of a referenced file, read as a source would read it (regular file, bounded,
 * off the event loop); a missing, unreadable or refused one digests as its error, so it
 * appearing later, or becoming acceptable, counts as a change. The source says why it cannot use it.
 */
async function digestFile(file: string): Promise<string> {
  try {
    return sha256(await readRegularFile(file, { maxBytes: REFERENCED_FILE_MAX_BYTES }));
  } catch (err) {
    if (err instanceof RefusedFileError) return `refused:${err.refusal}`;
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
