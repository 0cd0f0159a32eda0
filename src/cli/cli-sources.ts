// Builds the ClusterSources the CLI watches from its flags, through the same settings parsing
// and source factory the extension uses. Loaded only by `watch`: `history` never pays for
// client-node or gRPC.

import type { ClusterSource } from '../sources/cluster-source';
import type { WatchArguments } from './cli-arguments';
import type { CliIo } from './cli-io';

export interface CliSources {
  sources: ClusterSource[];
  /** Settings that could not be used, each a sentence for stderr. */
  problems: string[];
}

export async function buildCliSources(args: WatchArguments, io: CliIo): Promise<CliSources> {
  const [{ parseSourceSettings }, { planClusterSpecs, createSource }] = await Promise.all([import('../sources/source-settings'), import('../sources/create-sources')]);

  // Only --blixard given: watch just those, not whatever the default kubeconfig points at.
  const kubernetesWanted = args.kubeconfig.length > 0 || args.contexts.length > 0 || args.blixard.length === 0;
  const { settings, problems } = parseSourceSettings({
    clusters: args.blixard.map((b) => ({ name: b.name, endpoints: b.endpoints })),
    kubeconfig: args.kubeconfig,
    contexts: args.contexts,
  });
  if (!kubernetesWanted) settings.kubeconfigFiles = [];
  const plan = await planClusterSpecs(settings);
  const messages = [...problems, ...plan.problems].map((p) => `${flagFor(p.setting)}: ${p.message}`);

  const logger = {
    debug() {},
    info() {},
    warn: (message: string) => io.err(`warning: ${message}`),
    error: (message: string) => io.err(`error: ${message}`),
  };
  const sources: ClusterSource[] = [];
  for (const spec of plan.specs) {
    try {
      sources.push(createSource(spec, { logger }));
    } catch (err) {
      messages.push(`${spec.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  return { sources, problems: messages };
}

/** Settings problems name VS Code settings; on the command line, name the flag instead. */
function flagFor(setting: string): string {
  switch (setting) {
    case 'blixard.clusters':
      return '--blixard';
    case 'blixard.kubevirt.kubeconfig':
      return '--kubeconfig';
    case 'blixard.kubevirt.contexts':
      return '--context';
    default:
      return setting;
  }
}
