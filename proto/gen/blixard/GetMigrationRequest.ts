// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface GetMigrationRequest {
  'id'?: (string);
}

export interface GetMigrationRequest__Output {
  'id': (string);
}
