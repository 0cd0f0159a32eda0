// What the Migrations view shows — the Active and Recent groups, each migration's phase timeline,
// the clusters whose stream is down — and, after a burst of watcher or history events, exactly
// which of those changed, so the tree redraws only them. Free of `vscode`; unit-tested with a
// real MigrationWatcher and HistoryStore.

import { notStreaming, type NotStreaming } from '../../../model/cluster';
import { Emitter, type Event } from '../../../base/event';
import { Disposable, DisposableStore } from '../../../base/lifecycle';
import type { Migration, PhaseTransition } from '../../../model/migration';
import type { MigrationWatcher } from '../../../watch/migration-watcher';
import { sortTimeline } from '../../../model/phase-order';
import { lifecycleOf } from '../../../sources/cluster-kinds';
import type { HistorySource } from '../../../serve/client/team-history';

export type MigrationGroup = 'active' | 'recent';

export type MigrationsViewChange =
  /** Everything (groups appeared, a cluster's stream went down or came back). */
  | { kind: 'root' }
  /** The group's item and its list of migrations. */
  | { kind: 'group'; group: MigrationGroup }
  /** One migration's item and its timeline; its place in the group is unchanged. */
  | { kind: 'migration'; group: MigrationGroup; migrationId: string };

/** The history's part in the view: finished migrations from earlier sessions and other windows. */
export interface RecentHistory {
  all(query: { filter: 'completed'; limit: number }): Migration[] | Promise<Migration[]>;
  transitions(migrationId: string): PhaseTransition[] | Promise<PhaseTransition[]>;
  readonly onDidChange: Event<unknown>;
}

/** What the history last answered: its most recent finished migrations, with their timelines. */
interface RecordedRecent {
  migrations: Migration[];
  timelines: Map<string, PhaseTransition[]>;
}

/** A cluster whose migrations are not streaming: down, or reachable but unable to stream them. */
export interface StreamDown {
  clusterId: string;
  state: NotStreaming;
}

export interface MigrationsViewModelOptions {
  /** Events within this window are drawn together. Default 100 ms. */
  debounceMs?: number;
  /** Migrations in the Recent group. Default 25. */
  recentLimit?: number;
  /** How often active migrations' elapsed times are redrawn while the view is visible. Default 5 s. */
  tickMs?: number;
}

interface Snapshot {
  active: Migration[];
  recent: Migration[];
  down: StreamDown[];
}

export class MigrationsViewModel extends Disposable {
  private readonly changeEmitter = new Emitter<MigrationsViewChange[]>();
  readonly onDidChange: Event<MigrationsViewChange[]> = this.changeEmitter.event;

  private watcher?: MigrationWatcher;
  private history?: RecentHistory;
  /**
   * The history answers later (from its worker thread): what it said last is kept here and read
   * when drawing, and asked again after it changes — a draw never waits for it.
   */
  private recorded: RecordedRecent = { migrations: [], timelines: new Map() };
  private recordedReading: Promise<void> | undefined;
  private recordedStale = false;
  /** The attached watcher's (and history's) events: a second attach() lets go of the first's. */
  private readonly subscriptions = this._register(new DisposableStore());
  private shown: Snapshot = { active: [], recent: [], down: [] };
  private readonly changedIds = new Set<string>();
  private membershipDirty = false;
  private flushTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private visible = false;
  /** Where Recent's history comes from (this machine, a team history server, or this machine while the server fails). */
  private source: HistorySource = { kind: 'local' };
  private readonly debounceMs: number;
  private readonly recentLimit: number;
  private readonly tickMs: number;

  constructor(options: MigrationsViewModelOptions = {}) {
    super();
    this.debounceMs = options.debounceMs ?? 100;
    this.recentLimit = options.recentLimit ?? 25;
    this.tickMs = options.tickMs ?? 5000;
  }

  /** Starts showing what the watcher (and history, if any) hold. Before this the view is empty. */
  attach(watcher: MigrationWatcher, history?: RecentHistory): void {
    this.subscriptions.clear();
    this.watcher = watcher;
    this.history = history;
    this.subscriptions.add(watcher.onDidUpdate((e) => this.noteChanged(e.migration.id, !e.previous || isActive(e.previous) !== isActive(e.migration))));
    this.subscriptions.add(watcher.onDidEnd((e) => this.noteChanged(e.migration.id, true)));
    this.subscriptions.add(watcher.onDidChangeStatus(() => this.noteMembership()));
    this.recorded = { migrations: [], timelines: new Map() };
    if (history) {
      this.subscriptions.add(history.onDidChange(() => this.readRecorded()));
      this.readRecorded();
    }
    this.shown = this.compute();
    this.changeEmitter.fire([{ kind: 'root' }]);
    this.scheduleTick();
  }

  get attached(): boolean {
    return !!this.watcher;
  }

  /** True when there is nothing to show at all (the view then shows its welcome text). */
  get isEmpty(): boolean {
    const s = this.shown;
    return s.active.length === 0 && s.recent.length === 0 && s.down.length === 0 && this.source.kind !== 'fallback';
  }

  get historySource(): HistorySource {
    return this.source;
  }

  /** The history's source changed: Recent's description and the fallback line are redrawn (its list follows the history's onDidChange). */
  setHistorySource(source: HistorySource): void {
    if (JSON.stringify(source) === JSON.stringify(this.source)) return;
    this.source = source;
    if (this.watcher) this.changeEmitter.fire([{ kind: 'root' }]);
  }

  active(): readonly Migration[] {
    return this.shown.active;
  }

  recent(): readonly Migration[] {
    return this.shown.recent;
  }

  streamsDown(): readonly StreamDown[] {
    return this.shown.down;
  }

