// Where a plan's run state is kept while it runs and found again to resume: the history's
// `plan_runs` table when a history is open (the CLI's --db, the extension's history), else the
// FILE.state.json beside the plan (plan-state-file.ts) — also when the history will not keep it
// (a window whose history follows another's), said once. Writes go one at a time, the newest
// state replacing any that waited, so a burst of entry changes costs a few writes, and each
// one the history acknowledged is on disk (its journal) before the next is sent.

import type { PlanRunRecord, PlanRunTable } from '../model/plan-run-record';
import { describeError } from '../model/errors';
import { readRunState, type PlanRunState } from './plan-run-state';
import { readRunStateFile, writeRunStateFile } from './plan-state-file';
import type { MigrationPlan } from './plan-types';

export interface PlanRunKeeperOptions {
  planId: string;
  plan: MigrationPlan;
  /** The plan document's path (kept with the run; the fallback file is beside it). */
  document?: string;
  /** Where the state goes when there is no history, or the history refuses it. */
  fallbackFile?: string;
  history?: PlanRunTable;
  /** Told once when the history cannot keep the state and the file is used instead. */
  warn?: (message: string) => void;
  now?: () => number;
}

export interface KeptRun {
  state?: PlanRunState;
  /** Why a kept state was not used. */
  problem?: string;
  /** Where it was found: 'history' or the file's path. */
  from?: string;
}

export class PlanRunKeeper {
  private pending: PlanRunState | undefined;
  private writing: Promise<void> | undefined;
  private useFile: boolean;
  /** Strictly increasing, so the history's newest-wins never sees two states of one instant. */
  private lastAt = 0;

  constructor(private readonly options: PlanRunKeeperOptions) {
    this.useFile = !options.history;
  }

  /** The kept state of this plan: the history's first, then the file's (a run from before the history kept plans, or without one). */
  async load(): Promise<KeptRun> {
    const { history, plan, fallbackFile } = this.options;
    let problem: string | undefined;
    if (history) {
      try {
        const row = await history.planRun(this.options.planId);
        if (row) {
          const kept = readRunState(row.state, plan);
          if ('state' in kept) return { state: kept.state, from: 'history' };
          problem = `the history's state is not used: ${kept.problem}`;
        }
      } catch (err) {
        problem = `the history could not be read: ${describeError(err)}`;
      }
    }
    if (fallbackFile) {
      const kept = readRunStateFile(fallbackFile, plan);
      if (kept.state) return { state: kept.state, from: fallbackFile };
      if (kept.problem) problem = `${fallbackFile} is not used: ${kept.problem}`;
    }
    return problem ? { problem } : {};
  }

  /** Keeps `state` (the runner's onStateChange): written after those before it, replacing any still waiting. */
  save(state: PlanRunState): void {
    this.pending = state;
    this.writing ??= this.drain();
  }

  /** Resolves when every state saved so far is written (or has failed to be). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const state = this.pending;
        this.pending = undefined;
        await this.write(state);
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(state: PlanRunState): Promise<void> {
    const { history, fallbackFile, warn } = this.options;
    if (history && !this.useFile) {
      try {
        await history.recordPlanRun(this.record(state));
        return;
      } catch (err) {
        this.useFile = true;
        warn?.(`the history cannot keep this plan's state (${describeError(err)})${fallbackFile ? `; keeping it in ${fallbackFile}` : ''}`);
      }
    }
    if (fallbackFile) writeRunStateFile(fallbackFile, state);
  }

  private record(state: PlanRunState): PlanRunRecord {
    const { planId, plan, document, now } = this.options;
    return {
      planId,
      ...(document !== undefined ? { document } : {}),
      cluster: plan.cluster,
      kind: plan.kind,
      ...(state.startedAt !== undefined ? { startedAt: state.startedAt } : {}),
      ...(state.endedAt !== undefined ? { endedAt: state.endedAt } : {}),
      updatedAt: (this.lastAt = Math.max((now ?? Date.now)(), this.lastAt + 1)),
      status: state.status,
      state,
    };
  }
}
