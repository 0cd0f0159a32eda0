// The in-flight migration a VM row of the Clusters tree shows ("→ node03 · PreparingTarget"), read
// from the MigrationWatcher the dialog, the Migrations view and the status bar read, and redrawn on
// the watcher's own updates — not from the VMI's status on the next list, which lags the watcher
// by a list round trip and outlives a cancel. Where the watcher cannot stream a cluster's
// migrations (down, or not allowed to), the list's own view of the VM is all there is.
// No `vscode` here.

import type { ConnectionState, Vm } from '../../../model/cluster';
import { type Event } from '../../../base/event';
import { DisposableStore, type IDisposable } from '../../../base/lifecycle';
import { FINAL_STATES, type Migration } from '../../../model/migration';
import type { MigrationEndEvent, MigrationUpdateEvent, SourceStatusEvent } from '../../../watch/migration-watcher';

/** What of the MigrationWatcher this needs. */
export interface WatchedMigrations {
  active(): Migration[];
  /** The state of a cluster's migration stream, by the id of any source reaching it. */
  status(sourceId: string): ConnectionState | undefined;
  /** The cluster id migrations of a source are held under (several contexts of one cluster share one). */
  clusterOf?(sourceId: string): string | undefined;
  readonly onDidUpdate: Event<MigrationUpdateEvent>;
  readonly onDidEnd: Event<MigrationEndEvent>;
  readonly onDidChangeStatus: Event<SourceStatusEvent>;
}

/**
 * A VM as both a Migration (`vm`, `namespace`) and a Vm (`name`, `namespace`) name it: the VM's
 * id is the source's own business (a KubeVirt source makes it of namespace and name), so it is
 * never rebuilt here.
 */
export interface VmName {
  name: string;
  namespace?: string;
}

export class WatcherVmMigrations implements IDisposable {
  /** `${held cluster id}\n${namespace}\n${vm name}` → the migration in flight. */
  private readonly inFlightByVm = new Map<string, Migration>();
  /** VM name → how many keys of inFlightByVm name it: a row whose VM has none asks no more (no key built per row, 100,000 per redraw). */
  private readonly namesInFlight = new Map<string, number>();
  private readonly subscriptions = new DisposableStore();

  /** @param onDidChangeVm a VM's in-flight migration changed: redraw its row (`clusterId` as the watcher holds it) */
  constructor(
    private readonly watcher: WatchedMigrations,
    private readonly onDidChangeVm: (heldClusterId: string, vm: VmName) => void,
  ) {
    for (const m of watcher.active()) this.hold(keyOf(m.cluster, vmNameOf(m)), m);
    this.subscriptions.add(watcher.onDidUpdate((e) => this.take(e.migration)));
    this.subscriptions.add(watcher.onDidEnd((e) => this.take(e.migration)));
    // The stream going down or coming back switches the rows between the watcher's view and the list's.
    this.subscriptions.add(
      watcher.onDidChangeStatus((e) => {
        const held = this.heldClusterOf(e.sourceId);
        for (const m of this.inFlightByVm.values()) if (m.cluster === held) this.onDidChangeVm(held, vmNameOf(m));
      }),
    );
  }

  /** The watcher's cluster id for a tree cluster: rows of every context of one cluster read the same migrations. */
  heldClusterOf(clusterId: string): string {
    return this.watcher.clusterOf?.(clusterId) ?? clusterId;
  }

  /** The migration the VM's row shows: the watcher's while it streams this cluster, else the list's. */
  inFlight(clusterId: string, vm: Vm): Vm['migration'] {
    const stream = this.watcher.status(clusterId);
    if (stream?.state !== 'connected' || stream.limitation) return vm.migration;
    if (!this.namesInFlight.has(vm.name)) return undefined;
    const m = this.inFlightByVm.get(keyOf(this.heldClusterOf(clusterId), vm));
    if (!m) return undefined;
    return m.targetNode ? { id: m.id, name: m.name, phase: m.phase, targetNodeId: m.targetNode } : { id: m.id, name: m.name, phase: m.phase };
  }

  dispose(): void {
    this.subscriptions.dispose();
    this.inFlightByVm.clear();
    this.namesInFlight.clear();
  }

  private take(m: Migration): void {
    const key = keyOf(m.cluster, vmNameOf(m));
    const held = this.inFlightByVm.get(key);
    if (FINAL_STATES.has(m.state)) {
      // Only the migration the row shows ends it: an older one of the same VM ending late does not.
      if (held && held.id !== m.id) return;
      this.release(key, m.vm);
    } else {
      if (held && held.id !== m.id && held.createdAt > m.createdAt) return;
      this.hold(key, m);
    }
    this.onDidChangeVm(m.cluster, vmNameOf(m));
  }

  private hold(key: string, m: Migration): void {
    if (!this.inFlightByVm.has(key)) this.namesInFlight.set(m.vm, (this.namesInFlight.get(m.vm) ?? 0) + 1);
    this.inFlightByVm.set(key, m);
  }

  private release(key: string, name: string): void {
    if (!this.inFlightByVm.delete(key)) return;
    const left = (this.namesInFlight.get(name) ?? 1) - 1;
    if (left > 0) this.namesInFlight.set(name, left);
    else this.namesInFlight.delete(name);
  }
}

function vmNameOf(m: Migration): VmName {
  // A migration read back from the history may say null for "no namespace".
  return m.namespace ? { name: m.vm, namespace: m.namespace } : { name: m.vm };
}

function keyOf(clusterId: string, vm: VmName): string {
  return `${clusterId}\n${vm.namespace ?? ''}\n${vm.name}`;
}
