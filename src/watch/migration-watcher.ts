// Fans in the migration streams of every attached ClusterSource and turns them into ONE stream of
// phase transitions — each (migration, phase) exactly once, in time order per migration — plus
// snapshot updates and ends. Everything downstream (history, output log, status bar, views)
// subscribes here; nothing reads the sources' streams directly (DESIGN.md: data flows one way).
//
// Sources that declare the same clusterIdentity (two kubeconfig contexts of one API server) are
// one cluster: its migrations stream from one member at a time (another takes over when that one
// is down or may not watch migrations) and are held under the cluster id of the group's first
// member whichever member streams, so each is counted, logged and recorded once.

import type { ConnectionState } from '../model/cluster';
import { describeError } from '../model/errors';
import { scrubSecrets } from '../base/secret-registry';
import { DisposableStore, Emitter, type Disposable, type Event } from '../base/event';
import { isLaterIncarnation, migrationIdUnder, type Migration, type MigrationObservation, type MigrationStreamEvent, type PhaseTransition } from '../model/migration';
import type { ClusterSource } from '../sources/cluster-source';
import { MigrationTrack, type ObservationOutcome } from './migration-track';
import type { Lifecycle } from '../model/phase-order';
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

interface AttachedSource {
  source: ClusterSource;
  subscriptions: DisposableStore;
  /** Its migration-stream subscription, while it streams or is being tried as the group's streamer. */
  stream: Disposable | undefined;
  state: ConnectionState;
  clusterMismatchWarned: boolean;
  group: ClusterGroup;
}

/** The attached sources that reach one cluster (one alone, unless several share a clusterIdentity). */
interface ClusterGroup {
  key: string;
  /** Migration.cluster and the prefix of Migration.id for every migration of this cluster: stays while the group lives. */
  clusterId: string;
  /** In the order they were attached. */
  members: AttachedSource[];
  /** The member whose migration stream is taken. */
  streamer: AttachedSource | undefined;
  /** The cluster's stream state as last announced. */
  announced: ConnectionState | undefined;
}

