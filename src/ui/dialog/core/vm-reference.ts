// Which VM a "Migrate VM…" invocation is about. The Clusters tree passes its VM element; other
// callers (tests, the Migrations view, other extensions) may pass a plain { clusterId, vmId }.
// Accepts the few shapes that carry those two ids and nothing else.

import { isBoundedId } from '../../../protocol/guards';

export interface VmReference {
  clusterId: string;
  vmId: string;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function vmReferenceFrom(arg: unknown): VmReference | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  // { clusterId, vmId }
  const clusterId = field(arg, 'clusterId') ?? field(field(arg, 'source'), 'id') ?? field(field(arg, 'cluster'), 'id') ?? field(arg, 'sourceId');
  const vmId = field(arg, 'vmId') ?? field(field(arg, 'vm'), 'id');
  if (isBoundedId(clusterId) && isBoundedId(vmId)) return { clusterId, vmId };
  return undefined;
}
