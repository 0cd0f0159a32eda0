// The part of kube-controller-manager's node lifecycle controller that `kubectl cordon` relies on
// (TaintNodesByCondition): a Node's `node.kubernetes.io/unschedulable:NoSchedule` taint follows its
// `spec.unschedulable`, a moment after the change, however the change was made (kubectl's patch,
// an update, the test API's cordonNode). The schedulers here read spec.unschedulable, as
// KubeVirt's virt-controller placing a migration target does.
import type { KubeCluster } from './cluster';
import type { KubeObject } from './kube-object';
import type { ChangeEvent } from './object-store';
import { markUnschedulable } from './object-factories';
import { NODES } from './resource-types';

const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';

export class NodeLifecycleController {
  private unsubscribe?: () => void;
  private readonly pending = new Set<string>();

  constructor(private readonly cluster: KubeCluster) {}

  start(): void {
    this.unsubscribe = this.cluster.store.onChange((e) => this.onChange(e));
    for (const node of this.cluster.store.list(NODES)) this.consider(node.object);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.pending.clear();
  }

  private onChange(event: ChangeEvent): void {
    if (event.resource !== NODES || event.type === 'DELETED') return;
    this.consider(event.stored.object);
  }

  private consider(node: KubeObject): void {
    const name = node.metadata.name;
    if (!name || !disagrees(node) || this.pending.has(name)) return;
    this.pending.add(name);
    // Not inside the store's change notification: the controller acts on what it was told, after.
    setImmediate(() => {
      this.pending.delete(name);
      if (!this.unsubscribe) return;
      const current = this.cluster.store.get(NODES, undefined, name)?.object;
      if (current && disagrees(current)) this.cluster.mutate(NODES, undefined, name, (d) => markUnschedulable(d, d.spec?.unschedulable === true));
    });
  }
}

function disagrees(node: KubeObject): boolean {
  const tainted = (node.spec?.taints ?? []).some((t: { key?: string }) => t?.key === UNSCHEDULABLE_TAINT);
  return tainted !== (node.spec?.unschedulable === true);
}
