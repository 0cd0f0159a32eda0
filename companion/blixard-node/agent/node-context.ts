// What every part of one node daemon shares: its identity, the store, its view of the cluster,
// the writer, the VM runtime, its log and the signal that ends it.

import type { ClusterView } from '../state/cluster-view';
import type { StateWriter } from '../state/state-writer';
import type { ClusterStore } from '../store/cluster-store';
import { StoreUnavailableError, WaitTimeoutError, WriteConflictError } from '../errors';
import type { VmRuntime } from '../runtime/vm-runtime';
import { delay } from '../abortable-delay';
import { backoffDelay } from '../../../src/base/backoff';

export interface NodeContext {
  readonly nodeId: number;
  readonly store: ClusterStore;
  readonly view: ClusterView;
  readonly writer: StateWriter;
  readonly runtime: VmRuntime;
  readonly log: (line: string) => void;
  /** Aborted when the daemon stops or crashes. */
  readonly shutdown: AbortSignal;
}

/** Errors worth retrying later: the store is away, or other writers keep winning. */
export function isTransient(err: unknown): boolean {
  return err instanceof StoreUnavailableError || err instanceof WriteConflictError || err instanceof WaitTimeoutError;
}

/**
 * Runs `action` until it succeeds, retrying transient failures with backoff (the store may be
 * restarting); gives up only when `signal` aborts.
 */
export async function retryTransient<T>(action: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      if (!isTransient(err) || signal.aborted) throw err;
      // No jitter: a few local daemons of a dev cluster, whose start-up stays deterministic.
      await delay(backoffDelay(attempt, { initialMs: 100, maxMs: 2000, jitter: 0 }), signal);
    }
  }
}

