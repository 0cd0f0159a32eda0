// Kubeconfig files pointing at one or more of these servers, written as JSON (a subset of
// YAML that kubectl and client-node both read) with mode 0600 since they carry tokens.
import { writeFile, rename, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KubeconfigContext {
  name: string;
  token: string;
  namespace?: string;
  /** The user entry's name (defaults to the context's). */
  user?: string;
}

export interface KubeconfigCluster {
  name: string;
  url: string;
  /** base64 of the CA certificate PEM, for https servers. */
  caData?: string;
  contexts: KubeconfigContext[];
}

export function buildKubeconfig(clusters: KubeconfigCluster[], currentContext?: string): Record<string, unknown> {
  const contexts: unknown[] = [];
  const users: unknown[] = [];
  for (const c of clusters) {
    for (const ctx of c.contexts) {
      const user = ctx.user ?? ctx.name;
      contexts.push({ name: ctx.name, context: { cluster: c.name, user, ...(ctx.namespace ? { namespace: ctx.namespace } : {}) } });
      users.push({ name: user, user: { token: ctx.token } });
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.url, ...(c.caData ? { 'certificate-authority-data': c.caData } : {}) } })),
    contexts,
    users,
    'current-context': currentContext ?? clusters[0]?.contexts[0]?.name ?? '',
  };
}

export async function writeKubeconfigFile(path: string, clusters: KubeconfigCluster[], currentContext?: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(buildKubeconfig(clusters, currentContext), null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}
