// The one place ClusterSources are built from settings. Adding a kind of cluster is one
// folder under sources/ and one case in createSource() below.
//
// Client modules are required inside createSource(), not imported at the top: the extension
// bundle then evaluates gRPC / client-node code only when a cluster is first used, never
// during activate() (DESIGN.md: activation stays cheap).

import { promises as fs } from 'node:fs';
import type { ClusterSource } from './cluster-source';
import type { BlixardClusterSpec, ClusterSpec, KubevirtClusterSpec } from './cluster-spec';
import type { SettingsProblem, SourceSettings } from './source-settings';
import type { SourceLogger } from './kubevirt/source-logger';

export interface SourceDependencies {
  logger: SourceLogger;
}

export type SourceFactory = (spec: ClusterSpec, deps: SourceDependencies) => ClusterSource;

export function blixardSpecId(name: string): string {
  return `blixard:${name}`;
}

export function kubevirtSpecId(context: string): string {
  return `kubevirt:${context}`;
}

/** Turns settings into cluster specs; reads kubeconfig files (small, with a deadline) to list contexts. */
export async function planClusterSpecs(
  settings: SourceSettings,
  readContexts: (file: string) => Promise<string[]> = readKubeconfigContexts,
): Promise<{ specs: ClusterSpec[]; problems: SettingsProblem[] }> {
  const problems: SettingsProblem[] = [];
  const specs: ClusterSpec[] = settings.blixardClusters.map(
    (c): BlixardClusterSpec => ({
      kind: 'blixard',
      id: blixardSpecId(c.name),
      label: c.name,
      ...(c.datacenter ? { datacenter: c.datacenter } : {}),
      endpoints: c.endpoints,
      ...(c.tls ? { tls: c.tls } : {}),
      ...(settings.refreshIntervalSeconds !== undefined ? { pollIntervalMs: settings.refreshIntervalSeconds * 1000 } : {}),
    }),
  );

  const wanted = new Set(settings.kubeContexts);
  const found = new Set<string>();
  const listed = await Promise.all(
    settings.kubeconfigFiles.map(async (file) => {
      try {
        return { file, contexts: await readContexts(file.path), readable: true };
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException)?.code === 'ENOENT';
        if (!(missing && !file.explicit)) {
          problems.push({
            setting: 'blixard.kubevirt.kubeconfig',
            message: missing ? `${file.path} does not exist` : `${file.path}: ${(err as Error).message ?? String(err)}`,
          });
        }
        return { file, contexts: [] as string[], readable: false };
      }
    }),
  );
  // Every file is handed to each context's source: kubectl merges them, and a context may name
  // a user or cluster defined in another file. When several files name a context, the first wins.
  const kubeconfigPaths = listed.filter((l) => l.readable).map((l) => l.file.path);
  for (const { contexts } of listed) {
    for (const context of contexts) {
      if (found.has(context)) continue;
      found.add(context);
      if (wanted.size > 0 && !wanted.has(context)) continue;
      specs.push({
        kind: 'kubevirt',
        id: kubevirtSpecId(context),
        label: context,
        kubeconfigPaths,
        context,
        ...(settings.kubeWatchStallSeconds !== undefined ? { stallTimeoutMs: settings.kubeWatchStallSeconds * 1000 } : {}),
      } satisfies KubevirtClusterSpec);
    }
  }
  for (const context of wanted) {
    if (!found.has(context)) {
      problems.push({ setting: 'blixard.kubevirt.contexts', message: `context "${context}" is in no kubeconfig file` });
    }
  }
  return { specs, problems };
}

const KUBECONFIG_MAX_BYTES = 4 * 1024 * 1024;

/** Context names of one kubeconfig file (YAML or JSON). Credentials in it are never logged. */
export async function readKubeconfigContexts(file: string): Promise<string[]> {
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
  if (doc === undefined || doc === null) return [];
  const contexts = (doc as { contexts?: unknown }).contexts;
  if (!Array.isArray(contexts)) {
    if (typeof doc !== 'object' || contexts !== undefined) throw new Error('is not a kubeconfig file (no "contexts" list)');
    return [];
  }
  return contexts.map((c) => (c && typeof c === 'object' ? (c as { name?: unknown }).name : undefined)).filter((n): n is string => typeof n === 'string' && n !== '');
}

/** Builds the live source for a spec. Cheap: clients connect on first use. */
export const createSource: SourceFactory = (spec, deps) => {
  switch (spec.kind) {
    case 'blixard':
      return createBlixardSource(spec, deps);
    case 'kubevirt':
      return createKubevirtSource(spec, deps);
  }
};

// `require` (not a top-level import) keeps each client out of the activation path: esbuild
// evaluates a required module the first time this runs.
function createBlixardSource(spec: BlixardClusterSpec, deps: SourceDependencies): ClusterSource {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BlixardSource } = require('./blixard/blixard-source') as typeof import('./blixard/blixard-source');
  return new BlixardSource(
    { id: spec.id, name: spec.label, endpoints: spec.endpoints, ...(spec.datacenter ? { datacenter: spec.datacenter } : {}), ...(spec.tls ? { tls: spec.tls } : {}) },
    {
      logger: deps.logger,
      // 0 means "no polling": the source then relies on its migration stream alone.
      ...(spec.pollIntervalMs !== undefined ? { refreshIntervalMs: spec.pollIntervalMs > 0 ? spec.pollIntervalMs : 24 * 3600_000 } : {}),
    },
  );
}

function createKubevirtSource(spec: KubevirtClusterSpec, deps: SourceDependencies): ClusterSource {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KubevirtSource } = require('./kubevirt/kubevirt-source') as typeof import('./kubevirt/kubevirt-source');
  return new KubevirtSource({
    id: spec.id,
    label: spec.label,
    kubeconfigPaths: spec.kubeconfigPaths,
    context: spec.context,
    ...(spec.datacenter ? { datacenter: spec.datacenter } : {}),
    ...(spec.stallTimeoutMs !== undefined ? { stallTimeoutMs: spec.stallTimeoutMs } : {}),
    logger: deps.logger,
  });
}
