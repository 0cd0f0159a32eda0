// A plan as its document (`*.blixard-plan.yaml`): what a person reviews, edits, saves and runs
// later. The header says what the plan does and how to run it, each blocked VM is listed with
// its reason, and each node's use before and after; parsePlanDocument() reads it back to the
// same plan.

import { Document, isMap, isScalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { formatResources } from './capacity-ledger';
import type { MigrationPlan, PlanEntry } from './plan-types';

/** The document's format; a later format may be read by a later version only. */
export const PLAN_DOCUMENT_VERSION = 1;
export const PLAN_FILE_SUFFIX = '.blixard-plan.yaml';

export function writePlanDocument(plan: MigrationPlan): string {
  const doc = new Document({
    version: PLAN_DOCUMENT_VERSION,
    cluster: plan.cluster,
    kind: plan.kind,
    ...(plan.node !== undefined ? { node: plan.node } : {}),
    ...(plan.alsoNodes?.length ? { alsoNodes: [...plan.alsoNodes] } : {}),
    ...(plan.threshold !== undefined ? { threshold: plan.threshold } : {}),
    ...(plan.createdAt ? { createdAt: plan.createdAt } : {}),
    ...(plan.window && (plan.window.notBefore || plan.window.notAfter) ? { window: { ...plan.window } } : {}),
    concurrency: { ...plan.concurrency },
    stopOnFailure: plan.stopOnFailure,
    entries: plan.entries.map(entryObject),
    blockers: plan.blockers.map((b) => ({ ...(b.vm !== undefined ? { vm: b.vm } : {}), ...(b.node !== undefined ? { node: b.node } : {}), kind: b.kind, reason: b.reason })),
    nodes: plan.nodes.map((n) => ({ id: n.id, name: n.name, schedulable: n.schedulable, ...(n.capacity ? { capacity: { ...n.capacity } } : {}), before: { ...n.before }, after: { ...n.after } })),
  });
  doc.commentBefore = header(plan);
  const top = doc.contents as YAMLMap;
  comment(top, 'concurrency', ' At most this many migrations at once in the cluster, and from one node.');
  comment(top, 'entries', ' One entry per VM, started by `order`; edit `to`, `mode` or `order`, or delete an entry.');
  comment(top, 'blockers', plan.blockers.length > 0 ? ` VMs this plan cannot move, and why (the runner does not read this section).` : ' Nothing in the way.');
  comment(top, 'nodes', ' Each node as the plan found it and as it leaves it (for review; the runner checks the cluster as it is).');
  for (const key of ['entries', 'nodes'] as const) {
    const seq = top.get(key, true) as YAMLSeq | undefined;
    for (const item of seq?.items ?? []) {
      if (!isMap(item)) continue;
      for (const field of ['size', 'capacity', 'before', 'after']) {
        const value = item.get(field, true);
        if (isMap(value)) value.flow = true;
      }
      const after = item.get('after', true) as { flow?: boolean } | undefined;
      if (after && key === 'entries') after.flow = true;
    }
  }
  return doc.toString({ lineWidth: 0 });
}

function entryObject(e: PlanEntry): Record<string, unknown> {
  return {
    vm: e.vm,
    from: e.from,
    to: e.to ?? null,
    mode: e.mode,
    order: e.order,
    reason: e.reason,
    modeReason: e.modeReason,
    ...(e.after && e.after.length > 0 ? { after: [...e.after] } : {}),
    size: { vcpus: e.size.vcpus, memoryMb: e.size.memoryMb },
  };
}

function header(plan: MigrationPlan): string {
  const what =
    plan.kind === 'evacuate'
      ? plan.alsoNodes?.length
        ? `evacuate nodes ${[plan.node, ...plan.alsoNodes].join(', ')}`
        : `evacuate node ${plan.node}`
      : plan.kind === 'rebalance'
        ? `rebalance (threshold ${Math.round((plan.threshold ?? 0) * 100)} points)`
        : 'migrate the chosen VMs';
  const total = plan.entries.reduce((sum, e) => ({ vcpus: sum.vcpus + e.size.vcpus, memoryMb: sum.memoryMb + e.size.memoryMb }), { vcpus: 0, memoryMb: 0 });
  return [
    ` Blixard migration plan for ${plan.cluster}: ${what}.`,
    ` ${plan.entries.length} ${plan.entries.length === 1 ? 'move' : 'moves'} (${formatResources(total)}), ${plan.blockers.length} blocked.`,
    ' Review and edit it, then run it: blixard-migrations run-plan <this file>   (or "Run Plan" above it in VS Code).',
    ' `to: null` lets the cluster pick the node. Everything is checked against the cluster again before it runs.',
  ].join('\n');
}

function comment(map: YAMLMap, key: string, text: string): void {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (pair && isScalar(pair.key)) pair.key.commentBefore = text;
}
