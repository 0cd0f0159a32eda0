// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { NodeState as _blixard_NodeState, NodeState__Output as _blixard_NodeState__Output } from '../blixard/NodeState';
import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'id'?: (number | string | Long);
  'address'?: (string);
  'state'?: (_blixard_NodeState);
}

export interface NodeInfo__Output {
  'id': (string);
  'address': (string);
  'state': (_blixard_NodeState__Output);
}
