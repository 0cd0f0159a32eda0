// Reads kubeconfig files the way kubectl does (several paths, first definition of a name wins),
// lists their contexts, and builds a KubeConfig pinned to one context for a KubevirtSource.
// Files are read through kubeconfig-summary's reader (regular files only, bounded, aliases
// bounded), never by client-node.

import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { SourceError } from '../../model/errors';
import { readRegularFile, RefusedFileError } from '../../model/regular-file';
import { loadClientNode } from './client-node-loader';
import { KUBECONFIG_MAX_BYTES, mergeKubeconfigDocuments, readKubeconfigDocument, REFERENCED_FILE_MAX_BYTES, type KubeconfigDocument, type MergedKubeconfig } from './kubeconfig-summary';
import { registerKubeconfigSecrets } from './kubeconfig-secrets';
import { scrubSecrets } from '../../base/secret-registry';

export interface KubeContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  /** The API server URL, without any credentials. */
  server?: string;
  /** The file that defined this context. */
  file: string;
}

export interface KubeContextList {
  contexts: KubeContextInfo[];
  /** `current-context` of the first file that sets one. */
  currentContext?: string;
  /** Files that were missing or unreadable, and contexts that cannot be used, said plainly. */
  problems: string[];
}

/** `$KUBECONFIG` (path-list separated) when set, otherwise `~/.kube/config`. */
export function defaultKubeconfigPaths(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string[] {
  const fromEnv = splitPathList(env.KUBECONFIG ?? '');
  return fromEnv.length > 0 ? fromEnv.map((p) => expandHome(p, home)) : [path.join(home, '.kube', 'config')];
}

/**
 * The `blixard.kubevirt.kubeconfig` setting (a path, a path list, or an array of them) as
 * absolute paths; empty means the default.
 */
export function resolveKubeconfigPaths(
  setting: string | readonly string[] | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string[] {
  const entries = (typeof setting === 'string' ? [setting] : (setting ?? [])).flatMap((s) => (typeof s === 'string' ? splitPathList(s) : []));
  if (entries.length === 0) return defaultKubeconfigPaths(env, home);
  return [...new Set(entries.map((p) => path.resolve(expandHome(p, home))))];
}

/** The files merged (mergeKubeconfigDocuments: the one merge planning uses too), and what was wrong with them. */
interface MergedFiles extends MergedKubeconfig {
  problems: string[];
}

/** Every context of the given kubeconfig files. Never throws for a bad file: see `problems`. */
export async function listKubeContexts(paths: readonly string[]): Promise<KubeContextList> {
  const merged = await mergeFiles(paths);
  const problems = [...merged.problems];
  const contexts: KubeContextInfo[] = [];
  for (const { context: ctx, file } of merged.contexts.values()) {
    const info: KubeContextInfo = { name: ctx.name, cluster: ctx.cluster ?? '', user: ctx.user ?? '', file };
    if (ctx.namespace) info.namespace = ctx.namespace;
    const cluster = ctx.cluster !== undefined ? merged.clusters.get(ctx.cluster) : undefined;
    if (cluster && typeof cluster.server === 'string') info.server = stripCredentials(cluster.server);
    else problems.push(`Context ${ctx.name} names cluster ${ctx.cluster ?? '(none)'}, which no kubeconfig file defines`);
    contexts.push(info);
  }
  const list: KubeContextList = { contexts, problems };
  if (merged.currentContext) list.currentContext = merged.currentContext;
  return list;
}

/**
 * A KubeConfig holding just `contextName`, its cluster and its user, as its current context.
 * Every file it names (CA, client certificate and key, token file) is read here, safely — a
 * regular file, at most REFERENCED_FILE_MAX_BYTES, off the event loop — and handed to
 * client-node as inline data, so client-node never opens a path itself (it would read a FIFO or
 * /dev/zero synchronously, with no bound). The YAML is parsed once per file version and shared
 * by every context's source (2,000 contexts cost one parse, not 2,000).
 */
export async function loadKubeConfigForContext(paths: readonly string[], contextName: string): Promise<KubeConfig> {
  const merged = await mergeFiles(paths);
  const entry = merged.contexts.get(contextName);
  if (!entry) {
    const why = merged.problems.length > 0 ? ` (${merged.problems.join('; ')})` : '';
    throw new SourceError('not-found', `Kubeconfig context ${contextName} not found in ${paths.join(', ')}${why}`);
  }
  const { context } = entry;
  const clusterBody = context.cluster !== undefined ? merged.clusters.get(context.cluster) : undefined;
  if (!clusterBody || typeof clusterBody.server !== 'string' || clusterBody.server === '') {
    const why = clusterBody ? 'which has no server' : 'which no kubeconfig file defines';
    throw new SourceError('invalid-argument', `Kubeconfig context ${contextName} names cluster ${context.cluster ?? '(none)'}, ${why}`);
  }
  const userBody = context.user !== undefined ? (merged.users.get(context.user) ?? {}) : {};
  const inline = (field: string, file: unknown) => readReferencedFile(contextName, field, file);

  const caData = await inline('certificate-authority', clusterBody['certificate-authority']);
  const cluster: Cluster = {
    name: context.cluster!,
    server: clusterBody.server.replace(/\/$/, ''),
    skipTLSVerify: clusterBody['insecure-skip-tls-verify'] === true,
    ...stringField('caData', caData?.toString('base64') ?? clusterBody['certificate-authority-data']),
    ...stringField('tlsServerName', clusterBody['tls-server-name']),
    ...stringField('proxyUrl', clusterBody['proxy-url']),
  };
  const certData = await inline('client-certificate', userBody['client-certificate']);
  const keyData = await inline('client-key', userBody['client-key']);
  const tokenFileField = typeof userBody.tokenFile === 'string' ? 'tokenFile' : 'token-file';
  const tokenFromFile = userBody.token ? undefined : await inline(tokenFileField, userBody[tokenFileField]);
  let authProvider = userBody['auth-provider'] as { config?: Record<string, unknown> } | undefined;
  let providerToken: Buffer | undefined;
  if (authProvider?.config && typeof authProvider.config.tokenFile === 'string') {
    // client-node would re-read this file synchronously every minute: read it once, safely.
    providerToken = await inline('auth-provider tokenFile', authProvider.config.tokenFile);
    authProvider = undefined;
  }
  const user: User = {
    name: context.user ?? '',
    ...stringField('certData', certData?.toString('base64') ?? userBody['client-certificate-data']),
    ...stringField('keyData', keyData?.toString('base64') ?? userBody['client-key-data']),
    ...stringField('token', userBody.token ?? (tokenFromFile ?? providerToken)?.toString('utf8').trim()),
    ...stringField('username', userBody.username),
    ...stringField('password', userBody.password),
    ...stringField('impersonateUser', userBody.as),
    ...(userBody.exec && typeof userBody.exec === 'object' ? { exec: userBody.exec } : {}),
    ...(authProvider && typeof authProvider === 'object' ? { authProvider } : {}),
  };
  const k8s = await loadClientNode();
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: contextName, cluster: cluster.name, user: user.name, ...(context.namespace ? { namespace: context.namespace } : {}) }],
    currentContext: contextName,
  });
  // Inline tokens, passwords, key data and what token files held: scrubbed by value from then on.
  registerKubeconfigSecrets(kubeConfig);
  return kubeConfig;
}

