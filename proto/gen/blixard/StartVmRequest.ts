// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface StartVmRequest {
  'name'?: (string);
}

export interface StartVmRequest__Output {
  'name': (string);
}
