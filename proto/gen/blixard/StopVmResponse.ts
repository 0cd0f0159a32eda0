// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface StopVmResponse {
  'success'?: (boolean);
  'message'?: (string);
}

export interface StopVmResponse__Output {
  'success': (boolean);
  'message': (string);
}
