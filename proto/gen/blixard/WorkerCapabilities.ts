// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { Long } from '@grpc/proto-loader';

export interface WorkerCapabilities {
  'cpuCores'?: (number);
  'memoryMb'?: (number | string | Long);
  'diskGb'?: (number | string | Long);
  'features'?: (string)[];
}

export interface WorkerCapabilities__Output {
  'cpuCores': (number);
  'memoryMb': (string);
  'diskGb': (string);
  'features': (string)[];
}
