// Migrations the platform starts on its own, named the way KubeVirt names them: node drains
// (the evacuation controller: kubevirt-evacuation-xxxxx, annotated with the node) and
// workload updates after a KubeVirt upgrade (kubevirt-workload-update-xxxxx).
import type { KubeCluster } from './cluster';
import type { KubeObject } from './kube-object';
import { MIGRATIONS, NODES, VIRTUAL_MACHINE_INSTANCES } from './resource-types';
import { markUnschedulable } from './object-factories';
import { KubeApiError, notFound } from './status-errors';

export interface PlatformMigrationResult {
  /** Names of the migrations created. */
  created: string[];
  /** VMIs left alone, with why (not migratable, eviction strategy None, already migrating). */
  skipped: Array<{ namespace: string; name: string; reason: string }>;
}

function isMigratable(vmi: KubeObject): { ok: boolean; reason?: string } {
  const c = (vmi.status?.conditions ?? []).find((x: { type: string }) => x.type === 'LiveMigratable');
  if (c && c.status === 'False') return { ok: false, reason: `LiveMigratable=False (${c.reason})` };
  return { ok: true };
}

function createPlatformMigration(cluster: KubeCluster, vmi: KubeObject, prefix: string, annotations: Record<string, string>, result: PlatformMigrationResult): void {
  const namespace = vmi.metadata.namespace ?? 'default';
  try {
    const created = cluster.create(MIGRATIONS, {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachineInstanceMigration',
      metadata: { generateName: prefix, namespace, annotations },
      spec: { vmiName: vmi.metadata.name },
    }, namespace);
    result.created.push(created.metadata.name ?? '');
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    result.skipped.push({ namespace, name: vmi.metadata.name ?? '', reason: error.message });
  }
}

/** kubectl drain's effect on a KubeVirt node: cordon it, then evacuate its VMIs by live migration. */
export function drainNode(cluster: KubeCluster, nodeName: string): PlatformMigrationResult {
  if (!cluster.store.get(NODES, undefined, nodeName)) throw notFound('nodes', '', nodeName);
  cluster.mutate(NODES, undefined, nodeName, (d) => markUnschedulable(d, true));
  const result: PlatformMigrationResult = { created: [], skipped: [] };
  for (const stored of cluster.store.list(VIRTUAL_MACHINE_INSTANCES)) {
    const vmi = stored.object;
    if (vmi.status?.nodeName !== nodeName || vmi.status?.phase !== 'Running' || vmi.metadata.deletionTimestamp) continue;
    const strategy = vmi.spec?.evictionStrategy ?? 'None';
    const migratable = isMigratable(vmi);
    if (strategy === 'None' || strategy === 'External' || (strategy === 'LiveMigrateIfPossible' && !migratable.ok)) {
      result.skipped.push({ namespace: vmi.metadata.namespace ?? '', name: vmi.metadata.name ?? '', reason: `evictionStrategy ${strategy}` });
      continue;
    }
    cluster.mutate(VIRTUAL_MACHINE_INSTANCES, vmi.metadata.namespace, vmi.metadata.name ?? '', (d) => { d.status.evacuationNodeName = nodeName; });
    createPlatformMigration(cluster, vmi, 'kubevirt-evacuation-', { 'kubevirt.io/evacuationMigration': nodeName }, result);
  }
  return result;
}

export function uncordonNode(cluster: KubeCluster, nodeName: string): void {
  if (!cluster.store.get(NODES, undefined, nodeName)) throw notFound('nodes', '', nodeName);
  cluster.mutate(NODES, undefined, nodeName, (d) => markUnschedulable(d, false));
}

/** The workload updater: migrate running, migratable VMIs onto a new virt-launcher. */
export function startWorkloadUpdate(cluster: KubeCluster, filter: { namespace?: string; vmiNames?: string[] } = {}): PlatformMigrationResult {
  const result: PlatformMigrationResult = { created: [], skipped: [] };
  for (const stored of cluster.store.list(VIRTUAL_MACHINE_INSTANCES, filter.namespace)) {
    const vmi = stored.object;
    if (filter.vmiNames && !filter.vmiNames.includes(vmi.metadata.name ?? '')) continue;
    if (vmi.status?.phase !== 'Running' || vmi.metadata.deletionTimestamp) continue;
    const migratable = isMigratable(vmi);
    if (!migratable.ok) { result.skipped.push({ namespace: vmi.metadata.namespace ?? '', name: vmi.metadata.name ?? '', reason: migratable.reason ?? '' }); continue; }
    createPlatformMigration(cluster, vmi, 'kubevirt-workload-update-', { 'kubevirt.io/workloadUpdateMigration': '' }, result);
  }
  return result;
}
