// The fallback that keeps the tree live between migration events: polls ListVms (and the
// cluster status) while someone listens for changes, and reports only what changed.

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
}

export class ClusterChangePoller {
  private timer?: NodeJS.Timeout;
  private running = false;
  private generation = 0;
  private vms?: Map<string, WireVmInfo>;
  private status?: WireClusterStatusResponse;
  private lastError?: string;

  constructor(private readonly deps: ClusterChangePollerDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    // The first poll only sets the baseline: listeners already have what the tree showed.
    void this.poll(this.generation);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.vms = undefined;
    this.status = undefined;
  }

  /**
   * The migration stream already announced that a VM moved: take it into the baseline so the
   * next poll does not announce it a second time.
   */
  noteVmNode(vmName: string, nodeId: string): void {
    const vm = this.vms?.get(vmName);
    if (vm) this.vms!.set(vmName, { ...vm, nodeId });
  }

  private async poll(generation: number): Promise<void> {
    try {
      const [vms, status] = await Promise.all([this.deps.listVms(), this.deps.clusterStatus()]);
      if (generation !== this.generation) return;
      if (this.vms) for (const scope of diffVmLists(this.vms, vms)) this.deps.fire(scope);
      if (nodeStatusChanged(this.status, status)) this.deps.fire({ scope: 'nodes' });
      this.vms = new Map(vms.map((vm) => [vm.name, vm]));
      this.status = status;
      this.lastError = undefined;
    } catch (err) {
      if (generation !== this.generation) return;
      // Said once per outage, not every interval.
      const message = describeError(err);
      if (message !== this.lastError) this.deps.log?.(`Polling for changes failed: ${message}`);
      this.lastError = message;
    }
    if (generation !== this.generation || !this.running) return;
    this.timer = setTimeout(() => void this.poll(generation), this.deps.intervalMs);
  }
}
