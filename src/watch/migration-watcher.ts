// Fans in the migration streams of every attached ClusterSource and turns them into ONE stream of
// phase transitions — each (migration, phase) exactly once, in time order per migration — plus
// snapshot updates and ends. Everything downstream (history, output log, status bar, views)
// subscribes here; nothing reads the sources' streams directly (DESIGN.md: data flows one way).

import type { ConnectionState } from '../model/cluster';
import { describeError } from '../model/errors';
import { DisposableStore, Emitter, type Disposable, type Event } from '../model/event';
import { isLaterIncarnation, type Migration, type MigrationObservation, type MigrationStreamEvent, type PhaseTransition } from '../model/migration';
import type { ClusterSource } from '../sources/cluster-source';
import { MigrationTrack, type EndCause, type ObservationOutcome } from './migration-track';
import { describeObservation, validateObservation } from './observation-validator';
import { StreamOutages } from './stream-outages';
import type { RecordedMigrations } from './recorded-migrations';
import { silentLog, type WatchLog } from './watch-log';
import { withDeadline } from '../model/deadline';

export interface MigrationTransitionEvent {
  /** The migration as held after the observation that produced this transition. */
  migration: Migration;
  transition: PhaseTransition;
  /** The phase this one follows in time, if any is known (recorded or seen). */
  previousPhase?: string;
}

export interface MigrationUpdateEvent {
  /** The migration as now held. Fired after any change, including ones that also produced transitions. */
  migration: Migration;
  /** The snapshot held before; undefined when the watcher first learns of the migration. */
  previous?: Migration;
}

export interface MigrationEndEvent {
  migration: Migration;
  /** 'phase': its own final phase; 'deleted': removed before it finished (→ cancelled);
   *  'vanished': missing after a reconnect and not fetchable (→ ended with a failureReason). */
  cause: EndCause;
  /** False when the end came without a final transition (deleted, vanished): a log should say so itself. */
  viaTransition: boolean;
}

export interface SourceStatusEvent {
  sourceId: string;
  /** Undefined once the source has been removed from the watcher. */
  state: ConnectionState | undefined;
}

export interface MigrationWatcherOptions {
  /** The history's memory of what is already recorded (see RecordedMigrations). */
  recorded?: RecordedMigrations;
  log?: WatchLog;
  now?: () => number;
  /** Ended migrations held in memory for recent() and for dedup of relists. Default 20,000. */
  maxEndedHeld?: number;
  /** Deadline for ClusterSource.getMigration during reconciliation. Default 15 s. */
  fetchTimeoutMs?: number;
}

interface AttachedSource {
  source: ClusterSource;
  subscriptions: DisposableStore;
  state: ConnectionState;
  clusterMismatchWarned: boolean;
}

const VANISHED_REASON = 'No longer on the cluster when the watcher reconnected; its final phase was not observed';

export class MigrationWatcher implements Disposable {
  private readonly transitionEmitter = new Emitter<MigrationTransitionEvent>();
  private readonly updateEmitter = new Emitter<MigrationUpdateEvent>();
  private readonly endEmitter = new Emitter<MigrationEndEvent>();
  private readonly statusEmitter = new Emitter<SourceStatusEvent>();

  /** One ordered stream of phase transitions across every cluster. */
  readonly onTransition: Event<MigrationTransitionEvent> = this.transitionEmitter.event;
  /** Any change to a held migration (phase, progress, nodes, failure reason…). */
  readonly onDidUpdate: Event<MigrationUpdateEvent> = this.updateEmitter.event;
  /** A migration became final (succeeded, failed, cancelled), once per end. */
  readonly onDidEnd: Event<MigrationEndEvent> = this.endEmitter.event;
  /** A source's connection changed, or a source was added or removed. */
  readonly onDidChangeStatus: Event<SourceStatusEvent> = this.statusEmitter.event;
  /** Whose migration stream is down, since when and why: one account for every surface that says so. */
  readonly outages: StreamOutages;

