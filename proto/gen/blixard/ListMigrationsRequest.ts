// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { Long } from '@grpc/proto-loader';

export interface ListMigrationsRequest {
  'activeOnly'?: (boolean);
  'vmName'?: (string);
  /**
   * source or target
   */
  'nodeId'?: (number | string | Long);
  /**
   * 0 = no limit; newest first
   */
  'limit'?: (number);
}

export interface ListMigrationsRequest__Output {
  'activeOnly': (boolean);
  'vmName': (string);
  /**
   * source or target
   */
  'nodeId': (string);
  /**
   * 0 = no limit; newest first
   */
  'limit': (number);
}
