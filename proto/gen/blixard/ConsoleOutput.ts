// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { ConsoleNode as _blixard_ConsoleNode, ConsoleNode__Output as _blixard_ConsoleNode__Output } from '../blixard/ConsoleNode';
import type { Long } from '@grpc/proto-loader';

export interface ConsoleOutput {
  'data'?: (Buffer | Uint8Array | string);
  'attached'?: (_blixard_ConsoleNode | null);
  'moved'?: (_blixard_ConsoleNode | null);
  'ended'?: (string);
  /**
   * With `attached`: the console log this call reads (a node's log of the VM; it outlives
   * daemon restarts and the VM's later returns to the node).
   */
  'logId'?: (string);
  /**
   * With `data`: the log position just after its last byte (bytes the log has held, rotation
   * included); with `attached`: the position the replay that follows begins at.
   */
  'position'?: (number | string | Long);
}

export interface ConsoleOutput__Output {
  'data': (Buffer);
  'attached': (_blixard_ConsoleNode__Output | null);
  'moved': (_blixard_ConsoleNode__Output | null);
  'ended': (string);
  /**
   * With `attached`: the console log this call reads (a node's log of the VM; it outlives
   * daemon restarts and the VM's later returns to the node).
   */
  'logId': (string);
  /**
   * With `data`: the log position just after its last byte (bytes the log has held, rotation
   * included); with `attached`: the position the replay that follows begins at.
   */
  'position': (string);
}
