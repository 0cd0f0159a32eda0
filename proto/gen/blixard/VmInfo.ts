// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { VmState as _blixard_VmState, VmState__Output as _blixard_VmState__Output } from '../blixard/VmState';
import type { Long } from '@grpc/proto-loader';

export interface VmInfo {
  'name'?: (string);
  'state'?: (_blixard_VmState);
  'nodeId'?: (number | string | Long);
  'vcpus'?: (number);
  'memoryMb'?: (number);
  'ipAddress'?: (string);
  /**
   * This project's extension, not upstream's: the daemon's latest word on the VM's state — why
   * it is FAILED, when it is ("VM 'web-1' died: QEMU was killed by SIGKILL"); empty otherwise.
   * Numbered far past upstream's fields so a field upstream adds cannot collide with it;
   * upstream clients ignore it.
   */
  'stateMessage'?: (string);
  /**
   * The metadata given at CreateVm (CreateVmRequest.metadata); empty for VMs created without.
   */
  'metadata'?: ({[key: string]: string});
}

export interface VmInfo__Output {
  'name': (string);
  'state': (_blixard_VmState__Output);
  'nodeId': (string);
  'vcpus': (number);
  'memoryMb': (number);
  'ipAddress': (string);
  /**
   * This project's extension, not upstream's: the daemon's latest word on the VM's state — why
   * it is FAILED, when it is ("VM 'web-1' died: QEMU was killed by SIGKILL"); empty otherwise.
   * Numbered far past upstream's fields so a field upstream adds cannot collide with it;
   * upstream clients ignore it.
   */
  'stateMessage': (string);
  /**
   * The metadata given at CreateVm (CreateVmRequest.metadata); empty for VMs created without.
   */
  'metadata': ({[key: string]: string});
}
