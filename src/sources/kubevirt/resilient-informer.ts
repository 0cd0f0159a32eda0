// A list+watch cache of one Kubernetes collection that does not give up. client-node 1.x's
// informer stops on any error other than 410 and cannot notice a silent stream; this one
// retries with backoff and jitter, relists on 410 Gone, asks for bookmarks and restarts a watch
// that has said nothing (no event, no bookmark) for `stallTimeoutMs`. One list is
// paged-list.ts, one watch watch-attempt.ts; this file decides what comes next and keeps the cache.

import { SourceError } from '../../model/errors';
import { backoffDelay, type BackoffOptions } from '../../base/backoff';
import { LogOnce } from '../../base/log-once';
import { withDeadline } from '../../base/deadline';
import type { Logger } from '../../base/logger';
import type { KubeClient } from './kube-client';
import { KubeHttpError, toSourceError } from './kube-error';
import type { KubeObject, KubeStatus } from './kube-objects';
import { objectKey } from './kube-objects';
import { listCollection } from './paged-list';
import { startWatch, type WatchOutcome } from './watch-attempt';
import { scrubSecrets } from '../../base/secret-registry';

export interface InformerTiming {
  /** Deadline for each page of a list. */
  listTimeoutMs: number;
  /** Deadline for a watch request's response headers. */
  connectTimeoutMs: number;
  /** A watch that delivers no event and no bookmark for this long is restarted. */
  stallTimeoutMs: number;
  /** Server-side watch timeout; each watch asks for a random value between this and twice it. */
  watchTimeoutSeconds: number;
  backoff: BackoffOptions;
  /** Items per list page (`limit`). */
  pageSize: number;
}

export interface InformerOptions extends InformerTiming {
  /** Plural resource name, for messages ("virtualmachineinstancemigrations"). */
  resource: string;
  /** The collection's path, e.g. /apis/kubevirt.io/v1/virtualmachineinstancemigrations. */
  path: string;
  client: KubeClient;
  /** The cluster's name in messages (the kubeconfig context). */
  clusterLabel: string;
  logger: Logger;
  /**
   * Failure messages said (at warn) by any informer of one cluster and not yet recovered from:
   * one cause (a refused credential) fails every informer the same way, and is said once.
   */
  failuresSaid?: Set<string>;
  random?: () => number;
}

export type InformerStatus =
  | { state: 'stopped' }
  | { state: 'connecting' }
  | { state: 'watching' }
  | { state: 'retrying'; error: SourceError; retryInMs: number };

export interface InformerListener<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(obj: T, previous: T): void;
  /** With the object's last state. Also called for objects a relist no longer returns. */
  onDelete?(obj: T): void;
  /** After every (re)list has been applied to the store. */
  onSynced?(store: ReadonlyMap<string, T>, listStartedAt: number): void;
  onStatus?(status: InformerStatus): void;
}

/** A watch that ends cleanly sooner than this without a word counts as a failure (no hot loop). */
const MIN_QUIET_WATCH_MS = 1000;

