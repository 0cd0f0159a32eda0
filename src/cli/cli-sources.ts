// Builds the ClusterSources the CLI watches from its flags, through the same settings parsing,
// cluster registry and source factory the extension uses. The registry follows the kubeconfig
// files (and the CA, certificate, key and token files they name): a file rewritten while the
// watch runs is read again, and the clusters whose entries or credentials changed are rebuilt,
// the others kept. Loaded only by `watch`: `history` never pays for client-node or gRPC.

import type { Event } from '../base/event';
import type { ClusterSource } from '../sources/cluster-source';
import type { ClusterArguments } from './cli-arguments';
import type { CliIo } from './cli-io';

export interface CliSourcesChange {
  sources: ClusterSource[];
  problems: string[];
}

export interface CliSources {
  sources: ClusterSource[];
  /** Settings that could not be used, each a sentence for stderr. */
  problems: string[];
  /** A followed file changed and was read again: the sources (and problems) as they are now. */
  onDidChange?: Event<CliSourcesChange>;
  /** Stops following the files and closes every source. */
  dispose?(): void;
}

/** Closes what buildCliSources gave; a source that fails to close must not keep the rest open. */
export function closeCliSources(built: CliSources | undefined): void {
  for (const s of built?.sources ?? []) {
    try {
      s.dispose();
    } catch {
      // see above
    }
  }
  try {
    built?.dispose?.();
  } catch {
    // see above
  }
}

export async function buildCliSources(args: ClusterArguments, io: CliIo): Promise<CliSources> {
  const [{ parseSourceSettings }, { createSource }, { ClusterRegistry }] = await Promise.all([
    import('../sources/source-settings'),
    import('../sources/create-sources'),
    import('../sources/cluster-registry'),
  ]);

  // Only --blixard given: watch just those, not whatever the default kubeconfig points at.
  const kubernetesWanted = args.kubeconfig.length > 0 || args.contexts.length > 0 || args.blixard.length === 0;
  const { settings, problems } = parseSourceSettings({
    clusters: args.blixard.map((b) => ({ name: b.name, endpoints: b.endpoints })),
    kubeconfig: args.kubeconfig,
    contexts: args.contexts,
  });
  if (!kubernetesWanted) settings.kubeconfigFiles = [];

  const logger = {
    debug() {},
    info() {},
    warn: (message: string) => io.err(`warning: ${message}`),
    error: (message: string) => io.err(`error: ${message}`),
  };
  const registry = new ClusterRegistry({ logger }, createSource, { watchFiles: true });
  await registry.applySettings(settings, problems);

  const current = (): CliSourcesChange => {
    const messages = registry.problems.map((p) => `${flagFor(p.setting)}: ${p.message}`);
    const sources: ClusterSource[] = [];
    for (const entry of registry.clusters) {
      try {
        sources.push(entry.acquire());
      } catch (err) {
        messages.push(`${entry.spec.label}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }
    return { sources, problems: messages };
  };
  return {
    ...current(),
    onDidChange: (listener) => registry.onDidChange(() => listener(current())),
    dispose: () => registry.dispose(),
  };
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
