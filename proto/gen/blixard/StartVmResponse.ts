// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface StartVmResponse {
  'success'?: (boolean);
  'message'?: (string);
}

export interface StartVmResponse__Output {
  'success': (boolean);
  'message': (string);
}
