// The sources attached to the watcher and the clusters they reach. Sources that declare the same
// clusterIdentity (two kubeconfig contexts of one API server) are one group: its migrations are
// held under the group's first member's id whichever member streams, and they stream from one
// member at a time — the current one while it can, else another that can; while none can, every
// member is tried. The watcher hears each streaming member's events and each cluster's state.

import type { ConnectionState } from '../model/cluster';
import { describeError } from '../model/errors';
import { scrubSecrets } from '../base/secret-registry';
import { Disposable, DisposableStore, type IDisposable } from '../base/lifecycle';
import type { Logger } from '../base/logger';
import { migrationIdUnder, type MigrationStreamEvent } from '../model/migration';
import type { Lifecycle } from '../model/phase-order';
import type { ClusterSource } from '../sources/cluster-source';
import type { SourceStatusEvent } from './watcher-events';

export interface AttachedSource {
  source: ClusterSource;
  subscriptions: DisposableStore;
  /** Its migration-stream subscription, while it streams or is being tried as the group's streamer. */
  stream: IDisposable | undefined;
  state: ConnectionState;
  clusterMismatchWarned: boolean;
  group: ClusterGroup;
}

/** The attached sources that reach one cluster (one alone, unless several share a clusterIdentity). */
export interface ClusterGroup {
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

export interface SourceGroupHooks {
  /** An event on a member's migration stream (the streamer's, or a member being tried). */
  event(attached: AttachedSource, event: MigrationStreamEvent): void;
  /** A cluster's stream state changed, or (state undefined) the cluster is no longer watched under that id. */
  status(event: SourceStatusEvent): void;
  /** Migrations are held under `clusterId` from now on (a cluster attached, or renamed). */
  clusterNamed(clusterId: string, lifecycle: Lifecycle): void;
  /** No source reaches the cluster any more. */
  clusterForgotten(clusterId: string): void;
}

export class SourceGroups extends Disposable {
  private readonly sources = new Map<string, AttachedSource>();
  /** By groupKeyOf(): the clusters watched. */
  private readonly groups = new Map<string, ClusterGroup>();

  constructor(
    private readonly hooks: SourceGroupHooks,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    super();
  }

  /** See MigrationWatcher.addSource. */
  add(source: ClusterSource): void {
    if (this.isDisposed) return;
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
    if (created) this.hooks.clusterNamed(group.clusterId, source.traits.lifecycle);

    try {
      attached.subscriptions.add(source.onDidChangeConnection((state) => this.setStatus(attached, state)));
    } catch (err) {
      attached.state = { state: 'unreachable', reason: describeError(err) };
      this.log.warn(`${source.label}: cannot watch migrations: ${describeError(err)}`);
    }
    this.elect(group);
  }

  remove(sourceId: string): void {
    const attached = this.sources.get(sourceId);
    if (!attached) return;
    attached.subscriptions.dispose();
    this.unsubscribe(attached);
    this.sources.delete(sourceId);
    const group = this.leaveGroup(attached);
    if (group.members.length === 0) this.forgetCluster(group);
    else this.elect(group);
  }

  sourceIds(): string[] {
    return [...this.sources.keys()];
  }

  clusterIds(): string[] {
    return [...this.groups.values()].map((g) => g.clusterId);
  }

  /** False once the source was removed or replaced (or the watcher disposed): its events are stale. */
  isCurrent(attached: AttachedSource): boolean {
    return this.sources.get(attached.source.id) === attached;
  }

  clusterOf(sourceId: string): string | undefined {
    return this.sources.get(sourceId)?.group.clusterId ?? this.groupOfCluster(sourceId)?.clusterId;
  }

  status(sourceId: string): ConnectionState | undefined {
    const group = this.sources.get(sourceId)?.group ?? this.groupOfCluster(sourceId);
    return group && streamState(group);
  }

  /** The cluster a migration id names by its prefix, when no held migration says. */
  clusterOfMigrationId(migrationId: string): string | undefined {
    return [...this.groups.values()].find((g) => migrationId.startsWith(`${g.clusterId}/`))?.clusterId;
  }

  /** The members of `clusterId`'s group, the streaming one first, each with `migrationId` as that source names it. */
  actorsFor(clusterId: string, migrationId: string): Array<{ source: ClusterSource; migrationId: string }> {
    const group = this.groupOfCluster(clusterId);
    if (!group) return [];
    const ordered = group.streamer ? [group.streamer, ...group.members.filter((m) => m !== group.streamer)] : group.members;
    return ordered.map((m) => ({ source: m.source, migrationId: migrationIdUnder(migrationId, clusterId, m.source.id) }));
  }

  heldMigrationId(migrationId: string): string {
    let owner: AttachedSource | undefined;
    // The longest matching id: a kube context name may itself hold a "/".
    for (const attached of this.sources.values()) {
      const id = attached.source.id;
      if (migrationId.startsWith(`${id}/`) && (!owner || id.length > owner.source.id.length)) owner = attached;
    }
    return owner ? migrationIdUnder(migrationId, owner.source.id, owner.group.clusterId) : migrationId;
  }

  /** A member's connection as it reported it (its own event or its stream's). */
  setStatus(attached: AttachedSource, reported: ConnectionState): void {
    if (!reported || typeof reported !== 'object') return;
    if (!this.isCurrent(attached)) return;
    const state = scrubbedConnection(reported);
    if (JSON.stringify(state) === JSON.stringify(attached.state)) return;
    attached.state = state;
    this.elect(attached.group);
  }

  override dispose(): void {
    super.dispose();
    for (const attached of this.sources.values()) {
      attached.subscriptions.dispose();
      this.unsubscribe(attached);
    }
    this.sources.clear();
    this.groups.clear();
  }

  /**
   * Chooses the member whose migrations are taken: the current one while it streams; otherwise
   * one that can (a fresh subscription gives its full picture); else the current or first one.
   * While the chosen one cannot stream, every member is tried; once it streams, the others are let go.
   */
  private elect(group: ClusterGroup): void {
    if (this.isDisposed || this.groups.get(group.key) !== group) return;
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
    this.hooks.status({ sourceId: group.clusterId, state });
  }

  private subscribe(attached: AttachedSource, fresh: boolean): void {
    if (attached.stream && !fresh) return;
    const previous = attached.stream;
    try {
      // Subscribed before the old subscription goes, so the source never sees no listener in between.
      attached.stream = attached.source.onMigrationEvent((event) => this.hooks.event(attached, event));
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
    this.hooks.clusterForgotten(group.clusterId);
    this.hooks.status({ sourceId: group.clusterId, state: undefined });
  }

  /** Rare: the group's name went to another cluster. Its streamer is subscribed afresh, so its migrations come again under the new name. */
  private renameCluster(group: ClusterGroup, clusterId: string): void {
    this.hooks.status({ sourceId: group.clusterId, state: undefined });
    group.clusterId = clusterId;
    group.announced = undefined;
    group.streamer = undefined;
    this.hooks.clusterNamed(clusterId, group.members[0]?.source.traits.lifecycle);
    queueMicrotask(() => this.elect(group));
  }

  private groupOfCluster(clusterId: string): ClusterGroup | undefined {
    for (const group of this.groups.values()) if (group.clusterId === clusterId) return group;
    return undefined;
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
