// The completion promise of each migration this source started: settled when its VMIM reaches a
// final phase or is deleted — also when a relist shows it gone, for a migration created and
// deleted while the watch was down — and rejected if the source closes first.

import type { KubeVmim } from './kube-objects';
import { isFinalKubevirtPhase } from './vmim-parsing';

interface PendingCompletion {
  key: string;
  registeredAt: number;
  resolve(): void;
  reject(err: unknown): void;
}

export class MigrationCompletions {
  private readonly pending = new Map<string, PendingCompletion>();

  /** `known` is the VMIM as the cache holds it now, if it does (it may have ended already). */
  track(migrationId: string, key: string, known: KubeVmim | undefined): Promise<void> {
    let pending!: PendingCompletion;
    const completion = new Promise<void>((resolve, reject) => {
      pending = { key, registeredAt: Date.now(), resolve, reject };
    });
    // Callers may ignore the completion: its rejection on dispose must not crash anything.
    completion.catch(() => {});
    this.pending.set(migrationId, pending);
    if (known && isFinalKubevirtPhase(known.status?.phase)) this.settle(migrationId);
    return completion;
  }

  settle(migrationId: string): void {
    const pending = this.pending.get(migrationId);
    if (!pending) return;
    this.pending.delete(migrationId);
    pending.resolve();
  }

  /** After a list that started at `listStartedAt`: migrations registered before it and not in it are over. */
  settleVanished(store: ReadonlyMap<string, KubeVmim>, listStartedAt: number): void {
    for (const [id, pending] of this.pending) {
      if (pending.registeredAt < listStartedAt && !store.has(pending.key)) this.settle(id);
    }
  }

  rejectAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
