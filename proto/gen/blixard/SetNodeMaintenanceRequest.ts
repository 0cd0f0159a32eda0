// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { Long } from '@grpc/proto-loader';

export interface SetNodeMaintenanceRequest {
  'nodeId'?: (number | string | Long);
  /**
   * true: enter maintenance (cordon); false: leave it (uncordon).
   */
  'maintenance'?: (boolean);
  /**
   * Why, for the operators who read it later ("kernel patch"); at most 256 characters.
   */
  'reason'?: (string);
}

export interface SetNodeMaintenanceRequest__Output {
  'nodeId': (string);
  /**
   * true: enter maintenance (cordon); false: leave it (uncordon).
   */
  'maintenance': (boolean);
  /**
   * Why, for the operators who read it later ("kernel patch"); at most 256 characters.
   */
  'reason': (string);
}
