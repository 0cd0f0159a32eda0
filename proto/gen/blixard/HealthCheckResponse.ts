// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface HealthCheckResponse {
  'healthy'?: (boolean);
  'message'?: (string);
}

export interface HealthCheckResponse__Output {
  'healthy': (boolean);
  'message': (string);
}
