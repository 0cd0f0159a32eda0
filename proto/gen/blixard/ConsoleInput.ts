// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface ConsoleInput {
  'vmName'?: (string);
  'tailBytes'?: (number);
  'data'?: (Buffer | Uint8Array | string);
}

export interface ConsoleInput__Output {
  'vmName': (string);
  'tailBytes': (number);
  'data': (Buffer);
}
