// What it takes to build one ClusterSource, decided from settings before any connection:
// enough to draw the cluster's tree item without loading a client library.

import type { TlsSettings } from './source-settings';

export interface BlixardClusterSpec {
  kind: 'blixard';
  /** ClusterSource.id: "blixard:<name>", or "blixard-dev:local" for the local dev cluster. */
  id: string;
  label: string;
  datacenter?: string;
  endpoints: string[];
  tls?: TlsSettings;
  /** Started by this window (Start Local Dev Cluster), not in the user's settings. */
  local?: boolean;
  /** Re-list interval of the source's own change poller; 0 = off. */
  pollIntervalMs?: number;
}

export interface KubevirtClusterSpec {
  kind: 'kubevirt';
  /** ClusterSource.id: "kubevirt:<context>". */
  id: string;
  label: string;
  datacenter?: string;
  /** Every kubeconfig file, in order, merged as kubectl does. */
  kubeconfigPaths: string[];
  context: string;
  /** A watch silent this long is restarted (KubevirtSource's stallTimeoutMs); its default when absent. */
  stallTimeoutMs?: number;
}

export type ClusterSpec = BlixardClusterSpec | KubevirtClusterSpec;

/** Two specs with the same key can share one live source; a changed key means rebuild it. */
export function specKey(spec: ClusterSpec): string {
  return JSON.stringify(spec);
}
