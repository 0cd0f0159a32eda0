// Reads kubeconfig files the way kubectl does (several paths, first definition of a name wins),
// lists their contexts, and builds a KubeConfig pinned to one context for a KubevirtSource.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { SourceError } from '../../model/errors';
import { loadClientNode } from './client-node-loader';
import { scrubSecrets } from './secret-scrubber';

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

interface LoadedFiles {
  merged: KubeConfig;
  contextFiles: Map<string, string>;
  problems: string[];
}

/** Every context of the given kubeconfig files. Never throws for a bad file: see `problems`. */
export async function listKubeContexts(paths: readonly string[]): Promise<KubeContextList> {
  const { merged, contextFiles, problems } = await loadFiles(paths);
  const contexts: KubeContextInfo[] = [];
  for (const ctx of merged.getContexts()) {
    const info: KubeContextInfo = { name: ctx.name, cluster: ctx.cluster, user: ctx.user, file: contextFiles.get(ctx.name) ?? '' };
    if (ctx.namespace) info.namespace = ctx.namespace;
    const cluster = merged.getCluster(ctx.cluster);
    if (cluster) info.server = stripCredentials(cluster.server);
    else problems.push(`Context ${ctx.name} names cluster ${ctx.cluster}, which no kubeconfig file defines`);
    contexts.push(info);
  }
  const list: KubeContextList = { contexts, problems };
  const current = merged.getCurrentContext();
  if (current) list.currentContext = current;
  return list;
}

/** A KubeConfig holding the merged files with `contextName` as its current context. */
export async function loadKubeConfigForContext(paths: readonly string[], contextName: string): Promise<KubeConfig> {
  const { merged, problems } = await loadFiles(paths);
  const context = merged.getContextObject(contextName);
  if (!context) {
    const why = problems.length > 0 ? ` (${problems.join('; ')})` : '';
    throw new SourceError('not-found', `Kubeconfig context ${contextName} not found in ${paths.join(', ')}${why}`);
  }
  if (!merged.getCluster(context.cluster)) {
    throw new SourceError('invalid-argument', `Kubeconfig context ${contextName} names cluster ${context.cluster}, which no kubeconfig file defines`);
  }
  merged.setCurrentContext(contextName);
  return merged;
}

async function loadFiles(paths: readonly string[]): Promise<LoadedFiles> {
  const k8s = await loadClientNode();
  const problems: string[] = [];
  const clusters = new Map<string, import('@kubernetes/client-node').Cluster>();
  const users = new Map<string, import('@kubernetes/client-node').User>();
  const contexts = new Map<string, import('@kubernetes/client-node').Context>();
  const contextFiles = new Map<string, string>();
  let currentContext = '';
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(code === 'ENOENT' ? `Kubeconfig ${file} does not exist` : `Cannot read kubeconfig ${file} (${code ?? 'error'})`);
      continue;
    }
    const one = new k8s.KubeConfig();
    try {
      if (text.trim() === '') continue;
      one.loadFromString(text, { onInvalidEntry: 'filter' });
      one.makePathsAbsolute(path.dirname(file));
      const empty = one.getClusters().length + one.getUsers().length + one.getContexts().length === 0;
      if (empty && !/^(apiVersion|kind|clusters|contexts|users|current-context)\s*:/m.test(text)) {
        problems.push(`Kubeconfig ${file} is not valid: not a kubeconfig document`);
        continue;
      }
    } catch (err) {
      problems.push(`Kubeconfig ${file} is not valid: ${describeYamlError(err)}`);
      continue;
    }
    // kubectl's merge: the first file to define a name wins, later definitions are ignored.
    for (const c of one.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c);
    for (const u of one.getUsers()) if (!users.has(u.name)) users.set(u.name, u);
    for (const c of one.getContexts()) {
      if (contexts.has(c.name)) continue;
      contexts.set(c.name, c);
      contextFiles.set(c.name, file);
    }
    if (!currentContext && one.getCurrentContext()) currentContext = one.getCurrentContext();
  }
  const merged = new k8s.KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return { merged, contextFiles, problems };
}

/** A YAML error without the offending snippet, which may hold a token or a key. */
function describeYamlError(err: unknown): string {
  const mark = (err as { mark?: { line?: number } })?.mark;
  if (mark && typeof mark.line === 'number') return `invalid YAML at line ${mark.line + 1}`;
  if (err instanceof TypeError) return 'not a kubeconfig document';
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
