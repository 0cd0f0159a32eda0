// The one place ClusterSources are built from settings. Adding a kind of cluster is one
// folder under sources/, its line in cluster-kinds.ts and one case in createSource() below.
//
// Client modules are required inside createSource(), not imported at the top: the extension
// bundle then evaluates gRPC / client-node code only when a cluster is first used, never
// during activate() (DESIGN.md: activation stays cheap).

import type { ClusterSource } from './cluster-source';
import type { BlixardClusterSpec, ClusterSpec, ClusterSpecBase, KubevirtClusterSpec } from './cluster-spec';
import type { SettingsProblem, SourceSettings } from './source-settings';
import type { Logger } from '../base/logger';
import { mergeKubeconfigDocuments, readKubeconfigDocument, summariseKubeContexts, type KubeconfigDocument } from './kubevirt/kubeconfig-summary';
import { RefusedFileError } from '../model/regular-file';

export interface SourceDependencies {
  logger: Logger;
  /** The bearer token stored for a Prometheus URL (the extension's SecretStorage), asked at each query. */
  prometheusToken?: (url: string) => Promise<string | undefined>;
}

export type SourceFactory = (spec: ClusterSpecBase, deps: SourceDependencies) => ClusterSource;

export function blixardSpecId(name: string): string {
  return `blixard:${name}`;
}

export function kubevirtSpecId(context: string): string {
  return `kubevirt:${context}`;
}

/** A Blixard cluster started by this window (Start Local Dev Cluster), not in the user's settings. */
export function localBlixardSpec(cluster: { id: string; label: string; endpoints: string[]; datacenter?: string; pollIntervalMs?: number }): ClusterSpecBase {
  const spec: BlixardClusterSpec = { kind: 'blixard', ...cluster, local: true };
  return spec;
}

/** Reads one kubeconfig file for planning (tests stand in for it). */
export type KubeconfigReader = (file: string) => Promise<KubeconfigDocument>;

export interface ClusterPlan {
  specs: ClusterSpec[];
  problems: SettingsProblem[];
  /**
   * Files the specs were read from (kubeconfig files, and the CA, certificate, key and token
   * files they name): when one changes, planning again may give other specs.
   */
  watchedFiles: string[];
}

/** Turns settings into cluster specs; reads kubeconfig files (regular files only, bounded, off the event loop) to list contexts. */
export async function planClusterSpecs(settings: SourceSettings, readKubeconfig: KubeconfigReader = readKubeconfigDocument): Promise<ClusterPlan> {
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
  const listed = await Promise.all(
    settings.kubeconfigFiles.map(async (file) => {
      try {
        return { file, document: await readKubeconfig(file.path) };
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException)?.code === 'ENOENT';
        if (!(missing && !file.explicit)) {
          problems.push({
            setting: 'blixard.kubevirt.kubeconfig',
            // A refusal (a FIFO, a device, too large) names the file itself.
            message: missing ? `${file.path} does not exist` : err instanceof RefusedFileError ? err.message : `${file.path}: ${(err as Error).message ?? String(err)}`,
          });
        }
        return { file, document: undefined };
      }
    }),
  );
  // Every file is handed to each context's source: kubectl merges them, and a context may name
  // a user or cluster defined in another file. When several files name a context, the first wins.
  const readable = listed.filter((l): l is { file: (typeof listed)[number]['file']; document: KubeconfigDocument } => l.document !== undefined);
  const kubeconfigPaths = readable.map((l) => l.file.path);
  const { contexts, referencedFiles } = await summariseKubeContexts(mergeKubeconfigDocuments(readable.map((l) => ({ file: l.file.path, document: l.document }))));
  const found = new Set<string>();
  for (const context of contexts) {
    found.add(context.name);
    if (wanted.size > 0 && !wanted.has(context.name)) continue;
    specs.push({
      kind: 'kubevirt',
      id: kubevirtSpecId(context.name),
      label: context.name,
      kubeconfigPaths,
      context: context.name,
      ...(context.clusterIdentity !== undefined ? { clusterIdentity: context.clusterIdentity } : {}),
      configDigest: context.configDigest,
      ...(settings.kubeWatchStallSeconds !== undefined ? { stallTimeoutMs: settings.kubeWatchStallSeconds * 1000 } : {}),
      ...prometheusFor(settings, context.name),
    } satisfies KubevirtClusterSpec);
  }
  for (const context of wanted) {
    if (!found.has(context)) {
      problems.push({ setting: 'blixard.kubevirt.contexts', message: `context "${context}" is in no kubeconfig file` });
    }
  }
  // A missing default kubeconfig is watched too: creating it should bring its clusters in.
  const watchedFiles = [...new Set([...settings.kubeconfigFiles.map((f) => f.path), ...referencedFiles])];
  return { specs, problems, watchedFiles };
}

/** A context's own Prometheus, else the one for every context ("*"), else none. */
function prometheusFor(settings: SourceSettings, context: string): Pick<KubevirtClusterSpec, 'prometheus'> {
  const own = settings.kubePrometheus && Object.prototype.hasOwnProperty.call(settings.kubePrometheus, context) ? settings.kubePrometheus[context] : undefined;
  const chosen = own ?? settings.kubePrometheus?.['*'];
  return chosen ? { prometheus: { ...chosen } } : {};
}

/** Context names of one kubeconfig file (YAML or JSON). Credentials in it are never logged. */
export async function readKubeconfigContexts(file: string): Promise<string[]> {
  return (await readKubeconfigDocument(file)).contexts.map((c) => c.name);
}

/** Builds the live source for a spec. Cheap: clients connect on first use. */
export const createSource: SourceFactory = (spec, deps) => {
  // A spec's kind says which of the planned shapes it has (planClusterSpecs, localBlixardSpec).
  const planned = spec as ClusterSpec;
  switch (planned.kind) {
    case 'blixard':
      return createBlixardSource(planned, deps);
    case 'kubevirt':
      return createKubevirtSource(planned, deps);
    default:
      throw new Error(`No source for clusters of kind "${spec.kind}"`);
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
    ...(spec.clusterIdentity !== undefined ? { clusterIdentity: spec.clusterIdentity } : {}),
    ...(spec.stallTimeoutMs !== undefined ? { stallTimeoutMs: spec.stallTimeoutMs } : {}),
    ...(spec.prometheus ? { prometheus: prometheusOptions(spec.prometheus, deps) } : {}),
    logger: deps.logger,
  });
}

function prometheusOptions(prometheus: NonNullable<KubevirtClusterSpec['prometheus']>, deps: SourceDependencies) {
  const { url, certificateAuthority } = prometheus;
  const token = deps.prometheusToken;
  return { url, ...(certificateAuthority ? { caFile: certificateAuthority } : {}), ...(token ? { token: () => token(url) } : {}) };
}
