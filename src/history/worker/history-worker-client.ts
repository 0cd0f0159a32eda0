// The history as the extension host (and the CLI's `watch`) uses it: a HistoryStore running in a
// worker thread (history-worker.ts), reached through messages. This side does only I/O-free
// bookkeeping: it checks each record as HistoryStore would (so a bad one is refused at once),
// batches records into one message per turn of the event loop, keeps every record until the
// worker says it is on disk, and keeps what the watcher must know synchronously (which ids the
// history may hold, the active migrations, records looked up for it). Should the worker die, a
// new one opens the same files — the journal has everything acknowledged — and is sent again
// every record not yet acknowledged; calls in flight are asked again. Nothing is lost, and the
// log says so.

import { Worker } from 'node:worker_threads';
import { Emitter, type Event } from '../../base/event';
import { TurnBatch } from '../../base/turn-batch';
import { silentLogger, type Logger } from '../../base/logger';
import type { Migration, PhaseTransition } from '../../model/migration';
import type { ChartQuery, HistoryCharts, ClusterSummary, EntryPage, EntryPageQuery, HistoryEntry, KeysetPage, KeysetQuery, ListQuery, PageQuery, VmQuery } from '../database/history-database';
import type { Awaitable, HistoryAccess, HistoryStats } from '../history-access';
import type { HistoryChange } from '../history-changes';
import type { PlanRunQuery, PlanRunRecord } from '../plan-runs';
import type { HistoryDamage } from '../history-damage';
import { HistoryError } from '../history-error';
import type { ExportFormat, ExportQuery } from '../history-export';
import type { HistoryPaths } from '../journal/journal-files';
import { findRecordProblem } from '../record-validation';
import type { HistoryRole } from '../replication/store-role';
import type { HistoryStoreOptions, RetentionPolicy } from '../store-options';
import { RecordedLookups, type RecordedView } from './recorded-lookups';
import { historyWorkerScript } from './worker-script';
import { fromWorkerError, type FromWorker, type HistoryCall, type StoreState, type ToWorker, type WorkerCall, type WorkerRecord, type WorkerStoreOptions } from './worker-protocol';

export interface HistoryWorkerOptions extends HistoryStoreOptions {
  /** The worker's script; found beside this module (source or bundle) when omitted. */
  workerScript?: string;
  /** A worker that dies more often than this within a minute is not started again. Default 3. */
  maxRestartsPerMinute?: number;
}

