// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { VmInfo as _blixard_VmInfo, VmInfo__Output as _blixard_VmInfo__Output } from '../blixard/VmInfo';

export interface ListVmsResponse {
  'vms'?: (_blixard_VmInfo)[];
}

export interface ListVmsResponse__Output {
  'vms': (_blixard_VmInfo__Output)[];
}
