// Commits state changes as compare-and-swap transactions: a plan is computed from the local view,
// guarded by the modRevisions of the keys it read, and recomputed when another writer got there
// first. Nothing is acknowledged before the store has committed it and the view has caught up.

import type { ClusterStore, StoreOp } from '../store/cluster-store';
import type { ClusterView } from './cluster-view';
import { WriteConflictError } from '../errors';

export interface WritePlan<T> {
  /** Keys whose current modRevision (0 = absent) must still hold when the write lands. */
  guards: string[];
  ops: StoreOp[];
  result: T;
}

/** A plan that found nothing to write. */
export interface NoWrite<T> {
  noWrite: true;
  result: T;
}

export type PlanFn<T> = () => WritePlan<T> | NoWrite<T>;

export class StateWriter {
  constructor(
    private readonly store: ClusterStore,
    private readonly view: ClusterView,
  ) {}

  async commit<T>(plan: PlanFn<T>, attempts = 25): Promise<{ result: T; revision: number; wrote: boolean }> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const p = plan();
      if ('noWrite' in p) return { result: p.result, revision: this.view.revision, wrote: false };
      const compare = p.guards.map((key) => ({ key, modRevision: this.view.modRevisionOf(key) }));
      const outcome = await this.store.txn(compare, p.ops);
      if (outcome.succeeded) {
        await this.view.waitForRevision(outcome.revision);
        return { result: p.result, revision: outcome.revision, wrote: true };
      }
      await this.catchUp(p.guards);
    }
    throw new WriteConflictError('the cluster state kept changing under this write; try again');
  }

  /** Waits until the view holds at least the store's current revision of every guarded key. */
  private async catchUp(guards: string[]): Promise<void> {
    const fresh = await Promise.all(guards.map(async (key) => ({ key, modRevision: (await this.store.get(key))?.modRevision ?? 0 })));
    try {
      await this.view.waitUntil(() => fresh.every((f) => (f.modRevision === 0 ? this.view.modRevisionOf(f.key) === 0 : this.view.modRevisionOf(f.key) >= f.modRevision)), {
        timeoutMs: 5000,
      });
    } catch {
      // The view lags (store trouble); the next attempt fails its guard again or gives up.
    }
  }
}
