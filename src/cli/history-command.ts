// `blixard-migrations history`: the seed queries (all, active, one by id, by VM, by datacenter, by plan)
// answered from the history database, as a table or as JSON for scripts.

import type { Migration, PhaseTransition } from '../model/migration';
import { describeError } from '../model/errors';
import type { HistoryArguments } from './cli-arguments';
import type { CliIo } from './cli-io';
import { sortTimeline } from '../model/phase-order';
import { lifecycleOf } from '../sources/cluster-kinds';
import { renderMigrationDetail, renderMigrationTable } from './history-table';
import { describeHistoryDamage, isFullyRecovered, type HistoryDamage } from '../history/history-damage';

/** The read side of the history the command needs (newest first where it lists). */
export interface QueryHistory {
  all(limit: number): Migration[];
  active(): Migration[];
  byId(id: string): { migration: Migration; transitions: PhaseTransition[] } | undefined;
  byVm(vm: string, limit: number): Migration[];
  byDatacenter(datacenter: string, limit: number): Migration[];
  /** The migrations one plan started (Migration.planId), newest first. */
  byPlan(planId: string, limit: number): Migration[];
  transitions(id: string): PhaseTransition[];
  /** Set when the database file is damaged: what was read instead (see HistoryStore.damage). */
  readonly damage?: HistoryDamage;
  close(): Promise<void>;
}

/** Opens the history read-only; `warn` hears what the history notices on the way (one line each). */
export type OpenQueryHistory = (dbPath: string, warn: (message: string) => void) => Promise<QueryHistory>;

/** A migration as `--json` prints it: the model's fields plus its phase timeline. */
export type MigrationJson = Migration & { transitions: { phase: string; at: number }[] };

const NO_LIMIT = 1_000_000;

export async function runHistory(args: HistoryArguments, io: CliIo, open: OpenQueryHistory): Promise<number> {
  let history: QueryHistory;
  try {
    history = await open(args.db, (message) => io.err(`warning: ${message}`));
  } catch (err) {
    io.err(`error: cannot open the history --db ${args.db}: ${describeError(err)}`);
    return 1;
  }
  try {
    // A damaged file is never shown as an empty history: say what was read instead, and fail
    // (after printing what could be read) when part of it, or all of it, is lost.
    const damage = history.damage;
    if (damage?.recoveredFrom === 'nothing') {
      io.err(`error: cannot read the history --db ${args.db}: ${describeHistoryDamage(damage)}.`);
      return 1;
    }
    const readAll = !damage || isFullyRecovered(damage);
    if (damage) io.err(`${readAll ? 'warning' : 'error'}: ${describeHistoryDamage(damage)}.`);
    const code = printHistory(args, io, history);
    return readAll ? code : 1;
  } catch (err) {
    io.err(`error: reading the history: ${describeError(err)}`);
    return 1;
  } finally {
    await history.close().catch(() => undefined);
  }
}

/** Prints the answer to the query; 1 when an --id is not found (as a table), else 0. */
function printHistory(args: HistoryArguments, io: CliIo, history: QueryHistory): number {
  const limit = args.limit ?? NO_LIMIT;
  const f = args.filter;
  if (f.kind === 'id') {
    const entry = history.byId(f.id);
    if (args.json) io.out(JSON.stringify(entry ? [toJson(entry.migration, entry.transitions)] : [], null, 2));
    else io.out(entry ? renderMigrationDetail(entry.migration, entry.transitions).trimEnd() : `No migration with id ${JSON.stringify(f.id)}.`);
    return entry || args.json ? 0 : 1;
  }
  let migrations: Migration[];
  switch (f.kind) {
    case 'active':
      migrations = history.active().slice(0, limit);
      break;
    case 'vm':
      migrations = history.byVm(f.vm, limit);
      break;
    case 'datacenter':
      migrations = history.byDatacenter(f.datacenter, limit);
      break;
    case 'plan':
      migrations = history.byPlan(f.planId, limit);
      break;
    default:
      migrations = history.all(limit);
  }
  if (args.json) io.out(JSON.stringify(migrations.map((m) => toJson(m, history.transitions(m.id))), null, 2));
  else io.out(renderMigrationTable(migrations).trimEnd());
  return 0;
}

function toJson(migration: Migration, transitions: readonly PhaseTransition[]): MigrationJson {
  return { ...migration, transitions: sortTimeline(lifecycleOf(migration.kind), transitions).map((t) => ({ phase: t.phase, at: t.at })) };
}
