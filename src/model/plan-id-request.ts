// MigrationRequest.planId as a source checks it before it asks its cluster: the plan-id rule
// (plan-id.ts) as a SourceError a caller shows. Apart from plan-id.ts so the webviews' protocol,
// which uses the rule, does not take errors.ts (and its secret registry) along.

import { SourceError } from './errors';
import { planIdProblem } from './plan-id';

/** Undefined or a plan id, else SourceError('invalid-argument'). */
export function requestPlanId(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const problem = planIdProblem(value);
  if (problem) throw new SourceError('invalid-argument', `Plan id ${JSON.stringify(String(value).slice(0, 80))}: ${problem}.`);
  return value as string;
}
