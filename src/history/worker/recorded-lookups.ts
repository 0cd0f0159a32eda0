// What the watcher must know of a history in a worker thread synchronously, kept in the client's
// thread as I/O-free bookkeeping: which ids the history may hold (a Bloom filter, see
// recorded-ids-filter.ts), the records looked up for migrations the watcher is about to see for
// the first time, and the active migrations it seeds a newly attached cluster with. `view` is the
// watcher's RecordedMigrations (src/watch/recorded-migrations.ts, matched by shape: history does
// not import the watcher).

import type { Logger } from '../../base/logger';
import type { HistoryEntry } from '../database/history-database';
import { RecordedIds } from './recorded-ids-filter';
import type { RecordedIdsFilter } from './worker-protocol';

/** Records looked up for the watcher and not yet asked for: bounded, the watcher asks right after. */
const MAX_LOOKED_UP = 10_000;
/** Ids kept for a filter being built: far more than a build takes (seconds), far less than memory allows. */
const MAX_IDS_AWAITING_FILTER = 1_000_000;
/** The active migrations are read again at most this often after the history changed. */
const ACTIVE_REFRESH_MS = 2000;

export interface RecordedView {
  ready(migrationId: string): boolean;
  load(migrationIds: readonly string[]): Promise<void>;
  transitionsOf(migrationId: string): HistoryEntry['transitions'];
  recordOf(migrationId: string): HistoryEntry | undefined;
  activeOf(clusterId: string): HistoryEntry[];
}

export interface HistoryLookups {
  lookup(ids: string[]): Promise<Array<HistoryEntry | null>>;
  activeIds(): Promise<string[]>;
}

export class RecordedLookups {
  /** Undefined while the worker builds it (after open, after a reload): every id may be held, and is looked up. */
  private ids: RecordedIds | undefined = RecordedIds.sizedFor(0);
  /** Ids recorded or announced while the filter is being built: they join it when it comes. */
  private idsSinceFilterAsked: string[] = [];
  private lookedUp = new Map<string, HistoryEntry | null>();
  private active: HistoryEntry[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
  /** This thread recorded something since the active migrations were last read. */
  private activeStale = false;
  private stopped = false;

  constructor(
    private readonly history: HistoryLookups,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  readonly view: RecordedView = {
    ready: (id) => (this.ids !== undefined && !this.ids.mightHold(id)) || this.lookedUp.has(id),
    load: (ids) => this.lookUp(ids),
    transitionsOf: (id) => this.take(id)?.transitions ?? [],
    recordOf: (id) => this.take(id),
    activeOf: (clusterId) => this.active.filter((r) => r.migration.cluster === clusterId),
  };

  /** The worker (re)opened the history and is building its filter of what it holds: until it comes, look everything up. */
  awaitFilter(): void {
    this.ids = undefined;
    this.idsSinceFilterAsked = [];
  }

  /**
   * The worker's filter of what it holds, plus every id recorded here or announced since it was
   * asked for (the worker may have listed its rows before those records reached it).
   */
  useFilter(filter: RecordedIdsFilter): void {
    const ids = RecordedIds.from(filter);
    for (const id of this.idsSinceFilterAsked) ids.add(id);
    this.idsSinceFilterAsked = [];
    this.ids = ids;
  }

  /** This thread recorded `id`. */
  recorded(id: string): void {
    this.addId(id);
    this.activeStale = true;
  }

  /** The history said it changed (another window's records among them). */
  changed(change: { kind: string; migrationIds?: string[] }): void {
    if (change.kind === 'reloaded') this.awaitFilter(); // the worker sends a new filter
    if (change.kind === 'recorded') for (const id of change.migrationIds ?? []) this.addId(id);
    if (this.activeStale || change.kind !== 'recorded') this.refreshActiveSoon();
  }

  async loadActive(): Promise<void> {
    const ids = await this.history.activeIds();
    const entries = ids.length > 0 ? await this.history.lookup(ids) : [];
    this.active = entries.filter((e): e is HistoryEntry => e !== null);
    this.activeStale = false;
  }

  private addId(id: string): void {
    if (this.ids) this.ids.add(id);
    // Bounded: a filter that never comes (the worker could not list its rows) leaves every id looked up anyway.
    else if (this.idsSinceFilterAsked.length < MAX_IDS_AWAITING_FILTER) this.idsSinceFilterAsked.push(id);
  }

  stop(): void {
    this.stopped = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
  }

  private take(id: string): HistoryEntry | undefined {
    const found = this.lookedUp.get(id);
    this.lookedUp.delete(id);
    return found ?? undefined;
  }

  private async lookUp(ids: readonly string[]): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !this.lookedUp.has(id));
    if (wanted.length === 0) return;
    const found = await this.history.lookup(wanted);
    wanted.forEach((id, i) => this.lookedUp.set(id, found[i] ?? null));
    // Over the bound, the newest half is kept in a new map. Not by deleting the oldest key by key:
    // a V8 Map leaves each deleted entry as a hole its iterator walks past again, so that loop
    // grew with every lookup ever taken (1.8 s of one blocked turn at a million migrations).
    if (this.lookedUp.size > MAX_LOOKED_UP) this.lookedUp = new Map([...this.lookedUp].slice(-MAX_LOOKED_UP / 2));
  }

  private refreshActiveSoon(): void {
    if (this.refreshTimer || this.stopped) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (this.stopped) return;
      this.loadActive().catch((err: Error) => this.log.warn(`History: cannot read the active migrations: ${err.message}`));
    }, ACTIVE_REFRESH_MS);
    this.refreshTimer.unref?.();
  }
}
