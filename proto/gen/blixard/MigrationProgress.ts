// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Live pre-copy progress, as measured by the VM runtime.
 */
export interface MigrationProgress {
  'totalBytes'?: (number | string | Long);
  'transferredBytes'?: (number | string | Long);
  'remainingBytes'?: (number | string | Long);
  'dirtyRateBytesPerSec'?: (number | string | Long);
  'bandwidthBytesPerSec'?: (number | string | Long);
  'precopyRound'?: (number);
}

/**
 * Live pre-copy progress, as measured by the VM runtime.
 */
export interface MigrationProgress__Output {
  'totalBytes': (string);
  'transferredBytes': (string);
  'remainingBytes': (string);
  'dirtyRateBytesPerSec': (string);
  'bandwidthBytesPerSec': (string);
  'precopyRound': (number);
}
