// The cluster snapshots the plan document's diagnostics check against: fetched with a deadline
// (a dead cluster must not hold the editor's diagnostics forever), kept briefly (typing re-checks
// every few hundred milliseconds; the cluster is not asked each time), one request at a time per
// cluster. Free of `vscode`; the clock is injectable for tests.

import { describeError } from '../../../model/errors';
import { formatDuration } from '../../../model/vocabulary';

export type SnapshotResult<T> = { ok: true; snapshot: T; at: number } | { ok: false; reason: string; at: number };

export interface SnapshotCacheOptions {
  /** How long an answer (or a failure) is reused, ms. */
  ttlMs: number;
  /** How long a fetch may take before it counts as failed, ms. */
  deadlineMs: number;
  now?: () => number;
}

export class SnapshotCache<T> {
  private readonly answers = new Map<string, SnapshotResult<T>>();
  private readonly pending = new Map<string, Promise<SnapshotResult<T>>>();
  private readonly now: () => number;

  constructor(private readonly options: SnapshotCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The cached answer for `key` while fresh, else a new fetch (shared with any already under way). */
  get(key: string, fetch: () => Promise<T>): Promise<SnapshotResult<T>> {
    const kept = this.answers.get(key);
    if (kept && this.now() - kept.at < this.options.ttlMs) return Promise.resolve(kept);
    const running = this.pending.get(key);
    if (running) return running;
    const request = withDeadline(fetch, this.options.deadlineMs).then(
      (snapshot): SnapshotResult<T> => ({ ok: true, snapshot, at: this.now() }),
      (err: unknown): SnapshotResult<T> => ({ ok: false, reason: describeError(err), at: this.now() }),
    );
    this.pending.set(key, request);
    void request.then((answer) => {
      this.pending.delete(key);
      this.answers.set(key, answer);
    });
    return request;
  }

  /** Forget `key` (or everything): the next get fetches. */
  invalidate(key?: string): void {
    if (key === undefined) this.answers.clear();
    else this.answers.delete(key);
  }
}

function withDeadline<T>(fetch: () => Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${formatDuration(ms)}`)), ms);
    fetch().then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
