// A cold move on a kind that migrates only live (traits.live 'always', KubeVirt): the VM is
// stopped and started again, and the cluster's scheduler puts it on a node that takes VMs — so
// the plan's source node must be cordoned first, or the VM may come back where it was (which
// then fails the entry, saying so). Allowed only where Vm.coldMove says the VM may be shut down.

import type { Vm } from '../model/cluster';
import type { ClusterSource } from '../sources/cluster-source';

export type RestartSource = Pick<ClusterSource, 'stopVm' | 'startVm' | 'listVms'>;

export interface RestartOptions {
  onPhase(phase: 'Stopping' | 'Starting'): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  pollMs?: number;
  /** Per step (stopped, then running again). Default 5 minutes. */
  timeoutMs?: number;
}

export async function restartElsewhere(source: RestartSource, vmId: string, from: string, options: RestartOptions): Promise<{ nodeId: string }> {
  const pollMs = options.pollMs ?? 250;
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const until = async <T>(probe: (vm: Vm | undefined) => T | undefined, what: string): Promise<T> => {
    const deadline = options.now() + timeoutMs;
    for (;;) {
      const vm = (await source.listVms()).find((v) => v.id === vmId);
      const found = probe(vm);
      if (found !== undefined) return found;
      if (options.now() > deadline) throw new Error(`${vmId} did not ${what} within ${Math.round(timeoutMs / 1000)} s`);
      await options.sleep(pollMs);
    }
  };
  options.onPhase('Stopping');
  await source.stopVm(vmId);
  await until((vm) => (!vm || vm.state === 'stopped' || !vm.nodeId ? true : undefined), 'stop');
  options.onPhase('Starting');
  await source.startVm(vmId);
  const nodeId = await until((vm) => (vm?.state === 'running' && vm.nodeId ? vm.nodeId : vm?.state === 'failed' ? `failed:${vm.stateMessage ?? 'the VM failed to start'}` : undefined), 'run again');
  if (nodeId.startsWith('failed:')) throw new Error(`${vmId} did not start again: ${nodeId.slice('failed:'.length)}`);
  if (nodeId === from) throw new Error(`${vmId} started again on ${from}, where it was: cordon the node (maintenance) before a restart can move it`);
  return { nodeId };
}
