// Watch streams: chunked HTTP responses carrying one JSON event per line, resumed from the
// store's event log, with periodic BOOKMARKs when asked for, 410 Expired for a
// resourceVersion older than the log keeps (and for every open watch at a compaction), and
// timeoutSeconds closing the stream. Also where the faults that hit watches (drop, stall,
// forced 410) take effect.
import type { ServerResponse } from 'node:http';
import type { KubeObject } from './kube-object';
import type { ChangeEvent, ObjectStore, StoredObject } from './object-store';
import type { FieldSelector } from './field-selector';
import type { LabelSelector } from './label-selector';
import { apiVersionOf, type ResourceType } from './resource-types';
import { table, type TableRequest } from './table-printer';
import { expired, type KubeStatus } from './status-errors';
import type { FaultState } from './fault-state';

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  labels: LabelSelector;
  fields: FieldSelector;
  /** undefined/0: start with the current state as ADDED events; N: resume after N. */
  sinceResourceVersion?: number;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutMs: number;
  table?: TableRequest;
}

export interface WatchHubSettings {
  bookmarkIntervalMs(): number;
  /** A client that falls this far behind (bytes queued) is cut off, as the apiserver does. */
  maxQueuedBytes: number;
}

class WatchStream {
  stalled = false;
  closed = false;
  private sentColumns = false;
  private bookmarkTimer?: NodeJS.Timeout;
  private timeoutTimer?: NodeJS.Timeout;

  constructor(readonly request: WatchRequest, readonly res: ServerResponse, private readonly hub: WatchHub) {}

  start(bookmarkIntervalMs: number): void {
    if (this.request.allowBookmarks && bookmarkIntervalMs > 0) {
      this.bookmarkTimer = setInterval(() => this.sendBookmark(), bookmarkIntervalMs);
      this.bookmarkTimer.unref();
    }
    this.timeoutTimer = setTimeout(() => { if (!this.stalled) this.end(); }, this.request.timeoutMs);
    this.timeoutTimer.unref();
  }

  matches(object: KubeObject): boolean {
    const r = this.request;
    if (r.namespace && object.metadata.namespace !== r.namespace) return false;
    if (r.fields.exactName !== undefined && object.metadata.name !== r.fields.exactName) return false;
    return r.labels.matches(object.metadata.labels) && r.fields.matches(object);
  }

  /** The line for one event, or '' when this stream does not see it. */
  lineFor(event: ChangeEvent): string {
    const nowMatches = this.matches(event.stored.object);
    if (event.type === 'ADDED') return nowMatches ? this.line('ADDED', event.stored) : '';
    const wasMatching = event.previous ? this.matches(event.previous.object) : false;
    if (event.type === 'DELETED') return wasMatching || nowMatches ? this.line('DELETED', event.stored) : '';
    if (nowMatches && wasMatching) return this.line('MODIFIED', event.stored);
    if (nowMatches) return this.line('ADDED', event.stored);
    if (wasMatching) return this.line('DELETED', event.stored);
    return '';
  }

  line(type: string, stored: StoredObject): string {
    if (!this.request.table) return `{"type":"${type}","object":${stored.json}}\n`;
    const t = table(this.request.type, [stored.object], this.request.table, { resourceVersion: String(stored.rv) }, !this.sentColumns);
    this.sentColumns = true;
    return `{"type":"${type}","object":${JSON.stringify(t)}}\n`;
  }

  write(chunk: string): void {
    if (this.closed || this.stalled || !chunk) return;
    if (this.res.writableLength > this.hub.settings.maxQueuedBytes) { this.destroy(); return; }
    this.res.write(chunk);
  }

  sendBookmark(): void {
    if (this.closed || this.stalled) return;
    this.write(this.bookmarkLine(this.hub.store.currentResourceVersion(), false));
  }

  bookmarkLine(rv: number, initialEventsEnd: boolean): string {
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    const object = this.request.table
      ? { kind: 'Table', apiVersion: this.request.table.apiVersion, metadata, columnDefinitions: null, rows: null }
      : { kind: this.request.type.kind, apiVersion: apiVersionOf(this.request.type), metadata };
    return `{"type":"BOOKMARK","object":${JSON.stringify(object)}}\n`;
  }

  errorLine(status: KubeStatus): string {
    return `{"type":"ERROR","object":${JSON.stringify(status)}}\n`;
  }