export class ResilientInformer<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly listeners = new Set<InformerListener<T>>();
  private resourceVersion = '';
  private generation = 0;
  private running = false;
  private synced = false;
  private currentStatus: InformerStatus = { state: 'stopped' };
  /** Ends the current backoff delay early. */
  private wakeSleep: (() => void) | undefined;
  /** Ends the current watch (stop()). */
  private endWatch: (() => void) | undefined;
  private failures = 0;
  /** The failure last reported while retrying; cleared by a success, so the next outage is said again. */
  private lastRetryMessage?: string;
  private stalledInARow = 0;
  private readonly loggedOnce = new LogOnce();

  constructor(private readonly options: InformerOptions) {}

  get status(): InformerStatus {
    return this.currentStatus;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The cache as of the last event: key is "namespace/name" (or "name"). */
  get items(): ReadonlyMap<string, T> {
    return this.store;
  }

  listen(listener: InformerListener<T>): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    this.setStatus({ state: 'connecting' });
    void this.run(generation);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.endWatch?.();
    this.wakeSleep?.();
    this.setStatus({ state: 'stopped' });
  }

  /** Skips the remaining backoff delay (a user pressed Retry). */
  retryNow(): void {
    this.failures = 0;
    this.wakeSleep?.();
  }

  /**
   * Resolves once the cache holds a complete list. Rejects with the reason when the first list
   * fails (the informer keeps retrying on its own) or after `timeoutMs`.
   */
  waitUntilSynced(timeoutMs: number): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.currentStatus.state === 'retrying') return Promise.reject(this.currentStatus.error);
    let subscription: { dispose(): void } | undefined;
    const synced = new Promise<void>((resolve, reject) => {
      subscription = this.listen({
        onSynced: () => resolve(),
        onStatus: (status) => {
          if (status.state === 'retrying') reject(status.error);
          if (status.state === 'stopped') reject(new SourceError('unavailable', `${this.options.clusterLabel}: the connection was closed`));
        },
      });
    });
    const timedOut = () => new SourceError('timeout', `${this.options.clusterLabel}: listing ${this.options.resource} took longer than ${formatDuration(timeoutMs)}`);
    return withDeadline(synced, timeoutMs, timedOut).finally(() => subscription?.dispose());
  }

  private async run(generation: number): Promise<void> {
    const live = () => this.generation === generation;
    while (live()) {
      if (!this.resourceVersion) {
        try {
          await this.relist(live);
          this.failures = 0;
        } catch (err) {
          if (!live()) return;
          if (err instanceof KubeHttpError && err.statusCode === 410 && this.failures === 0) {
            // An expired continue token: list again from the start, once without delay.
            this.failures++;
            continue;
          }
          await this.retryAfterFailure(err, 'list', live);
          continue;
        }
        if (!live()) return;
      }
      const outcome = await this.watchOnce(live);
      if (!live()) return;
      switch (outcome.kind) {
        case 'expired':
          this.options.logger.info(`${this.options.clusterLabel}: watch of ${this.options.resource} expired (410 Gone); relisting`);
          this.resourceVersion = '';
          break;
        case 'ended':
          if (outcome.receivedAny || outcome.lastedMs >= MIN_QUIET_WATCH_MS) break; // server timeout: watch again
          await this.retryAfterFailure(new Error('the server closed the watch at once'), 'watch', live, { quiet: this.failures < 2 });
          break;
        case 'stalled': {
          this.stalledInARow = outcome.receivedAny ? 1 : this.stalledInARow + 1;
          const silence = formatDuration(this.options.stallTimeoutMs);
          this.options.logger.warn(`${this.options.clusterLabel}: watch of ${this.options.resource} sent nothing for ${silence} (no event, no bookmark); restarting it`);
          // One stall is a lost stream; a second in a row is a server that is not answering.
          if (this.stalledInARow >= 2) {
            await this.retryAfterFailure(new SourceError('unavailable', `${this.options.clusterLabel}: watch of ${this.options.resource} stalled (nothing for ${silence})`), 'watch', live);
          }
          break;
        }
        case 'failed': {
          if (outcome.error instanceof KubeHttpError && outcome.error.statusCode === 410) {
            this.resourceVersion = '';
            break;
          }
          // A stream that worked and then broke is normal (API server restart, idle proxy):
          // reconnect at once; only failures to (re)connect are reported and backed off.
          const worked = outcome.established && (outcome.receivedAny || outcome.lastedMs >= MIN_QUIET_WATCH_MS);
          if (worked) {
            this.options.logger.info(`${this.options.clusterLabel}: watch of ${this.options.resource} broke (${scrubSecrets(describe(outcome.error))}); reconnecting`);
            this.failures = 0;
            break;
          }
          await this.retryAfterFailure(outcome.error, 'watch', live);
          break;
        }
      }
    }
  }

  private async relist(live: () => boolean): Promise<void> {
    const listStartedAt = Date.now();
    const { client, path, resource, pageSize, listTimeoutMs, clusterLabel } = this.options;
    const listed = await listCollection<T>({ client, path, resource, pageSize, listTimeoutMs }, live, (item) =>
      this.logOnce(`nameless:${JSON.stringify(item?.metadata ?? null).slice(0, 80)}`, `${clusterLabel}: a listed ${resource} item has no name; skipped`),
    );
    if (!listed) return;
    const fresh = listed.items;

    // Replace the cache, telling listeners only what actually changed since they last heard.
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.emit((l) => l.onDelete?.(old));
      }
    }
    for (const [key, obj] of fresh) {
      const previous = this.store.get(key);
      this.store.set(key, obj);
      if (!previous) this.emit((l) => l.onAdd?.(obj));
      else if (!sameVersion(previous, obj)) this.emit((l) => l.onUpdate?.(obj, previous));
    }
    this.resourceVersion = listed.resourceVersion;
    this.synced = true;
    this.setStatus({ state: 'watching' });
    this.emit((l) => l.onSynced?.(this.store, listStartedAt));
  }

  private async watchOnce(live: () => boolean): Promise<WatchOutcome> {
    const opts = this.options;
    const attempt = startWatch(
      {
        client: opts.client,
        path: opts.path,
        resourceVersion: this.resourceVersion,
        connectTimeoutMs: opts.connectTimeoutMs,
        stallTimeoutMs: opts.stallTimeoutMs,
        watchTimeoutSeconds: opts.watchTimeoutSeconds,
        random: opts.random ?? Math.random,
      },
      {
        live,
        first: () => {
          this.failures = 0;
          this.stalledInARow = 0;
          if (this.currentStatus.state !== 'watching') this.setStatus({ state: 'watching' });
        },
        event: (event) => this.applyEvent(event),
        malformedLine: (snippet) => this.logOnce(`line:${snippet}`, `${opts.clusterLabel}: watch of ${opts.resource} sent a line that is not JSON (${snippet}); skipped`),
      },
    );
    this.endWatch = attempt.end;
    try {
      return await attempt.outcome;
    } finally {
      if (this.endWatch === attempt.end) this.endWatch = undefined;
    }
  }

  /** Applies one watch event to the cache; returns an outcome when the watch must end. */
  private applyEvent(event: { type?: string; object?: unknown }): WatchOutcome | undefined {
    const obj = event.object as T | undefined;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED': {
        const key = obj && typeof obj === 'object' ? objectKey(obj) : undefined;
        if (!key) {
          this.logOnce(`event:${event.type}`, `${this.options.clusterLabel}: a ${event.type} event of ${this.options.resource} has no object name; skipped`);
          return undefined;
        }
        const previous = this.store.get(key);
        if (event.type === 'DELETED') {
          this.store.delete(key);
          if (previous) this.emit((l) => l.onDelete?.(obj!));
        } else {
          this.store.set(key, obj!);
          if (!previous) this.emit((l) => l.onAdd?.(obj!));
          else if (!sameVersion(previous, obj!)) this.emit((l) => l.onUpdate?.(obj!, previous));
        }
        this.noteResourceVersion(obj);
        return undefined;
      }
      case 'BOOKMARK':
        this.noteResourceVersion(obj);
        return undefined;
      case 'ERROR': {
        const status = (obj ?? {}) as KubeStatus;
        if (status.code === 410) return { kind: 'expired' };
        const code = typeof status.code === 'number' ? status.code : 500;
        return { kind: 'failed', error: new KubeHttpError(code, status, status.message ?? 'watch error'), established: true, receivedAny: false, lastedMs: 0 };
      }
      default:
        this.logOnce(`type:${String(event.type)}`, `${this.options.clusterLabel}: watch of ${this.options.resource} sent an event of unknown type ${JSON.stringify(event.type ?? null).slice(0, 40)}; skipped`);
        return undefined;
    }
  }

  private noteResourceVersion(obj: KubeObject | undefined): void {
    const rv = obj?.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
  }

  private async retryAfterFailure(err: unknown, verb: 'list' | 'watch', live: () => boolean, { quiet = false } = {}): Promise<void> {
    const delay = backoffDelay(this.failures, { ...this.options.backoff, random: this.options.random ?? this.options.backoff.random });
    this.failures++;
    const error = toSourceError(err, { verb, resource: this.options.resource }, this.options.clusterLabel);
    if (!quiet) {
      // Said once per failure (the cluster's connection state carries it to the tree and the
      // watcher's outage line); the same failure on each retry is detail, for the debug level.
      const said = this.options.failuresSaid;
      const repeated = this.lastRetryMessage === error.message || said?.has(error.message) === true;
      if (this.lastRetryMessage !== undefined && this.lastRetryMessage !== error.message) said?.delete(this.lastRetryMessage);
      this.lastRetryMessage = error.message;
      said?.add(error.message);
      this.options.logger[repeated ? 'debug' : 'warn'](`${error.message}; retrying in ${formatDuration(delay)}`);
      this.setStatus({ state: 'retrying', error, retryInMs: delay });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
    this.wakeSleep = undefined;
    if (live() && this.currentStatus.state === 'retrying') this.setStatus({ state: 'connecting' });
  }

  private setStatus(status: InformerStatus): void {
    const before = this.currentStatus;
    this.currentStatus = status;
    if (status.state === 'watching' && this.lastRetryMessage !== undefined) {
      this.options.failuresSaid?.delete(this.lastRetryMessage);
      this.lastRetryMessage = undefined;
    }
    const same =
      before.state === status.state &&
      (status.state !== 'retrying' || (before.state === 'retrying' && before.error.message === status.error.message));
    if (same && status.state !== 'retrying') return;
    this.emit((l) => l.onStatus?.(status));
  }

  private emit(call: (listener: InformerListener<T>) => void): void {
    for (const listener of [...this.listeners]) {
      try {
        call(listener);
      } catch (err) {
        // A listener's bug must not stop the cache from following the cluster.
        this.options.logger.error(`${this.options.clusterLabel}: a listener of ${this.options.resource} failed: ${describe(err)}`);
      }
    }
  }

  private logOnce(key: string, message: string): void {
    this.loggedOnce.log(this.options.logger, 'warn', key, message);
  }
}

function sameVersion(a: KubeObject, b: KubeObject): boolean {
  const rv = a.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' && rv === b.metadata?.resourceVersion;
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
