// A plan's id (model/plan-id.ts) as the runner tags its migrations with it: the plan's kind and
// the digest of what the runner does with it (plan-run-state.ts' planDigest — cluster, and each
// entry's vm, from, to, mode, order, after). The same document gives the same id wherever it is
// run (the extension, `run-plan`, after a crash), so the history finds its earlier run and its
// migrations; a plan edited so that it moves other VMs, or elsewhere, is another plan with
// another id — as its run state already was (readRunState refuses a state of other entries).

import { planDigest } from './plan-run-state';
import type { MigrationPlan } from './plan-types';

export function planIdOf(plan: Pick<MigrationPlan, 'kind' | 'cluster' | 'entries'>): string {
  // kind ("evacuate", "rebalance", "migrate"), '-', 24 hex digits: a label value (≤ 63) with room to spare.
  return `${plan.kind}-${planDigest(plan).slice(0, 24)}`;
}
