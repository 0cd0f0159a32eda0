// The seam: views, the dialog and the watcher know only this interface (DESIGN.md).
// Adding a kind of cluster is one folder under sources/ implementing it.

import type { ChangedScope, ClusterKind, ClusterNode, ConnectionState, Vm } from '../model/cluster';
import type { ClusterKindTraits } from '../model/cluster-kind';
import type { Event } from '../base/event';
import type { IDisposable } from '../base/lifecycle';
import type { MigrationObservation, MigrationStreamEvent } from '../model/migration';

export interface MigrationRequest {
  /** Vm.id within the source's cluster. */
  vmId: string;
  /** Target node id; undefined lets the cluster choose (where `traits.anyNode` says it can). */
  targetNodeId?: string;
  live: boolean;
  /** Override the target's capacity check (where `traits.force`). */
  force?: boolean;
  /** The plan this migration belongs to (model/plan-id.ts): kept with it by the cluster, seen again on Migration.planId. */
  planId?: string;
}

export interface MigrationHandle {
  /** Migration.id, as it will appear on watchMigrations(). */
  migrationId: string;
  /** Settles when the cluster reports the migration final (Blixard MigrateVm returns). */
  completion: Promise<void>;
}

/** What a console attachment reports, in order: attached, output…, then moved/attached again or ended. */
export interface ConsoleListener {
  /** Output comes from the VM on `nodeName` now (first attach, and again after following a migration). */
  attached(nodeName: string): void;
  output(data: Uint8Array): void;
  /** The VM left for `nodeName`; the source follows it by itself. */
  moved(nodeName: string): void;
  /** The stream was cut off (its daemon went away); the source attaches again by itself. `what`: the VM and why. */
  reconnecting(what: string): void;
  /** Attached again, on `nodeName`, after reconnecting(); output goes on from where it stopped. */
  reconnected(nodeName: string): void;
  /** The console is over: the VM stopped, the connection failed, or the attachment was closed. */
  ended(reason: string): void;
}

export interface ConsoleAttachment extends IDisposable {
  /** Sends what the user typed to the guest's serial port. */
  write(data: string): void;
}

export interface ClusterSource extends IDisposable {
  readonly id: string;
  readonly kind: ClusterKind;
  /** What differs about this kind of cluster (its folder's `<kind>-kind.ts`); `traits.kind` is `kind`. */
  readonly traits: ClusterKindTraits;
  readonly label: string;
  readonly datacenter?: string;
  /** Human-readable warnings about the connection (e.g. insecure non-loopback endpoint). */
  readonly warnings: readonly string[];
  /**
   * Opaque; sources with the same kind and identity reach the same cluster (two kubeconfig
   * contexts of one API server): they see the same migrations under the same local ids, so the
   * watcher streams from one of them and counts each migration once. Absent: a cluster of its own.
   */
  readonly clusterIdentity?: string;

  listNodes(): Promise<ClusterNode[]>;
  listVms(nodeId?: string): Promise<Vm[]>;
  startVm(vmId: string): Promise<void>;
  stopVm(vmId: string): Promise<void>;

  /** Validates on the cluster side and starts the migration; rejects with SourceError. */
  migrate(request: MigrationRequest): Promise<MigrationHandle>;
  cancel(migrationId: string): Promise<void>;
  /**
   * Optional: one migration's current state by Migration.id, or undefined when the cluster no
   * longer has it. The watcher calls it after a reconnect for migrations it held as active that
   * are missing from the `synced` list (Blixard's snapshot lists only non-final ones), so their
   * final phases are recorded instead of guessed. Must honour a deadline.
   */
  getMigration?(migrationId: string): Promise<MigrationObservation | undefined>;
  /**
   * Where `traits.console`: attaches to a running VM's serial console — its recent output, then
   * live output — following the VM when it migrates. Closing the attachment detaches.
   */
  attachConsole?(vmId: string, listener: ConsoleListener): ConsoleAttachment;
  /**
   * Where `traits.maintenance`: puts node `nodeId` into maintenance (`on`; it takes no new VMs and
   * lists `schedulable: false`) or takes it out, resolving once the cluster has recorded it; the
   * VMs on it stay where they are (moving them is a plan's work). `reason` is kept where
   * `traits.maintenance.recordsReason`. Setting what is already set succeeds. Rejects with
   * SourceError; honours a deadline.
   */
  setNodeMaintenance?(nodeId: string, on: boolean, reason?: string): Promise<void>;

  /**
   * Migrations as they change. The source connects when the first listener subscribes and
   * disconnects when the last one leaves; it reconnects by itself with backoff.
   */
  readonly onMigrationEvent: Event<MigrationStreamEvent>;
  /** Which node or VM changed, for targeted refresh. */
  readonly onDidChange: Event<ChangedScope>;
  readonly onDidChangeConnection: Event<ConnectionState>;
  readonly connection: ConnectionState;
}
