// Opens the history database for the CLI's two commands. (Wired to HistoryStore once it lands.)

import type { WatchLog } from '../watch/watch-log';
import type { QueryHistory } from './history-command';
import type { WatchHistory } from './watch-command';

export async function openWatchHistory(_dbPath: string, _log: WatchLog): Promise<WatchHistory> {
  throw new Error('the history store is not available in this build yet');
}

export async function openQueryHistory(_dbPath: string): Promise<QueryHistory> {
  throw new Error('the history store is not available in this build yet');
}
