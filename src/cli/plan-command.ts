// `blixard-migrations plan evacuate|rebalance|migrate`: reads one cluster through the same
// sources as `watch`, plans with the same planner as the extension, and writes the plan document
// (to --out, or stdout). What the plan cannot move is said on stderr too.

import { writeFileSync } from 'node:fs';
import { describeError } from '../model/errors';
import { readClusterSnapshot } from '../plans/cluster-snapshot';
import { writePlanDocument } from '../plans/plan-document-writer';
import { planMigrations, useSpread } from '../plans/planner';
import type { ClusterSource } from '../sources/cluster-source';
import type { ClusterArguments, PlanArguments } from './cli-arguments';
import type { CliIo } from './cli-io';
import { closeCliSources, type CliSources } from './cli-sources';

export interface PlanDependencies {
  buildSources(args: ClusterArguments, io: CliIo): Promise<CliSources>;
  now?: () => Date;
}

export async function runPlan(args: PlanArguments, io: CliIo, deps: PlanDependencies): Promise<number> {
  let built: CliSources | undefined;
  try {
    built = await deps.buildSources(args, io);
    for (const problem of built.problems) io.err(`warning: ${problem}`);
    const chosen = chooseSource(built.sources, args.cluster);
    if ('problem' in chosen) {
      io.err(`error: ${chosen.problem}`);
      return 2;
    }
    const source = chosen.source;
    const snapshot = await readClusterSnapshot(source, source.label);
    const plan = planMigrations(snapshot, args.request, {
      createdAt: (deps.now?.() ?? new Date()).toISOString(),
      concurrency: args.concurrency,
      ...(args.window.notBefore || args.window.notAfter ? { window: args.window } : {}),
      stopOnFailure: args.stopOnFailure,
    });
    const text = writePlanDocument(plan);
    if (args.out) writeFileSync(args.out, text);
    else io.out(text.trimEnd());
    const before = useSpread(plan.nodes, 'before');
    const after = useSpread(plan.nodes, 'after');
    io.err(
      `${source.label}: ${plan.entries.length} ${plan.entries.length === 1 ? 'move' : 'moves'}, ${plan.blockers.length} blocked; ` +
        `spread of use ${points(Math.max(before.cpu, before.memory))} → ${points(Math.max(after.cpu, after.memory))}${args.out ? `; written to ${args.out}` : ''}`,
    );
    for (const b of plan.blockers) io.err(`blocked: ${b.vm ?? b.node ?? ''}: ${b.reason}`);
    return 0;
  } catch (err) {
    io.err(`error: ${describeError(err)}`);
    return 1;
  } finally {
    closeCliSources(built);
  }
}

/** The source named by --cluster (label or id), or the only one there is. */
export function chooseSource(sources: readonly ClusterSource[], name: string | undefined): { source: ClusterSource } | { problem: string } {
  if (name !== undefined) {
    const found = sources.find((s) => s.label === name || s.id === name);
    return found ? { source: found } : { problem: `no cluster named "${name}" among ${sources.map((s) => s.label).join(', ') || 'the clusters given'}` };
  }
  if (sources.length === 1) return { source: sources[0] };
  if (sources.length === 0) return { problem: 'no cluster: give --blixard NAME=HOST:PORT or a --kubeconfig with a context' };
  return { problem: `${sources.length} clusters given (${sources.map((s) => s.label).join(', ')}): name one with --cluster NAME` };
}

const points = (fraction: number) => `${Math.round(fraction * 100)} points`;
