// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { NodeInfo as _blixard_NodeInfo, NodeInfo__Output as _blixard_NodeInfo__Output } from '../blixard/NodeInfo';
import type { Long } from '@grpc/proto-loader';

export interface ClusterStatusResponse {
  'leaderId'?: (number | string | Long);
  'nodes'?: (_blixard_NodeInfo)[];
  'term'?: (number | string | Long);
}

export interface ClusterStatusResponse__Output {
  'leaderId': (string);
  'nodes': (_blixard_NodeInfo__Output)[];
  'term': (string);
}