const VANISHED_REASON = 'No longer on the cluster when the watcher reconnected; its outcome was not observed';

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
  /** By groupKeyOf(): the clusters watched. */
  private readonly groups = new Map<string, ClusterGroup>();
  private readonly tracks = new Map<string, MigrationTrack>();
  /** Ended tracks in the order they ended (oldest first), for eviction. */
  private readonly endedOrder = new Set<string>();
  private readonly pendingFetches = new Map<string, Promise<void>>();
  private readonly warned = new LogOnce();
  private readonly log: Pick<Logger, 'info' | 'warn'>;
  private readonly now: () => number;
  private readonly maxEndedHeld: number;
  private readonly fetchTimeoutMs: number;
  private disposed = false;

  constructor(private readonly options: MigrationWatcherOptions = {}) {
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.maxEndedHeld = options.maxEndedHeld ?? 20_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 15_000;
    this.outages = new StreamOutages(this.onDidChangeStatus, this.now);
  }

  // ---- sources ------------------------------------------------------------------------------

  /**
   * Attaches a source and subscribes to its migrations (which makes it connect). A source with
   * the id of an attached one replaces it and keeps what is held for that cluster. A source that
   * reaches a cluster already attached through another (same clusterIdentity) joins it: it
   * streams only when the one streaming cannot.
   */
  addSource(source: ClusterSource): void {
    if (this.disposed) return;
    const existing = this.sources.get(source.id);
    const key = groupKeyOf(source);
    if (existing?.source === source && existing.group.key === key) return;
    let left: ClusterGroup | undefined;
    if (existing) {
      existing.subscriptions.dispose();
      this.unsubscribe(existing);
      left = this.leaveGroup(existing);
    }

    let group = this.groups.get(key);
    const created = !group;
    if (!group) {
      // A replaced source that moves on alone keeps its cluster's name, and so its migrations' ids.
      const clusterId = left && left.members.length === 0 ? left.clusterId : source.id;
      // The name may still be held by the group it left (or another): that group takes its first member's.
      const holder = this.groupOfCluster(clusterId);
      if (holder && holder.members.length > 0) this.renameCluster(holder, holder.members[0].source.id);
      group = { key, clusterId, members: [], streamer: undefined, announced: undefined };
      this.groups.set(key, group);
    }
    const attached: AttachedSource = { source, subscriptions: new DisposableStore(), stream: undefined, state: scrubbedConnection(source.connection ?? { state: 'connecting' }), clusterMismatchWarned: false, group };
    group.members.push(attached);
    this.sources.set(source.id, attached);
    if (left && left !== group && left.members.length === 0 && left.clusterId !== group.clusterId) this.forgetCluster(left);
    else if (left && left !== group && left.members.length > 0) this.elect(left);
    if (created) this.holdRecordedActive(group.clusterId, source.traits.lifecycle);

    try {
      attached.subscriptions.add(source.onDidChangeConnection((state) => this.setStatus(attached, state)));
    } catch (err) {
      attached.state = { state: 'unreachable', reason: describeError(err) };
      this.log.warn(`${source.label}: cannot watch migrations: ${describeError(err)}`);
    }
    this.elect(group);
  }

  /** Detaches a source (the caller still owns and disposes it); its cluster's migrations are forgotten once no source reaches it. */
  removeSource(sourceId: string): void {
    const attached = this.sources.get(sourceId);
    if (!attached) return;
    attached.subscriptions.dispose();
    this.unsubscribe(attached);
    this.sources.delete(sourceId);
    const group = this.leaveGroup(attached);
    if (group.members.length === 0) this.forgetCluster(group);
    else this.elect(group);
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

  /** One id per cluster watched (clusterOf() of its sources), in the order they were attached. */
  clusterIds(): string[] {
    return [...this.groups.values()].map((g) => g.clusterId);
  }

  /** The cluster id a source's migrations are held under: its own, or that of the first source attached of those reaching the same cluster. */
  clusterOf(sourceId: string): string | undefined {
    return this.sources.get(sourceId)?.group.clusterId ?? this.groupOfCluster(sourceId)?.clusterId;
  }

  /**
   * The state of the migration stream of a cluster, by the cluster's id or any of its sources'
   * ids, so a view can show that cluster as down.
   */
  status(sourceId: string): ConnectionState | undefined {
    const group = this.sources.get(sourceId)?.group ?? this.groupOfCluster(sourceId);
    return group && streamState(group);
  }

  /**
   * The attached sources that can act on a held migration (cancel it, look it up), the one
   * streaming it first, each with the migration's id as that source knows it.
   */
  sourcesFor(migrationId: string): Array<{ source: ClusterSource; migrationId: string }> {
    const migration = this.tracks.get(migrationId)?.migration;
    const clusterId = migration?.cluster ?? [...this.groups.values()].find((g) => migrationId.startsWith(`${g.clusterId}/`))?.clusterId;
    const group = clusterId === undefined ? undefined : this.groupOfCluster(clusterId);
    if (!group || clusterId === undefined) return [];
    const ordered = group.streamer ? [group.streamer, ...group.members.filter((m) => m !== group.streamer)] : group.members;
    return ordered.map((m) => ({ source: m.source, migrationId: migrationIdUnder(migrationId, clusterId, m.source.id) }));
  }

  /** A migration id as an attached source names it (its own id as prefix), as the watcher holds it. */
  heldMigrationId(migrationId: string): string {
    let owner: AttachedSource | undefined;
    // The longest matching id: a kube context name may itself hold a "/".
    for (const attached of this.sources.values()) {
      const id = attached.source.id;
      if (migrationId.startsWith(`${id}/`) && (!owner || id.length > owner.source.id.length)) owner = attached;
    }
    return owner ? migrationIdUnder(migrationId, owner.source.id, owner.group.clusterId) : migrationId;
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
    for (const attached of this.sources.values()) {
      attached.subscriptions.dispose();
      this.unsubscribe(attached);
    }
    this.sources.clear();
    this.groups.clear();
    this.outages.dispose();
    this.transitionEmitter.dispose();
    this.updateEmitter.dispose();
    this.endEmitter.dispose();
    this.statusEmitter.dispose();
  }

  // ---- the stream ---------------------------------------------------------------------------

  private accept(attached: AttachedSource, event: MigrationStreamEvent): void {
    if (this.disposed || this.sources.get(attached.source.id) !== attached) return;
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

    const id = observation.migration.id;
    let track = this.tracks.get(id);
    if (!track) {
      track = new MigrationTrack(id, this.recordedTransitionsFor(source, observation.migration), undefined, source.traits.lifecycle);
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
    const { source, group } = attached;
    const present = new Set(migrationIds.map((id) => migrationIdUnder(id, source.id, group.clusterId)));
    for (const track of [...this.tracks.values()]) {
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
    // Its end happened while nobody watched: it may have been cancelled (a deleted VMIM), have
    // succeeded and been garbage-collected, or died with its daemon. The same word on every kind:
    // not a success we saw, so "failed", with the reason saying its outcome was not observed.
    const outcome = track.vanish('failed', reason, this.now());
    if (outcome) this.publish(track, outcome);
  }

  private setStatus(attached: AttachedSource, reported: ConnectionState): void {
    if (!reported || typeof reported !== 'object') return;
    if (this.sources.get(attached.source.id) !== attached) return;
    const state = scrubbedConnection(reported);
    if (JSON.stringify(state) === JSON.stringify(attached.state)) return;
    attached.state = state;
    this.elect(attached.group);
  }

  // ---- clusters reached through several sources ----------------------------------------------

  /**
   * Chooses the member whose migrations are taken: the current one while it streams; otherwise
   * one that can (a fresh subscription gives its full picture); else the current or first one.
   * While the chosen one cannot stream, every member is tried; once it streams, the others are let go.
   */
  private elect(group: ClusterGroup): void {
    if (this.disposed || this.groups.get(group.key) !== group) return;
    let next = group.streamer && group.members.includes(group.streamer) ? group.streamer : undefined;
    if (!next || !canStream(next.state)) next = group.members.find((m) => m !== next && canStream(m.state)) ?? next ?? group.members[0];
    if (next && next !== group.streamer) {
      group.streamer = next;
      this.subscribe(next, true);
    }
    const trying = next !== undefined && isStuck(next.state);
    for (const m of group.members) {
      if (m === next || trying) this.subscribe(m, false);
      else this.unsubscribe(m);
    }
    const state = streamState(group);
    if (JSON.stringify(state) === JSON.stringify(group.announced)) return;
    group.announced = state;
    this.statusEmitter.fire({ sourceId: group.clusterId, state });
  }

  private subscribe(attached: AttachedSource, fresh: boolean): void {
    if (attached.stream && !fresh) return;
    const previous = attached.stream;
    try {
      // Subscribed before the old subscription goes, so the source never sees no listener in between.
      attached.stream = attached.source.onMigrationEvent((event) => this.accept(attached, event));
    } catch (err) {
      attached.stream = undefined;
      attached.state = { state: 'unreachable', reason: describeError(err) };
      this.log.warn(`${attached.source.label}: cannot watch migrations: ${describeError(err)}`);
    }
    previous?.dispose();
  }

  private unsubscribe(attached: AttachedSource): void {
    attached.stream?.dispose();
    attached.stream = undefined;
  }

  /** Takes a member out of its group; an emptied group is dropped (its migrations are the caller's to forget or keep). */
  private leaveGroup(attached: AttachedSource): ClusterGroup {
    const { group } = attached;
    group.members = group.members.filter((m) => m !== attached);
    if (group.streamer === attached) group.streamer = undefined;
    if (group.members.length === 0) this.groups.delete(group.key);
    return group;
  }

  private forgetCluster(group: ClusterGroup): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    for (const [id, track] of this.tracks) {
      if (track.migration?.cluster === group.clusterId) {
        this.tracks.delete(id);
        this.endedOrder.delete(id);
      }
    }
    this.statusEmitter.fire({ sourceId: group.clusterId, state: undefined });
  }

  /** Rare: the group's name went to another cluster. Its streamer is subscribed afresh, so its migrations come again under the new name. */
  private renameCluster(group: ClusterGroup, clusterId: string): void {
    this.statusEmitter.fire({ sourceId: group.clusterId, state: undefined });
    group.clusterId = clusterId;
    group.announced = undefined;
    group.streamer = undefined;
    this.holdRecordedActive(clusterId, group.members[0]?.source.traits.lifecycle);
    queueMicrotask(() => this.elect(group));
  }

  private groupOfCluster(clusterId: string): ClusterGroup | undefined {
    for (const group of this.groups.values()) if (group.clusterId === clusterId) return group;
    return undefined;
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

  private holdRecordedActive(clusterId: string, lifecycle: Lifecycle): void {
    let recorded: ReturnType<NonNullable<RecordedMigrations['activeOf']>> = [];
    try {
      recorded = this.options.recorded?.activeOf?.(clusterId) ?? [];
    } catch (err) {
      this.log.warn(`history: cannot read active migrations of ${clusterId}: ${describeError(err)}`);
    }
    for (const r of recorded) {
      if (this.tracks.has(r.migration.id) || r.migration.cluster !== clusterId) continue;
      this.tracks.set(r.migration.id, new MigrationTrack(r.migration.id, r.transitions, r.migration, lifecycle));
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
    this.warned.log(this.log, 'warn', key, message);
  }
}

/** Sources of one kind that declare the same identity reach one cluster; one without is a cluster of its own. */
function groupKeyOf(source: ClusterSource): string {
  return source.clusterIdentity ? `identity:${source.kind}:${source.clusterIdentity}` : `source:${source.id}`;
}

/** A source's words about its connection (an error the server answered) scrubbed of secrets, once, for every surface that shows them. */
function scrubbedConnection(state: ConnectionState): ConnectionState {
  if (state?.state === 'unreachable' && typeof state.reason === 'string') return { ...state, reason: scrubSecrets(state.reason) };
  if (state?.state === 'connected' && typeof state.limitation === 'string') return { ...state, limitation: scrubSecrets(state.limitation) };
  return state;
}

function canStream(state: ConnectionState): boolean {
  return state.state === 'connected' && !state.limitation;
}

/** Down, or up but not allowed to stream migrations: another member should be tried. */
function isStuck(state: ConnectionState): boolean {
  return state.state === 'unreachable' || (state.state === 'connected' && !!state.limitation);
}

function streamState(group: ClusterGroup): ConnectionState {
  return (group.streamer ?? group.members[0])?.state ?? { state: 'connecting' };
}
