// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto


export interface ClusterResourceSummaryRequest {
}

export interface ClusterResourceSummaryRequest__Output {
}
