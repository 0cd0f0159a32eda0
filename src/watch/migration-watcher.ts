// Fans in the migration streams of every attached ClusterSource and turns them into ONE stream of
// phase transitions — each (migration, phase) exactly once, in time order per migration — plus
// snapshot updates and ends. Everything downstream (history, output log, status bar, views)
// subscribes here; nothing reads the sources' streams directly (DESIGN.md: data flows one way).
//
// Sources that declare the same clusterIdentity (two kubeconfig contexts of one API server) are
// one cluster: its migrations stream from one member at a time (another takes over when that one
// is down or may not watch migrations) and are held under the cluster id of the group's first
// member whichever member streams, so each is counted, logged and recorded once.
// The groups are source-groups.ts, the tracks held in memory held-migrations.ts; this file takes
// the streams' events, turns observations into transitions and ends, and reconciles after a list.

import type { ConnectionState } from '../model/cluster';
import { describeError } from '../model/errors';
import { Emitter, type Event } from '../base/event';
import { Disposable } from '../base/lifecycle';
import { migrationIdUnder, type Migration, type MigrationObservation, type MigrationStreamEvent, type PhaseTransition } from '../model/migration';
import type { ClusterSource } from '../sources/cluster-source';
import type { MigrationTrack, ObservationOutcome } from './migration-track';
import { HeldMigrations } from './held-migrations';
import { HistoryLookupGate } from './history-lookup-gate';
import { SourceGroups, type AttachedSource } from './source-groups';
import { describeObservation, validateObservation } from './observation-validator';
import { StreamOutages } from './stream-outages';
import type { MigrationEndEvent, MigrationTransitionEvent, MigrationUpdateEvent, SourceStatusEvent } from './watcher-events';
import type { RecordedMigrations } from './recorded-migrations';
import { silentLogger, type Logger } from '../base/logger';
import { LogOnce } from '../base/log-once';
import { withDeadline } from '../base/deadline';

export type { MigrationEndEvent, MigrationTransitionEvent, MigrationUpdateEvent, SourceStatusEvent } from './watcher-events';

export interface MigrationWatcherOptions {
  /** The history's memory of what is already recorded (see RecordedMigrations). */
  recorded?: RecordedMigrations;
  log?: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
  /** Ended migrations held in memory for recent() and for dedup of relists. Default 20,000. */
  maxEndedHeld?: number;
  /** Deadline for ClusterSource.getMigration during reconciliation. Default 15 s. */
  fetchTimeoutMs?: number;
}

const VANISHED_REASON = 'No longer on the cluster when the watcher reconnected; its outcome was not observed';

export class MigrationWatcher extends Disposable {
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

  private readonly groups: SourceGroups;
  private readonly held: HeldMigrations;
  private readonly pendingFetches = new Map<string, Promise<void>>();
  private readonly warned = new LogOnce();
  private readonly log: Pick<Logger, 'info' | 'warn'>;
  private readonly now: () => number;
  private readonly fetchTimeoutMs: number;
  /** Set when the history answers from another thread: holds events of first-seen migrations until it has. */
  private readonly gate: HistoryLookupGate | undefined;

  constructor(options: MigrationWatcherOptions = {}) {
    super();
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 15_000;
    this.outages = new StreamOutages(this.onDidChangeStatus, this.now);
    this.held = new HeldMigrations(options.recorded, options.maxEndedHeld ?? 20_000, this.log, (key, message) => this.warnOnce(key, message));
    this.groups = new SourceGroups(
      {
        event: (attached, event) => (this.gate ? this.gate.accept(attached, event) : this.accept(attached, event)),
        status: (event) => this.statusEmitter.fire(event),
        clusterNamed: (clusterId, lifecycle) => this.held.holdRecordedActive(clusterId, lifecycle),
        clusterForgotten: (clusterId) => this.held.forgetCluster(clusterId),
      },
      this.log,
    );
    const recorded = options.recorded;
    if (recorded?.ready && recorded.load) {
      this.gate = new HistoryLookupGate(
        { ready: recorded.ready.bind(recorded), load: recorded.load.bind(recorded) },
        (attached, event) => this.firstSightOf(attached, event),
        (attached, event) => this.accept(attached, event),
        (message) => this.log.warn(message),
      );
    }
  }

  // ---- sources ------------------------------------------------------------------------------

  /**
   * Attaches a source and subscribes to its migrations (which makes it connect). A source with
   * the id of an attached one replaces it and keeps what is held for that cluster. A source that
   * reaches a cluster already attached through another (same clusterIdentity) joins it: it
   * streams only when the one streaming cannot.
   */
  addSource(source: ClusterSource): void {
    this.groups.add(source);
  }

  /** Detaches a source (the caller still owns and disposes it); its cluster's migrations are forgotten once no source reaches it. */
  removeSource(sourceId: string): void {
    this.groups.remove(sourceId);
  }

  /** Follows a configuration change: attaches the new sources, detaches the ones no longer listed. */
  setSources(sources: Iterable<ClusterSource>): void {
    const wanted = new Map<string, ClusterSource>();
    for (const s of sources) wanted.set(s.id, s);
    for (const id of this.groups.sourceIds()) if (!wanted.has(id)) this.removeSource(id);
    for (const s of wanted.values()) this.addSource(s);
  }

  sourceIds(): string[] {
    return this.groups.sourceIds();
  }

  /** One id per cluster watched (clusterOf() of its sources), in the order they were attached. */
  clusterIds(): string[] {
    return this.groups.clusterIds();
  }

