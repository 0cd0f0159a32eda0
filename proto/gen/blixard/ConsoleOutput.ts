// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { ConsoleNode as _blixard_ConsoleNode, ConsoleNode__Output as _blixard_ConsoleNode__Output } from '../blixard/ConsoleNode';

export interface ConsoleOutput {
  'data'?: (Buffer | Uint8Array | string);
  'attached'?: (_blixard_ConsoleNode | null);
  'moved'?: (_blixard_ConsoleNode | null);
  'ended'?: (string);
}

export interface ConsoleOutput__Output {
  'data': (Buffer);
  'attached': (_blixard_ConsoleNode__Output | null);
  'moved': (_blixard_ConsoleNode__Output | null);
  'ended': (string);
}
