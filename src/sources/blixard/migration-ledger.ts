// What this source last knew of each migration, so updates are applied in order (a late or
// repeated update never takes a migration backwards) and a reconnect knows what to reconcile.

import { FINAL_MIGRATION_STATUSES, wireNumber, type WireMigrationInfo } from './blixard-wire';

export type LedgerVerdict = 'new' | 'changed' | 'same' | 'stale';

export interface LedgerOptions {
  /** How long a final migration is remembered (to reject stale updates about it). */
  keepFinalMs: number;
  /** Upper bound on remembered final migrations. */
  maxFinal: number;
  now?: () => number;
}

interface Entry {
  info: WireMigrationInfo;
  finalSince?: number;
}

export function isFinalInfo(info: WireMigrationInfo): boolean {
  return FINAL_MIGRATION_STATUSES.has(info.status);
}

export class MigrationLedger {
  private readonly entries = new Map<string, Entry>();
  private newestUpdate = 0;

  constructor(private readonly options: LedgerOptions = { keepFinalMs: 15 * 60_000, maxFinal: 2_000 }) {}

  /** Records the update unless it is older than what is held; tells what it was. */
  accept(info: WireMigrationInfo): { verdict: LedgerVerdict; previous?: WireMigrationInfo } {
    const entry = this.entries.get(info.id);
    const previous = entry?.info;
    const verdict = previous ? compareUpdates(previous, info) : 'new';
    if (verdict === 'new' || verdict === 'changed') {
      const now = (this.options.now ?? Date.now)();
      this.entries.set(info.id, { info, finalSince: isFinalInfo(info) ? (entry?.finalSince ?? now) : undefined });
      this.newestUpdate = Math.max(this.newestUpdate, wireNumber(info.updatedAtUnixMs));
      this.prune(now);
    }
    return { verdict, previous };
  }

  get(id: string): WireMigrationInfo | undefined {
    return this.entries.get(id)?.info;
  }

  /** Migrations not known to be final. */
  active(): WireMigrationInfo[] {
    return [...this.entries.values()].filter((e) => !isFinalInfo(e.info)).map((e) => e.info);
  }

  /** The daemon-clock time of the newest update seen (0 before any). */
  get newestUpdateAt(): number {
    return this.newestUpdate;
  }

  private prune(now: number): void {
    const finals = [...this.entries.entries()].filter(([, e]) => e.finalSince !== undefined);
    const excess = finals.length - this.options.maxFinal;
    finals.sort((a, b) => (a[1].finalSince ?? 0) - (b[1].finalSince ?? 0));
    finals.forEach(([id, e], i) => {
      if (i < excess || now - (e.finalSince ?? now) > this.options.keepFinalMs) this.entries.delete(id);
    });
  }
}

/** Orders two updates of one migration: by store revision when both carry one, else by time. */
function compareUpdates(held: WireMigrationInfo, incoming: WireMigrationInfo): LedgerVerdict {
  const heldRev = wireNumber(held.revision);
  const incomingRev = wireNumber(incoming.revision);
  if (heldRev > 0 && incomingRev > 0) {
    if (incomingRev < heldRev) return 'stale';
    if (incomingRev === heldRev) return 'same';
    return 'changed';
  }
  // Without revisions: a final state is never undone, and older timestamps lose.
  if (isFinalInfo(held) && !isFinalInfo(incoming)) return 'stale';
  const heldAt = wireNumber(held.updatedAtUnixMs);
  const incomingAt = wireNumber(incoming.updatedAtUnixMs);
  if (incomingAt < heldAt) return 'stale';
  if (incomingAt === heldAt && sameContent(held, incoming)) return 'same';
  return 'changed';
}

function sameContent(a: WireMigrationInfo, b: WireMigrationInfo): boolean {
  return (
    a.status === b.status &&
    a.message === b.message &&
    a.endedAtUnixMs === b.endedAtUnixMs &&
    (a.phases?.length ?? 0) === (b.phases?.length ?? 0) &&
    JSON.stringify(a.progress) === JSON.stringify(b.progress)
  );
}