  private readonly sources = new Map<string, AttachedSource>();
  private readonly tracks = new Map<string, MigrationTrack>();
  /** Ended tracks in the order they ended (oldest first), for eviction. */
  private readonly endedOrder = new Set<string>();
  private readonly pendingFetches = new Map<string, Promise<void>>();
  private readonly warned = new Set<string>();
  private readonly log: WatchLog;
  private readonly now: () => number;
  private readonly maxEndedHeld: number;
  private readonly fetchTimeoutMs: number;
  private disposed = false;

  constructor(private readonly options: MigrationWatcherOptions = {}) {
    this.log = options.log ?? silentLog;
    this.now = options.now ?? Date.now;
    this.maxEndedHeld = options.maxEndedHeld ?? 20_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 15_000;
    this.outages = new StreamOutages(this.onDidChangeStatus, this.now);
  }

  // ---- sources ------------------------------------------------------------------------------

  /**
   * Attaches a source and subscribes to its migrations (which makes it connect). A source with
   * the id of an attached one replaces it and keeps what is held for that cluster.
   */
  addSource(source: ClusterSource): void {
    if (this.disposed) return;
    const existing = this.sources.get(source.id);
    if (existing?.source === source) return;
    existing?.subscriptions.dispose();

    const attached: AttachedSource = { source, subscriptions: new DisposableStore(), state: source.connection ?? { state: 'connecting' }, clusterMismatchWarned: false };
    this.sources.set(source.id, attached);
    if (!existing) this.holdRecordedActive(source.id);
    this.statusEmitter.fire({ sourceId: source.id, state: attached.state });

    try {
      attached.subscriptions.add(source.onDidChangeConnection((state) => this.setStatus(attached, state)));
      attached.subscriptions.add(source.onMigrationEvent((event) => this.accept(attached, event)));
    } catch (err) {
      this.setStatus(attached, { state: 'unreachable', reason: describeError(err) });
      this.log.warn(`${source.label}: cannot watch migrations: ${describeError(err)}`);
    }
  }

  /** Detaches a source (the caller still owns and disposes it) and forgets its cluster's migrations. */
  removeSource(sourceId: string): void {
    const attached = this.sources.get(sourceId);
    if (!attached) return;
    attached.subscriptions.dispose();
    this.sources.delete(sourceId);
    for (const [id, track] of this.tracks) {
      if (track.migration?.cluster === sourceId) {
        this.tracks.delete(id);
        this.endedOrder.delete(id);
      }
    }
    this.statusEmitter.fire({ sourceId, state: undefined });
  }

  /** Follows a configuration change: attaches the new sources, detaches the ones no longer listed. */
  setSources(sources: Iterable<ClusterSource>): void {
    const wanted = new Map<string, ClusterSource>();
    for (const s of sources) wanted.set(s.id, s);
    for (const id of [...this.sources.keys()]) if (!wanted.has(id)) this.removeSource(id);
    for (const s of wanted.values()) this.addSource(s);
  }

  sourceIds(): string[] {
    return [...this.sources.keys()];
  }

  /** The connection state of one attached source, so a view can show that cluster as down. */
  status(sourceId: string): ConnectionState | undefined {
    return this.sources.get(sourceId)?.state;
  }

  // ---- state --------------------------------------------------------------------------------

  /** Every migration held as not final, oldest first. */
  active(): Migration[] {
    const out: Migration[] = [];
    for (const t of this.tracks.values()) if (t.active) out.push(t.migration!);
    return out.sort((a, b) => a.createdAt - b.createdAt);
  }

  get(migrationId: string): Migration | undefined {
    return this.tracks.get(migrationId)?.migration;
  }

  /** The phase timeline of a held migration, in time order (recorded and seen). */
  phasesOf(migrationId: string): PhaseTransition[] {
    return this.tracks.get(migrationId)?.phases() ?? [];
  }

