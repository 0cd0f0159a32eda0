// Enter Maintenance Mode / Exit Maintenance Mode on node rows (several with the view's
// multi-selection): asks for a reason where the cluster keeps one, cordons or uncordons through the
// source (core/node-maintenance.ts), says the outcome in one message — a failure in the cluster's
// words, never a stack — and then hands the nodes that changed to the follow-up, the seam where
// "offer to evacuate" (and, on exit, "offer to move back") hooks in: `setFollowUp`.

import * as vscode from 'vscode';
import { describeError } from '../../model/errors';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import type { ClusterSource } from '../../sources/cluster-source';
import type { ExtensionLog } from '../common/extension-log';
import type { ClusterTreeProvider } from './cluster-tree-provider';
import { changeMaintenance, maintenanceSelection, maintenanceUnsupported, nodeAct, type MaintenanceFollowUp, type MaintenanceTarget } from './core/node-maintenance';
import type { TreeElement } from './core/tree-elements';

export interface MaintenanceCommandContext {
  registry: ClusterRegistry;
  tree: ClusterTreeProvider;
  log: ExtensionLog;
}

/** A third argument for callers other than the menus (a plan, a test): the reason, so none is asked for. */
export interface MaintenanceCommandOptions {
  reason?: string;
}

export interface MaintenanceCommands {
  readonly disposables: vscode.Disposable[];
  /** Plugs in what follows a change (the lead's evacuation offer); disposing it unplugs it. One at a time. */
  setFollowUp(followUp: MaintenanceFollowUp): vscode.Disposable;
}

export function registerMaintenanceCommands(ctx: MaintenanceCommandContext): MaintenanceCommands {
  let followUp: MaintenanceFollowUp | undefined;
  const run = (on: boolean) => (clicked?: TreeElement, selected?: TreeElement[], options?: MaintenanceCommandOptions) =>
    changeNodes(ctx, on, clicked, selected, typeof options?.reason === 'string' ? options.reason : undefined, () => followUp);
  return {
    disposables: [vscode.commands.registerCommand('blixard.enterMaintenance', run(true)), vscode.commands.registerCommand('blixard.exitMaintenance', run(false))],
    setFollowUp(next) {
      followUp = next;
      return new vscode.Disposable(() => {
        if (followUp === next) followUp = undefined;
      });
    },
  };
}

async function changeNodes(
  ctx: MaintenanceCommandContext,
  on: boolean,
  clicked: TreeElement | undefined,
  selected: TreeElement[] | undefined,
  givenReason: string | undefined,
  followUp: () => MaintenanceFollowUp | undefined,
): Promise<void> {
  const elements = maintenanceSelection(clicked, selected);
  if (elements.length === 0) return;
  const clusterId = elements[0].clusterId;
  const entry = ctx.registry.get(clusterId);
  const model = ctx.tree.model(clusterId);
  if (!entry || !model) return;
  let source: ClusterSource;
  try {
    source = entry.acquire();
  } catch (err) {
    void vscode.window.showWarningMessage(`${entry.spec.label}: ${describeError(err)}`);
    return;
  }
  const unsupported = maintenanceUnsupported(source);
  if (unsupported) {
    void vscode.window.showWarningMessage(unsupported);
    return;
  }
  const words = source.traits.maintenance!;
  const nodes = elements.map((e) => model.node(e.nodeId) ?? { id: e.nodeId, name: e.nodeId });
  const names = nodes.map((n) => n.name).join(', ');
  let reason = givenReason?.trim().slice(0, 256);
  if (on && words.recordsReason && reason === undefined) {
    reason = await vscode.window.showInputBox({
      title: `Enter Maintenance Mode: ${names}`,
      prompt: 'Why? Kept with the node for whoever looks later (optional; Enter to go on, Escape to cancel)',
      placeHolder: 'kernel patch, disk replacement…',
      validateInput: (v) => (v.trim().length > 256 ? 'At most 256 characters' : undefined),
    });
    if (reason === undefined) return;
  }
  const outcome = await vscode.window.withProgress({ location: { viewId: 'blixard.clusters' }, title: `${on ? words.entering : words.leaving}: ${names}…` }, () =>
    changeMaintenance(source, clusterId, nodes, on, reason),
  );
  for (const t of outcome.changed) ctx.log.info(`${entry.spec.label}: ${t.nodeName} ${on ? `is ${words.isIn}${reason ? ` (${reason.trim()})` : ''}` : `left ${words.state}`}`);
  for (const f of outcome.failed) ctx.log.warn(`${entry.spec.label}: could not ${nodeAct(on ? words.enter : words.exit, f.target.nodeName)}: ${f.reason}`);
  // The source reports the change too; this makes sure the rows are right even if it does not.
  void ctx.tree.refreshCluster(clusterId);
  const next = followUp();
  const after = on ? next?.afterEnter : next?.afterExit;
  if (outcome.failed.length > 0) void vscode.window.showWarningMessage(outcome.summary);
  else if (!after) void vscode.window.showInformationMessage(outcome.summary);
  if (after && outcome.changed.length > 0) void runFollowUp(ctx, () => after.call(next, outcome.changed, source), outcome.changed);
}

async function runFollowUp(ctx: MaintenanceCommandContext, step: () => void | Promise<void>, targets: readonly MaintenanceTarget[]): Promise<void> {
  try {
    await step();
  } catch (err) {
    ctx.log.warn(`Maintenance follow-up for ${targets.map((t) => t.nodeName).join(', ')} failed: ${describeError(err)}`);
  }
}
