// The migration plans' commands, CodeLens and document hooks, registered at activation and cheap
// on purpose: nothing of src/plans (the planner, the YAML parser) loads until a plan command runs
// or a `*.blixard-plan.yaml` document is open — then plan-feature.ts is imported, once.

import * as vscode from 'vscode';
import type { TreeElement } from '../clusters/core/tree-elements';
import { RUN_IN_PROGRESS_KEY } from './core/plan-memory-keys';
import type { PlanCommandContext } from './plan-context';
import type { PlanFeature } from './plan-feature';

/** The plan documents, as VS Code matches them (the writer's PLAN_FILE_SUFFIX, as a glob). */
export const PLAN_DOCUMENTS: vscode.DocumentFilter = { pattern: '**/*.blixard-plan.yaml' };

export interface PlansApi {
  /** The loaded feature (loads it): diagnostics, the runs, the checklist. */
  feature(): Promise<PlanFeature>;
}

export function registerPlanCommands(ctx: PlanCommandContext): { disposables: vscode.Disposable[]; api: PlansApi } {
  let loaded: Promise<PlanFeature> | undefined;
  const disposables: vscode.Disposable[] = [];
  const feature = () =>
    (loaded ??= import('./plan-feature').then(({ PlanFeature }) => {
      const f = new PlanFeature(ctx);
      disposables.push(f);
      return f;
    }));
  const isPlan = (doc: vscode.TextDocument) => vscode.languages.match(PLAN_DOCUMENTS, doc) > 0;
  const check = (doc: vscode.TextDocument) => {
    if (isPlan(doc)) void feature().then((f) => f.diagnostics.schedule(doc));
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const register = (id: string, run: (f: PlanFeature, ...args: any[]) => unknown) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    vscode.commands.registerCommand(id, async (...args: any[]) => run(await feature(), ...args));
  disposables.push(
    register('blixard.plans.migrateVms', (f, clicked?: TreeElement, selected?: TreeElement[]) => f.maker.migrateVms(clicked, selected)),
    register('blixard.plans.evacuateNode', (f, clicked?: TreeElement) => f.maker.evacuateNode(clicked)),
    register('blixard.plans.evacuateNodes', (f, clicked?: TreeElement, selected?: TreeElement[]) => f.maker.evacuateNodes(clicked, selected)),
    register('blixard.plans.rebalanceCluster', (f, clicked?: TreeElement) => f.maker.rebalanceCluster(clicked)),
    register('blixard.plans.run', (f, uri?: vscode.Uri) => f.runs.run(uri, false)),
    register('blixard.plans.dryRun', (f, uri?: vscode.Uri) => f.runs.run(uri, true)),
    register('blixard.plans.recompute', (f, uri?: vscode.Uri, options?: { nextWindow?: boolean }) => f.maker.recompute(uri, options?.nextWindow === true)),
    register('blixard.plans.cancel', (f) => f.runs.cancel()),
    vscode.languages.registerCodeLensProvider(PLAN_DOCUMENTS, new PlanCodeLenses()),
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => check(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (isPlan(doc) && loaded) void loaded.then((f) => f.diagnostics.forget(doc));
    }),
    // Enter Maintenance Mode offers the evacuation; Exit offers to move back what it moved.
    ctx.maintenance.setFollowUp({
      afterEnter: async (targets, source) => (await feature()).maker.offerEvacuation(targets, source),
      afterExit: async (targets) => (await feature()).maker.offerMoveBack(targets),
    }),
  );
  // Plan documents open when the window (re)loads get their diagnostics; a run that was under way
  // when the window went away is offered to resume (after activation: it loads the feature).
  // Both after activate() has returned: loading the feature is not activation's cost.
  setTimeout(() => {
    for (const doc of vscode.workspace.textDocuments) check(doc);
    const interrupted = ctx.context.globalState.get<string>(RUN_IN_PROGRESS_KEY);
    if (interrupted) void feature().then((f) => f.runs.offerResume(vscode.Uri.parse(interrupted)));
  }, 0);
  return { disposables: [new vscode.Disposable(() => vscode.Disposable.from(...disposables).dispose())], api: { feature } };
}

/** Run Plan · Dry Run · Recompute, on the document's first line. */
class PlanCodeLenses implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: '$(play) Run Plan', command: 'blixard.plans.run', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: '$(checklist) Dry Run', command: 'blixard.plans.dryRun', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: '$(refresh) Recompute', command: 'blixard.plans.recompute', arguments: [doc.uri] }),
    ];
  }
}
