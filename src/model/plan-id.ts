// A migration plan's id: what ties the migrations a plan started to it, carried with each one
// through the cluster (Blixard's MigrateVm.plan_id, KubeVirt's `blixard.io/plan` label on the
// VMIM) and kept in the history's `plan_id` column. One rule for every place it is checked —
// the request, the daemon, a journal line, a webview message — and the strictest of them is a
// Kubernetes label value's: at most 63 characters, letters, digits, '-', '_', '.', beginning and
// ending with a letter or digit. That excludes control characters and separators by itself.


/** The label a KubeVirt VirtualMachineInstanceMigration carries its plan's id in. */
export const PLAN_LABEL = 'blixard.io/plan';

export const MAX_PLAN_ID_LENGTH = 63;

const PLAN_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

/** Why `value` is not a plan id, or undefined when it is one. */
export function planIdProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'a plan id must be a non-empty string';
  if (value.length > MAX_PLAN_ID_LENGTH) return `a plan id must be at most ${MAX_PLAN_ID_LENGTH} characters`;
  if (!PLAN_ID_PATTERN.test(value)) return "a plan id holds only letters, digits, '-', '_' and '.', and begins and ends with a letter or digit";
  return undefined;
}

export function isPlanId(value: unknown): value is string {
  return planIdProblem(value) === undefined;
}

