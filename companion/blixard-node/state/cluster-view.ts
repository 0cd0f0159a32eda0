// One daemon's in-memory copy of the cluster state, kept current by a watch on the store.
// Reads are served from here (fast, and still available while the store is unreachable);
// changes are published in commit order to the node agent and to WatchMigrations streams.

import { electionPrefix, type ClusterStore, type StoreEvent, type StoreWatch } from '../store/cluster-store';
import { WaitTimeoutError } from '../errors';
import {
  ACTIVE_VM_STATES,
  KEY_PREFIX,
  LEADER_ELECTION,
  isFinalStatus,
  type MaintenanceRecord,
  type MemberRecord,
  type MigrationRecord,
  type VmRecord,
} from './cluster-records';
import { backoffDelay } from '../../../src/base/backoff';

export interface Entry<T> {
  value: T;
  modRevision: number;
  createRevision: number;
}

export type ViewChange =
  | { kind: 'member'; id: number; value?: MemberRecord; previous?: MemberRecord; revision: number }
  | { kind: 'vm'; name: string; value?: VmRecord; previous?: VmRecord; revision: number }
  | { kind: 'migration'; id: string; value?: MigrationRecord; previous?: MigrationRecord; revision: number }
  | { kind: 'maintenance'; nodeId: number; value?: MaintenanceRecord; previous?: MaintenanceRecord; revision: number }
  | { kind: 'election'; revision: number };

export interface NodeUsage {
  vcpus: number;
  memoryMb: number;
  runningVms: number;
}

export interface Leadership {
  nodeId: number;
  /** The leader's candidate key create revision: grows with every new leader. */
  term: number;
}

type ChangeListener = (changes: ViewChange[], revision: number) => void;

const LEADER_PREFIX = electionPrefix(LEADER_ELECTION);

export class ClusterView {
  readonly members = new Map<number, Entry<MemberRecord>>();
  readonly vms = new Map<string, Entry<VmRecord>>();
  readonly migrations = new Map<string, Entry<MigrationRecord>>();
  /** Nodes in maintenance, by node id (members or not: the flag outlives the daemon). */
  readonly maintenance = new Map<number, Entry<MaintenanceRecord>>();
  /** Mod revision of each node's placement counter (see KEY_PREFIX.placement). */
  private readonly placements = new Map<number, number>();
  private readonly candidates = new Map<string, { nodeId: number; createRevision: number }>();
  private readonly usage = new Map<number, NodeUsage>();
  private readonly listeners = new Set<ChangeListener>();
  private watch?: StoreWatch;
  private closed = false;
  revision = 0;
  connected = true;
  /** Grows with every VM or member change, so answers derived from them can be cached until it moves. */
  vmGeneration = 0;

  constructor(
    private readonly store: ClusterStore,
    private readonly log: (line: string) => void = () => {},
  ) {}

  async start(): Promise<void> {
    const { values, revision } = await this.store.range('');
    for (const v of values) this.apply({ type: 'put', key: v.key, value: v.value, createRevision: v.createRevision, modRevision: v.modRevision });
    this.revision = revision;
    this.startWatch(revision + 1);
  }

  private startWatch(fromRevision: number): void {
    this.watch = this.store.watch('', fromRevision, {
      onEvents: (events, revision) => this.applyBatch(events, revision),
      onError: (err) => {
        if (this.closed) return;
        this.log(`store watch ended (${err.message}); reloading the cluster state`);
        void this.resync();
      },
      onConnection: (connected) => {
        this.connected = connected;
        this.notify([], this.revision);
      },
    });
  }