  /** The `limit` most recently ended migrations held, newest end first. */
  recent(limit = 20): Migration[] {
    const ended: Migration[] = [];
    for (const t of this.tracks.values()) if (t.migration && !t.active) ended.push(t.migration);
    return ended.sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0)).slice(0, Math.max(0, limit));
  }

  /** Resolves once every reconciliation fetch in flight has settled. */
  async whenIdle(): Promise<void> {
    while (this.pendingFetches.size > 0) await Promise.allSettled([...this.pendingFetches.values()]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const attached of this.sources.values()) attached.subscriptions.dispose();
    this.sources.clear();
    this.outages.dispose();
    this.transitionEmitter.dispose();
    this.updateEmitter.dispose();
    this.endEmitter.dispose();
    this.statusEmitter.dispose();
  }

  // ---- the stream ---------------------------------------------------------------------------

  private accept(attached: AttachedSource, event: MigrationStreamEvent): void {
    if (this.disposed || this.sources.get(attached.source.id) !== attached) return;
    try {
      switch (event?.type) {
        case 'observation':
          this.observe(attached, event.observation);
          break;
        case 'synced':
          this.reconcile(attached, Array.isArray(event.migrationIds) ? event.migrationIds : []);
          break;
        case 'connection':
          this.setStatus(attached, event.state);
          break;
        default:
          this.warnOnce(`${attached.source.id}:event`, `${attached.source.label}: ignored an unknown stream event`);
      }
    } catch (err) {
      // A bug in handling one event must not stop the stream for every other migration.
      this.log.warn(`${attached.source.label}: could not process a migration event: ${describeError(err)}`);
    }
  }

  private observe(attached: AttachedSource, raw: MigrationObservation): void {
    const { source } = attached;
    const check = validateObservation(raw);
    if (!check.ok) {
      this.warnOnce(`${source.id}:${describeObservation(raw)}:${check.problem}`, `${source.label}: skipped migration ${describeObservation(raw)}: ${check.problem}`);
      return;
    }
    const observation = check.observation;
    if (check.droppedPhases.length > 0) {
      this.warnOnce(
        `${source.id}:${observation.migration.id}:phases:${check.droppedPhases.join(',')}`,
        `${source.label}: migration ${observation.migration.id}: skipped malformed phase times: ${check.droppedPhases.join(', ')}`,
      );
    }
    if (observation.migration.cluster !== source.id) {
      if (!attached.clusterMismatchWarned) {
        attached.clusterMismatchWarned = true;
        this.log.warn(`${source.label}: migrations name cluster "${observation.migration.cluster}" instead of "${source.id}"; using "${source.id}"`);
      }
      observation.migration.cluster = source.id;
    }

    const id = observation.migration.id;
    let track = this.tracks.get(id);
    if (!track) {
      track = new MigrationTrack(id, this.recordedTransitionsFor(source, observation.migration));
      this.tracks.set(id, track);
    }
    const outcome = track.apply(observation, this.now());
    if (outcome.reincarnated) this.warnNameReused(source, id);
    this.publish(track, outcome);
  }

  private publish(track: MigrationTrack, outcome: ObservationOutcome): void {
    const migration = track.migration!;
    for (const t of outcome.transitions) {
      this.transitionEmitter.fire({ migration, transition: t.transition, previousPhase: t.previousPhase });
    }
    if (outcome.changed) this.updateEmitter.fire({ migration, previous: outcome.previous });
    if (outcome.ended) {
      const viaTransition = outcome.ended === 'phase' && outcome.transitions.some((t) => t.transition.phase === migration.phase);
      this.endEmitter.fire({ migration, cause: outcome.ended, viaTransition });
    }
    if (track.active) this.endedOrder.delete(track.id);
    else this.noteEnded(track.id);
  }

  /**
   * After a (re)list or stream (re)connect: migrations held as active that the cluster no longer
   * lists ended while nobody was looking. Fetch their final state where the source can; else end
   * them with an explanation, so nothing stays "active" forever.
   */
  private reconcile(attached: AttachedSource, migrationIds: readonly string[]): void {
    const { source } = attached;
    const present = new Set(migrationIds);
    for (const track of [...this.tracks.values()]) {
      const m = track.migration;
      if (!m || !track.active || m.cluster !== source.id || present.has(m.id) || this.pendingFetches.has(m.id)) continue;
      if (typeof source.getMigration === 'function') {
        const fetch = this.fetchFinalState(attached, m.id).finally(() => this.pendingFetches.delete(m.id));
        this.pendingFetches.set(m.id, fetch);
      } else {
        this.vanish(track, VANISHED_REASON);
      }
    }
  }

  private async fetchFinalState(attached: AttachedSource, migrationId: string): Promise<void> {
    const { source } = attached;
    let observation: MigrationObservation | undefined;
    let failure: string | undefined;
    try {
      observation = await withDeadline(source.getMigration!(migrationId), this.fetchTimeoutMs, `no answer within ${this.fetchTimeoutMs} ms`);
    } catch (err) {
      failure = describeError(err);
    }
    if (this.disposed || this.sources.get(source.id) !== attached) return;
    const track = this.tracks.get(migrationId);
    if (!track) return;
    try {
      if (observation) {
        this.observe(attached, observation);
      } else if (failure) {
        this.log.warn(`${source.label}: could not fetch migration ${migrationId} after reconnect: ${failure}`);
        this.vanish(track, `${VANISHED_REASON} (fetching it failed: ${failure})`);
      } else {
        this.vanish(track, VANISHED_REASON);
      }
    } catch (err) {
      this.log.warn(`${source.label}: could not reconcile migration ${migrationId}: ${describeError(err)}`);
    }
  }

  private vanish(track: MigrationTrack, reason: string): void {
    // KubeVirt removes an unfinished VMIM only when someone deletes it, which is how it cancels;
    // Blixard never deletes migrations, so a missing one there is a failure we cannot explain.
    const state = track.migration?.kind === 'kubevirt' ? 'cancelled' : 'failed';
    const outcome = track.vanish(state, reason, this.now());
    if (outcome) this.publish(track, outcome);
  }

  private setStatus(attached: AttachedSource, state: ConnectionState): void {
    if (!state || typeof state !== 'object') return;
    if (this.sources.get(attached.source.id) !== attached) return;
    if (JSON.stringify(state) === JSON.stringify(attached.state)) return;
    attached.state = state;
    this.statusEmitter.fire({ sourceId: attached.source.id, state });
  }

  // ---- memory -------------------------------------------------------------------------------

  /**
   * What the history holds of this migration, to emit only the phases it lacks. Not when the
   * history's record is an earlier migration under the same name (a KubeVirt VMIM name used
   * again after a restart of this process): those phases are not this migration's.
   */
  private recordedTransitionsFor(source: ClusterSource, incoming: Migration): readonly PhaseTransition[] {
    const recorded = this.options.recorded;
    try {
      if (!recorded?.recordOf) return recorded?.transitionsOf(incoming.id) ?? [];
      const record = recorded.recordOf(incoming.id);
      if (record && isLaterIncarnation(record.migration, incoming)) {
        this.warnNameReused(source, incoming.id);
        return [];
      }
      return record?.transitions ?? [];
    } catch (err) {
      this.warnOnce(`history:${incoming.id}`, `history: cannot read recorded phases of ${incoming.id}: ${describeError(err)}`);
      return [];
    }
  }

  private warnNameReused(source: ClusterSource, migrationId: string): void {
    this.log.warn(`${source.label}: migration ${migrationId} was created again under a name used before; the history keeps the earlier one apart`);
  }

  private holdRecordedActive(clusterId: string): void {
    let recorded: ReturnType<NonNullable<RecordedMigrations['activeOf']>> = [];
    try {
      recorded = this.options.recorded?.activeOf?.(clusterId) ?? [];
    } catch (err) {
      this.log.warn(`history: cannot read active migrations of ${clusterId}: ${describeError(err)}`);
    }
    for (const r of recorded) {
      if (this.tracks.has(r.migration.id) || r.migration.cluster !== clusterId) continue;
      this.tracks.set(r.migration.id, new MigrationTrack(r.migration.id, r.transitions, r.migration));
    }
  }

  private noteEnded(id: string): void {
    if (this.endedOrder.has(id)) return;
    this.endedOrder.add(id);
    while (this.endedOrder.size > this.maxEndedHeld) {
      const oldest = this.endedOrder.values().next().value as string;
      this.endedOrder.delete(oldest);
      this.tracks.delete(oldest);
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    if (this.warned.size > 10_000) this.warned.clear();
    this.warned.add(key);
    this.log.warn(message);
  }
}
