// What really happened to every migration, kept outside the API objects so it survives
// garbage collection, cancellation and state resets. Watcher tests compare what they
// recorded against this.
import type { ChangeEvent, ObjectStore } from './object-store';
import { MIGRATIONS } from './resource-types';
import type { KubeObject } from './kube-object';

export type MigrationOrigin = 'user' | 'evacuation' | 'workload-update';
export type DeletionCause = 'user' | 'garbage-collected' | 'vmi-deleted' | 'state-reset';

export interface PhaseRecord {
  phase: string;
  /** The phaseTransitionTimestamp exactly as the object carries it. */
  timestamp: string;
  /** When the server committed the change (ms since epoch). */
  atMs: number;
  /** The resourceVersion of the update that introduced the phase. */
  resourceVersion: string;
}

export interface MigrationRecord {
  uid: string;
  namespace: string;
  name: string;
  vmiName: string;
  origin: MigrationOrigin;
  creationTimestamp: string;
  createdAtMs: number;
  phases: PhaseRecord[];
  finalPhase?: 'Succeeded' | 'Failed';
  sourceNode?: string;
  targetNode?: string;
  mode?: string;
  failureReason?: string;
  /** A DELETE arrived before the migration ended (the user cancelled it). */
  cancelRequested: boolean;
  abortRequested: boolean;
  abortStatus?: string;
  /** The final VirtualMachineInstanceMigration object as last stored. */
  lastObject: KubeObject;
  deletedAtMs?: number;
  deletionCause?: DeletionCause;
}

export function originOf(object: KubeObject): MigrationOrigin {
  const annotations = object.metadata.annotations ?? {};
  if ('kubevirt.io/evacuationMigration' in annotations) return 'evacuation';
  if ('kubevirt.io/workloadUpdateMigration' in annotations) return 'workload-update';
  return 'user';
}

export class GroundTruth {
  private readonly records = new Map<string, MigrationRecord>();
  private readonly pendingDeletionCause = new Map<string, DeletionCause>();

  constructor(store: ObjectStore) {
    store.onChange((event) => { if (event.resource === MIGRATIONS) this.observe(event); });
  }

  /** Says why the next DELETED of this migration happens (set just before removing it). */
  noteDeletionCause(uid: string, cause: DeletionCause): void {
    if (!this.pendingDeletionCause.has(uid)) this.pendingDeletionCause.set(uid, cause);
  }

  private observe(event: ChangeEvent): void {
    const object = event.stored.object;
    const uid = object.metadata.uid ?? '';
    let record = this.records.get(uid);
    if (!record) {
      record = {
        uid, namespace: object.metadata.namespace ?? '', name: object.metadata.name ?? '', vmiName: object.spec?.vmiName ?? '',
        origin: originOf(object), creationTimestamp: object.metadata.creationTimestamp ?? '', createdAtMs: event.atMs,
        phases: [], cancelRequested: false, abortRequested: false, lastObject: object,
      };
      this.records.set(uid, record);
    }
    record.lastObject = object;
    const status = object.status ?? {};
    const stamps: Array<{ phase: string; phaseTransitionTimestamp: string }> = status.phaseTransitionTimestamps ?? [];
    for (const stamp of stamps) {
      if (!record.phases.some((p) => p.phase === stamp.phase)) {
        record.phases.push({ phase: stamp.phase, timestamp: stamp.phaseTransitionTimestamp, atMs: event.atMs, resourceVersion: String(event.rv) });
      }
    }
    if (status.phase === 'Succeeded' || status.phase === 'Failed') record.finalPhase = status.phase;
    if (object.metadata.deletionTimestamp && !record.finalPhase && !record.cancelRequested) record.cancelRequested = true;
    const conditions: Array<{ type: string; status: string }> = status.conditions ?? [];
    if (conditions.some((c) => c.type === 'migrationAbortRequested' && c.status === 'True')) record.abortRequested = true;
    const state = status.migrationState;
    if (state) this.absorbState(record, state);
    if (event.type === 'DELETED') {
      record.deletedAtMs = event.atMs;
      record.deletionCause = this.pendingDeletionCause.get(uid) ?? 'user';
      this.pendingDeletionCause.delete(uid);
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  absorbState(record: MigrationRecord, state: any): void {
    if (state.sourceNode) record.sourceNode = state.sourceNode;
    if (state.targetNode) record.targetNode = state.targetNode;
    if (state.mode) record.mode = state.mode;
    if (state.failureReason) record.failureReason = state.failureReason;
    if (state.abortRequested) record.abortRequested = true;
    if (state.abortStatus) record.abortStatus = state.abortStatus;
  }

  /** Fills in what only the VMI showed while the migration ran (called by the controller). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  noteVmiMigrationState(uid: string, state: any): void {
    const record = this.records.get(uid);
    if (record && state) this.absorbState(record, state);
  }

  /** The server's state was thrown away: the migration is gone without a DELETED event. */
  noteReset(uid: string, atMs: number): void {
    const record = this.records.get(uid);
    if (record && record.deletedAtMs === undefined) { record.deletedAtMs = atMs; record.deletionCause = 'state-reset'; }
  }

  migrations(): MigrationRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  migration(ref: { uid?: string; namespace?: string; name?: string }): MigrationRecord | undefined {
    if (ref.uid) { const r = this.records.get(ref.uid); return r && structuredClone(r); }
    // The newest record with that name: names can be reused after a delete.
    const matches = [...this.records.values()].filter((r) => r.name === ref.name && (ref.namespace === undefined || r.namespace === ref.namespace));
    const last = matches[matches.length - 1];
    return last && structuredClone(last);
  }
}
