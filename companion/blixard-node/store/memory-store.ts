// The embedded store for one machine: the same semantics as etcd (one revision per transaction,
// compare-and-swap, ordered watches with replay from a revision, leases that expire) in process
// memory. Several node daemons in one process (dev-cluster) share one instance.

import {
  electionPrefix,
  type ClusterStore,
  type StoreCampaign,
  type StoreCompare,
  type StoreEvent,
  type StoreLease,
  type StoreOp,
  type StoreWatch,
  type StoreWatchHandlers,
  type StoredValue,
  type TxnResult,
} from './cluster-store';
import { StoreUnavailableError } from '../errors';

interface LeaseState {
  ttlMs: number;
  keys: Set<string>;
  timer: NodeJS.Timeout;
}

interface MemoryWatcher {
  prefix: string;
  nextRevision: number;
  handlers: StoreWatchHandlers;
  cancelled: boolean;
}

/** How many past revisions watches can replay from; older ones are compacted away. */
const HISTORY_LIMIT = 200_000;

export class MemoryStore implements ClusterStore {
  readonly kind = 'memory' as const;
  readonly description = 'memory (embedded)';
  private readonly data = new Map<string, StoredValue>();
  private revision = 1;
  /** history[i] holds the events of revision firstHistoryRevision + i. */
  private history: StoreEvent[][] = [];
  private firstHistoryRevision = 2;
  private readonly watchers = new Set<MemoryWatcher>();
  private readonly leases = new Map<string, LeaseState>();
  private nextLeaseId = 0x1000;
  private deliveryScheduled = false;
  private closed = false;

  async get(key: string): Promise<StoredValue | undefined> {
    this.assertOpen();
    const found = this.data.get(key);
    return found && { ...found };
  }

  async range(prefix: string): Promise<{ values: StoredValue[]; revision: number }> {
    this.assertOpen();
    const values: StoredValue[] = [];
    for (const [key, value] of this.data) if (key.startsWith(prefix)) values.push({ ...value });
    values.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { values, revision: this.revision };
  }

  async txn(compare: StoreCompare[], ops: StoreOp[]): Promise<TxnResult> {
    this.assertOpen();
    return this.txnNow(compare, ops);
  }

  private txnNow(compare: StoreCompare[], ops: StoreOp[]): TxnResult {
    for (const c of compare) {
      if ((this.data.get(c.key)?.modRevision ?? 0) !== c.modRevision) return { succeeded: false, revision: this.revision };
    }
    for (const op of ops) {
      if (op.type === 'put' && op.leaseId !== undefined && !this.leases.has(op.leaseId)) {
        throw new Error(`requested lease not found (${op.leaseId})`);
      }
    }
    if (ops.length === 0) return { succeeded: true, revision: this.revision };
    const revision = this.revision + 1;
    const events: StoreEvent[] = [];
    for (const op of ops) {
      const previous = this.data.get(op.key);
      if (previous?.leaseId !== undefined) this.leases.get(previous.leaseId)?.keys.delete(op.key);
      if (op.type === 'put') {
        const stored: StoredValue = {
          key: op.key,
          value: op.value,
          createRevision: previous ? previous.createRevision : revision,
          modRevision: revision,
          leaseId: op.leaseId,
        };
        this.data.set(op.key, stored);
        if (op.leaseId !== undefined) this.leases.get(op.leaseId)!.keys.add(op.key);
        events.push({ type: 'put', key: op.key, value: op.value, createRevision: stored.createRevision, modRevision: revision });
      } else if (previous) {
        this.data.delete(op.key);
        events.push({ type: 'delete', key: op.key, createRevision: previous.createRevision, modRevision: revision });
      }
    }
    this.appendRevision(events);
    return { succeeded: true, revision };
  }

  private appendRevision(events: StoreEvent[]): void {
    this.revision++;
    this.history.push(events);
    if (this.history.length > HISTORY_LIMIT) {
      const drop = this.history.length - HISTORY_LIMIT;
      this.history = this.history.slice(drop);
      this.firstHistoryRevision += drop;
    }
    this.scheduleDelivery();
  }

  watch(prefix: string, fromRevision: number, handlers: StoreWatchHandlers): StoreWatch {
    this.assertOpen();
    const watcher: MemoryWatcher = { prefix, nextRevision: Math.max(fromRevision, 1), handlers, cancelled: false };
    this.watchers.add(watcher);
    this.scheduleDelivery();
    return {
      cancel: () => {
        watcher.cancelled = true;
        this.watchers.delete(watcher);
      },
    };
  }

  /** Watch events are delivered asynchronously, as from a real store, never inside txn(). */
  private scheduleDelivery(): void {
    if (this.deliveryScheduled) return;
    this.deliveryScheduled = true;
    queueMicrotask(() => {
      this.deliveryScheduled = false;
      this.deliver();
    });
  }