  /** The cluster id a source's migrations are held under: its own, or that of the first source attached of those reaching the same cluster. */
  clusterOf(sourceId: string): string | undefined {
    return this.groups.clusterOf(sourceId);
  }

  /**
   * The state of the migration stream of a cluster, by the cluster's id or any of its sources'
   * ids, so a view can show that cluster as down.
   */
  status(sourceId: string): ConnectionState | undefined {
    return this.groups.status(sourceId);
  }

  /**
   * The attached sources that can act on a held migration (cancel it, look it up), the one
   * streaming it first, each with the migration's id as that source knows it.
   */
  sourcesFor(migrationId: string): Array<{ source: ClusterSource; migrationId: string }> {
    const clusterId = this.held.get(migrationId)?.migration?.cluster ?? this.groups.clusterOfMigrationId(migrationId);
    return clusterId === undefined ? [] : this.groups.actorsFor(clusterId, migrationId);
  }

  /** A migration id as an attached source names it (its own id as prefix), as the watcher holds it. */
  heldMigrationId(migrationId: string): string {
    return this.groups.heldMigrationId(migrationId);
  }

  // ---- state --------------------------------------------------------------------------------

  /** Every migration held as not final, oldest first. */
  active(): Migration[] {
    return this.held.active();
  }

  get(migrationId: string): Migration | undefined {
    return this.held.get(migrationId)?.migration;
  }

  /** The phase timeline of a held migration, in time order (recorded and seen). */
  phasesOf(migrationId: string): PhaseTransition[] {
    return this.held.get(migrationId)?.phases() ?? [];
  }

  /** The `limit` most recently ended migrations held, newest end first. */
  recent(limit = 20): Migration[] {
    return this.held.recent(limit);
  }

  /** Resolves once every reconciliation fetch in flight has settled. */
  async whenIdle(): Promise<void> {
    for (;;) {
      if (this.pendingFetches.size > 0) await Promise.allSettled([...this.pendingFetches.values()]);
      else if (this.gate?.holding) await new Promise((resolve) => setTimeout(resolve, 1));
      else return;
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    this.gate?.dispose();
    this.groups.dispose();
    this.outages.dispose();
    this.transitionEmitter.dispose();
    this.updateEmitter.dispose();
    this.endEmitter.dispose();
    this.statusEmitter.dispose();
  }

  // ---- the stream ---------------------------------------------------------------------------

  /** The id `event` would be held under, when it shows a migration the watcher does not hold. */
  private firstSightOf(attached: AttachedSource, event: MigrationStreamEvent): string | undefined {
    if (event?.type !== 'observation') return undefined;
    const ownId = (event.observation as MigrationObservation | undefined)?.migration?.id;
    if (typeof ownId !== 'string' || ownId === '') return undefined;
    const id = migrationIdUnder(ownId, attached.source.id, attached.group.clusterId);
    return this.held.get(id) ? undefined : id;
  }

  private accept(attached: AttachedSource, event: MigrationStreamEvent): void {
    if (this.isDisposed || !this.groups.isCurrent(attached)) return;
    // A member being tried while another streams is heard only on whether it could take over.
    if (event?.type !== 'connection' && attached.group.streamer !== attached) return;
    try {
      switch (event?.type) {
        case 'observation':
          this.observe(attached, event.observation);
          break;
        case 'synced':
          this.reconcile(attached, Array.isArray(event.migrationIds) ? event.migrationIds : []);
          break;
        case 'connection':
          this.groups.setStatus(attached, event.state);
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
    let observation = check.observation;
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
    const clusterId = attached.group.clusterId;
    if (clusterId !== source.id) {
      // Another source of the same cluster named it first: hold it under that name, so whichever member streams, it is one migration.
      const id = migrationIdUnder(observation.migration.id, source.id, clusterId);
      observation = { ...observation, migration: { ...observation.migration, id, cluster: clusterId }, phases: observation.phases.map((p) => ({ ...p, migrationId: id })) };
    }

    const track = this.held.trackOf(source, observation.migration);
    const outcome = track.apply(observation, this.now());
    if (outcome.reincarnated) this.held.warnNameReused(source, track.id);
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
    this.held.noteApplied(track);
  }

  /**
   * After a (re)list or stream (re)connect: migrations held as active that the cluster no longer
   * lists ended while nobody was looking. Fetch their final state where the source can; else end
   * them with an explanation, so nothing stays "active" forever.
   */
  private reconcile(attached: AttachedSource, migrationIds: readonly string[]): void {
    const { source, group } = attached;
    const present = new Set(migrationIds.map((id) => migrationIdUnder(id, source.id, group.clusterId)));
    for (const track of this.held.all()) {
      const m = track.migration;
      if (!m || !track.active || m.cluster !== group.clusterId || present.has(m.id) || this.pendingFetches.has(m.id)) continue;
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
      observation = await withDeadline(source.getMigration!(migrationIdUnder(migrationId, attached.group.clusterId, source.id)), this.fetchTimeoutMs, `no answer within ${this.fetchTimeoutMs} ms`);
    } catch (err) {
      failure = describeError(err);
    }
    if (this.isDisposed || !this.groups.isCurrent(attached)) return;
    const track = this.held.get(migrationId);
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
    // Its end happened while nobody watched: it may have been cancelled (a deleted VMIM), have
    // succeeded and been garbage-collected, or died with its daemon. The same word on every kind:
    // not a success we saw, so "failed", with the reason saying its outcome was not observed.
    const outcome = track.vanish('failed', reason, this.now());
    if (outcome) this.publish(track, outcome);
  }

  private warnOnce(key: string, message: string): void {
    this.warned.log(this.log, 'warn', key, message);
  }
}
