// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { Long } from '@grpc/proto-loader';

export interface ConsoleNode {
  'nodeId'?: (number | string | Long);
  'address'?: (string);
}

export interface ConsoleNode__Output {
  'nodeId': (string);
  'address': (string);
}
