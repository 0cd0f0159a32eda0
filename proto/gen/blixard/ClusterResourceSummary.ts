// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { NodeResourceUsage as _blixard_NodeResourceUsage, NodeResourceUsage__Output as _blixard_NodeResourceUsage__Output } from '../blixard/NodeResourceUsage';
import type { Long } from '@grpc/proto-loader';

export interface ClusterResourceSummary {
  'totalNodes'?: (number);
  'totalVcpus'?: (number);
  'usedVcpus'?: (number);
  'totalMemoryMb'?: (number | string | Long);
  'usedMemoryMb'?: (number | string | Long);
  'totalDiskGb'?: (number | string | Long);
  'usedDiskGb'?: (number | string | Long);
  'totalRunningVms'?: (number);
  'nodes'?: (_blixard_NodeResourceUsage)[];
}

export interface ClusterResourceSummary__Output {
  'totalNodes': (number);
  'totalVcpus': (number);
  'usedVcpus': (number);
  'totalMemoryMb': (string);
  'usedMemoryMb': (string);
  'totalDiskGb': (string);
  'usedDiskGb': (string);
  'totalRunningVms': (number);
  'nodes': (_blixard_NodeResourceUsage__Output)[];
}
