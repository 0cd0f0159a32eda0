// The cluster's state: one global, monotonically increasing resourceVersion (like etcd's
// revision), the objects of every resource type, and a bounded log of change events that
// watches resume from. Stored objects are never mutated; every change stores a new one.
import { randomUUID } from 'node:crypto';
import { deepCopy, type KubeObject } from './kube-object';
import { objectKey, type ResourceType } from './resource-types';
import { formatKubeTime } from './kube-time';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredObject {
  readonly object: KubeObject;
  /** The object serialized once, reused by every list and watch that sends it. */
  readonly json: string;
  readonly rv: number;
  readonly key: string;
}

export interface ChangeEvent {
  readonly type: ChangeType;
  readonly resource: ResourceType;
  readonly rv: number;
  readonly stored: StoredObject;
  /** The version before this change (MODIFIED, DELETED), for selector transitions. */
  readonly previous?: StoredObject;
  readonly atMs: number;
}

export type ChangeListener = (event: ChangeEvent) => void;

export interface ObjectStoreOptions {
  /** How many change events are kept for watches to resume from (etcd's compaction window). */
  eventWindow: number;
  /** The first resourceVersion handed out. */
  initialResourceVersion: number;
}

export class ObjectStore {
  private rv: number;
  private readonly tables = new Map<ResourceType, Map<string, StoredObject>>();
  private log: ChangeEvent[] = [];
  /** Every event with rv <= this has been dropped from the log. */
  private compactedThrough: number;
  private readonly listeners: ChangeListener[] = [];
  private readonly compactionListeners: Array<(compactedThrough: number) => void> = [];

  constructor(private readonly options: ObjectStoreOptions) {
    this.rv = options.initialResourceVersion;
    this.compactedThrough = this.rv;
  }

  currentResourceVersion(): number { return this.rv; }

  /** The oldest resourceVersion a watch may still resume from. */
  oldestResumableResourceVersion(): number { return this.compactedThrough; }

  onChange(listener: ChangeListener): () => void {
    this.listeners.push(listener);
    return () => { const i = this.listeners.indexOf(listener); if (i >= 0) this.listeners.splice(i, 1); };
  }

  private table(type: ResourceType): Map<string, StoredObject> {
    let t = this.tables.get(type);
    if (!t) { t = new Map(); this.tables.set(type, t); }
    return t;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.table(type).get(objectKey(type.namespaced ? namespace : undefined, name));
  }

  /** Objects of a type (optionally one namespace) in etcd key order. */
  list(type: ResourceType, namespace?: string): StoredObject[] {
    const all = [...this.table(type).values()];
    const filtered = namespace && type.namespaced ? all.filter((s) => s.object.metadata.namespace === namespace) : all;
    return filtered.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  count(type: ResourceType): number { return this.table(type).size; }

  /** Every object of a type in no particular order: for controllers' scans, cheaper than list(). */
  values(type: ResourceType): IterableIterator<StoredObject> {
    return this.table(type).values();
  }

  private freeze(object: KubeObject, rv: number): StoredObject {
    object.metadata.resourceVersion = String(rv);
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    return { object, json: JSON.stringify(object), rv, key };
  }

  /**
   * Stores a new object; fills uid, creationTimestamp and generation like the apiserver.
   * With `owned`, the caller hands the object over and must not touch it again (no copy).
   */
  create(type: ResourceType, input: KubeObject, nowMs = Date.now(), owned = false): StoredObject {
    const object = owned ? input : deepCopy(input);
    object.metadata.uid ??= randomUUID();
    object.metadata.creationTimestamp ??= formatKubeTime(nowMs);
    if (type.group) object.metadata.generation ??= 1;
    const stored = this.freeze(object, ++this.rv);
    this.table(type).set(stored.key, stored);
    this.emit({ type: 'ADDED', resource: type, rv: stored.rv, stored, atMs: nowMs });
    return stored;
  }

  /** Replaces an existing object (the caller has checked it exists). */
  replace(type: ResourceType, input: KubeObject, nowMs = Date.now()): StoredObject {
    const object = deepCopy(input);
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const previous = this.table(type).get(key);
    if (!previous) throw new Error(`replace of missing ${type.plural} ${key}`);
    const stored = this.freeze(object, ++this.rv);
    this.table(type).set(key, stored);
    this.emit({ type: 'MODIFIED', resource: type, rv: stored.rv, stored, previous, atMs: nowMs });
    return stored;
  }

  /**
   * Applies `mutate` to a copy of the current object and stores the result as a new version;
   * returns undefined when the object is gone or the mutation changed nothing.
   */
  update(type: ResourceType, namespace: string | undefined, name: string, mutate: (draft: KubeObject) => void, nowMs = Date.now()): StoredObject | undefined {
    const current = this.get(type, namespace, name);
    if (!current) return undefined;
    const draft = JSON.parse(current.json) as KubeObject;
    mutate(draft);
    draft.metadata.resourceVersion = current.object.metadata.resourceVersion;
    if (JSON.stringify(draft) === current.json) return undefined;
    return this.replace(type, draft, nowMs);
  }

  /** Removes an object for good; the DELETED event carries a fresh resourceVersion. */
  remove(type: ResourceType, namespace: string | undefined, name: string, nowMs = Date.now(), finalState?: KubeObject): StoredObject | undefined {
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const previous = this.table(type).get(key);
    if (!previous) return undefined;
    this.table(type).delete(key);
    const stored = this.freeze(deepCopy(finalState ?? previous.object), ++this.rv);
    this.emit({ type: 'DELETED', resource: type, rv: stored.rv, stored, previous, atMs: nowMs });
    return stored;
  }

  private emit(event: ChangeEvent): void {
    this.log.push(event);
    if (this.log.length > this.options.eventWindow * 1.25) {
      const drop = this.log.length - this.options.eventWindow;
      this.compactedThrough = this.log[drop - 1].rv;
      this.log = this.log.slice(drop);
    }
    for (const listener of [...this.listeners]) listener(event);
  }

  /**
   * Events after `rv` for one type, or 'expired' when some of them were compacted away.
   * Resuming is allowed from any rv at or after the compaction point.
   */
  eventsAfter(type: ResourceType, rv: number): ChangeEvent[] | 'expired' {
    if (rv < this.compactedThrough) return 'expired';
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.log[mid].rv <= rv) lo = mid + 1; else hi = mid; }
    const out: ChangeEvent[] = [];
    for (let i = lo; i < this.log.length; i++) if (this.log[i].resource === type) out.push(this.log[i]);
    return out;
  }

  /**
   * Forgets every event (as an etcd compaction or an apiserver restart does); objects stay.
   * Like kube-apiserver's compactor, which writes its own key (compact_rev_key) and compacts
   * through that revision, it first takes a resourceVersion of its own: so every
   * resourceVersion handed out before — even the one a client has just listed or bookmarked —
   * is too old to resume from, and only a relist gets a usable one. Returns the compaction point.
   */
  compact(): number {
    this.log = [];
    this.compactedThrough = ++this.rv;
    for (const listener of [...this.compactionListeners]) listener(this.compactedThrough);
    return this.compactedThrough;
  }

  /** Called after compact() with the compaction point (open watches behind it must expire). */
  onCompact(listener: (compactedThrough: number) => void): () => void {
    this.compactionListeners.push(listener);
    return () => { const i = this.compactionListeners.indexOf(listener); if (i >= 0) this.compactionListeners.splice(i, 1); };
  }

  /** Forgets objects and events; the resourceVersion keeps counting up so old ones read as too old. */
  clear(): void {
    this.tables.clear();
    this.compact();
  }
}
