// KubeVirt VirtualMachineInstance → Vm, and the resources a VMI takes from its node.

import type { Vm, VmState } from '../../model/cluster';
import type { KubeVmi } from './kube-objects';
import { bytesToMb, parseCpuCores, parseMemoryBytes } from './quantity';
import { vmiColdMove, vmiPlacementHints } from './vmi-placement';

const VMI_STATES: Record<string, VmState> = {
  Running: 'running',
  Pending: 'pending',
  Scheduling: 'pending',
  Scheduled: 'pending',
  Succeeded: 'stopped',
  Failed: 'failed',
  Unknown: 'unknown',
};

/** Phases in which a VMI no longer holds anything on its node. */
const FINISHED_PHASES = new Set(['Succeeded', 'Failed']);

export function parseVmi(vmi: KubeVmi): Vm | undefined {
  const name = vmi.metadata?.name;
  const namespace = vmi.metadata?.namespace;
  if (typeof name !== 'string' || name === '' || typeof namespace !== 'string' || namespace === '') return undefined;
  const phase = typeof vmi.status?.phase === 'string' && vmi.status.phase !== '' ? vmi.status.phase : 'Pending';
  let state = VMI_STATES[phase] ?? 'unknown';
  if (vmi.metadata?.deletionTimestamp && state === 'running') state = 'stopping';
  const result: Vm = {
    id: `${namespace}/${name}`,
    name,
    namespace,
    state,
    phase,
    hasController: (vmi.metadata?.ownerReferences ?? []).some((o) => o?.kind === 'VirtualMachine'),
  };
  const nodeName = vmi.status?.nodeName;
  if (typeof nodeName === 'string' && nodeName !== '') result.nodeId = nodeName;
  const vcpus = vmiVcpus(vmi);
  if (vcpus !== undefined) result.vcpus = vcpus;
  const memory = vmiGuestMemoryBytes(vmi);
  if (memory !== undefined) result.memoryMb = bytesToMb(memory);
  const ip = vmiIpAddress(vmi);
  if (ip) result.ipAddress = ip;
  const migratable = vmi.status?.conditions?.find((c) => c?.type === 'LiveMigratable');
  if (migratable) {
    result.liveMigratable = { ok: migratable.status === 'True' };
    if (migratable.reason) result.liveMigratable.reason = migratable.reason;
    if (migratable.message) result.liveMigratable.message = migratable.message;
  }
  const placement = vmiPlacementHints(vmi);
  if (placement) result.placement = placement;
  result.coldMove = vmiColdMove(vmi, result.hasController === true, result.liveMigratable?.ok);
  return result;
}

/** The VMI's ownerReference to its VirtualMachine (start/stop go through it), if any. */
export function vmiControllerName(vmi: KubeVmi): string | undefined {
  const owner = (vmi.metadata?.ownerReferences ?? []).find((o) => o?.kind === 'VirtualMachine');
  return typeof owner?.name === 'string' && owner.name !== '' ? owner.name : undefined;
}

/** What the VMI reserves on its node: its requests, or its guest size when it requests nothing. */
export function vmiRequests(vmi: KubeVmi): { vcpus: number; memoryBytes: number } | undefined {
  if (FINISHED_PHASES.has(vmi.status?.phase ?? '')) return undefined;
  const requests = vmi.spec?.domain?.resources?.requests;
  const vcpus = parseCpuCores(requests?.cpu) ?? vmiVcpus(vmi) ?? 0;
  const memoryBytes = parseMemoryBytes(requests?.memory) ?? vmiGuestMemoryBytes(vmi) ?? 0;
  return { vcpus, memoryBytes };
}

function vmiVcpus(vmi: KubeVmi): number | undefined {
  const cpu = vmi.spec?.domain?.cpu;
  const topology = [cpu?.cores, cpu?.sockets, cpu?.threads].filter((n): n is number => typeof n === 'number' && n > 0);
  if (topology.length > 0) return topology.reduce((a, b) => a * b, 1);
  const resources = vmi.spec?.domain?.resources;
  const cores = parseCpuCores(resources?.requests?.cpu) ?? parseCpuCores(resources?.limits?.cpu);
  return cores === undefined ? undefined : Math.max(1, Math.ceil(cores));
}

function vmiGuestMemoryBytes(vmi: KubeVmi): number | undefined {
  const domain = vmi.spec?.domain;
  return (
    parseMemoryBytes(domain?.memory?.guest) ??
    parseMemoryBytes(domain?.resources?.requests?.memory) ??
    parseMemoryBytes(domain?.resources?.limits?.memory)
  );
}

function vmiIpAddress(vmi: KubeVmi): string | undefined {
  const interfaces = Array.isArray(vmi.status?.interfaces) ? vmi.status!.interfaces! : [];
  for (const iface of interfaces) {
    if (typeof iface?.ipAddress === 'string' && iface.ipAddress !== '') return iface.ipAddress;
    const first = Array.isArray(iface?.ipAddresses) ? iface.ipAddresses.find((a) => typeof a === 'string' && a !== '') : undefined;
    if (first) return first;
  }
  return undefined;
}
