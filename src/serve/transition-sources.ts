// Where the SSE feed's transitions come from. Watching (`serve`): the MigrationWatcher's own
// transition events — the ones its recorder writes to the history in the same turn, so a client
// that hears one and asks /:id finds it. Read-only (`serve --read-only`, another process writes
// the history): the history's changes, each changed migration's timeline compared with what was
// known of it — at start, the active migrations' timelines; for a migration first seen later,
// the phases it entered more than a minute before the server started count as known (it ended
// before, and only its record changed).

import type { IDisposable } from '../base/lifecycle';
import type { HistoryAccess } from '../history';
import type { PhaseTransition } from '../model/migration';
import type { MigrationTransitionEvent } from '../watch/watcher-events';
import type { Event } from '../base/event';
import { rfc3339, toApiMigration } from './migration-json';
import type { TransitionFeed } from './transition-feed';

const MAX_TRACKED = 100_000;
const FIRST_SIGHT_SLACK_MS = 60_000;

export function feedFromWatcher(transitions: Event<MigrationTransitionEvent>, feed: TransitionFeed): IDisposable {
  return transitions((e) =>
    feed.push({
      migration: toApiMigration(e.migration),
      transition: { phase: e.transition.phase, at: rfc3339(e.transition.at) ?? new Date(0).toISOString() },
      ...(e.previousPhase !== undefined ? { previousPhase: e.previousPhase } : {}),
    }),
  );
}

/** Follows the history's changes into `feed`; resolves once the baseline (the active migrations) is read. */
export async function feedFromHistory(history: Pick<HistoryAccess, 'onDidChange' | 'byId' | 'entryPage'>, feed: TransitionFeed, startedAt = Date.now()): Promise<IDisposable> {
  const known = new Map<string, Set<string>>();
  let after: { createdAt: number; seq: number } | undefined;
  do {
    const page = await history.entryPage({ state: 'active', limit: 1000, after });
    for (const e of page.entries) known.set(e.migration.id, new Set(e.transitions.map((t) => t.phase)));
    after = page.next;
  } while (after);

  let queue: Promise<void> = Promise.resolve();
  const emitNew = async (id: string) => {
    const entry = await history.byId(id);
    if (!entry) return;
    let seen = known.get(id);
    if (!seen) {
      seen = new Set(entry.transitions.filter((t) => t.at < startedAt - FIRST_SIGHT_SLACK_MS).map((t) => t.phase));
      if (known.size >= MAX_TRACKED) for (const key of [...known.keys()].slice(0, MAX_TRACKED / 2)) known.delete(key);
      known.set(id, seen);
    }
    let previous: PhaseTransition | undefined;
    const migration = toApiMigration(entry.migration);
    for (const t of entry.transitions) {
      if (!seen.has(t.phase)) {
        seen.add(t.phase);
        feed.push({ migration, transition: { phase: t.phase, at: rfc3339(t.at) ?? new Date(0).toISOString() }, ...(previous ? { previousPhase: previous.phase } : {}) });
      }
      previous = t;
    }
  };
  return history.onDidChange((change) => {
    if (change.kind === 'deleted') for (const id of change.migrationIds) known.delete(id);
    if (change.kind !== 'recorded') return;
    // One change after the other, each migration's transitions in time order: the feed's order.
    queue = queue.then(async () => {
      for (const id of change.migrationIds) await emitNew(id);
    }).catch(() => undefined);
  });
}