function stringField<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}

/** The file a context's `field` names, read safely, or undefined when the field is not set; a refusal names context, field and file. */
async function readReferencedFile(contextName: string, field: string, file: unknown): Promise<Buffer | undefined> {
  if (typeof file !== 'string' || file === '') return undefined;
  try {
    return await readShared(file, REFERENCED_FILE_MAX_BYTES, (text) => text);
  } catch (err) {
    throw new SourceError('invalid-argument', `context "${contextName}": ${field} ${describeFileError(file, err)}`);
  }
}

/** What is wrong with a file, after its name: "is a FIFO (named pipe), not a regular file", "does not exist". */
function describeFileError(file: string, err: unknown): string {
  if (err instanceof RefusedFileError) return err.message.startsWith(file) ? `${file}${err.message.slice(file.length)}` : `${file}: ${err.message}`;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return `${file} does not exist`;
  return `${file} cannot be read (${code ?? scrubSecrets(err instanceof Error ? err.message.split('\n')[0] : String(err))})`;
}

/**
 * Reads (and parses) a file once per version: every context's source of a 2,000-context
 * kubeconfig asks for the same files, and each would otherwise hold its own copy. A version is
 * the file's identity, size and times, checked with a stat (cheap, never blocks) on every ask,
 * so a rewritten file is read again. Only the few newest versions are kept.
 */
