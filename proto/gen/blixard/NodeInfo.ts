// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { NodeState as _blixard_NodeState, NodeState__Output as _blixard_NodeState__Output } from '../blixard/NodeState';
import type { Long } from '@grpc/proto-loader';

export interface NodeInfo {
  'id'?: (number | string | Long);
  'address'?: (string);
  'state'?: (_blixard_NodeState);
  /**
   * This project's extension, numbered far past upstream's fields (upstream clients ignore them):
   * the node is in maintenance (SetNodeMaintenance) and takes no new VMs; since when (unix
   * milliseconds, 0 when not in maintenance) and why (the operator's words, may be empty).
   */
  'maintenance'?: (boolean);
  'maintenanceSinceUnixMs'?: (number | string | Long);
  'maintenanceReason'?: (string);
}

export interface NodeInfo__Output {
  'id': (string);
  'address': (string);
  'state': (_blixard_NodeState__Output);
  /**
   * This project's extension, numbered far past upstream's fields (upstream clients ignore them):
   * the node is in maintenance (SetNodeMaintenance) and takes no new VMs; since when (unix
   * milliseconds, 0 when not in maintenance) and why (the operator's words, may be empty).
   */
  'maintenance': (boolean);
  'maintenanceSinceUnixMs': (string);
  'maintenanceReason': (string);
}
