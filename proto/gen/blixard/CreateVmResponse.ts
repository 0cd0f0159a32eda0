// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface CreateVmResponse {
  'success'?: (boolean);
  'message'?: (string);
  'vmId'?: (string);
}

export interface CreateVmResponse__Output {
  'success': (boolean);
  'message': (string);
  'vmId': (string);
}
