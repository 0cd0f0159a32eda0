// Makes plans from the Clusters view: Migrate VMs… (one target, Spread, or Any node where the kind
// lets its scheduler choose), Evacuate Node…, Rebalance Cluster…, Recompute on an open plan, and
// the maintenance follow-ups (evacuate after Enter, move back after Exit). Each reads a fresh
// snapshot, plans with the core planner and opens the plan as a `*.blixard-plan.yaml` file —
// in the workspace's .vscode/blixard-plans/, or the extension's global storage without a folder —
// so it can be edited, saved, closed and run later.

import * as vscode from 'vscode';
import { describeError } from '../../model/errors';
import { formatResources } from '../../plans/capacity-ledger';
import { parsePlanDocument } from '../../plans/plan-document-parser';
import { writePlanDocument } from '../../plans/plan-document-writer';
import { planMigrations } from '../../plans/planner';
import { nextWindow as movedWindow } from '../../plans/plan-window';
import type { ClusterSnapshot, MigrationPlan, PlanRequest } from '../../plans/plan-types';
import { eligibleTarget, whyNotTarget } from '../../plans/target-eligibility';
import type { ClusterEntry } from '../../sources/cluster-registry';
import type { ClusterSource } from '../../sources/cluster-source';
import type { MaintenanceTarget } from '../clusters/core/node-maintenance';
import type { TreeElement } from '../clusters/core/tree-elements';
import { moveBackRequest } from './core/move-back';
import { evacuationKey } from './core/plan-memory-keys';
import { planCluster, snapshotOf } from './core/plan-clusters';
import { readConcurrencySetting } from './core/plan-concurrency-setting';
import { planFileName } from './core/plan-file-name';
import { requestOf } from './core/plan-request';
import type { PlanCommandContext } from './plan-context';

type Cluster = { entry: ClusterEntry; source: ClusterSource };

export class PlanMaker {
  constructor(private readonly ctx: PlanCommandContext) {}

