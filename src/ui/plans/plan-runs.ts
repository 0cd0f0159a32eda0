// Run Plan / Dry Run / Cancel plan: the saved document is parsed, checked against its cluster as
// it is now (a stale plan says so; an invalid one does not start), and run by the core PlanRunner
// through the registry's ClusterSource — so the watcher, history, output and status bar see each
// migration like any other. Progress: a cancellable notification, a status-bar item and the
// checklist. The run state is kept in the window's history under the plan's id (as `run-plan
// --db` keeps it; FILE.state.json beside the plan when the history cannot keep it): Run Plan
// after a reload resumes it without starting a migration twice.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { parsePlanDocument } from '../../plans/plan-document-parser';
import { countStates, type PlanRunState } from '../../plans/plan-run-state';
import { PlanRunner } from '../../plans/plan-runner';
import { runStateFileOf } from '../../plans/plan-state-file';
import { PlanRunKeeper } from '../../plans/plan-run-keeper';
import { planIdOf } from '../../plans/plan-identity';
import type { ClusterSnapshot, MigrationPlan } from '../../plans/plan-types';
import { validatePlan } from '../../plans/plan-validation';
import { windowStanding } from '../../plans/plan-window';
import { withDeadlineOr } from '../../base/deadline';
import { describeError } from '../../model/errors';
import { vmsMovedOff } from './core/move-back';
import { evacuationKey, RUN_IN_PROGRESS_KEY } from './core/plan-memory-keys';
import { endedShare, progressText } from './core/plan-checklist-rows';
import { planCluster, snapshotOf } from './core/plan-clusters';
import type { PlanChecklist } from './plan-checklist-view';
import type { PlanCommandContext } from './plan-context';
import type { PlanDocumentDiagnostics } from './plan-document-diagnostics';
import { documentOf } from './plan-maker';

async function readPlanFile(uri: vscode.Uri) {
  try {
    return parsePlanDocument(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri))).plan;
  } catch {
    return undefined;
  }
}

export class PlanRuns implements vscode.Disposable {
  private current: PlanRunner | undefined;
  private readonly status = vscode.window.createStatusBarItem('blixard.planProgress', vscode.StatusBarAlignment.Left, 40);

  constructor(
    private readonly ctx: PlanCommandContext,
    private readonly diagnostics: PlanDocumentDiagnostics,
    readonly checklist: PlanChecklist,
  ) {
    this.status.name = 'Blixard migration plan';
    this.status.command = 'workbench.view.extension.blixard';
  }

