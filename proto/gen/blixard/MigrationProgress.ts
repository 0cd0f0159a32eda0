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
  /**
   * True when remaining_bytes counts pages not yet looked at, some of which cost next to nothing
   * to send (QEMU counts a never-written page in ram.remaining but sends it as a marker): the time
   * left computed from it is then at most that, and the client says so.
   */
  'remainingIsUpperBound'?: (boolean);
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
  /**
   * True when remaining_bytes counts pages not yet looked at, some of which cost next to nothing
   * to send (QEMU counts a never-written page in ram.remaining but sends it as a marker): the time
   * left computed from it is then at most that, and the client says so.
   */
  'remainingIsUpperBound': (boolean);
}