  /** Reloads everything after a watch was lost for good, publishing the differences as changes. */
  private async resync(): Promise<void> {
    this.watch?.cancel();
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const { values, revision } = await this.store.range('');
        const seen = new Set(values.map((v) => v.key));
        const events: StoreEvent[] = [];
        for (const key of this.allKeys()) if (!seen.has(key)) events.push({ type: 'delete', key, createRevision: 0, modRevision: revision });
        for (const v of values) events.push({ type: 'put', key: v.key, value: v.value, createRevision: v.createRevision, modRevision: v.modRevision });
        this.applyBatch(events, revision);
        this.startWatch(revision + 1);
        return;
      } catch {
        // No jitter: a few local daemons of a dev cluster, whose start-up stays deterministic.
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, { initialMs: 100, maxMs: 2000, jitter: 0 })));
      }
    }
  }

  private allKeys(): string[] {
    return [
      ...[...this.members.keys()].map((id) => KEY_PREFIX.member + id),
      ...[...this.vms.keys()].map((n) => KEY_PREFIX.vm + n),
      ...[...this.migrations.keys()].map((id) => KEY_PREFIX.migration + id),
      ...[...this.placements.keys()].map((id) => KEY_PREFIX.placement + id),
      ...[...this.maintenance.keys()].map((id) => KEY_PREFIX.maintenance + id),
      ...this.candidates.keys(),
    ];
  }

  private applyBatch(events: StoreEvent[], revision: number): void {
    if (this.closed) return;
    const changes: ViewChange[] = [];
    for (const event of events) {
      const change = this.apply(event);
      if (change) changes.push(change);
    }
    this.revision = Math.max(this.revision, revision);
    this.notify(changes, revision);
  }

  private notify(changes: ViewChange[], revision: number): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(changes, revision);
      } catch (err) {
        this.log(`view listener failed: ${(err as Error).message}`);
      }
    }
  }

  private apply(event: StoreEvent): ViewChange | undefined {
    const { key, modRevision, createRevision } = event;
    if (key.startsWith(LEADER_PREFIX)) {
      if (event.type === 'put') {
        const nodeId = Number(event.value);
        if (!Number.isSafeInteger(nodeId) || nodeId <= 0) return undefined;
        this.candidates.set(key, { nodeId, createRevision });
      } else {
        this.candidates.delete(key);
      }
      return { kind: 'election', revision: modRevision };
    }
    if (key.startsWith(KEY_PREFIX.member)) {
      const id = Number(key.slice(KEY_PREFIX.member.length));
      this.vmGeneration++; // a VM's reported state depends on its node being present
      const previous = this.members.get(id)?.value;
      const value = event.type === 'put' ? this.decode<MemberRecord>(key, event.value) : undefined;
      if (value) this.members.set(id, { value, modRevision, createRevision });
      else this.members.delete(id);
      return { kind: 'member', id, value, previous, revision: modRevision };
    }
    if (key.startsWith(KEY_PREFIX.vm)) {
      const name = key.slice(KEY_PREFIX.vm.length);
      this.vmGeneration++;
      const previous = this.vms.get(name)?.value;
      const value = event.type === 'put' ? this.decode<VmRecord>(key, event.value) : undefined;
      if (previous) this.account(previous, -1);
      if (value) {
        this.vms.set(name, { value, modRevision, createRevision });
        this.account(value, +1);
      } else {
        this.vms.delete(name);
      }
      return { kind: 'vm', name, value, previous, revision: modRevision };
    }
    if (key.startsWith(KEY_PREFIX.placement)) {
      const nodeId = Number(key.slice(KEY_PREFIX.placement.length));
      if (event.type === 'put') this.placements.set(nodeId, modRevision);
      else this.placements.delete(nodeId);
      return undefined;
    }
    if (key.startsWith(KEY_PREFIX.maintenance)) {
      const nodeId = Number(key.slice(KEY_PREFIX.maintenance.length));
      if (!Number.isSafeInteger(nodeId) || nodeId <= 0) return undefined;
      const previous = this.maintenance.get(nodeId)?.value;
      const value = event.type === 'put' ? this.decode<MaintenanceRecord>(key, event.value) : undefined;
      if (value) this.maintenance.set(nodeId, { value, modRevision, createRevision });
      else this.maintenance.delete(nodeId);
      return { kind: 'maintenance', nodeId, value, previous, revision: modRevision };
    }
    if (key.startsWith(KEY_PREFIX.migration)) {
      const id = key.slice(KEY_PREFIX.migration.length);
      const previous = this.migrations.get(id)?.value;
      const value = event.type === 'put' ? this.decode<MigrationRecord>(key, event.value) : undefined;
      if (value) this.migrations.set(id, { value, modRevision, createRevision });
      else this.migrations.delete(id);
      return { kind: 'migration', id, value, previous, revision: modRevision };
    }
    return undefined;
  }

  private decode<T>(key: string, raw: string | undefined): T | undefined {
    try {
      const value = JSON.parse(raw ?? '') as unknown;
      if (value && typeof value === 'object') return value as T;
    } catch {
      // fall through: a record that is not ours must not take the daemon down
    }
    this.log(`ignoring unreadable record at ${key}`);
    return undefined;
  }

  private account(vm: VmRecord, sign: 1 | -1): void {
    if (!ACTIVE_VM_STATES.has(vm.state)) return;
    const u = this.usage.get(vm.nodeId) ?? { vcpus: 0, memoryMb: 0, runningVms: 0 };
    u.vcpus += sign * vm.vcpus;
    u.memoryMb += sign * vm.memoryMb;
    u.runningVms += sign * (vm.state === 'RUNNING' ? 1 : 0);
    this.usage.set(vm.nodeId, u);
  }

  /** vCPUs and memory held on a node by its active VMs. */
  usageOf(nodeId: number): NodeUsage {
    return { ...(this.usage.get(nodeId) ?? { vcpus: 0, memoryMb: 0, runningVms: 0 }) };
  }

  /** Usage plus what running VMs migrating to the node will need. */
  committedOn(nodeId: number): NodeUsage {
    const u = this.usageOf(nodeId);
    for (const { value: m } of this.migrations.values()) {
      if (m.targetNodeId === nodeId && !isFinalStatus(m.status) && ACTIVE_VM_STATES.has(m.vmStateAtStart)) {
        const vm = this.vms.get(m.vmName)?.value;
        if (vm && vm.nodeId === nodeId && ACTIVE_VM_STATES.has(vm.state)) continue; // already counted
        u.vcpus += m.vcpus;
        u.memoryMb += m.memoryMb;
      }
    }
    return u;
  }

  get leader(): Leadership | undefined {
    let best: Leadership | undefined;
    for (const c of this.candidates.values()) {
      if (!best || c.createRevision < best.term) best = { nodeId: c.nodeId, term: c.createRevision };
    }
    return best;
  }

  modRevisionOf(key: string): number {
    if (key.startsWith(KEY_PREFIX.member)) return this.members.get(Number(key.slice(KEY_PREFIX.member.length)))?.modRevision ?? 0;
    if (key.startsWith(KEY_PREFIX.vm)) return this.vms.get(key.slice(KEY_PREFIX.vm.length))?.modRevision ?? 0;
    if (key.startsWith(KEY_PREFIX.migration)) return this.migrations.get(key.slice(KEY_PREFIX.migration.length))?.modRevision ?? 0;
    if (key.startsWith(KEY_PREFIX.placement)) return this.placements.get(Number(key.slice(KEY_PREFIX.placement.length))) ?? 0;
    if (key.startsWith(KEY_PREFIX.maintenance)) return this.maintenance.get(Number(key.slice(KEY_PREFIX.maintenance.length)))?.modRevision ?? 0;
    return 0;
  }

  onChange(listener: ChangeListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /**
   * Resolves once `predicate` holds (checked now and after every change), rejects on timeout or
   * abort. Returns the predicate's truthy result.
   */
  waitUntil<T>(predicate: () => T | undefined | false, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<T> {
    const first = predicate();
    if (first) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (err?: Error, value?: T) => {
        subscription.dispose();
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value as T);
      };
      const subscription = this.onChange(() => {
        const value = predicate();
        if (value) finish(undefined, value);
      });
      const onAbort = () => finish(abortReason(options.signal));
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => finish(new WaitTimeoutError(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      }
    });
  }

  /** Read-your-writes: resolves once the view has applied revision `revision`. */
  async waitForRevision(revision: number, timeoutMs = 10_000): Promise<void> {
    await this.waitUntil(() => this.revision >= revision, { timeoutMs });
  }

  close(): void {
    this.closed = true;
    this.watch?.cancel();
    this.listeners.clear();
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason = signal?.reason as unknown;
  return reason instanceof Error ? reason : new Error('aborted');
}