interface PendingCall {
  call: HistoryCall;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class HistoryWorkerClient implements HistoryAccess {
  private worker!: Worker;
  private state: StoreState = { role: 'read-only' };
  private historyPaths!: HistoryPaths;
  private readonly changeEmitter = new Emitter<HistoryChange>();
  private readonly roleEmitter = new Emitter<HistoryRole>();
  readonly onDidChange: Event<HistoryChange> = this.changeEmitter.event;
  readonly onDidChangeRole: Event<HistoryRole> = this.roleEmitter.event;

  private nextSeq = 1;
  private journaledSeq = 0;
  /** Sent or to be sent, not yet on disk: sent again to a worker started in place of a dead one. */
  private unacknowledged: WorkerRecord[] = [];
  /** Records of this turn: a burst crosses to the worker as one batch. */
  private readonly outbox = new TurnBatch<WorkerRecord>(
    (records) => this.post({ type: 'records', records }),
    () => this.live,
  );
  private nextCallId = 1;
  private readonly calls = new Map<number, PendingCall>();
  /**
   * Calls of this turn, sent together at its end (or before any other message): the HTTP API's
   * concurrent requests and the panel's queries each cost the worker one message, not one each.
   */
  private readonly callbox = new TurnBatch<WorkerCall>(
    (calls) => this.worker.postMessage({ type: 'calls', calls } satisfies ToWorker),
    () => this.live,
  );

  private readonly lookups = new RecordedLookups(
    {
      lookup: (ids) => this.call({ method: 'lookup', args: [ids] }) as Promise<Array<HistoryEntry | null>>,
      activeIds: async () => (await this.active()).map((m) => m.id),
    },
    { warn: (m) => this.log.warn(m) },
  );

  private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;
  private readonly lockTokens: string[] = [];
  private restarts: number[] = [];
  private opened!: { resolve(): void; reject(err: Error): void };
  private closing: Promise<void> | undefined;
  private closedByUs = false;
  private broken: Error | undefined;
  /** The worker has opened the history: messages go to it as they come. Until then (a restart) they wait, and resend() posts them. */
  private live = false;
  /** What the worker thread last failed with (an uncaught error), for the messages about it. */
  private workerError: string | undefined;

  private constructor(private readonly options: HistoryWorkerOptions) {
    this.log = options.logger ?? silentLogger;
  }

  /** Starts the worker and opens the history in it; rejects as HistoryStore.open would. */
  static async open(options: HistoryWorkerOptions): Promise<HistoryWorkerClient> {
    const client = new HistoryWorkerClient(options);
    await client.start();
    await client.lookups.loadActive();
    return client;
  }

  get paths(): HistoryPaths {
    return this.historyPaths;
  }

  get role(): HistoryRole {
    return this.state.role;
  }

  get damage(): HistoryDamage | undefined {
    return this.state.damage;
  }

  /** True once close() was called, or the worker stopped for good: every query then rejects (the HTTP API answers 503). */
  get isClosed(): boolean { return this.closing !== undefined || this.broken !== undefined; }
  /** The worker thread (for tests that stop it as a crash would). */
  get workerThread(): Worker {
    return this.worker;
  }

  // ---- writes ----

  record(migration: Migration, transitions: readonly PhaseTransition[] = []): void {
    this.assertUsable();
    if (this.state.role === 'read-only') throw new HistoryError('read-only', 'This history was opened read-only.');
    const problem = findRecordProblem(migration, transitions);
    if (problem) throw new HistoryError('invalid-record', `Not recorded: ${problem}.`);
    const record: WorkerRecord = { seq: this.nextSeq++, migration, transitions: [...transitions] };
    this.unacknowledged.push(record);
    this.outbox.push(record);
    this.lookups.recorded(migration.id);
  }

  async flush(): Promise<void> {
    this.outbox.flush();
    await this.call({ method: 'flush', args: [] });
  }

  async snapshot(): Promise<void> {
    await this.call({ method: 'snapshot', args: [] });
  }

  setRetention(policy: RetentionPolicy): void {
    this.call({ method: 'setRetention', args: [{ ...policy }] }).catch((err: Error) => this.log.warn(`History: cannot apply the retention settings: ${err.message}`));
  }

  async applyRetention(): Promise<number> {
    return (await this.call({ method: 'applyRetention', args: [] })) as number;
  }

  // ---- queries ----

  all(query: ListQuery = {}): Promise<Migration[]> {
    return this.call({ method: 'all', args: [query] }) as Promise<Migration[]>;
  }

  page(query: KeysetQuery = {}): Promise<KeysetPage> {
    return this.call({ method: 'page', args: [query] }) as Promise<KeysetPage>;
  }

  entryPage(query: EntryPageQuery = {}): Promise<EntryPage> {
    return this.call({ method: 'entryPage', args: [query] }) as Promise<EntryPage>;
  }

  count(query: Omit<ListQuery, 'limit' | 'offset'> = {}): Promise<number> {
    return this.call({ method: 'count', args: [query] }) as Promise<number>;
  }

  active(): Promise<Migration[]> {
    return this.call({ method: 'active', args: [] }) as Promise<Migration[]>;
  }

  async byId(id: string): Promise<HistoryEntry | undefined> {
    return ((await this.call({ method: 'byId', args: [id] })) as HistoryEntry | null) ?? undefined;
  }

  byDatacenter(datacenter: string, query: PageQuery = {}): Promise<Migration[]> {
    return this.call({ method: 'byDatacenter', args: [datacenter, query] }) as Promise<Migration[]>;
  }

  byVm(vm: string, query: VmQuery = {}): Promise<Migration[]> {
    return this.call({ method: 'byVm', args: [vm, query] }) as Promise<Migration[]>;
  }

  transitions(id: string): Promise<PhaseTransition[]> {
    return this.call({ method: 'transitions', args: [id] }) as Promise<PhaseTransition[]>;
  }

  /** In order after the records sent before it; answered once on disk (the worker flushes). Re-asked of a replacement worker: idempotent. */
  async recordPlanRun(run: PlanRunRecord): Promise<void> {
    await this.call({ method: 'recordPlanRun', args: [structuredClone(run)] });
  }

  async planRun(planId: string): Promise<PlanRunRecord | undefined> {
    return ((await this.call({ method: 'planRun', args: [planId] })) as PlanRunRecord | null) ?? undefined;
  }

  planRuns(query: PlanRunQuery = {}): Promise<PlanRunRecord[]> {
    return this.call({ method: 'planRuns', args: [query] }) as Promise<PlanRunRecord[]>;
  }

  summaryByCluster(): Promise<ClusterSummary[]> { return this.call({ method: 'summaryByCluster', args: [] }) as Promise<ClusterSummary[]>; }
  charts(query: ChartQuery = {}): Promise<HistoryCharts> { return this.call({ method: 'charts', args: [query] }) as Promise<HistoryCharts>; }

  async exportToFile(file: string, format: ExportFormat, query: ExportQuery = {}): Promise<number> {
    return (await this.call({ method: 'exportToFile', args: [file, format, query] })) as number;
  }

  stats(): Awaitable<HistoryStats> {
    return this.call({ method: 'stats', args: [] }) as Promise<HistoryStats>;
  }

  // ---- what the watcher asks synchronously ----

  /**
   * The watcher's view of what is recorded. A migration id the filter says the history does not
   * hold is answered at once (nothing recorded); one it may hold is `ready` only once `load`
   * fetched it, and the watcher holds that source's events back until then.
   */
  get recorded(): RecordedView {
    return this.lookups.view;
  }

  // ---- lifecycle ----

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.lookups.stop();
      if (this.broken) return;
      this.outbox.flush();
      const closed = new Promise<void>((resolve) => {
        const onMessage = (m: FromWorker) => m.type === 'closed' && resolve();
        this.worker.on('message', onMessage);
        this.worker.once('exit', () => resolve());
      });
      this.closedByUs = true;
      this.post({ type: 'close' });
      await closed;
      await this.worker.terminate();
      this.changeEmitter.dispose();
      this.roleEmitter.dispose();
    })();
    return this.closing;
  }

  dispose(): void {
    this.close().catch((err: Error) => this.log.error(`History: closing failed: ${err.message}`));
  }

  // ---- the worker ----

  private start(): Promise<void> {
    this.live = false;
    const opened = new Promise<void>((resolve, reject) => (this.opened = { resolve, reject }));
    const script = this.options.workerScript ?? historyWorkerScript();
    // From source (tests, benches), the worker needs a TypeScript loader of its own: tsx's CommonJS
    // hook (an inherited `--import tsx` does not reach a worker's first module).
    const execArgv = script.endsWith('.ts') ? ['--require', 'tsx/cjs'] : undefined;
    const worker = new Worker(script, { name: 'blixard-history', ...(execArgv ? { execArgv } : {}) });
    this.worker = worker;
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (err) => {
      this.workerError = err.message;
      this.log.error(`History: its worker thread failed: ${err.message}`);
    });
    worker.on('exit', (code) => this.exited(worker, code));
    const { logger: _logger, workerScript: _script, maxRestartsPerMinute: _restarts, ...storeOptions } = this.options;
    this.post({ type: 'open', options: storeOptions satisfies WorkerStoreOptions, reclaimLockTokens: [...this.lockTokens] });
    return opened;
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'opened':
        this.live = true;
        this.historyPaths = m.paths;
        this.lookups.awaitFilter();
        this.setState(m.state);
        this.resend();
        this.opened.resolve();
        break;
      case 'open-failed':
        this.closedByUs = true;
        void this.worker.terminate();
        this.opened.reject(fromWorkerError(m.error));
        break;
      case 'state':
        this.setState(m.state);
        break;
      case 'answers':
        for (const a of m.answers) {
          const pending = this.calls.get(a.id);
          if (!pending) continue;
          this.calls.delete(a.id);
          if (a.type === 'result') pending.resolve(a.value);
          else pending.reject(fromWorkerError(a.error));
        }
        break;
      case 'journaled':
        this.acknowledge(m.seq);
        break;
      case 'record-failed':
        // Checked here before it was sent, so the store refused it for a reason of its own (closed, read-only after a role change).
        this.log.warn(`History: a record of ${this.unacknowledged.find((r) => r.seq === m.seq)?.migration.id ?? 'a migration'} was not kept: ${m.error.message}`);
        break;
      case 'change':
        this.lookups.changed(m.change);
        this.changeEmitter.fire(m.change);
        break;
      case 'recorded-ids':
        this.lookups.useFilter(m.filter);
        break;
      case 'log':
        this.log[m.level](m.message);
        break;
      case 'closed':
        break;
    }
  }

  private setState(state: StoreState): void {
    const roleChanged = state.role !== this.state.role;
    this.state = state;
    if (state.lockToken && !this.lockTokens.includes(state.lockToken)) this.lockTokens.push(state.lockToken);
    if (roleChanged) this.roleEmitter.fire(state.role);
  }

  private acknowledge(seq: number): void {
    if (seq <= this.journaledSeq) return;
    this.journaledSeq = seq;
    let i = 0;
    while (i < this.unacknowledged.length && this.unacknowledged[i].seq <= seq) i++;
    if (i > 0) this.unacknowledged = this.unacknowledged.slice(i);
  }

  /** After a (re)start opened: everything not yet on disk, then every call not yet answered, in their order. */
  private resend(): void {
    this.outbox.clear();
    if (this.unacknowledged.length > 0) this.post({ type: 'records', records: this.unacknowledged });
    this.callbox.clear();
    if (this.calls.size > 0) this.post({ type: 'calls', calls: [...this.calls].map(([id, pending]) => ({ id, ...pending.call }) as WorkerCall) });
  }

  private call(call: HistoryCall): Promise<unknown> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closing) return Promise.reject(new HistoryError('closed', 'The migration history is closed.'));
    const id = this.nextCallId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { call, resolve, reject });
      if (!this.live) return; // a restart is under way: resend() asks it
      // Records recorded before the call are in the worker before it: it answers after them.
      this.outbox.flush();
      this.callbox.push({ id, ...call } as WorkerCall);
    });
  }

  /** Any message but a call sends the calls waiting for the end of the turn first, so the worker sees everything in the order it was asked. */
  private post(message: ToWorker): void {
    this.callbox.flush();
    this.worker.postMessage(message);
  }

  /** The worker ended. Expected after close(); otherwise it died: start another in its place. */
  private exited(worker: Worker, code: number): void {
    if (worker !== this.worker || this.closedByUs) return;
    if (!this.live) {
      // It died before it opened the history: that is an answer to open(), not a crash to recover from.
      this.closedByUs = true;
      this.opened.reject(new HistoryError('io', `The migration history's worker thread stopped before it opened the history (${this.workerError ?? `exit code ${code}`}).`));
      return;
    }
    this.live = false;
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    const limit = this.options.maxRestartsPerMinute ?? 3;
    const waiting = this.unacknowledged.length;
    if (this.restarts.length >= limit) {
      this.broken = new HistoryError('io', `The migration history's worker thread stopped ${limit + 1} times within a minute (exit code ${code}); the history is unavailable in this window until it is reloaded.`);
      this.log.error(`History: ${this.broken.message} ${waiting} record(s) not yet written are lost from this window; the journal keeps everything written before.`);
      for (const pending of this.calls.values()) pending.reject(this.broken);
      this.calls.clear();
      return;
    }
    this.restarts.push(now);
    this.log.error(
      `History: its worker thread stopped unexpectedly (exit code ${code}); starting it again. Everything journaled is kept; ${waiting} record(s) not yet on disk will be recorded again, and ${this.calls.size} pending request(s) asked again.`,
    );
    this.start().then(
      () => this.log.info(`History: the worker thread is back (${this.state.role}); nothing was lost.`),
      (err: Error) => {
        this.broken = new HistoryError('io', `The migration history could not be opened again after its worker thread stopped: ${err.message}`);
        this.log.error(`History: ${this.broken.message}`);
        for (const pending of this.calls.values()) pending.reject(this.broken);
        this.calls.clear();
      },
    );
  }

  private assertUsable(): void {
    if (this.broken) throw this.broken;
    if (this.closing) throw new HistoryError('closed', 'The migration history is closed.');
  }
}
