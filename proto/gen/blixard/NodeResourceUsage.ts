// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { WorkerCapabilities as _blixard_WorkerCapabilities, WorkerCapabilities__Output as _blixard_WorkerCapabilities__Output } from '../blixard/WorkerCapabilities';
import type { Long } from '@grpc/proto-loader';

export interface NodeResourceUsage {
  'nodeId'?: (number | string | Long);
  'capabilities'?: (_blixard_WorkerCapabilities | null);
  'usedVcpus'?: (number);
  'usedMemoryMb'?: (number | string | Long);
  'usedDiskGb'?: (number | string | Long);
  'runningVms'?: (number);
}

export interface NodeResourceUsage__Output {
  'nodeId': (string);
  'capabilities': (_blixard_WorkerCapabilities__Output | null);
  'usedVcpus': (number);
  'usedMemoryMb': (string);
  'usedDiskGb': (string);
  'runningVms': (number);
}
