// One KubevirtSource per selected kubeconfig context: what the extension and the CLI call when
// the `blixard.kubevirt.*` settings (or --kubeconfig/--context) say which clusters to show.

import { listKubeContexts } from './kubeconfig-loader';
import { KubevirtSource, type KubevirtSourceOptions } from './kubevirt-source';

export interface KubevirtSourcesOptions extends Omit<KubevirtSourceOptions, 'context' | 'id' | 'label'> {
  /** Contexts to show (`blixard.kubevirt.contexts`); undefined or empty means every context. */
  contexts?: readonly string[];
}

export interface KubevirtSources {
  sources: KubevirtSource[];
  /** Unreadable files and selected contexts that do not exist, said plainly for the user. */
  problems: string[];
}

/** Reads the kubeconfig files (loads client-node: call it on first use, not at activation). */
export async function createKubevirtSources(options: KubevirtSourcesOptions): Promise<KubevirtSources> {
  const { contexts: selected, ...sourceOptions } = options;
  const list = await listKubeContexts(options.kubeconfigPaths);
  const problems = [...list.problems];
  const known = new Set(list.contexts.map((c) => c.name));
  const wanted = selected && selected.length > 0 ? [...new Set(selected)] : list.contexts.map((c) => c.name);
  for (const name of wanted) if (!known.has(name)) problems.push(`Kubeconfig context ${name} is selected but no kubeconfig file defines it`);
  const sources = wanted.filter((name) => known.has(name)).map((context) => new KubevirtSource({ ...sourceOptions, context }));
  return { sources, problems };
}
