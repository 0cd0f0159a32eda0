// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { ConsoleResume as _blixard_ConsoleResume, ConsoleResume__Output as _blixard_ConsoleResume__Output } from '../blixard/ConsoleResume';

export interface ConsoleInput {
  'vmName'?: (string);
  'tailBytes'?: (number);
  'data'?: (Buffer | Uint8Array | string);
  /**
   * A client attaching again (its daemon went away, or the VM moved) says what it has shown:
   * the log and position of the last output it received. On that same log the server sends
   * what followed (tail_bytes is ignored); on another log (another node, or the VM booted or
   * arrived again) it sends what the guest printed since it booted or arrived there.
   */
  'resume'?: (_blixard_ConsoleResume | null);
}

export interface ConsoleInput__Output {
  'vmName': (string);
  'tailBytes': (number);
  'data': (Buffer);
  /**
   * A client attaching again (its daemon went away, or the VM moved) says what it has shown:
   * the log and position of the last output it received. On that same log the server sends
   * what followed (tail_bytes is ignored); on another log (another node, or the VM booted or
   * arrived again) it sends what the guest printed since it booted or arrived there.
   */
  'resume': (_blixard_ConsoleResume__Output | null);
}
