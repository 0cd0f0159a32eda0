// Where a plan the extension makes is kept, free of `vscode`: a real file (not an untitled
// document) so it can be saved, closed and reopened, and so its run state can sit beside it as
// the CLI keeps it (FILE.state.json). The name says what the plan does and when it was made.

import { PLAN_FILE_SUFFIX } from '../../../plans/plan-document-writer';
import type { PlanRequest } from '../../../plans/plan-types';

/** True for a `*.blixard-plan.yaml` path (any separator, any case of the suffix). */
export function isPlanFile(path: string): boolean {
  return path.toLowerCase().endsWith(PLAN_FILE_SUFFIX);
}

/** "evacuate-node-2-20261204-014512.blixard-plan.yaml": the request, a name, the local time to the second. */
export function planFileName(request: PlanRequest, names: { cluster: string; node?: string }, now: Date): string {
  const more = request.kind === 'evacuate' ? new Set(request.alsoNodeIds ?? []).size - (request.alsoNodeIds?.includes(request.nodeId) ? 1 : 0) : 0;
  const what = request.kind === 'evacuate' ? `evacuate-${names.node ?? request.nodeId}${more > 0 ? `-and-${more}-more` : ''}` : request.kind === 'rebalance' ? `rebalance-${names.cluster}` : `migrate-${names.cluster}`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${slug(what)}-${stamp}${PLAN_FILE_SUFFIX}`;
}

function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 80) || 'plan'
  );
}
