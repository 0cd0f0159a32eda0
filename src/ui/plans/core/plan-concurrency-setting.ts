// The `blixard.plans.maxParallel` setting: how many migrations a new plan runs at once, in the
// cluster and from one source node (KubeVirt's parallelMigrationsPerCluster /
// parallelOutboundMigrationsPerNode, 5 and 2 by default). A value out of range or of the wrong
// type is left out (the default holds) and said once, never thrown. Free of `vscode`.

import type { PlanConcurrency } from '../../../plans/plan-types';

const MAX = 1000;

export function readConcurrencySetting(value: unknown): { concurrency: Partial<PlanConcurrency>; problems: string[] } {
  const concurrency: Partial<PlanConcurrency> = {};
  const problems: string[] = [];
  if (value === undefined || value === null) return { concurrency, problems };
  if (typeof value !== 'object' || Array.isArray(value)) return { concurrency, problems: ['blixard.plans.maxParallel must be an object like { "perCluster": 5, "perSourceNode": 2 }'] };
  for (const key of ['perCluster', 'perSourceNode'] as const) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX) concurrency[key] = v;
    else problems.push(`blixard.plans.maxParallel.${key} must be a whole number from 1 to ${MAX}, not ${JSON.stringify(v)}: the default is used`);
  }
  return { concurrency, problems };
}
