// The history's worker thread: one HistoryStore — sql.js, the journal, snapshots, the writer
// lock, retention — opened and driven by messages from its client (history-worker-client.ts), so
// that none of its work runs on the thread of the extension host. It answers calls in the order
// they come, after the records sent before them, and says which records are on disk.

import { parentPort } from 'node:worker_threads';
import { TurnBatch } from '../../base/turn-batch';
import { HistoryStore } from '../history-store';
import type { ExportFormat } from '../history-export';
import type { PlanRunRecord } from '../plan-runs';
import { RecordedIds } from './recorded-ids-filter';
import { toWorkerError, type FromWorker, type HistoryCall, type StoreState, type ToWorker, type WorkerAnswer, type WorkerCall, type WorkerRecord } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('history-worker.ts runs as a worker thread (new Worker), not on its own');

let store: HistoryStore | undefined;
let opening: Promise<void> | undefined;
/** The highest record seq applied, and whether a flush that will acknowledge it is under way. */
let appliedSeq = 0;
let flushing = false;
let closing = false;

// Answers wait for the end of the turn and cross as one message: under load (the HTTP API's
// concurrent requests) a turn answers many calls, and each message costs both threads a wakeup
// and a structured clone of its own. Any other message sends the waiting answers first, so the
// client sees everything in the order the worker did it.
const answers = new TurnBatch<WorkerAnswer>((ready) => port!.postMessage({ type: 'answers', answers: ready } satisfies FromWorker));

function post(message: FromWorker, transfer?: ArrayBuffer[]): void {
  answers.flush();
  port!.postMessage(message, transfer);
}

function stateOf(s: HistoryStore): StoreState {
  const state: StoreState = { role: s.role };
  if (s.damage) state.damage = s.damage;
  const token = s.lockToken;
  if (token) state.lockToken = token;
  return state;
}

/**
 * Sends the client a filter of every migration id held, built a slice of rows at a time with a
 * turn of the event loop between slices, so the calls and records that come meanwhile are not
 * kept waiting: at a million migrations the whole table takes ~0.8 s, and the first answer after
 * open must not wait for it. Rows added meanwhile have later seqs and are in a later slice.
 */