  /** Runs (or dry-runs) the plan in `uri` (or the active editor); resolves with the final state. */
  async run(uri: vscode.Uri | undefined, dryRun: boolean): Promise<PlanRunState | undefined> {
    const doc = await documentOf(uri);
    if (!doc) return undefined;
    if (this.current && !dryRun) return void vscode.window.showWarningMessage('A migration plan is running already: cancel it first, or wait for it to end.');
    if (doc.isDirty && !dryRun) await doc.save();
    const parsed = parsePlanDocument(doc.getText());
    const plan = parsed.plan;
    const title = path.basename(doc.uri.fsPath);
    if (!parsed.ok || !plan) {
      await this.diagnostics.check(doc);
      return void vscode.window.showWarningMessage(`${title} cannot run: fix the errors marked in it first.`);
    }
    const found = planCluster(this.ctx.registry, plan.cluster);
    if ('problem' in found) return void vscode.window.showWarningMessage(`${title}: ${found.problem}`);
    let snapshot: ClusterSnapshot;
    try {
      snapshot = await snapshotOf(found);
    } catch (err) {
      return void vscode.window.showWarningMessage(`${title}: could not read ${found.entry.spec.label}: ${describeError(err).split('\n')[0]}`);
    }
    const validation = validatePlan(parsed, snapshot);
    this.diagnostics.snapshots.invalidate(found.entry.spec.label);
    void this.diagnostics.check(doc);
    if (!validation.ok) return void vscode.window.showWarningMessage(`${title} cannot run as it is against ${found.entry.spec.label} now: see the problems marked in it, fix them or Recompute.`);
    if (validation.stale) this.ctx.log.warn(`${title}: the plan has gone stale (the cluster changed since it was made); checked again against the cluster as it is now`);
    const byId = new Map(snapshot.nodes.map((n) => [n.id, n.name]));
    const names = (id: string) => byId.get(id) ?? id;

    if (dryRun) {
      const preview = new PlanRunner(found.source, plan, { alreadyThere: validation.alreadyThere }).state;
      preview.status = 'pending';
      this.checklist.show(preview, `${title} · dry run`, names);
      for (const e of preview.entries) this.ctx.log.info(`dry run ${title}: ${e.order}. ${e.vm} ${names(e.from)} → ${e.to ? names(e.to) : "the cluster's choice"} ${e.mode}${e.status.state === 'done' ? ' (on its target already)' : ''}`);
      for (const b of plan.blockers) this.ctx.log.info(`dry run ${title}: ${b.vm ?? b.node ?? ''} blocked: ${b.reason}`);
      void vscode.window.showInformationMessage(
        `Dry run of ${title}: ${plan.entries.length} ${plan.entries.length === 1 ? 'migration' : 'migrations'} would run, at most ${plan.concurrency.perCluster} at once and ${plan.concurrency.perSourceNode} per source node${plan.blockers.length ? `; ${plan.blockers.length} blocked` : ''}. Nothing was started.`,
      );
      return preview;
    }

    const planId = planIdOf(plan);
    const keeper = await this.keeperOf(doc.uri, plan, planId);
    const kept = await keeper.load();
    if (kept.problem) this.ctx.log.warn(`${title}: ${kept.problem}`);
    if (kept.state && (kept.state.status === 'finished' || kept.state.status === 'cancelled')) {
      const again = await vscode.window.showInformationMessage(`${title} ran already (${progressText(kept.state)}). Run it again from the start?`, 'Run Again');
      if (!again) return kept.state;
      kept.state = undefined;
    }
    const runner = new PlanRunner(found.source, plan, { ...(kept.state ? { resume: kept.state } : {}), alreadyThere: validation.alreadyThere, planId });
    if (kept.state) {
      const c = countStates(kept.state);
      this.ctx.log.info(`${title}: resuming from ${kept.from === 'history' ? 'the history' : path.basename(kept.from ?? '')}: ${c.done} done, ${c.running} in flight (followed, not started again), ${c.waiting} waiting`);
    }
    this.ctx.log.info(`${title}: plan ${planId} (the history panel's plan filter shows its migrations)`);
    this.current = runner;
    await this.ctx.context.globalState.update(RUN_IN_PROGRESS_KEY, doc.uri.toString());
    const update = () => {
      const state = runner.state;
      keeper.save(state);
      this.checklist.show(state, title, names);
      this.status.text = `$(checklist) ${progressText(state)}`;
      this.status.tooltip = `Migration plan ${title} on ${plan.cluster}`;
    };
    update();
    this.status.show();
    void vscode.commands.executeCommand('setContext', 'blixard.plans.running', true);
    try {
      const final = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Migration plan ${title}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => runner.cancel());
          let reported = endedShare(runner.state);
          const events = runner.onEvent((e) => {
            update();
            if (e.type !== 'entry') return;
            const share = endedShare(runner.state);
            progress.report({ message: progressText(runner.state), increment: Math.max(0, (share - reported) * 100) });
            reported = share;
          });
          try {
            return await runner.run();
          } finally {
            events.dispose();
          }
        },
      );
      keeper.save(final);
      await keeper.settled();
      await this.ctx.context.globalState.update(RUN_IN_PROGRESS_KEY, undefined);
      this.checklist.show(final, title, names);
      this.status.text = `$(checklist) ${progressText(final)}`;
      // Each emptied node remembers what left it, for Exit Maintenance Mode's offer to move it back.
      if (plan.kind === 'evacuate' && plan.node) for (const node of new Set([plan.node, ...(plan.alsoNodes ?? [])])) await this.ctx.context.globalState.update(evacuationKey(plan.cluster, node), vmsMovedOff(final, node));
      const c = countStates(final);
      const summary = `${title}: ${progressText(final)}${plan.blockers.length ? `; ${plan.blockers.length} VMs were blocked in the plan` : ''}.`;
      this.ctx.log.info(summary);
      if (c.failed + c.blocked + c.cancelled === 0) void vscode.window.showInformationMessage(summary);
      else void vscode.window.showWarningMessage(summary);
      return final;
    } finally {
      runner.dispose();
      this.current = undefined;
      void vscode.commands.executeCommand('setContext', 'blixard.plans.running', false);
      setTimeout(() => {
        if (!this.current) this.status.hide();
      }, 10_000);
    }
  }

  /**
   * After a reload (or a crash) mid-plan: offers to resume the run that was under way. Resuming
   * follows the migrations in flight and starts the waiting ones; none is started twice.
   */
  async offerResume(uri: vscode.Uri): Promise<void> {
    const plan = await readPlanFile(uri);
    const kept = plan ? (await (await this.keeperOf(uri, plan, planIdOf(plan))).load()).state : undefined;
    if (!kept || kept.status === 'finished' || kept.status === 'cancelled') {
      await this.ctx.context.globalState.update(RUN_IN_PROGRESS_KEY, undefined);
      return;
    }
    const title = path.basename(uri.fsPath);
    this.checklist.show(kept, `${title} · interrupted`, await this.nodeNames(plan!.cluster));
    // A window that ended while VS Code was closed: said, never run late, and offered to re-plan.
    const standing = windowStanding(plan!.window, kept, Date.now());
    if (standing.state === 'ended') return this.offerReplan(uri, title, kept, standing.text);
    if (standing.state === 'not-yet') {
      const wait = await vscode.window.showInformationMessage(`The migration plan ${title} was interrupted (${progressText(kept)}); ${standing.text}. Resume it? It waits for the window; migrations in flight are followed, not started again.`, 'Resume', 'Open Plan');
      if (wait === 'Resume') await this.run(uri, false);
      else if (wait === 'Open Plan') await vscode.window.showTextDocument(uri, { preview: false });
      return;
    }
    const choice = await vscode.window.showInformationMessage(`The migration plan ${title} was interrupted (${progressText(kept)}). Resume it? Migrations in flight are followed, not started again.`, 'Resume', 'Open Plan');
    if (choice === 'Resume') await this.run(uri, false);
    else if (choice === 'Open Plan') await vscode.window.showTextDocument(uri, { preview: false });
  }

  /**
   * The cluster's node names by id, for the interrupted checklist to read as the running one does
   * ("node-1 → node-2", not "1 → 2"); the ids themselves when the cluster is not configured or does
   * not answer within 3 s (the resume offer is not held up by a cluster that is down).
   */
  private async nodeNames(cluster: string): Promise<(id: string) => string> {
    const found = planCluster(this.ctx.registry, cluster);
    const nodes = 'problem' in found ? [] : await withDeadlineOr(found.source.listNodes(), 3000, []).catch(() => []);
    const byId = new Map(nodes.map((n) => [n.id, n.name]));
    return (id) => byId.get(id) ?? id;
  }

  /** Where this plan's state is kept: the history when this window has one, else the file beside the plan. */
  private async keeperOf(uri: vscode.Uri, plan: MigrationPlan, planId: string): Promise<PlanRunKeeper> {
    const history = await this.ctx.history?.().catch((err: unknown) => {
      this.ctx.log.warn(`Plans: the history is not available to keep plan runs (${describeError(err)}); keeping them beside the plans`);
      return undefined;
    });
    const warn = (m: string) => this.ctx.log.warn(`${path.basename(uri.fsPath)}: ${m}`);
    return new PlanRunKeeper({ planId, plan, document: uri.fsPath, fallbackFile: runStateFileOf(uri.fsPath), ...(history ? { history } : {}), warn });
  }

  /** Says the window ended with entries not started; Re-plan recomputes the plan for the window's next occurrence. */
  private async offerReplan(uri: vscode.Uri, title: string, kept: PlanRunState, ended: string): Promise<void> {
    this.ctx.log.warn(`${title}: interrupted, and ${ended} while VS Code was closed`);
    const choice = await vscode.window.showWarningMessage(`The migration plan ${title} was interrupted, and ${ended} while VS Code was closed (${progressText(kept)}). Re-plan it for the next window?`, 'Re-plan', 'Open Plan');
    if (choice === 'Open Plan') return void (await vscode.window.showTextDocument(uri, { preview: false }));
    if (choice !== 'Re-plan') return;
    await vscode.commands.executeCommand('blixard.plans.recompute', uri, { nextWindow: true });
    await this.ctx.context.globalState.update(RUN_IN_PROGRESS_KEY, undefined);
  }

  /** Cancel plan: the migrations in flight are cancelled, the waiting ones dropped. */
  cancel(): void {
    this.current?.cancel();
  }

  /** A window closing leaves the migrations in flight alone: the state file and RUN_IN_PROGRESS_KEY let the next window resume. */
  dispose(): void {
    this.current?.dispose();
    this.status.dispose();
  }
}
