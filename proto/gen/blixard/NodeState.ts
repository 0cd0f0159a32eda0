// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

export const NodeState = {
  NODE_STATE_UNKNOWN: 'NODE_STATE_UNKNOWN',
  NODE_STATE_FOLLOWER: 'NODE_STATE_FOLLOWER',
  NODE_STATE_CANDIDATE: 'NODE_STATE_CANDIDATE',
  NODE_STATE_LEADER: 'NODE_STATE_LEADER',
} as const;

export type NodeState =
  | 'NODE_STATE_UNKNOWN'
  | 0
  | 'NODE_STATE_FOLLOWER'
  | 1
  | 'NODE_STATE_CANDIDATE'
  | 2
  | 'NODE_STATE_LEADER'
  | 3

export type NodeState__Output = typeof NodeState[keyof typeof NodeState]
