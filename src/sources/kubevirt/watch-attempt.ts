// One watch of a collection, from a resource version until it ends; how it ended decides what
// the informer does next (watch again, relist, back off). A watch that says nothing — no event,
// no bookmark — for `stallTimeoutMs` is ended as stalled: a dead stream need not send an error.

import type { KubeClient } from './kube-client';

export type WatchOutcome =
  | { kind: 'expired' }
  | { kind: 'ended'; receivedAny: boolean; lastedMs: number }
  | { kind: 'stalled'; receivedAny: boolean }
  | { kind: 'failed'; error: unknown; established: boolean; receivedAny: boolean; lastedMs: number };

export interface WatchRequest {
  client: KubeClient;
  path: string;
  resourceVersion: string;
  connectTimeoutMs: number;
  stallTimeoutMs: number;
  /** Server-side timeout; each watch asks for a random value between this and twice it. */
  watchTimeoutSeconds: number;
  random: () => number;
}

export interface WatchEvents {
  /** False once the informer has moved on (stopped, restarted): events are dropped. */
  live(): boolean;
  /** The first event of this watch: the stream works. */
  first(): void;
  /** One event; returns an outcome when the watch must end (410, an ERROR event). */
  event(event: { type?: string; object?: unknown }): WatchOutcome | undefined;
  malformedLine(snippet: string): void;
}

export interface WatchAttempt {
  readonly outcome: Promise<WatchOutcome>;
  /** Ends the watch now (the informer stops). */
  end(): void;
}

export function startWatch(request: WatchRequest, events: WatchEvents): WatchAttempt {
  const startedAt = Date.now();
  let lastActivity = startedAt;
  let receivedAny = false;
  let established = false;
  let end!: () => void;
  const outcome = new Promise<WatchOutcome>((resolve) => {
    let settled = false;
    let stallTimer: NodeJS.Timeout | undefined;
    let connection: { close(): void } | undefined;
    const settle = (result: WatchOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(stallTimer);
      connection?.close();
      connection = undefined;
      resolve(result);
    };
    end = () => settle({ kind: 'ended', receivedAny: true, lastedMs: 0 });
    const armStallTimer = (delay: number) => {
      stallTimer = setTimeout(() => {
        const silentFor = Date.now() - lastActivity;
        if (silentFor >= request.stallTimeoutMs) settle({ kind: 'stalled', receivedAny });
        else armStallTimer(request.stallTimeoutMs - silentFor);
      }, delay);
    };
    armStallTimer(request.stallTimeoutMs + request.connectTimeoutMs);
    const timeoutSeconds = Math.round(request.watchTimeoutSeconds * (1 + request.random()));
    request.client
      .watch(
        request.path,
        { resourceVersion: request.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
        {
          onOpen: () => {
            established = true;
            lastActivity = Date.now();
          },
          onEvent: (event) => {
            if (settled || !events.live()) return;
            lastActivity = Date.now();
            if (!receivedAny) {
              receivedAny = true;
              events.first();
            }
            const result = events.event(event);
            if (result) settle(result);
          },
          onMalformedLine: (snippet) => {
            lastActivity = Date.now();
            events.malformedLine(snippet);
          },
          onEnd: (err) => {
            const lastedMs = Date.now() - startedAt;
            if (err === undefined) settle({ kind: 'ended', receivedAny, lastedMs });
            else settle({ kind: 'failed', error: err, established, receivedAny, lastedMs });
          },
        },
        request.connectTimeoutMs,
      )
      .then(
        (opened) => {
          if (settled) opened.close();
          else connection = opened;
        },
        (error: unknown) => settle({ kind: 'failed', error, established: false, receivedAny: false, lastedMs: Date.now() - startedAt }),
      );
  });
  return { outcome, end };
}
