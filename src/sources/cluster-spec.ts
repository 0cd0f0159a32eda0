// What it takes to build one ClusterSource, decided from settings before any connection:
// enough to draw the cluster's tree item without loading a client library.

import type { ClusterKind } from '../model/cluster';
import type { TlsSettings } from './source-settings';

/**
 * What every spec has, and all that code outside a kind's folder and the source factory may read:
 * how a spec reaches its cluster (endpoints, kubeconfig files…) is described by its kind
 * (ClusterKindDeclaration.describe), never read field by field.
 */
export interface ClusterSpecBase {
  kind: ClusterKind;
  /** ClusterSource.id. */
  id: string;
  label: string;
  datacenter?: string;
  /** See ClusterSource.clusterIdentity. */
  clusterIdentity?: string;
}

export interface BlixardClusterSpec extends ClusterSpecBase {
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
  /** See KubevirtClusterSpec.clusterIdentity; not derived for Blixard clusters yet. */
  clusterIdentity?: string;
}

export interface KubevirtClusterSpec extends ClusterSpecBase {
  kind: 'kubevirt';
  /** ClusterSource.id: "kubevirt:<context>". */
  id: string;
  label: string;
  datacenter?: string;
  /** Every kubeconfig file, in order, merged as kubectl does. */
  kubeconfigPaths: string[];
  context: string;
  /**
   * Opaque (ClusterSource.clusterIdentity): equal for contexts that reach the same API server
   * with the same CA, so their migrations are counted once. Absent when it cannot be told.
   */
  clusterIdentity?: string;
  /**
   * Digest of every kubeconfig entry and referenced file this context connects with: a file
   * rewritten with a rotated token or certificate changes it, and so the spec's key.
   */
  configDigest?: string;
  /** A watch silent this long is restarted (KubevirtSource's stallTimeoutMs); its default when absent. */
  stallTimeoutMs?: number;
  /** Where its virt-handler metrics are (blixard.kubevirt.prometheus): running migrations get byte progress from there. */
  prometheus?: { url: string; certificateAuthority?: string };
}

/** The specs planned from settings (create-sources.ts). */
export type ClusterSpec = BlixardClusterSpec | KubevirtClusterSpec;

/** Two specs with the same key can share one live source; a changed key means rebuild it. */
export function specKey(spec: ClusterSpecBase): string {
  return JSON.stringify(spec);
}
