// The migration plans' VS Code side, loaded on first use (plan-commands.ts imports it lazily):
// the plan maker, the documents' diagnostics, the runs and their checklist.

import type * as vscode from 'vscode';
import { PlanChecklist } from './plan-checklist-view';
import type { PlanCommandContext } from './plan-context';
import { PlanDocumentDiagnostics } from './plan-document-diagnostics';
import { PlanMaker } from './plan-maker';
import { PlanRuns } from './plan-runs';

export class PlanFeature implements vscode.Disposable {
  readonly maker: PlanMaker;
  readonly diagnostics: PlanDocumentDiagnostics;
  readonly checklist = new PlanChecklist();
  readonly runs: PlanRuns;

  constructor(ctx: PlanCommandContext) {
    this.maker = new PlanMaker(ctx);
    this.diagnostics = new PlanDocumentDiagnostics(ctx.registry);
    this.runs = new PlanRuns(ctx, this.diagnostics, this.checklist);
  }

  dispose(): void {
    this.runs.dispose();
    this.checklist.dispose();
    this.diagnostics.dispose();
  }
}
