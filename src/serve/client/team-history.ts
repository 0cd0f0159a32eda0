// The history the Migrations view, the history panel and the seed-query commands read when
// `blixard.history.server` is set: the server's migrations (the team's, kept in memory — the
// newest `mirrorLimit` of them, listed once and then followed over its SSE stream) merged with
// this machine's history by id (history-merge.ts). While the server is dead or wrong, every query
// is this machine's history alone and `source` says why, once per distinct reason in the log;
// when the stream connects again the list is read afresh and the team history is back.
// The local history keeps recording what this window sees either way: this reads, never writes.

import { Backoff } from '../../base/backoff';
import { Emitter, type Event } from '../../base/event';
import { Disposable, toDisposable } from '../../base/lifecycle';
import type { Logger } from '../../base/logger';
import { LogOnce } from '../../base/log-once';
import type { HistoryAccess, HistoryEntry, KeysetPage, KeysetQuery, ListQuery, PageQuery, VmQuery } from '../../history';
import type { ClusterSummary } from '../../model/cluster-summary';
import { describeError } from '../../model/errors';
import type { Migration, PhaseTransition } from '../../model/migration';
import type { HistoryServerClient } from './history-server-client';
import { matches, mergeMigrations, newestFirst, preferredCopy, summarize, type MigrationMatch } from './history-merge';
import { RemoteHistoryError, type RemoteHistoryErrorCode } from './remote-history-error';
import { TransitionStream, type StreamedTransition, type TransitionStreamOptions } from './transition-stream';

/** The local history's read side that the views, panel and commands use. */
export type LocalHistoryReads = Pick<HistoryAccess, 'all' | 'count' | 'active' | 'byId' | 'byDatacenter' | 'byVm' | 'summaryByCluster' | 'onDidChange' | 'damage'>;

export type HistorySource =
  /** No server set: this machine's history. */
  | { kind: 'local' }
  /**
   * The server's migrations merged with this machine's. `newest` is set when the server holds more
   * than are kept here (the list, the count and the summary then cover only that many of its
   * newest; a migration asked for by id, VM or datacenter is still asked of the server).
   */
  | { kind: 'server'; host: string; newest?: number }
  /** The server is set but does not answer (or answers wrongly): this machine's history meanwhile. */
  | { kind: 'fallback'; host: string; code: RemoteHistoryErrorCode; reason: string }
  /** The server is set and being reached for the first time. */
  | { kind: 'connecting'; host: string };

export interface TeamHistoryOptions {
  local: LocalHistoryReads;
  /** Disposed with the team history. */
  client: HistoryServerClient;
  log: Pick<Logger, 'info' | 'warn'>;
  /** The server's newest migrations held in memory. Default 5,000. */
  mirrorLimit?: number;
  stream?: TransitionStreamOptions;
  /** Server changes within this window are announced together. Default 100 ms. */
  changeDebounceMs?: number;
}

const DEFAULT_LIMIT = 500;
const LOCAL_SCAN = 5000;

export class TeamHistory extends Disposable {
  private readonly changeEmitter = this._register(new Emitter<unknown>());
  /** The local history changed, or the server's migrations did. */
  readonly onDidChange: Event<unknown> = this.changeEmitter.event;
  private readonly sourceEmitter = this._register(new Emitter<HistorySource>());
  readonly onDidChangeSource: Event<HistorySource> = this.sourceEmitter.event;

  private current: HistorySource;
  /** The server's newest migrations by id, once listed. */
  private mirror = new Map<string, HistoryEntry>();
  private loading?: Promise<void>;
  private readonly stream: TransitionStream;
  private readonly logOnce = new LogOnce();
  private changeTimer?: NodeJS.Timeout;
  /** The event stream is open: a failed request is retried on this timer (the stream's reconnects retry otherwise). */
  private streaming = false;
  private retryTimer?: NodeJS.Timeout;
  private readonly retries = new Backoff({ initialMs: 2000, maxMs: 60_000 });
  private readonly mirrorLimit: number;

  constructor(private readonly options: TeamHistoryOptions) {
    super();
    this.mirrorLimit = options.mirrorLimit ?? 5000;
    this.current = { kind: 'connecting', host: options.client.host };
    this.stream = new TransitionStream(options.client, options.stream);
    this._register(toDisposable(() => this.stream.dispose()));
    // The client is this history's own (its keep-alive sockets go with it).
    this._register(toDisposable(() => options.client.dispose()));
    this._register(toDisposable(() => clearTimeout(this.changeTimer)));
    this._register(options.local.onDidChange((e) => this.changeEmitter.fire(e)));
    this._register(toDisposable(() => clearTimeout(this.retryTimer)));
    this._register(
      this.stream.onConnected(() => {
        this.streaming = true;
        this.reload();
      }),
    );
    this._register(this.stream.onReset(() => this.reload()));
    this._register(
      this.stream.onFailure((err) => {
        this.streaming = false;
        this.failed(err);
      }),
    );
    this._register(this.stream.onTransition((e) => this.apply(e)));
  }