  async migrateVms(clicked?: TreeElement, selected?: readonly TreeElement[]): Promise<vscode.Uri | undefined> {
    if (clicked?.type !== 'vm') return undefined;
    const all = Array.isArray(selected) && selected.includes(clicked) ? selected : [clicked];
    const vms = [...new Set(all.filter((e): e is typeof clicked => e.type === 'vm' && e.clusterId === clicked.clusterId).map((e) => e.vmId))];
    const cluster = this.cluster(clicked.clusterId);
    if (!cluster) return undefined;
    const snapshot = await this.read(cluster);
    if (!snapshot) return undefined;
    const from = new Set(snapshot.vms.filter((v) => vms.includes(v.id)).map((v) => v.nodeId));
    type Pick = vscode.QuickPickItem & { to: { node: string } | 'spread' | 'any' };
    const items: Pick[] = [
      { label: '$(split-horizontal) Spread', description: 'the planner picks a target with room for each VM, evening out use', to: 'spread' },
      ...(cluster.source.traits.anyNode ? [{ label: `$(server-process) ${cluster.source.traits.anyNode.option}`, description: cluster.source.traits.anyNode.hint, to: 'any' as const }] : []),
      { label: 'Nodes', kind: vscode.QuickPickItemKind.Separator, to: 'spread' },
      ...snapshot.nodes.map((n) => ({
        label: `$(server) ${n.name}`,
        description: from.has(n.id) && from.size === 1 ? 'where they are now' : eligibleTarget(n) ? useText(n) : whyNotTarget(n),
        to: { node: n.id },
      })),
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Migrate ${vms.length === 1 ? vms[0] : `${vms.length} VMs`}: where to?`, placeHolder: 'A target node, Spread, or the cluster’s choice' });
    if (!picked) return undefined;
    return this.open(cluster, { kind: 'migrate', vmIds: vms, to: picked.to }, snapshot);
  }

  async evacuateNode(clicked?: TreeElement | MaintenanceTarget): Promise<vscode.Uri | undefined> {
    if (!clicked || !('nodeId' in clicked) || !clicked.nodeId || ('type' in clicked && clicked.type !== 'node')) return undefined;
    const cluster = this.cluster(clicked.clusterId);
    return cluster ? this.open(cluster, { kind: 'evacuate', nodeId: clicked.nodeId }) : undefined;
  }

  /** Evacuate Nodes… on the view's multi-selection: one plan that empties every selected node of the clicked one's cluster, targeting none of them. */
  async evacuateNodes(clicked?: TreeElement, selected?: readonly TreeElement[]): Promise<vscode.Uri | undefined> {
    if (clicked?.type !== 'node') return undefined;
    const all = Array.isArray(selected) && selected.some((e) => e.id === clicked.id) ? selected : [clicked];
    const ids = [...new Set(all.filter((e): e is typeof clicked => e.type === 'node' && e.clusterId === clicked.clusterId).map((e) => e.nodeId))];
    const cluster = this.cluster(clicked.clusterId);
    return cluster ? this.open(cluster, { kind: 'evacuate', nodeId: ids[0], ...(ids.length > 1 ? { alsoNodeIds: ids.slice(1) } : {}) }) : undefined;
  }

  async rebalanceCluster(clicked?: TreeElement): Promise<vscode.Uri | undefined> {
    if (clicked?.type !== 'cluster') return undefined;
    const cluster = this.cluster(clicked.clusterId);
    return cluster ? this.open(cluster, { kind: 'rebalance' }) : undefined;
  }

  /**
   * Plans the open document's request again against the cluster as it is now, in place; with
   * `nextWindow`, a window that has passed moves to its next occurrence (same times of day).
   */
  async recompute(uri?: vscode.Uri, nextWindow = false): Promise<void> {
    const doc = await documentOf(uri);
    if (!doc) return;
    const plan = parsePlanDocument(doc.getText()).plan;
    if (!plan) return void vscode.window.showWarningMessage('Recompute: the plan cannot be read; fix the errors marked in it first.');
    const found = planCluster(this.ctx.registry, plan.cluster);
    if ('problem' in found) return void vscode.window.showWarningMessage(`Recompute: ${found.problem}`);
    const snapshot = await this.read(found);
    if (!snapshot) return;
    const moved = nextWindow && plan.window ? movedWindow(plan.window, Date.now()) : undefined;
    const next = this.plan(snapshot, requestOf(plan), moved ? { ...plan, window: moved } : plan);
    if (moved) this.ctx.log.info(`Recompute: the window moves to ${moved.notBefore ?? '…'} – ${moved.notAfter ?? '…'}`);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), writePlanDocument(next));
    await vscode.workspace.applyEdit(edit);
    this.say(found, next, 'recomputed');
  }

  async offerEvacuation(targets: readonly MaintenanceTarget[], source: ClusterSource): Promise<void> {
    const names = targets.map((t) => t.nodeName).join(', ');
    const one = targets.length === 1;
    const choice = await vscode.window.showInformationMessage(
      `${names} ${one ? 'is' : 'are'} ${source.traits.maintenance?.isIn ?? 'in maintenance'}: no new VMs go there. Move the VMs on ${one ? 'it' : 'them'} off now?`,
      one ? 'Evacuate node…' : 'Evacuate nodes…',
    );
    if (!choice || targets.length === 0) return;
    // Several nodes at once: one plan that empties them all, none a target of another's VMs.
    const cluster = this.cluster(targets[0].clusterId);
    const ids = targets.filter((t) => t.clusterId === targets[0].clusterId).map((t) => t.nodeId);
    if (cluster) await this.open(cluster, { kind: 'evacuate', nodeId: ids[0], ...(ids.length > 1 ? { alsoNodeIds: ids.slice(1) } : {}) });
  }

  async offerMoveBack(targets: readonly MaintenanceTarget[]): Promise<void> {
    for (const t of targets) {
      const key = evacuationKey(t.clusterLabel, t.nodeId);
      const moved = this.ctx.context.globalState.get<string[]>(key) ?? [];
      if (moved.length === 0) {
        void vscode.window.showInformationMessage(`${t.nodeName} takes new VMs again.`);
        continue;
      }
      const choice = await vscode.window.showInformationMessage(
        `${t.nodeName} takes new VMs again. Its evacuation moved ${moved.length === 1 ? moved[0] : `${moved.length} VMs`}: plan moving ${moved.length === 1 ? 'it' : 'them'} back?`,
        'Move back…',
      );
      if (!choice) continue;
      const cluster = this.cluster(t.clusterId);
      if (cluster && (await this.open(cluster, moveBackRequest(moved, t.nodeId)))) await this.ctx.context.globalState.update(key, undefined);
    }
  }

  private cluster(clusterId: string): Cluster | undefined {
    const entry = this.ctx.registry.get(clusterId);
    if (!entry) return undefined;
    const found = planCluster(this.ctx.registry, clusterId);
    if ('problem' in found) {
      void vscode.window.showWarningMessage(found.problem);
      return undefined;
    }
    return found;
  }

  private async read(cluster: Cluster): Promise<ClusterSnapshot | undefined> {
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading ${cluster.entry.spec.label}…` }, () => snapshotOf(cluster));
    } catch (err) {
      void vscode.window.showWarningMessage(`${cluster.entry.spec.label}: could not read the cluster to plan: ${describeError(err).split('\n')[0]}`);
      return undefined;
    }
  }

  /** A new plan takes its concurrency from blixard.plans.maxParallel; Recompute keeps the document's own fields. */
  private plan(snapshot: ClusterSnapshot, request: PlanRequest, like?: MigrationPlan): MigrationPlan {
    const setting = readConcurrencySetting(vscode.workspace.getConfiguration('blixard.plans').get('maxParallel'));
    for (const p of setting.problems) this.ctx.log.warn(`Setting ${p}`);
    return planMigrations(snapshot, request, {
      createdAt: new Date().toISOString(),
      ...(like ? { concurrency: like.concurrency, stopOnFailure: like.stopOnFailure, ...(like.window ? { window: like.window } : {}) } : { concurrency: setting.concurrency }),
    });
  }

  private async open(cluster: Cluster, request: PlanRequest, read?: ClusterSnapshot): Promise<vscode.Uri | undefined> {
    const snapshot = read ?? (await this.read(cluster));
    if (!snapshot) return undefined;
    const plan = this.plan(snapshot, request);
    const node = request.kind === 'evacuate' ? snapshot.nodes.find((n) => n.id === request.nodeId)?.name : undefined;
    const folder = vscode.workspace.workspaceFolders?.[0];
    const dir = folder ? vscode.Uri.joinPath(folder.uri, '.vscode', 'blixard-plans') : vscode.Uri.joinPath(this.ctx.context.globalStorageUri, 'plans');
    const uri = vscode.Uri.joinPath(dir, planFileName(request, { cluster: cluster.entry.spec.label, ...(node ? { node } : {}) }, new Date()));
    try {
      await vscode.workspace.fs.createDirectory(dir);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(writePlanDocument(plan)));
    } catch (err) {
      void vscode.window.showWarningMessage(`Could not write the plan to ${uri.fsPath}: ${describeError(err)}`);
      return undefined;
    }
    await vscode.window.showTextDocument(uri, { preview: false });
    this.say(cluster, plan, 'planned');
    return uri;
  }

  private say(cluster: Cluster, plan: MigrationPlan, what: string): void {
    this.ctx.log.info(`${cluster.entry.spec.label}: ${plan.kind} ${what}: ${plan.entries.length} ${plan.entries.length === 1 ? 'move' : 'moves'}, ${plan.blockers.length} blocked`);
  }
}

export async function documentOf(uri?: vscode.Uri): Promise<vscode.TextDocument | undefined> {
  if (uri instanceof vscode.Uri) return vscode.workspace.openTextDocument(uri);
  return vscode.window.activeTextEditor?.document;
}

function useText(n: ClusterSnapshot['nodes'][number]): string {
  return n.capacity && n.used ? `${formatResources(n.used)} of ${formatResources(n.capacity)} in use` : 'takes VMs';
}
