// VmInfo (Blixard wire) → Vm (model).

import type { Vm, VmState } from '../../model/cluster';
import { placementHintsFrom } from '../../model/placement-hints';
import type { WireVmInfo, WireVmState } from './blixard-wire';

const VM_STATES: Record<WireVmState, VmState> = {
  VM_STATE_UNKNOWN: 'unknown',
  VM_STATE_CREATED: 'created',
  VM_STATE_STARTING: 'starting',
  VM_STATE_RUNNING: 'running',
  VM_STATE_STOPPING: 'stopping',
  VM_STATE_STOPPED: 'stopped',
  VM_STATE_FAILED: 'failed',
};

export function toVmState(state: WireVmState | string): VmState {
  return VM_STATES[state as WireVmState] ?? 'unknown';
}

export function toVm(info: WireVmInfo): Vm {
  const vm: Vm = {
    id: info.name,
    name: info.name,
    state: toVmState(info.state),
    phase: info.state || 'VM_STATE_UNKNOWN',
  };
  if (info.nodeId && info.nodeId !== '0') vm.nodeId = info.nodeId;
  if (info.vcpus) vm.vcpus = info.vcpus;
  if (info.memoryMb) vm.memoryMb = info.memoryMb;
  if (info.ipAddress) vm.ipAddress = info.ipAddress;
  // Empty from daemons without the field (upstream's) and for VMs the daemon has nothing to say about.
  if (info.stateMessage) vm.stateMessage = info.stateMessage;
  // The planner's hints, from the metadata given at CreateVm (absent from older daemons' answers).
  const metadata = info.metadata;
  if (metadata && hasKeys(metadata)) {
    const { hints } = placementHintsFrom(metadata);
    if (Object.keys(hints).length > 0) vm.placement = hints;
  }
  // MigrateVm moves any VM cold (a running one is stopped, moved and started again).
  vm.coldMove = COLD_MOVE_OK;
  return vm;
}

/** One shared answer, read only: 10,000 VMs per listing need not each carry their own. */
const COLD_MOVE_OK: NonNullable<Vm['coldMove']> = Object.freeze({ ok: true });

/** Whether an object has an own key, without Object.keys' array (once per VM of every listing). */
function hasKeys(o: object): boolean {
  for (const key in o) if (Object.hasOwn(o, key)) return true;
  return false;
}
