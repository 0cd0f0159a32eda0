// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface CreateVmRequest {
  'name'?: (string);
  'configPath'?: (string);
  'vcpus'?: (number);
  'memoryMb'?: (number);
}

export interface CreateVmRequest__Output {
  'name': (string);
  'configPath': (string);
  'vcpus': (number);
  'memoryMb': (number);
}
