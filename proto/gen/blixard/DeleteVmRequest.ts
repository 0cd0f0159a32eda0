// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface DeleteVmRequest {
  'name'?: (string);
}

export interface DeleteVmRequest__Output {
  'name': (string);
}
