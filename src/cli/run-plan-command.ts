// `blixard-migrations run-plan FILE`: reads a plan document, checks it against its cluster as it
// is now (diagnostics as FILE:line:col), and runs it with the same runner as the extension,
// printing one line per entry change. Exit 0 when every entry succeeded, 1 when any failed or was
// blocked (the plan's own blockers included: the job is not done), 2 for an invalid plan. Where
// the plan stands is kept in the history with --db (its plan_runs table, under the plan's id),
// else in FILE.state.json (plans/plan-run-keeper.ts, shared with the extension), so a run that
// was interrupted resumes without moving a VM twice.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../base/logger';
import { describeError } from '../model/errors';
import { readClusterSnapshot } from '../plans/cluster-snapshot';
import { formatDiagnostic } from '../plans/plan-diagnostics';
import { parsePlanDocument } from '../plans/plan-document-parser';
import { countStates, type PlanRunEntry } from '../plans/plan-run-state';
import { runStateFileOf } from '../plans/plan-state-file';
import { PlanRunKeeper } from '../plans/plan-run-keeper';
import { planIdOf } from '../plans/plan-identity';
import { PlanRunner } from '../plans/plan-runner';
import type { ClusterSnapshot } from '../plans/plan-types';
import { validatePlan } from '../plans/plan-validation';
import { WatchSession } from '../watch/watch-session';
import type { RunPlanArguments } from './cli-arguments';
import type { CliIo } from './cli-io';
import { closeCliSources, type CliSources } from './cli-sources';
import type { PlanDependencies } from './plan-command';
import { chooseSource } from './plan-command';

export async function runRunPlan(args: RunPlanArguments, io: CliIo, stop: AbortSignal, deps: PlanDependencies): Promise<number> {
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch (err) {
    io.err(`error: cannot read ${args.file}: ${describeError(err)}`);
    return 2;
  }
  const parsed = parsePlanDocument(text);
  if (!parsed.ok || !parsed.plan) {
    for (const d of parsed.diagnostics) io.err(formatDiagnostic(args.file, d));
    return 2;
  }
  const plan = parsed.plan;
  let built: CliSources | undefined;
  let session: WatchSession | undefined;
  try {
    built = await deps.buildSources(args, io);
    for (const problem of built.problems) io.err(`warning: ${problem}`);
    const chosen = chooseSource(built.sources, plan.cluster);
    if ('problem' in chosen) {
      io.err(`error: the plan is for cluster "${plan.cluster}": ${chosen.problem}`);
      return 2;
    }
    const source = chosen.source;
    const snapshot = await readClusterSnapshot(source, plan.cluster);
    const validation = validatePlan(parsed, snapshot);
    for (const d of validation.diagnostics) io.err(formatDiagnostic(args.file, d));
    if (!validation.ok) {
      io.err(`error: ${args.file} cannot run as it is; fix it or plan again`);
      return 2;
    }
    if (validation.stale) io.err(`warning: the plan has gone stale (the cluster changed since it was made); checked again against the cluster as it is now`);
    const names = nodeNames(snapshot);
    if (args.dryRun) {
      for (const e of [...plan.entries].sort((a, b) => a.order - b.order)) {
        const already = validation.alreadyThere.includes(e.vm) ? '  (on its target already)' : '';
        io.out(`${String(e.order).padStart(3)}  ${e.vm}  ${names(e.from)} → ${e.to ? names(e.to) : "the cluster's choice"}  ${e.mode}${e.reason ? `  ${e.reason}` : ''}${already}`);
      }
      for (const b of plan.blockers) io.out(`  -  ${b.vm ?? b.node ?? ''}  blocked: ${b.reason}`);
      io.err(`dry run: ${plan.entries.length} entries would run, at most ${plan.concurrency.perCluster} at once and ${plan.concurrency.perSourceNode} per source node; nothing was started`);
      return 0;
    }

    if (args.db) {
      const log: Pick<Logger, 'info' | 'warn' | 'error'> = { info: (m) => io.err(m), warn: (m) => io.err(`warning: ${m}`), error: (m) => io.err(`warning: ${m}`) };
      session = await WatchSession.start({ historyPath: args.db, log, historyRequired: true, historyInWorker: true });
      session.setSources([source]);
    }
    const planId = planIdOf(plan);
    const keeper = new PlanRunKeeper({ planId, plan, document: path.resolve(args.file), fallbackFile: runStateFileOf(args.file), history: session?.history, warn: (m) => io.err(`warning: ${m}`) });
    const kept = await keeper.load();
    const resume = kept.state;
    if (resume) {
      const c = countStates(resume);
      io.err(`resuming from ${kept.from === 'history' ? `the history (${args.db})` : kept.from}: ${c.done} done, ${c.running} in flight (followed, not started again), ${c.waiting} waiting`);
    } else if (kept.problem) io.err(`warning: ${kept.problem}`);
    io.err(`plan ${planId}${args.db ? ` (history --db ${args.db} --plan ${planId} lists its migrations)` : ''}`);

    const runner = new PlanRunner(source, plan, { resume, alreadyThere: validation.alreadyThere, planId });
    const printed = new Map<number, string>();
    runner.onEvent((e) => {
      if (e.type === 'plan') {
        if (e.status === 'waiting-window') io.err(`waiting: ${runner.state.note ?? 'the window has not opened'} (${plan.window?.notBefore}); nothing starts before then`);
        keeper.save(runner.state);
        return;
      }
      const line = entryLine(e.entry, names);
      if (printed.get(e.index) === line) return;
      printed.set(e.index, line);
      io.out(`${new Date().toISOString()}  ${line}`);
      keeper.save(runner.state);
    });
    const onStop = () => {
      io.err('stopping: cancelling the migrations in flight, dropping the waiting ones…');
      runner.cancel();
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    const final = await runner.run();
    stop.removeEventListener('abort', onStop);
    keeper.save(final);
    await keeper.settled();
    const c = countStates(final);
    io.err(`${plan.cluster}: ${c.done} done, ${c.failed} failed, ${c.blocked} blocked, ${c.cancelled} cancelled${plan.blockers.length > 0 ? `; ${plan.blockers.length} VMs were blocked in the plan` : ''}${final.note ? ` — ${final.note}` : ''}`);
    return c.failed + c.blocked + c.cancelled + plan.blockers.length === 0 ? 0 : 1;
  } catch (err) {
    io.err(`error: ${describeError(err)}`);
    return 1;
  } finally {
    if (session) await session.shutdown();
    closeCliSources(built);
  }
}

/** "vm-3  node-1 → node-2  live  running (Transferring)": one line per change of state or phase, not per progress report. */
function entryLine(entry: PlanRunEntry, names: (id: string) => string): string {
  const s = entry.status;
  const where = `${entry.vm}  ${names(entry.from)} → ${entry.to ? names(entry.to) : "the cluster's choice"}  ${entry.mode}`;
  switch (s.state) {
    case 'running':
      return `${where}  running${s.phase ? ` (${s.phase})` : ''}`;
    case 'done':
      return `${where}  done${s.note ? ` (${s.note})` : ''}`;
    case 'failed':
      return `${where}  failed: ${s.reason}`;
    case 'blocked':
      return `${where}  blocked: ${s.reason}`;
    case 'cancelled':
      return `${where}  cancelled: ${s.reason}`;
    default:
      return `${where}  waiting`;
  }
}

function nodeNames(snapshot: ClusterSnapshot): (id: string) => string {
  const byId = new Map(snapshot.nodes.map((n) => [n.id, n.name]));
  return (id) => byId.get(id) ?? id;
}
