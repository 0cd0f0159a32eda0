// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface GetVmStatusRequest {
  'name'?: (string);
}

export interface GetVmStatusRequest__Output {
  'name': (string);
}
