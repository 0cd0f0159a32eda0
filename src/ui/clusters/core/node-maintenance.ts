// Enter/Exit Maintenance Mode on nodes of one cluster, free of `vscode`: which nodes a command
// applies to, the calls through ClusterSource.setNodeMaintenance (one node after another, every
// failure kept with the cluster's reason), and the one sentence the user reads after. What happens
// next — offering to evacuate a node that entered maintenance, to move its VMs back once it left —
// is a MaintenanceFollowUp the extension plugs in; this flow only cordons and uncordons.

import type { ClusterNode } from '../../../model/cluster';
import type { MaintenanceWords } from '../../../model/cluster-kind';
import { describeError } from '../../../model/errors';
import type { ClusterSource } from '../../../sources/cluster-source';

/** A node whose maintenance was changed, as a follow-up needs it. */
export interface MaintenanceTarget {
  readonly clusterId: string;
  readonly clusterLabel: string;
  readonly nodeId: string;
  readonly nodeName: string;
}

/**
 * The seam for what follows a change (issue 14's "offer to evacuate" and "offer to move back"):
 * called with the nodes that did change, after the cluster recorded it. Not awaited by the command's
 * progress; a follow-up shows its own UI and reports its own failures.
 */
export interface MaintenanceFollowUp {
  afterEnter?(targets: readonly MaintenanceTarget[], source: ClusterSource): void | Promise<void>;
  afterExit?(targets: readonly MaintenanceTarget[], source: ClusterSource): void | Promise<void>;
}

export interface MaintenanceOutcome {
  readonly changed: readonly MaintenanceTarget[];
  readonly failed: readonly { readonly target: MaintenanceTarget; readonly reason: string }[];
  /** One sentence for a notification: what happened, and for a failure the cluster's reason. */
  readonly summary: string;
}

/** The nodes a command invoked on `clicked` (with VS Code's multi-selection `selected`) applies to: node rows of the clicked node's cluster, once each. */
export function maintenanceSelection<T extends { type: string; clusterId?: string; nodeId?: string }>(clicked: T | undefined, selected?: readonly T[]): Array<T & { clusterId: string; nodeId: string }> {
  const isNode = (e: T | undefined): e is T & { clusterId: string; nodeId: string } => !!e && e.type === 'node' && typeof e.clusterId === 'string' && typeof e.nodeId === 'string';
  if (!isNode(clicked)) return [];
  const all = Array.isArray(selected) && selected.some((e) => e === clicked || (isNode(e) && e.nodeId === clicked.nodeId && e.clusterId === clicked.clusterId)) ? selected : [clicked];
  const seen = new Set<string>();
  return all.filter(isNode).filter((e) => e.clusterId === clicked.clusterId && !seen.has(e.nodeId) && (seen.add(e.nodeId), true));
}

/** Why the command cannot run on this cluster, or undefined when it can. */
export function maintenanceUnsupported(source: Pick<ClusterSource, 'traits' | 'label' | 'setNodeMaintenance'>): string | undefined {
  if (source.traits.maintenance && typeof source.setNodeMaintenance === 'function') return undefined;
  return `${source.label} cannot put nodes into maintenance (${source.traits.label} clusters have no such operation here)`;
}

/** Calls the source for each node in turn (a cluster store takes one write at a time anyway) and sums up. */
export async function changeMaintenance(
  source: Pick<ClusterSource, 'traits' | 'label' | 'setNodeMaintenance'>,
  clusterId: string,
  nodes: readonly Pick<ClusterNode, 'id' | 'name'>[],
  on: boolean,
  reason?: string,
): Promise<MaintenanceOutcome> {
  const unsupported = maintenanceUnsupported(source);
  const targets = nodes.map((n) => ({ clusterId, clusterLabel: source.label, nodeId: n.id, nodeName: n.name }));
  if (unsupported) return { changed: [], failed: targets.map((target) => ({ target, reason: unsupported })), summary: unsupported };
  const words = source.traits.maintenance!;
  const changed: MaintenanceTarget[] = [];
  const failed: { target: MaintenanceTarget; reason: string }[] = [];
  for (const target of targets) {
    try {
      await source.setNodeMaintenance!(target.nodeId, on, words.recordsReason ? reason : undefined);
      changed.push(target);
    } catch (err) {
      failed.push({ target, reason: firstLine(describeError(err)) });
    }
  }
  return { changed, failed, summary: summarize(words, on, changed, failed) };
}

function summarize(words: MaintenanceWords, on: boolean, changed: readonly MaintenanceTarget[], failed: readonly { target: MaintenanceTarget; reason: string }[]): string {
  const names = (list: readonly MaintenanceTarget[]) => list.map((t) => t.nodeName).join(', ');
  const done = changed.length === 0 ? '' : on ? `${names(changed)} ${changed.length === 1 ? 'is' : 'are'} ${words.isIn}: no new VMs will be placed there; the VMs on ${changed.length === 1 ? 'it' : 'them'} keep running.` : `${names(changed)} ${changed.length === 1 ? 'takes' : 'take'} new VMs again.`;
  if (failed.length === 0) return done;
  const act = nodeAct(on ? words.enter : words.exit, failed.length === 1 ? failed[0].target.nodeName : `${failed.length} nodes`);
  const why = failed.length === 1 ? failed[0].reason : failed.map((f) => `${f.target.nodeName}: ${f.reason}`).join('; ');
  return `${done ? `${done} ` : ''}Could not ${act}: ${why}`;
}

/** "put node-2 into maintenance": the kind's words with the node named. */
export function nodeAct(template: string, nodeName: string): string {
  return template.replace('{node}', nodeName);
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/)[0].trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
