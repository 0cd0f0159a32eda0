// Opens the history database for the CLI: `watch` as a writer (or, when a VS Code window or
// another watch already writes it, as a follower that forwards through the inbox), `history`
// read-only, so a query never takes the lock from a running watcher.

import { lstatSync } from 'node:fs';
import type { WatchLog } from '../watch/watch-log';
import { recordedMigrationsOf } from '../watch/history-recorded-migrations';
import type { QueryHistory } from './history-command';
import type { WatchHistory } from './watch-command';

export async function openWatchHistory(dbPath: string, log: WatchLog): Promise<WatchHistory> {
  const { HistoryStore } = await import('../history');
  const store = await HistoryStore.open({ path: dbPath, logger: { info: log.info, warn: log.warn, error: (m) => log.warn(m) } });
  if (store.role !== 'writer') log.info(`another process writes ${dbPath}; recording through it`);
  const recorded = recordedMigrationsOf(store);
  return {
    record: (migration, transitions) => store.record(migration, transitions),
    flush: () => store.flush(),
    transitionsOf: recorded.transitionsOf,
    recordOf: recorded.recordOf,
    activeOf: recorded.activeOf,
    close: () => store.close(),
  };
}

export async function openQueryHistory(dbPath: string, warn: (message: string) => void): Promise<QueryHistory> {
  // A watch that has not written its first snapshot yet has only a journal beside the file.
  // (lstat: a link or a device there is for the history to refuse, not "no such file".)
  if (![dbPath, `${dbPath}.journal`, `${dbPath}.prev`].some((p) => lstatSync(p, { throwIfNoEntry: false }))) throw new Error('no such file');
  const { HistoryStore } = await import('../history');
  // Warnings (a skipped damaged record, an entry that is not a journal file) go to stderr; the
  // damage of the database file itself is said by the command, from store.damage.
  const store = await HistoryStore.open({ path: dbPath, mode: 'read-only', follow: false, logger: { info: () => {}, warn, error: warn } });
  return {
    all: (limit) => store.all({ limit }),
    active: () => store.active(),
    byId: (id) => store.byId(id),
    byVm: (vm, limit) => store.byVm(vm, { limit }),
    byDatacenter: (datacenter, limit) => store.byDatacenter(datacenter, { limit }),
    transitions: (id) => store.transitions(id),
    get damage() {
      return store.damage;
    },
    close: () => store.close(),
  };
}
