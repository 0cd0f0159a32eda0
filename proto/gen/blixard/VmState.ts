// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

export const VmState = {
  VM_STATE_UNKNOWN: 'VM_STATE_UNKNOWN',
  VM_STATE_CREATED: 'VM_STATE_CREATED',
  VM_STATE_STARTING: 'VM_STATE_STARTING',
  VM_STATE_RUNNING: 'VM_STATE_RUNNING',
  VM_STATE_STOPPING: 'VM_STATE_STOPPING',
  VM_STATE_STOPPED: 'VM_STATE_STOPPED',
  VM_STATE_FAILED: 'VM_STATE_FAILED',
} as const;

export type VmState =
  | 'VM_STATE_UNKNOWN'
  | 0
  | 'VM_STATE_CREATED'
  | 1
  | 'VM_STATE_STARTING'
  | 2
  | 'VM_STATE_RUNNING'
  | 3
  | 'VM_STATE_STOPPING'
  | 4
  | 'VM_STATE_STOPPED'
  | 5
  | 'VM_STATE_FAILED'
  | 6

export type VmState__Output = typeof VmState[keyof typeof VmState]
