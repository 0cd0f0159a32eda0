// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface StopVmRequest {
  'name'?: (string);
}

export interface StopVmRequest__Output {
  'name': (string);
}
