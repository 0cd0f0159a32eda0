// The fallback that keeps the tree live between migration events: polls ListVms and the cluster
// status while someone listens for changes, and reports only what changed. It is the one poller
// of its cluster: the source's own ListVms and GetClusterStatus answers (the tree's loads and
// refreshes) are observed as polls too, so a list someone just made is never asked again.

import type { ChangedScope } from '../../model/cluster';
import { describeError } from '../../model/errors';
import type { WireClusterStatusResponse, WireVmInfo } from './blixard-wire';
import { diffVmLists, nodeStatusChanged } from './cluster-change-diff';

export interface ClusterChangePollerDeps {
  listVms(): Promise<WireVmInfo[]>;
  clusterStatus(): Promise<WireClusterStatusResponse>;
  fire(scope: ChangedScope): void;
  intervalMs: number;
  log?: (message: string) => void;
  now?: () => number;
}

interface Observed<T> {
  value: T;
  at: number;
}

export class ClusterChangePoller {
  private timer?: NodeJS.Timeout;
  private running = false;
  private generation = 0;
  private vms?: Observed<Map<string, WireVmInfo>>;
  private status?: Observed<WireClusterStatusResponse>;
  private lastError?: string;
  private readonly now: () => number;

  constructor(private readonly deps: ClusterChangePollerDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    // A baseline older than one interval says nothing about what listeners were shown since.
    const now = this.now();
    if (this.vms && now - this.vms.at > this.deps.intervalMs) this.vms = undefined;
    if (this.status && now - this.status.at > this.deps.intervalMs) this.status = undefined;
    // What is missing is read at once (only to set the baseline: listeners already have what
    // they show); a fresh baseline waits for its interval.
    if (!this.vms || !this.status) void this.poll(this.generation, { vms: !this.vms, status: !this.status });
    else this.schedule(this.generation);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
  }

  /** A ListVms answer the source got for someone else: taken as this interval's poll. */
  observeVms(vms: readonly WireVmInfo[]): void {
    this.takeVms(vms);
    this.postponeIfFresh();
  }

  /** A GetClusterStatus answer the source got for someone else. */
  observeStatus(status: WireClusterStatusResponse): void {
    this.takeStatus(status);
    this.postponeIfFresh();
  }

  /**
   * The migration stream already announced that a VM moved: take it into the baseline so the
   * next poll does not announce it a second time.
   */
  noteVmNode(vmName: string, nodeId: string): void {
    const vm = this.vms?.value.get(vmName);
    if (vm) this.vms!.value.set(vmName, { ...vm, nodeId });
  }

  /** Both halves were just answered: that was this interval's poll. */
  private postponeIfFresh(): void {
    const recent = this.now() - this.deps.intervalMs / 2;
    if (this.running && this.vms && this.status && this.vms.at >= recent && this.status.at >= recent) this.schedule(this.generation);
  }

  private takeVms(vms: readonly WireVmInfo[]): void {
    // Changes are announced only while someone listens; a baseline kept meanwhile is just refreshed.
    if (this.running && this.vms) for (const scope of diffVmLists(this.vms.value, vms)) this.deps.fire(scope);
    // A loop, not new Map(vms.map(…)): no pair array per VM (10,000 per listing at each poll).
    const byName = new Map<string, WireVmInfo>();
    for (const vm of vms) byName.set(vm.name, vm);
    this.vms = { value: byName, at: this.now() };
  }

  private takeStatus(status: WireClusterStatusResponse): void {
    if (this.running && nodeStatusChanged(this.status?.value, status)) this.deps.fire({ scope: 'nodes' });
    this.status = { value: status, at: this.now() };
  }

  private async poll(generation: number, what = { vms: true, status: true }): Promise<void> {
    try {
      const [vms, status] = await Promise.all([what.vms ? this.deps.listVms() : undefined, what.status ? this.deps.clusterStatus() : undefined]);
      if (generation !== this.generation) return;
      if (vms) this.takeVms(vms);
      if (status) this.takeStatus(status);
      this.lastError = undefined;
    } catch (err) {
      if (generation !== this.generation) return;
      // Said once per outage, not every interval.
      const message = describeError(err);
      if (message !== this.lastError) this.deps.log?.(`Polling for changes failed: ${message}`);
      this.lastError = message;
    }
    this.schedule(generation);
  }

  /** The next poll, one interval after the latest answer of either kind. */
  private schedule(generation: number): void {
    if (generation !== this.generation || !this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(generation), this.deps.intervalMs);
  }
}
