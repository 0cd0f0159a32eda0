// A reused name is another migration. A KubeVirt VMIM name can be used again once the old one is
// deleted (the docs' own example is `migration-job`); its uid, or for records written before
// uids were kept its creationTimestamp, tells the two apart. The plain id holds the newest; an
// earlier one is kept under `<id>@<its creation time>`, with its phases, so neither overwrites
// the other. The decision depends only on what the database holds, so a journal replay makes it again.

import type { Migration } from '../../model/migration';
import { clusterKindTraits } from '../../sources/cluster-kinds';
import { FINAL_STATES_SQL } from './schema';
import type { SqlSession } from './sql-session';

interface Incarnation {
  createdAt: number;
  uid?: string;
}

/** The row a migration id holds, as placement needs it. */
export type HeldIncarnation = Incarnation & { seq: number; final: boolean };

/** The id an earlier migration under a reused name is kept under: `<id>@<creation time, ISO 8601>`. */
export function incarnationId(id: string, createdAt: number): string {
  return `${id}@${new Date(createdAt).toISOString().replace('.000Z', 'Z')}`;
}

/**
 * Where a record of `m` goes: its own id, or an archive id when it is an earlier incarnation than
 * the one held (`held`: what `m.id` holds, read by the caller, which reads that row anyway).
 * When it is a newer one, the held row moves to its archive id first (`archived`).
 */
export function placeIncarnation(sql: SqlSession, m: Migration, held: HeldIncarnation | undefined): { id: string; archived: boolean } {
  // Only a kind that gives names out again has incarnations; an unknown kind is taken not to.
  if (!clusterKindTraits(m.kind)?.namesReused) return { id: m.id, archived: false };
  if (!held || sameIncarnation(held, m)) return { id: m.id, archived: false };
  if (!isNewerIncarnation(m, held)) return { id: incarnationSlot(sql, m.id, m), archived: false };
  sql.run('UPDATE migrations SET id = ? WHERE seq = ?', [incarnationSlot(sql, m.id, held), held.seq]);
  return { id: m.id, archived: true };
}

function incarnationAt(sql: SqlSession, id: string): HeldIncarnation | undefined {
  const row = sql.first(`SELECT seq, created_at, uid, state IN ${FINAL_STATES_SQL} FROM migrations WHERE id = ?`, [id]);
  if (!row) return undefined;
  return { seq: Number(row[0]), createdAt: Number(row[1]), uid: row[2] === null ? undefined : String(row[2]), final: Number(row[3]) === 1 };
}

/** The archive id of an earlier incarnation: its own row if it has one, else a free one. */
function incarnationSlot(sql: SqlSession, id: string, incarnation: Incarnation): string {
  const base = incarnationId(id, incarnation.createdAt);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}#${n}`;
    const holder = incarnationAt(sql, candidate);
    if (!holder || sameIncarnation(holder, incarnation)) return candidate;
  }
}

function sameIncarnation(a: Incarnation, b: Incarnation): boolean {
  if (a.uid && b.uid) return a.uid === b.uid;
  return !(a.createdAt > 0 && b.createdAt > 0) || a.createdAt === b.createdAt;
}

/**
 * Whether `incoming` came after `held`. Creation times decide; within one second (KubeVirt's
 * resolution) a name is only reused once the holder is deleted, which for a finished VMIM is
 * at once: a held final migration is the earlier one.
 */
function isNewerIncarnation(incoming: Incarnation, held: Incarnation & { final: boolean }): boolean {
  if (incoming.createdAt !== held.createdAt) return incoming.createdAt > held.createdAt;
  return held.final;
}
