// Turns a --store value into a ClusterStore: "memory" or "etcd://HOST:PORT[,HOST:PORT…]".

import type { ClusterStore } from './cluster-store';
import { MemoryStore } from './memory-store';

export type StoreSpec = { kind: 'memory' } | { kind: 'etcd'; endpoints: string[] };

export function parseStoreSpec(value: string): StoreSpec {
  if (value === 'memory') return { kind: 'memory' };
  const m = /^etcd:\/\/(.+)$/.exec(value);
  if (!m) throw new Error(`--store must be "memory" or "etcd://HOST:PORT[,HOST:PORT…]", not "${value}"`);
  const endpoints = m[1].split(',').map((s) => s.trim());
  for (const e of endpoints) {
    if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(e)) throw new Error(`--store: "${e}" is not HOST:PORT`);
  }
  return { kind: 'etcd', endpoints };
}

export async function openStore(spec: StoreSpec): Promise<ClusterStore> {
  if (spec.kind === 'memory') return new MemoryStore();
  // Loaded only when asked for: etcd3 and its gRPC stubs cost time to require.
  const { EtcdStore } = await import('./etcd-store');
  return EtcdStore.connect(spec.endpoints);
}
