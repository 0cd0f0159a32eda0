// Opens the history database for `history`: read-only, so a query never takes the lock from a
// running watcher. (`watch` opens it through the WatchSession, as a window does.)

import { lstatSync } from 'node:fs';
import type { QueryHistory } from './history-command';

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
    byPlan: (planId, limit) => store.all({ planId, limit }),
    transitions: (id) => store.transitions(id),
    get damage() {
      return store.damage;
    },
    close: () => store.close(),
  };
}