  private clearTimers(): void {
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
  }

  /** Ends the stream properly (terminating chunk), as a timeout or a server-side close does. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.hub.forget(this);
    this.res.end();
  }

  /** Cuts the connection without a terminating chunk, as a network failure does. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.hub.forget(this);
    this.res.socket?.destroy();
    this.res.destroy();
  }

  stall(): void {
    this.stalled = true;
    this.clearTimers();
  }
}

export class WatchHub {
  private readonly streams = new Map<ResourceType, Set<WatchStream>>();

  constructor(readonly store: ObjectStore, readonly settings: WatchHubSettings, private readonly faults: FaultState) {
    store.onChange((event) => this.deliver(event));
    store.onCompact(() => this.expireOpenWatches());
  }

  openCount(): number {
    let n = 0;
    for (const set of this.streams.values()) n += set.size;
    return n;
  }

  forget(stream: WatchStream): void {
    this.streams.get(stream.request.type)?.delete(stream);
  }

  private deliver(event: ChangeEvent): void {
    const set = this.streams.get(event.resource);
    if (!set) return;
    for (const stream of set) stream.write(stream.lineFor(event));
  }

  /** Serves a watch request on `res` (auth and parameter checks are done by the caller). */
  open(res: ServerResponse, request: WatchRequest): void {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.socket?.setNoDelay(true);
    res.flushHeaders();
    const stream = new WatchStream(request, res, this);
    res.on('close', () => { stream.closed = true; stream.stall(); this.forget(stream); });

    const since = request.sinceResourceVersion;
    if (since !== undefined && since > 0 && this.faults.expireNextWatches > 0) {
      this.faults.expireNextWatches--;
      return this.expire(stream, since);
    }

    let catchUp = '';
    if (since === undefined || since === 0 || request.sendInitialEvents) {
      const current = this.store.list(request.type, request.type.namespaced ? request.namespace : undefined);
      for (const stored of current) if (stream.matches(stored.object)) catchUp += stream.line('ADDED', stored);
      if (request.sendInitialEvents && request.allowBookmarks) catchUp += stream.bookmarkLine(this.store.currentResourceVersion(), true);
    } else {
      const events = this.store.eventsAfter(request.type, since);
      if (events === 'expired') return this.expire(stream, since);
      for (const event of events) catchUp += stream.lineFor(event);
    }

    if (this.faults.stallNewWatches) stream.stall();
    let set = this.streams.get(request.type);
    if (!set) { set = new Set(); this.streams.set(request.type, set); }
    set.add(stream);
    stream.write(catchUp);
    if (!stream.stalled) stream.start(this.settings.bookmarkIntervalMs());
  }

  private expire(stream: WatchStream, since: number): void {
    const oldest = this.store.oldestResumableResourceVersion() + 1;
    const status = expired(`too old resource version: ${since} (${oldest})`).status;
    stream.res.write(stream.errorLine(status));
    stream.res.end();
    stream.closed = true;
  }

  /**
   * After a compaction every open watch stands behind the compaction point: each gets ERROR 410
   * Expired in the words of kube-apiserver's etcd watcher and closes, and must relist. A stalled
   * stream stays silent (its client finds out when it gives up on it and resumes: 410 then).
   */
  private expireOpenWatches(): void {
    for (const stream of this.all()) {
      if (stream.stalled || stream.closed) continue;
      stream.write(stream.errorLine(expired('The resourceVersion for the provided watch is too old.').status));
      stream.end();
    }
  }

  private all(): WatchStream[] {
    const out: WatchStream[] = [];
    for (const set of this.streams.values()) out.push(...set);
    return out;
  }

  /** Cuts every open watch (abruptly, or with a proper end of stream). Returns how many. */
  dropAll(graceful = false): number {
    const streams = this.all();
    for (const s of streams) {
      if (graceful) s.end();
      else s.destroy();
    }
    return streams.length;
  }

  /** Open watches keep their connection but never send again (no events, no bookmarks). */
  stallAll(): number {
    const streams = this.all().filter((s) => !s.stalled);
    for (const s of streams) s.stall();
    return streams.length;
  }

  /** Ends every open watch properly and forgets them. */
  closeAll(): void {
    for (const s of this.all()) s.end();
  }
}