async function readShared<T>(file: string, maxBytes: number, parse: (bytes: Buffer) => T | Promise<T>): Promise<T> {
  const stat = await fsp.stat(file);
  const version = `${maxBytes}:${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  const cached = sharedReads.get(file);
  if (cached && cached.version === version) return cached.value as Promise<T>;
  const value = readRegularFile(file, { maxBytes }).then(parse);
  sharedReads.delete(file);
  sharedReads.set(file, { version, value });
  // A failed read is not kept: the next ask tries again (the file may have been fixed).
  value.catch(() => {
    if (sharedReads.get(file)?.value === value) sharedReads.delete(file);
  });
  while (sharedReads.size > SHARED_READS_KEPT) sharedReads.delete(sharedReads.keys().next().value as string);
  return value;
}

const SHARED_READS_KEPT = 64;
const sharedReads = new Map<string, { version: string; value: Promise<unknown> }>();

async function mergeFiles(paths: readonly string[]): Promise<MergedFiles> {
  // Problems are said in the order the files are listed, not the order their reads finish.
  const problemOfFile: Array<string | undefined> = [];
  const documents = await Promise.all(
    paths.map(async (file, index) => {
      try {
        // readKubeconfigDocument refuses what is not a regular file or is too large, and
        // documents whose YAML aliases expand past a bound, before anything walks them.
        return await readShared(file, KUBECONFIG_MAX_BYTES, () => readKubeconfigDocument(file));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (err instanceof RefusedFileError) problemOfFile[index] = `Kubeconfig ${describeFileError(file, err)}`;
        else if (code === 'ENOENT') problemOfFile[index] = `Kubeconfig ${file} does not exist`;
        else if (code) problemOfFile[index] = `Cannot read kubeconfig ${file} (${code})`;
        else problemOfFile[index] = `Kubeconfig ${file} ${describeYamlError(err)}`;
        return undefined;
      }
    }),
  );
  const problems = problemOfFile.filter((p): p is string => p !== undefined);
  // Every source of a many-context kubeconfig merges the same documents: merge them once.
  const key = paths.join('\0');
  if (lastMerge && lastMerge.key === key && lastMerge.documents.length === documents.length && lastMerge.documents.every((d, i) => d === documents[i])) {
    return lastMerge.merged;
  }
  const merged: MergedFiles = { ...mergeKubeconfigDocuments(documents.map((document, i) => document && { file: paths[i], document })), problems };
  lastMerge = { key, documents, merged };
  return merged;
}

let lastMerge: { key: string; documents: ReadonlyArray<KubeconfigDocument | undefined>; merged: MergedFiles } | undefined;

/** readKubeconfigDocument's reason ("is not valid YAML (line 3)"), never the file's text. */
function describeYamlError(err: unknown): string {
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return scrubSecrets(message).slice(0, 200);
}

function stripCredentials(server: string): string {
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return scrubSecrets(server);
  }
}

function splitPathList(value: string): string[] {
  return value
    .split(path.delimiter)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}
