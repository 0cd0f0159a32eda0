// The messages between the history's worker thread and the client in the extension host (or
// the CLI). Everything here is structured-cloneable: plain data, no functions, no classes — an
// error crosses as its name, code and message and is rebuilt on the other side.

import type { Migration, PhaseTransition } from '../../model/migration';
import type { HistoryChange } from '../history-changes';
import type { HistoryDamage } from '../history-damage';
import type { HistoryErrorCode } from '../history-error';
import { HistoryError } from '../history-error';
import type { HistoryPaths } from '../journal/journal-files';
import type { HistoryRole } from '../replication/store-role';
import type { HistoryStoreOptions } from '../store-options';

/** HistoryStoreOptions without its logger (the worker logs through messages). */
export type WorkerStoreOptions = Omit<HistoryStoreOptions, 'logger'>;

/** The queries and commands the client forwards, by name, with their arguments. */
export type HistoryCall =
  | { method: 'all'; args: [query?: object] }
  | { method: 'page'; args: [query?: object] }
  | { method: 'entryPage'; args: [query?: object] }
  | { method: 'count'; args: [query?: object] }
  | { method: 'active'; args: [] }
  | { method: 'byId'; args: [id: string] }
  | { method: 'byDatacenter'; args: [datacenter: string, query?: object] }
  | { method: 'byVm'; args: [vm: string, query?: object] }
  | { method: 'transitions'; args: [id: string] }
  | { method: 'recordPlanRun'; args: [run: object] }
  | { method: 'planRun'; args: [planId: string] }
  | { method: 'planRuns'; args: [query?: object] }
  | { method: 'summaryByCluster'; args: [] }
  | { method: 'charts'; args: [query?: object] }
  | { method: 'exportToFile'; args: [file: string, format: 'csv' | 'json', query?: object] }
  | { method: 'stats'; args: [] }
  | { method: 'flush'; args: [] }
  | { method: 'snapshot'; args: [] }
  | { method: 'applyRetention'; args: [] }
  | { method: 'setRetention'; args: [policy: object] }
  /** What the history holds of each id (null: nothing), for the watcher's first sight of them. */
  | { method: 'lookup'; args: [ids: string[]] };

/** One record as the client sends it: `seq` numbers every record of this client, for acknowledgement. */
export interface WorkerRecord {
  seq: number;
  migration: Migration;
  transitions: PhaseTransition[];
}

export type ToWorker =
  | { type: 'open'; options: WorkerStoreOptions; reclaimLockTokens: string[] }
  | { type: 'records'; records: WorkerRecord[] }
  /** The calls of one turn of the client's event loop, in their order: one message, not one each (see the client's post()). */
  | { type: 'calls'; calls: WorkerCall[] }
  | { type: 'close' };

export type WorkerCall = { id: number } & HistoryCall;

export interface WorkerError {
  name: string;
  message: string;
  code?: HistoryErrorCode;
}

/** What the worker's store is, sent on open and whenever it changes. */
export interface StoreState {
  role: HistoryRole;
  damage?: HistoryDamage;
  /** The writer lock's token while this worker holds it (so a new worker may take it over if this one dies). */
  lockToken?: string;
}

export type FromWorker =
  /** The filter of recorded ids follows as 'recorded-ids' (built after, so the first answers need not wait for it). */
  | { type: 'opened'; paths: HistoryPaths; state: StoreState }
  | { type: 'open-failed'; error: WorkerError }
  | { type: 'state'; state: StoreState }
  /** The answers ready in one turn of the worker's event loop, in the order they were ready. */
  | { type: 'answers'; answers: WorkerAnswer[] }
  /** Every record up to and including `seq` is on disk (journal or inbox). */
  | { type: 'journaled'; seq: number }
  /** A record the store refused (the client validated it, so this is the disk or a closed store). */
  | { type: 'record-failed'; seq: number; error: WorkerError }
  | { type: 'change'; change: HistoryChange }
  /** A new filter of what the history holds, after it reloaded. */
  | { type: 'recorded-ids'; filter: RecordedIdsFilter }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'closed' };

export type WorkerAnswer = { type: 'result'; id: number; value: unknown } | { type: 'failed'; id: number; error: WorkerError };

/** A Bloom filter of every migration id the history held at open (see recorded-ids-filter.ts). */
export interface RecordedIdsFilter {
  bits: Uint8Array;
  hashes: number;
  /** How many ids were added to it. */
  ids: number;
}

export function toWorkerError(err: unknown): WorkerError {
  if (err instanceof HistoryError) return { name: err.name, message: err.message, code: err.code };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

export function fromWorkerError(error: WorkerError): Error {
  if (error.code) return new HistoryError(error.code, error.message);
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
