// The three caches a KubeVirt source follows — Nodes, VMIs and VMIMs, all namespaces — on one
// client that goes through the process-wide connection gate, and the REST paths of the objects
// the source reads and writes besides.

import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../base/logger';
import { gatedClient } from './connection-gate';
import { KubeClient } from './kube-client';
import type { KubeNode, KubeObject, KubeVmi, KubeVmim } from './kube-objects';
import { ResilientInformer, type InformerTiming } from './resilient-informer';

const KUBEVIRT = '/apis/kubevirt.io/v1';
const SUBRESOURCES = '/apis/subresources.kubevirt.io/v1';

export interface KubevirtInformers {
  client: KubeClient;
  nodes: ResilientInformer<KubeNode>;
  vmis: ResilientInformer<KubeVmi>;
  vmims: ResilientInformer<KubeVmim>;
}

export interface InformerSetup extends InformerTiming {
  clusterLabel: string;
  logger: Logger;
  /** Shared by the three: a failure all of them meet (a refused credential) is logged once. */
  failuresSaid: Set<string>;
}

/** Builds the informers (not started) for one kubeconfig context. */
export function createInformers(kubeConfig: KubeConfig, setup: InformerSetup): KubevirtInformers {
  // Connection attempts go through the process-wide gate: thousands of contexts connect in turn.
  const client = gatedClient(new KubeClient(kubeConfig));
  const make = <T extends KubeObject>(resource: string, path: string) => new ResilientInformer<T>({ ...setup, resource, path, client });
  return {
    client,
    nodes: make<KubeNode>('nodes', '/api/v1/nodes'),
    vmis: make<KubeVmi>('virtualmachineinstances', `${KUBEVIRT}/virtualmachineinstances`),
    vmims: make<KubeVmim>('virtualmachineinstancemigrations', `${KUBEVIRT}/virtualmachineinstancemigrations`),
  };
}

export function allInformers(informers: KubevirtInformers): Array<ResilientInformer<KubeObject>> {
  return [informers.nodes, informers.vmis, informers.vmims];
}

export const kubevirtPaths = {
  node: (name: string) => `/api/v1/nodes/${encodeURIComponent(name)}`,
  migrations: (namespace: string) => `${KUBEVIRT}/namespaces/${encodeURIComponent(namespace)}/virtualmachineinstancemigrations`,
  migration: (namespace: string, name: string) => `${kubevirtPaths.migrations(namespace)}/${encodeURIComponent(name)}`,
  vmi: (namespace: string, name: string) => `${KUBEVIRT}/namespaces/${encodeURIComponent(namespace)}/virtualmachineinstances/${encodeURIComponent(name)}`,
  vmRunState: (namespace: string, vmName: string, action: 'start' | 'stop') =>
    `${SUBRESOURCES}/namespaces/${encodeURIComponent(namespace)}/virtualmachines/${encodeURIComponent(vmName)}/${action}`,
};