async function sendRecordedIds(s: HistoryStore): Promise<void> {
  const ids = RecordedIds.sizedFor(s.stats().migrations as number);
  for (let after = 0; ; ) {
    const slice = s.migrationIdsAfter(after, ID_SLICE);
    for (const id of slice.ids) ids.add(id);
    if (slice.ids.length < ID_SLICE || closing) break;
    after = slice.lastSeq;
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Handed over, not copied (2.5 MB at a million migrations): the worker keeps no use for it.
  const filter = ids.filter;
  if (!closing) post({ type: 'recorded-ids', filter }, [filter.bits.buffer as ArrayBuffer]);
}

const ID_SLICE = 50_000;

function sendRecordedIdsSoon(s: HistoryStore): void {
  sendRecordedIds(s).catch((err: unknown) => post({ type: 'log', level: 'warn', message: `History: cannot list the recorded migrations (${toWorkerError(err).message}); the watcher looks each one up instead.` }));
}

async function open(message: Extract<ToWorker, { type: 'open' }>): Promise<void> {
  try {
    const s = await HistoryStore.open({
      ...message.options,
      reclaimLockTokens: message.reclaimLockTokens,
      logger: {
        info: (m) => post({ type: 'log', level: 'info', message: m }),
        warn: (m) => post({ type: 'log', level: 'warn', message: m }),
        error: (m) => post({ type: 'log', level: 'error', message: m }),
      },
    });
    store = s;
    s.onDidChange((change) => {
      post({ type: 'change', change });
      // A reload (took over, caught up after a snapshot) brings ids the client's filter lacks.
      if (change.kind === 'reloaded') sendRecordedIdsSoon(s);
    });
    s.onDidChangeRole(() => post({ type: 'state', state: stateOf(s) }));
    post({ type: 'opened', paths: s.paths, state: stateOf(s) });
    sendRecordedIdsSoon(s);
  } catch (err) {
    post({ type: 'open-failed', error: toWorkerError(err) });
  }
}

/**
 * Records wait here a few milliseconds — the group commit's window, well inside the journal's
 * own commit interval — or until enough have come, then go to sql.js as one batch:
 * HistoryStore.recordMany folds a migration's records in it into one row upsert, and a burst of
 * records (a watcher catching up, a storm of migrations) costs a fraction of its records one by
 * one. Calls and close() apply the queue first, so they answer after the records sent before them.
 */
const GATHER_MS = 5;
const GATHER_RECORDS = 5000;
let queued: WorkerRecord[] = [];
let gatherTimer: NodeJS.Timeout | undefined;

function queueRecords(records: WorkerRecord[]): void {
  for (const r of records) queued.push(r);
  if (queued.length >= GATHER_RECORDS) applyQueued();
  else gatherTimer ??= setTimeout(applyQueued, GATHER_MS);
}

function applyQueued(): void {
  if (gatherTimer) clearTimeout(gatherTimer);
  gatherTimer = undefined;
  const s = store;
  if (!s || queued.length === 0) return;
  const records = queued;
  queued = [];
  try {
    for (const { index, error } of s.recordMany(records)) post({ type: 'record-failed', seq: records[index].seq, error: toWorkerError(error) });
  } catch (err) {
    for (const r of records) post({ type: 'record-failed', seq: r.seq, error: toWorkerError(err) });
  }
  appliedSeq = Math.max(appliedSeq, records[records.length - 1].seq);
  acknowledge();
}

/**
 * Tells the client how far the records are on disk: one flush at a time, each covering every
 * record applied before it started — the journal's group commit sets the pace, not a flush per
 * message.
 */
function acknowledge(): void {
  const s = store;
  if (!s || flushing || closing) return;
  const upTo = appliedSeq;
  flushing = true;
  s.flush().then(
    () => {
      flushing = false;
      post({ type: 'journaled', seq: upTo });
      if (appliedSeq > upTo) acknowledge();
    },
    (err: unknown) => {
      // Kept by the client until acknowledged; the next batch (or the client's flush) tries again.
      flushing = false;
      post({ type: 'log', level: 'warn', message: `History: writing records failed (${toWorkerError(err).message}); they are kept and written again.` });
    },
  );
}

async function answer(s: HistoryStore, call: HistoryCall): Promise<unknown> {
  switch (call.method) {
    case 'all':
      return s.all(call.args[0]);
    case 'page':
      return s.page(call.args[0]);
    case 'entryPage':
      return s.entryPage(call.args[0]);
    case 'count':
      return s.count(call.args[0]);
    case 'active':
      return s.active();
    case 'byId':
      return s.byId(call.args[0]) ?? null;
    case 'byDatacenter':
      return s.byDatacenter(call.args[0], call.args[1]);
    case 'byVm':
      return s.byVm(call.args[0], call.args[1]);
    case 'transitions':
      return s.transitions(call.args[0]);
    case 'recordPlanRun':
      return s.recordPlanRun(call.args[0] as PlanRunRecord);
    case 'planRun':
      return s.planRun(call.args[0]) ?? null;
    case 'planRuns':
      return s.planRuns(call.args[0]);
    case 'summaryByCluster':
      return s.summaryByCluster();
    case 'charts':
      return s.charts(call.args[0]);
    case 'exportToFile':
      return s.exportToFile(call.args[0], call.args[1] as ExportFormat, call.args[2]);
    case 'stats':
      return s.stats();
    case 'flush':
      await s.flush();
      return appliedSeq;
    case 'snapshot':
      return s.snapshot();
    case 'applyRetention':
      return s.applyRetention();
    case 'setRetention':
      return s.setRetention(call.args[0]);
    case 'lookup':
      return call.args[0].map((id) => s.byId(id) ?? null);
    default:
      throw new Error(`unknown history call ${(call as { method: string }).method}`);
  }
}

async function call(message: WorkerCall): Promise<void> {
  if (opening) await opening;
  applyQueued();
  const s = store;
  try {
    if (!s) throw new Error('the history did not open');
    const value = await answer(s, message);
    if (message.method === 'flush') post({ type: 'journaled', seq: value as number });
    answers.push({ type: 'result', id: message.id, value: message.method === 'flush' ? undefined : value });
  } catch (err) {
    answers.push({ type: 'failed', id: message.id, error: toWorkerError(err) });
  }
}

async function close(): Promise<void> {
  closing = true;
  if (opening) await opening.catch(() => undefined);
  // What came before close is recorded; close() makes it durable (no acknowledgement runs now).
  applyQueued();
  try {
    await store?.close();
  } catch (err) {
    post({ type: 'log', level: 'error', message: `History: closing failed: ${toWorkerError(err).message}` });
  }
  post({ type: 'closed' });
  port!.close();
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'open':
      opening = open(message);
      break;
    case 'records':
      // Records wait for the store like calls do, in the order they came.
      if (store) queueRecords(message.records);
      else void (opening ?? Promise.resolve()).then(() => queueRecords(message.records));
      break;
    case 'calls':
      for (const c of message.calls) void call(c);
      break;
    case 'close':
      void close();
      break;
  }
});
