// The consensus seam of the daemon: every piece of cluster state lives behind this interface,
// modelled on etcd's v3 API (revisions, compare-and-swap transactions, ordered watches, leases,
// elections) so the embedded memory store and a real etcd behave the same to the daemon.

/** One key as stored, with etcd's revision bookkeeping. */
export interface StoredValue {
  key: string;
  value: string;
  /** Revision at which the key was (last) created. */
  createRevision: number;
  /** Revision of the last write to the key. */
  modRevision: number;
  leaseId?: string;
}

/** Guard of a transaction: the key's modRevision must equal this (0 = the key must be absent). */
export interface StoreCompare {
  key: string;
  modRevision: number;
}

export type StoreOp = { type: 'put'; key: string; value: string; leaseId?: string } | { type: 'delete'; key: string };

export interface TxnResult {
  succeeded: boolean;
  /** The store revision after the transaction (its own revision when it wrote). */
  revision: number;
}

export interface StoreEvent {
  type: 'put' | 'delete';
  key: string;
  /** Undefined for deletes. */
  value?: string;
  createRevision: number;
  /** The revision of this change. */
  modRevision: number;
}

export interface StoreWatchHandlers {
  /** Every change under the prefix, one call per revision, in revision order. */
  onEvents(events: StoreEvent[], revision: number): void;
  /** The watch can no longer continue (for example its start revision was compacted). */
  onError(err: Error): void;
  /** The connection to the store dropped or came back (watches resume on their own). */
  onConnection?(connected: boolean): void;
}

export interface StoreWatch {
  cancel(): void;
}

/** A lease the store keeps alive in the background until revoked or released. */
export interface StoreLease {
  readonly id: string;
  /** Called once if the store tells us the lease expired or keep-alives keep failing. */
  onLost(listener: (err: Error) => void): void;
  /** Ends the lease now: every key attached to it is deleted. */
  revoke(): Promise<void>;
  /** Stops keeping the lease alive without revoking it; it expires after its TTL (a crash). */
  release(): void;
}

/** A candidacy in a leader election; the winner is the candidate key with the lowest create revision. */
export interface StoreCampaign {
  onError(listener: (err: Error) => void): void;
  resign(): Promise<void>;
  /** Like StoreLease.release: stop without resigning, the candidacy expires with its lease. */
  release(): void;
}

export interface ClusterStore {
  readonly kind: 'memory' | 'etcd';
  /** A short human description (no credentials), e.g. "etcd 127.0.0.1:2379". */
  readonly description: string;
  get(key: string): Promise<StoredValue | undefined>;
  range(prefix: string): Promise<{ values: StoredValue[]; revision: number }>;
  txn(compare: StoreCompare[], ops: StoreOp[]): Promise<TxnResult>;
  /** Watches every key under `prefix` from `fromRevision` (inclusive). */
  watch(prefix: string, fromRevision: number, handlers: StoreWatchHandlers): StoreWatch;
  grantLease(ttlSeconds: number): Promise<StoreLease>;
  /** Campaigns in election `name` with `value`; candidate keys live under `electionPrefix(name)`. */
  campaign(name: string, value: string, ttlSeconds: number): StoreCampaign;
  /** A quick round trip to the store, bounded by `timeoutMs`. */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Where an election's candidate keys live (etcd3's Election layout, mirrored by the memory store). */
export function electionPrefix(name: string): string {
  return `election/${name}/`;
}

