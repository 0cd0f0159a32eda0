// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { NodeInfo as _blixard_NodeInfo, NodeInfo__Output as _blixard_NodeInfo__Output } from '../blixard/NodeInfo';

export interface SetNodeMaintenanceResponse {
  /**
   * The node after the change, as GetClusterStatus lists it (state NODE_STATE_UNKNOWN for a node
   * that is not in the cluster now and whose maintenance was ended).
   */
  'node'?: (_blixard_NodeInfo | null);
  /**
   * False when the node already was as asked.
   */
  'changed'?: (boolean);
  'message'?: (string);
}

export interface SetNodeMaintenanceResponse__Output {
  /**
   * The node after the change, as GetClusterStatus lists it (state NODE_STATE_UNKNOWN for a node
   * that is not in the cluster now and whose maintenance was ended).
   */
  'node': (_blixard_NodeInfo__Output | null);
  /**
   * False when the node already was as asked.
   */
  'changed': (boolean);
  'message': (string);
}