  /** The migration as shown in a group (the watcher's latest view, else the history's). */
  migration(group: MigrationGroup, migrationId: string): Migration | undefined {
    const live = this.watcher?.get(migrationId);
    if (live && (group === 'active') === isActive(live)) return live;
    return this.shown[group].find((m) => m.id === migrationId);
  }

  /** Phases in time order: what the watcher saw (it includes what was recorded), else the history's record. */
  timeline(migrationId: string): PhaseTransition[] {
    const seen = this.watcher?.phasesOf(migrationId) ?? [];
    if (seen.length > 0) return [...seen];
    try {
      // The history orders same-second phases by name; the lifecycle knows better (KubeVirt times have 1 s precision).
      const kind = this.shown.recent.find((m) => m.id === migrationId)?.kind ?? this.recorded.migrations.find((m) => m.id === migrationId)?.kind;
      return sortTimeline(lifecycleOf(kind), this.recorded.timelines.get(migrationId) ?? []);
    } catch {
      return [];
    }
  }

  /** Whether the migration's cluster stream is down right now. */
  streamDown(clusterId: string): boolean {
    return this.watcher?.status(clusterId)?.state === 'unreachable';
  }

  /** Elapsed times tick only while someone can see them. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.scheduleTick();
  }

  override dispose(): void {
    super.dispose();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.changeEmitter.dispose();
  }

  // ---- change tracking ----------------------------------------------------------------------

  private noteChanged(migrationId: string, membership: boolean): void {
    this.changedIds.add(migrationId);
    if (membership) this.membershipDirty = true;
    this.scheduleFlush();
  }

  /**
   * Asks the history for its recent finished migrations and their timelines; once it answers,
   * the groups are worked out again. One question at a time: changes meanwhile ask once more.
   */
  private readRecorded(): void {
    const history = this.history;
    if (!history) return;
    if (this.recordedReading) {
      this.recordedStale = true;
      return;
    }
    this.recordedReading = (async () => {
      try {
        const migrations = await history.all({ filter: 'completed', limit: this.recentLimit });
        const timelines = new Map<string, PhaseTransition[]>();
        // Only those this window's watcher does not hold: its own timeline is newer.
        await Promise.all(
          migrations.filter((m) => !this.watcher?.get(m.id)).map(async (m) => timelines.set(m.id, await history.transitions(m.id))),
        );
        if (history === this.history && !this.isDisposed) {
          this.recorded = { migrations, timelines };
          this.noteMembership();
        }
      } catch {
        // a closed or failing history leaves Recent to what this window saw
      } finally {
        this.recordedReading = undefined;
        if (this.recordedStale && history === this.history && !this.isDisposed) {
          this.recordedStale = false;
          this.readRecorded();
        }
      }
    })();
  }

  /** Resolves once what the history was last asked has been answered (tests). */
  async whenRecordedRead(): Promise<void> {
    while (this.recordedReading) await this.recordedReading;
  }

  private noteMembership(): void {
    this.membershipDirty = true;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.debounceMs);
  }

  /** Works out what changed since the last draw; public for tests that do not want to wait. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.watcher) return;
    const before = this.shown;
    const after = this.membershipDirty || this.changedIds.size > 0 ? this.compute() : before;
    const changedIds = [...this.changedIds];
    this.changedIds.clear();
    this.membershipDirty = false;
    this.shown = after;

    const changes: MigrationsViewChange[] = [];
    const wasEmpty = before.active.length + before.recent.length + before.down.length === 0;
    if (wasEmpty !== this.isEmpty || downKey(before.down) !== downKey(after.down)) {
      changes.push({ kind: 'root' });
    } else {
      const groups: MigrationGroup[] = ['active', 'recent'];
      for (const group of groups) {
        if (idsKey(before[group]) !== idsKey(after[group])) {
          changes.push({ kind: 'group', group });
          continue;
        }
        const inGroup = new Set(after[group].map((m) => m.id));
        for (const id of changedIds) if (inGroup.has(id)) changes.push({ kind: 'migration', group, migrationId: id });
      }
    }
    if (changes.length > 0) this.changeEmitter.fire(changes);
    this.scheduleTick();
  }

  private compute(): Snapshot {
    const watcher = this.watcher!;
    const active = watcher.active();
    const byId = new Map<string, Migration>();
    for (const m of watcher.recent(this.recentLimit)) byId.set(m.id, m);
    for (const m of this.recorded.migrations) {
      // The watcher's view is newer than the record; a migration it holds as active is not recent.
      const held = watcher.get(m.id);
      if (held ? !isActive(held) && !byId.has(m.id) : !byId.has(m.id)) byId.set(m.id, held ?? m);
    }
    const recent = [...byId.values()].sort((a, b) => endOf(b) - endOf(a)).slice(0, this.recentLimit);
    const down: StreamDown[] = [];
    // One line per cluster, however many contexts reach it.
    for (const id of watcher.clusterIds()) {
      const state = notStreaming(watcher.status(id));
      if (state) down.push({ clusterId: id, state });
    }
    return { active, recent, down };
  }

  private scheduleTick(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
    if (!this.visible || this.shown.active.length === 0 || !this.watcher) return;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = undefined;
      for (const m of this.shown.active) this.changedIds.add(m.id);
      this.flush();
    }, this.tickMs);
  }
}

function isActive(m: Migration): boolean {
  return m.state === 'pending' || m.state === 'running';
}

function endOf(m: Migration): number {
  return m.endedAt ?? m.createdAt;
}

function idsKey(list: readonly Migration[]): string {
  return list.map((m) => m.id).join('\u0000');
}

function downKey(list: readonly StreamDown[]): string {
  return list.map((d) => `${d.clusterId}\u0000${d.state.state === 'unreachable' ? d.state.reason : d.state.limitation}`).join('\u0001');
}
