// The migration metrics KubeVirt's virt-handler exports on /metrics (Prometheus text), for the
// migrations the stand-in's controller runs: KubeVirt's names, types and labels (`namespace`,
// `name` = the VMI, `node` = the source node; pkg/monitoring/metrics/virt-handler/
// migrationdomainstats), present only while a migration transfers, as virt-handler exports
// them only while libvirt has a migration job. The figures follow precopy-model.ts over the
// controller's Running phase. Served on its own plain-HTTP loopback port, as virt-handler's
// endpoint is not the API server's.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObjectStore } from './object-store';
import type { KubeObject } from './kube-object';
import { VIRTUAL_MACHINE_INSTANCES } from './resource-types';
import { precopyFigures, type GuestWorkload, type PrecopyFigures } from './precopy-model';
import { parseMemoryBytes } from '../../../src/sources/kubevirt/quantity';

/** KubeVirt's metric names (≥ 1.6, where the memory rate lost its "disk" name), their types and help. */
export const VIRT_HANDLER_MIGRATION_METRICS = {
  total: { name: 'kubevirt_vmi_migration_data_total_bytes', type: 'counter', help: 'The total Guest OS data to be migrated to the new VM.' },
  remaining: { name: 'kubevirt_vmi_migration_data_remaining_bytes', type: 'gauge', help: 'The remaining guest OS data to be migrated to the new VM.' },
  processed: { name: 'kubevirt_vmi_migration_data_processed_bytes', type: 'gauge', help: 'The total Guest OS data processed and migrated to the new VM.' },
  dirtyRate: { name: 'kubevirt_vmi_migration_dirty_memory_rate_bytes', type: 'gauge', help: 'The rate of memory being dirty in the Guest OS.' },
  transferRate: { name: 'kubevirt_vmi_migration_memory_transfer_rate_bytes', type: 'gauge', help: 'The rate at which the memory is being transferred.' },
} as const;

const DEFAULT_DIRTY_RATIO = 0.25;
const DEFAULT_MEMORY_BYTES = 2 * 1024 ** 3;

interface Transfer {
  namespace: string;
  vmi: string;
  node: string;
  sinceMs: number;
}

export interface VirtHandlerMetricsOptions {
  port?: number;
  host?: string;
  /** The controller's Running phase, ms, read at each scrape (setTiming may change it). */
  runningMs: () => number;
}

export class VirtHandlerMetrics {
  /** Migrations transferring now, by migration uid. */
  private readonly transfers = new Map<string, Transfer>();
  private readonly workloads = new Map<string, Partial<GuestWorkload>>();
  private server: Server | undefined;
  private unsubscribe: (() => void) | undefined;
  private scrapes = 0;
  private served = true;
  url = '';

  constructor(private readonly store: ObjectStore, private readonly options: VirtHandlerMetricsOptions) {}

  async start(): Promise<string> {
    for (const stored of this.store.values(VIRTUAL_MACHINE_INSTANCES)) this.note(stored.object);
    this.unsubscribe = this.store.onChange((event) => {
      if (event.resource === VIRTUAL_MACHINE_INSTANCES) this.note(event.stored.object, event.type === 'DELETED');
    });
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404).end('not found\n');
        return;
      }
      this.scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(this.served ? this.render(Date.now()) : '');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    this.url = `http://${this.options.host ?? '127.0.0.1'}:${address.port}/metrics`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** How the guest of VMI `namespace/name` uses memory during its next migrations (default 2 GiB, ratio 0.25, or the VMI's memory). */
  setWorkload(namespace: string, name: string, workload: Partial<GuestWorkload>): void {
    this.workloads.set(`${namespace}/${name}`, workload);
  }

  /** Off: /metrics answers with no series at all (a virt-handler whose migration metrics are missing). */
  setServed(on: boolean): void {
    this.served = on;
  }

  get scrapeCount(): number {
    return this.scrapes;
  }

  /** What /metrics says now for VMI `namespace/name`, undefined when it is not transferring. */
  figuresOf(namespace: string, name: string, at = Date.now()): PrecopyFigures | undefined {
    for (const t of this.transfers.values()) if (t.namespace === namespace && t.vmi === name) return this.figures(t, at);
    return undefined;
  }

  private figures(t: Transfer, at: number): PrecopyFigures {
    return precopyFigures(this.workloadOf(t), this.options.runningMs(), at - t.sinceMs);
  }

  private workloadOf(t: Transfer): GuestWorkload {
    const set = this.workloads.get(`${t.namespace}/${t.vmi}`) ?? {};
    const vmi = this.store.get(VIRTUAL_MACHINE_INSTANCES, t.namespace, t.vmi)?.object;
    const memory = parseMemoryBytes(vmi?.spec?.domain?.memory?.guest ?? vmi?.spec?.domain?.resources?.requests?.memory);
    return { memoryBytes: set.memoryBytes ?? memory ?? DEFAULT_MEMORY_BYTES, dirtyRatio: set.dirtyRatio ?? DEFAULT_DIRTY_RATIO };
  }

  /** A migration transfers from the start virt-handler records (startTimestamp) until it is completed, failed or aborted. */
  private note(vmi: KubeObject, deleted = false): void {
    const state = vmi.status?.migrationState;
    const uid: string | undefined = state?.migrationUid;
    for (const [key, t] of this.transfers) {
      if (t.namespace === vmi.metadata.namespace && t.vmi === vmi.metadata.name && (deleted || key !== uid)) this.transfers.delete(key);
    }
    if (!uid || deleted) return;
    const transferring = Boolean(state.startTimestamp) && !state.completed && !state.failed && !state.abortRequested;
    if (!transferring) {
      this.transfers.delete(uid);
      return;
    }
    if (!this.transfers.has(uid)) {
      this.transfers.set(uid, { namespace: vmi.metadata.namespace ?? '', vmi: vmi.metadata.name ?? '', node: state.sourceNode ?? '', sinceMs: Date.now() });
    }
  }

  private render(at: number): string {
    const rows = [...this.transfers.values()].map((t) => ({ t, f: this.figures(t, at) }));
    const lines: string[] = [];
    const values: Record<keyof typeof VIRT_HANDLER_MIGRATION_METRICS, (f: PrecopyFigures) => number> = {
      total: (f) => f.totalBytes,
      remaining: (f) => f.remainingBytes,
      processed: (f) => f.processedBytes,
      dirtyRate: (f) => f.dirtyRateBytesPerSec,
      transferRate: (f) => f.transferRateBytesPerSec,
    };
    for (const [key, metric] of Object.entries(VIRT_HANDLER_MIGRATION_METRICS) as Array<[keyof typeof values, (typeof VIRT_HANDLER_MIGRATION_METRICS)[keyof typeof values]]>) {
      lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
      for (const { t, f } of rows) lines.push(`${metric.name}{name="${label(t.vmi)}",namespace="${label(t.namespace)}",node="${label(t.node)}"} ${values[key](f)}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
