// What a Blixard daemon tells a user's Prometheus (--metrics-listen), read from the cluster view
// this daemon already follows: migrations it sent (this node the source, so a cluster's daemons
// never count one twice) by outcome and their durations; per running migration its bytes and
// rates, each series removed when the migration ends; the VMs on this node; and how long its
// store (etcd) takes to answer. prom-client on a registry of its own; the extension does not
// read this, it keeps following progress over gRPC.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterView, ViewChange } from '../state/cluster-view';
import type { ClusterStore } from '../store/cluster-store';
import { FINAL_MIGRATION_STATUSES, type MigrationRecord, type MigrationStatusName } from '../state/cluster-records';

const OUTCOMES: Partial<Record<MigrationStatusName, string>> = { COMPLETED: 'succeeded', FAILED: 'failed', CANCELLED: 'cancelled' };
const MIGRATION_LABELS = ['migration', 'vm', 'source_node', 'target_node'] as const;

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly outcomes: Counter<'outcome' | 'mode'>;
  private readonly durations: Histogram<'outcome' | 'mode'>;
  private readonly storeLatency: Histogram<'operation'>;
  private readonly running: Record<'total' | 'processed' | 'remaining' | 'transferRate' | 'dirtyRate' | 'round', Gauge<(typeof MIGRATION_LABELS)[number]>>;
  /** Label sets of the per-migration series held now, by migration id. */
  /** Migrations that ended before this (the view's first load) are history, not news to a counter. */
  private readonly since = Date.now();
  private readonly held = new Map<string, Record<(typeof MIGRATION_LABELS)[number], string>>();

  constructor(private readonly nodeId: number) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: String(nodeId) });
    this.outcomes = new Counter({ name: 'blixard_migrations_total', help: 'Migrations sent from this node that ended, by outcome (succeeded, failed, cancelled) and mode (live, cold).', labelNames: ['outcome', 'mode'], registers });
    this.durations = new Histogram({
      name: 'blixard_migration_duration_seconds',
      help: 'How long migrations sent from this node took, from the request to the end.',
      labelNames: ['outcome', 'mode'],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    });
    this.storeLatency = new Histogram({
      name: 'blixard_store_request_duration_seconds',
      help: 'Round trips to the cluster store (etcd or the embedded one), by operation.',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: MIGRATION_LABELS, registers });
    this.running = {
      total: gauge('blixard_migration_memory_total_bytes', "A running live migration's guest memory."),
      processed: gauge('blixard_migration_processed_bytes', 'Bytes a running live migration has sent (pre-copy re-sends dirtied pages: may exceed the total).'),
      remaining: gauge('blixard_migration_remaining_bytes', 'Bytes a running live migration has still to send in its current round.'),
      transferRate: gauge('blixard_migration_transfer_rate_bytes', "A running live migration's transfer rate, bytes per second."),
      dirtyRate: gauge('blixard_migration_dirty_rate_bytes', "The rate at which a running live migration's guest dirties memory, bytes per second."),
      round: gauge('blixard_migration_precopy_round', "A running live migration's pre-copy round."),
    };
  }

  /** Reads the cluster from `view` from now on (its VMs at each scrape, its migrations as they change). */
  follow(view: ClusterView): { dispose(): void } {
    const nodeId = this.nodeId;
    new Gauge({
      name: 'blixard_node_vms',
      help: 'VMs on this node.',
      registers: [this.registry],
      collect() {
        let count = 0;
        for (const entry of view.vms.values()) if (entry.value.nodeId === nodeId) count++;
        this.set(count);
      },
    });
    for (const entry of view.migrations.values()) this.migrationChanged(entry.value, undefined, false);
    return view.onChange((changes) => {
      for (const change of changes) this.changed(change);
    });
  }

  /** The store, with each request's round trip measured (the view, agent and writer use it). */
  measure(store: ClusterStore): ClusterStore {
    const timed = <T>(operation: string, call: () => Promise<T>): Promise<T> => {
      const end = this.storeLatency.startTimer({ operation });
      const promise = call();
      promise.then(() => end(), () => end());
      return promise;
    };
    // Every member delegated by hand (not a prototype trick): the store's own state stays its own.
    return {
      get kind() { return store.kind; },
      get description() { return store.description; },
      get: (key) => timed('get', () => store.get(key)),
      range: (prefix) => timed('range', () => store.range(prefix)),
      txn: (compare, ops) => timed('txn', () => store.txn(compare, ops)),
      grantLease: (ttl) => timed('lease', () => store.grantLease(ttl)),
      ping: (timeoutMs) => timed('ping', () => store.ping(timeoutMs)),
      watch: (prefix, fromRevision, handlers) => store.watch(prefix, fromRevision, handlers),
      campaign: (name, value, ttl) => store.campaign(name, value, ttl),
      close: () => store.close(),
    };
  }

  private changed(change: ViewChange): void {
    if (change.kind !== 'migration') return;
    if (change.value) this.migrationChanged(change.value, change.previous, true);
    else this.forget(change.id);
  }

  private migrationChanged(m: MigrationRecord, previous: MigrationRecord | undefined, live: boolean): void {
    if (m.sourceNodeId !== this.nodeId) return this.forget(m.id);
    const final = FINAL_MIGRATION_STATUSES.has(m.status);
    if (final) {
      this.forget(m.id);
      // Counted when it ends while this daemon runs: what ended before it started is not news to a counter.
      const outcome = OUTCOMES[m.status];
      const endedAt = m.endedAt || m.updatedAt;
      if (live && outcome && endedAt >= this.since && !(previous && FINAL_MIGRATION_STATUSES.has(previous.status))) {
        const labels = { outcome, mode: m.live ? 'live' : 'cold' };
        this.outcomes.inc(labels);
        this.durations.observe(labels, Math.max(0, endedAt - m.createdAt) / 1000);
      }
      return;
    }
    const p = m.progress;
    if (!m.live || !p || p.totalBytes <= 0) return;
    const labels = { migration: m.id, vm: m.vmName, source_node: String(m.sourceNodeId), target_node: String(m.targetNodeId) };
    this.held.set(m.id, labels);
    this.running.total.set(labels, p.totalBytes);
    this.running.processed.set(labels, p.transferredBytes);
    this.running.remaining.set(labels, p.remainingBytes);
    this.running.transferRate.set(labels, p.bandwidthBytesPerSec);
    this.running.dirtyRate.set(labels, p.dirtyRateBytesPerSec);
    this.running.round.set(labels, p.precopyRound);
  }

  private forget(id: string): void {
    const labels = this.held.get(id);
    if (!labels) return;
    this.held.delete(id);
    for (const gauge of Object.values(this.running)) gauge.remove(labels);
  }
}
