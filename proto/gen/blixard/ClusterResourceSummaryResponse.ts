// Generated from proto/blixard.proto by `npm run gen:wire` (proto-loader-gen-types); do not edit.
// Original file: proto/blixard.proto

import type { ClusterResourceSummary as _blixard_ClusterResourceSummary, ClusterResourceSummary__Output as _blixard_ClusterResourceSummary__Output } from '../blixard/ClusterResourceSummary';

export interface ClusterResourceSummaryResponse {
  'success'?: (boolean);
  'message'?: (string);
  'summary'?: (_blixard_ClusterResourceSummary | null);
}

export interface ClusterResourceSummaryResponse__Output {
  'success': (boolean);
  'message': (string);
  'summary': (_blixard_ClusterResourceSummary__Output | null);
}