  private deliver(): void {
    for (const watcher of [...this.watchers]) {
      if (watcher.nextRevision < this.firstHistoryRevision) {
        // Revision 1 is the empty store and holds no events; anything else before the kept
        // history was compacted away, which the watcher must hear about.
        if (this.firstHistoryRevision > 2) {
          this.watchers.delete(watcher);
          watcher.handlers.onError(new Error(`required revision ${watcher.nextRevision} has been compacted`));
          continue;
        }
        watcher.nextRevision = this.firstHistoryRevision;
      }
      while (!watcher.cancelled && watcher.nextRevision <= this.revision) {
        const revision = watcher.nextRevision++;
        const events = this.history[revision - this.firstHistoryRevision] ?? [];
        const matching = events.filter((e) => e.key.startsWith(watcher.prefix));
        if (matching.length > 0) {
          try {
            watcher.handlers.onEvents(matching, revision);
          } catch (err) {
            queueMicrotask(() => {
              throw err;
            });
          }
        }
      }
    }
  }

  async grantLease(ttlSeconds: number): Promise<StoreLease> {
    this.assertOpen();
    const id = this.grantLeaseNow(ttlSeconds);
    return new MemoryLease(this, id, ttlSeconds);
  }

  private grantLeaseNow(ttlSeconds: number): string {
    const id = (this.nextLeaseId++).toString(16);
    const ttlMs = Math.max(1, ttlSeconds) * 1000;
    const timer = setTimeout(() => this.expireLease(id), ttlMs);
    timer.unref();
    this.leases.set(id, { ttlMs, keys: new Set(), timer });
    return id;
  }

  /** Refreshes a lease's TTL; false when it no longer exists. */
  keepLeaseAlive(id: string): boolean {
    const lease = this.leases.get(id);
    if (!lease || this.closed) return false;
    lease.timer.refresh();
    return true;
  }

  revokeLease(id: string): void {
    this.expireLease(id);
  }

  private expireLease(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    clearTimeout(lease.timer);
    this.leases.delete(id);
    if (this.closed || lease.keys.size === 0) return;
    this.txnNow([], [...lease.keys].map((key) => ({ type: 'delete' as const, key })));
  }

  campaign(name: string, value: string, ttlSeconds: number): StoreCampaign {
    return new MemoryCampaign(this, name, value, ttlSeconds);
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const lease of this.leases.values()) clearTimeout(lease.timer);
    this.leases.clear();
    this.watchers.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('the memory store is closed');
  }

  /** For the election helper: put a candidate key bound to a lease, only if absent. */
  putIfAbsent(key: string, value: string, leaseId: string): void {
    this.txnNow([{ key, modRevision: 0 }], [{ type: 'put', key, value, leaseId }]);
  }
}

class MemoryLease implements StoreLease {
  private readonly timer: NodeJS.Timeout;
  private lostListeners: ((err: Error) => void)[] = [];
  private ended = false;

  constructor(
    private readonly store: MemoryStore,
    readonly id: string,
    ttlSeconds: number,
  ) {
    // Keep-alives at a third of the TTL, as etcd clients do.
    this.timer = setInterval(() => this.keepAlive(), (Math.max(1, ttlSeconds) * 1000) / 3);
    this.timer.unref();
  }

  private keepAlive(): void {
    if (this.ended) return;
    if (!this.store.keepLeaseAlive(this.id)) {
      this.stop();
      const err = new Error(`lease ${this.id} expired`);
      for (const listener of this.lostListeners) listener(err);
    }
  }

  private stop(): void {
    this.ended = true;
    clearInterval(this.timer);
  }

  onLost(listener: (err: Error) => void): void {
    this.lostListeners.push(listener);
  }

  async revoke(): Promise<void> {
    this.stop();
    this.store.revokeLease(this.id);
  }

  release(): void {
    this.stop();
  }
}

class MemoryCampaign implements StoreCampaign {
  private lease: Promise<StoreLease | undefined>;
  private errorListeners: ((err: Error) => void)[] = [];

  constructor(store: MemoryStore, name: string, value: string, ttlSeconds: number) {
    this.lease = store.grantLease(ttlSeconds).then(
      (lease) => {
        store.putIfAbsent(electionPrefix(name) + lease.id, value, lease.id);
        lease.onLost((err) => this.errorListeners.forEach((l) => l(err)));
        return lease;
      },
      (err: Error) => {
        queueMicrotask(() => this.errorListeners.forEach((l) => l(err)));
        return undefined;
      },
    );
  }

  onError(listener: (err: Error) => void): void {
    this.errorListeners.push(listener);
  }

  async resign(): Promise<void> {
    await (await this.lease)?.revoke();
  }

  release(): void {
    void this.lease.then((lease) => lease?.release());
  }
}
