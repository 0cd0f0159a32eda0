// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { Long } from '@grpc/proto-loader';

export interface ConsoleResume {
  'logId'?: (string);
  'position'?: (number | string | Long);
}

export interface ConsoleResume__Output {
  'logId': (string);
  'position': (string);
}