  get source(): HistorySource {
    return this.current;
  }

  get damage(): HistoryAccess['damage'] {
    return this.options.local.damage;
  }

  /** Opens the event stream; its `ready` lists the server's migrations. */
  start(): void {
    this.stream.start();
  }

  /** Resolves once the server's list asked for last is read (or failed). */
  async whenLoaded(): Promise<void> {
    while (this.loading) await this.loading;
  }

  private get serving(): boolean {
    return this.current.kind === 'server';
  }

  // ---- the read side of HistoryAccess ---------------------------------------------------------

  async all(query: ListQuery = {}): Promise<Migration[]> {
    const local = this.options.local;
    if (!this.serving) return local.all(query);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const offset = query.offset ?? 0;
    const mine = await local.all({ ...query, offset: 0, limit: offset + limit });
    return mergeMigrations(this.mirrored(query), mine).slice(offset, offset + limit);
  }

  /** Pages of the merged list by position: the cursor's `seq` is where the next page starts (opaque to the panel). */
  async page(query: KeysetQuery = {}): Promise<KeysetPage> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const offset = query.after?.seq ?? 0;
    const { after: _after, ...rest } = query;
    const migrations = await this.all({ ...rest, offset, limit });
    const last = migrations[migrations.length - 1];
    return { migrations, ...(migrations.length === limit && last ? { next: { createdAt: last.createdAt, seq: offset + limit } } : {}) };
  }

  async count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): Promise<number> {
    const local = this.options.local;
    if (!this.serving) return local.count(query);
    const [localCount, scanned] = await Promise.all([local.count(query), local.all({ ...query, limit: LOCAL_SCAN })]);
    const mirrored = this.mirrored(query);
    const ids = new Set(mirrored.map((m) => m.id));
    return mirrored.length + localCount - scanned.filter((m) => ids.has(m.id)).length;
  }

  async active(): Promise<Migration[]> {
    const mine = await this.options.local.active();
    if (!this.serving) return mine;
    return mergeMigrations(this.mirrored({ filter: 'active' }), mine);
  }

  async byId(id: string): Promise<HistoryEntry | undefined> {
    const mine = await this.options.local.byId(id);
    if (!this.serving) return mine;
    let theirs = this.mirror.get(id);
    if (!theirs) {
      try {
        theirs = await this.options.client.byId(id);
      } catch (err) {
        this.failed(err);
        return mine;
      }
    }
    return theirs ? preferredCopy(theirs, mine) : mine;
  }

  async transitions(id: string): Promise<PhaseTransition[]> {
    return (await this.byId(id))?.transitions ?? [];
  }

  byDatacenter(datacenter: string, query: PageQuery = {}): Promise<Migration[]> {
    return this.listed(`migrations/datacenter/${encodeURIComponent(datacenter)}`, {}, query, () => this.options.local.byDatacenter(datacenter, this.deepened(query)));
  }

  byVm(vm: string, query: VmQuery = {}): Promise<Migration[]> {
    const keep = (m: Migration) => query.namespace === undefined || m.namespace === query.namespace;
    return this.listed(`migrations/vm/${encodeURIComponent(vm)}`, { ...(query.cluster ? { cluster: query.cluster } : {}) }, query, () => this.options.local.byVm(vm, this.deepened(query)), keep);
  }

  /** The server's figures for the clusters it knows, this machine's for the others. */
  async summaryByCluster(): Promise<ClusterSummary[]> {
    const mine = await this.options.local.summaryByCluster();
    if (!this.serving) return mine;
    const theirs = summarize(this.mirror.values());
    const known = new Set(theirs.map((s) => s.cluster));
    return [...theirs, ...mine.filter((s) => !known.has(s.cluster))].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  }

  // ---- the server's side ------------------------------------------------------------------------

  private mirrored(query: MigrationMatch): Migration[] {
    const out: Migration[] = [];
    for (const { migration } of this.mirror.values()) if (matches(migration, query)) out.push(migration);
    return out.sort(newestFirst);
  }

  private deepened<Q extends PageQuery>(query: Q): Q {
    return { ...query, offset: 0, limit: (query.offset ?? 0) + (query.limit ?? DEFAULT_LIMIT) };
  }

  /** A list endpoint merged with the same local query; the local answer alone while the server is not serving. */
  private async listed(endpoint: string, filters: { cluster?: string }, query: PageQuery, mine: () => Promise<Migration[]> | Migration[], keep: (m: Migration) => boolean = () => true): Promise<Migration[]> {
    const local = await mine();
    if (!this.serving) return local;
    const offset = query.offset ?? 0;
    const limit = query.limit ?? DEFAULT_LIMIT;
    try {
      const theirs = await this.options.client.list(endpoint, { ...filters, limit: offset + limit });
      return mergeMigrations(theirs.map((e) => e.migration).filter(keep), local).slice(offset, offset + limit);
    } catch (err) {
      this.failed(err);
      return local.slice(offset, offset + limit);
    }
  }

  /** Lists the server's newest migrations afresh (the stream connected, or could not replay). */
  private reload(): void {
    if (this.isDisposed) return;
    const run = (async () => {
      try {
        const entries = await this.options.client.list('migrations', { limit: this.mirrorLimit });
        if (this.isDisposed) return;
        this.mirror = new Map(entries.map((e) => [e.migration.id, e]));
        this.retries.reset();
        // A full list may have more behind it: say how far the mirror reaches, so no figure reads as the whole team's.
        this.setSource({ kind: 'server', host: this.options.client.host, ...(entries.length >= this.mirrorLimit ? { newest: this.mirrorLimit } : {}) });
        this.scheduleChange();
      } catch (err) {
        this.failed(err);
      }
    })();
    const loading: Promise<void> = run.finally(() => {
      if (this.loading === loading) this.loading = undefined;
    });
    this.loading = loading;
  }

  private apply({ migration, transition }: StreamedTransition): void {
    const held = this.mirror.get(migration.id);
    const transitions = held ? held.transitions.filter((t) => !(t.phase === transition.phase && t.at === transition.at)) : [];
    transitions.push(transition);
    transitions.sort((a, b) => a.at - b.at);
    this.mirror.delete(migration.id);
    this.mirror.set(migration.id, { migration, transitions });
    // Trimmed back to the limit once it is a tenth over, not on every new migration: the sort of
    // 5,000 entries is then paid once per 500 new ones, not per transition on the host's thread.
    if (this.mirror.size > this.mirrorLimit + Math.ceil(this.mirrorLimit / 10)) {
      const oldest = [...this.mirror.values()].sort((a, b) => newestFirst(a.migration, b.migration)).slice(this.mirrorLimit);
      for (const e of oldest) this.mirror.delete(e.migration.id);
      if (this.current.kind === 'server' && this.current.newest === undefined) this.setSource({ ...this.current, newest: this.mirrorLimit });
    }
    if (this.serving) this.scheduleChange();
    // An event carries one transition: a migration first seen in the stream gets its whole timeline once.
    if (!held && this.serving) void this.completeTimeline(migration.id);
  }

  private async completeTimeline(id: string): Promise<void> {
    try {
      const entry = await this.options.client.byId(id);
      const held = this.mirror.get(id);
      if (!entry || !held || this.isDisposed) return;
      const known = new Set(entry.transitions.map((t) => `${t.phase}\u0000${t.at}`));
      const transitions = [...entry.transitions, ...held.transitions.filter((t) => !known.has(`${t.phase}\u0000${t.at}`))].sort((a, b) => a.at - b.at);
      this.mirror.set(id, { migration: held.migration, transitions });
      this.scheduleChange();
    } catch (err) {
      this.failed(err);
    }
  }

  private failed(err: unknown): void {
    if (this.isDisposed) return;
    const code: RemoteHistoryErrorCode = err instanceof RemoteHistoryError ? err.code : 'bad-answer';
    const reason = describeError(err);
    const host = this.options.client.host;
    this.logOnce.log(this.options.log, 'warn', `${code}:${reason}`, `Team history: ${reason}; showing this machine's history until it answers again.`);
    if (this.streaming && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.streaming) this.reload();
      }, this.retries.next());
      this.retryTimer.unref?.();
    }
    const was = this.current;
    if (was.kind === 'fallback' && was.reason === reason) return;
    this.setSource({ kind: 'fallback', host, code, reason });
    if (was.kind === 'server') this.scheduleChange();
  }

  private setSource(source: HistorySource): void {
    const was = this.current;
    this.current = source;
    if (was.kind !== source.kind || JSON.stringify(was) !== JSON.stringify(source)) {
      if (source.kind === 'server' && was.kind === 'fallback') this.options.log.info(`Team history: ${source.host} answers again.`);
      this.sourceEmitter.fire(source);
    }
  }

  private scheduleChange(): void {
    if (this.changeTimer || this.isDisposed) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.changeEmitter.fire({ kind: 'team' });
    }, this.options.changeDebounceMs ?? 100);
    this.changeTimer.unref?.();
  }
}
