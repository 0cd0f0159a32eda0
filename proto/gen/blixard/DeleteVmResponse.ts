// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface DeleteVmResponse {
  'success'?: (boolean);
  'message'?: (string);
}

export interface DeleteVmResponse__Output {
  'success': (boolean);
  'message': (string);
}
