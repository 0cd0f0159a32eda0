// Subscribes the history to the watcher: every transition, every end and every change of a
// migration's recorded fields is written, grouped per migration within one turn of the event
// loop (after its I/O, so no output line waits on it), in order,
// with the history's durable flush batched behind it. It never drops a write on an error: it
// keeps it and tries again.

import { describeError } from '../model/errors';
import { Emitter, type Event } from '../base/event';
import { Disposable } from '../base/lifecycle';
import type { Migration, PhaseTransition } from '../model/migration';
import type { MigrationWatcher } from './migration-watcher';
import { silentLogger, type Logger } from '../base/logger';

/** What the recorder needs of the history (HistoryStore satisfies it). */
export interface MigrationHistoryWriter {
  /** Upserts the migration and adds its transitions (the history ignores a transition it holds). */
  record(migration: Migration, transitions: PhaseTransition[]): void | Promise<void>;
  /** Makes what was recorded durable (journal fsync). */
  flush?(): void | Promise<void>;
}

export interface HistoryRecorderOptions {
  log?: Pick<Logger, 'info' | 'warn'>;
  /** How long to gather records before one durable flush. Default 25 ms. */
  flushDelayMs?: number;
  /** First retry delay after a failed write; doubles up to 30 s. Default 500 ms. */
  retryDelayMs?: number;
}

export interface RecordedEvent {
  migrationId: string;
  transitions: readonly PhaseTransition[];
}

interface PendingRecord {
  migration: Migration;
  transitions: PhaseTransition[];
}

export class HistoryRecorder extends Disposable {
  private readonly recordedEmitter = new Emitter<RecordedEvent>();
  private readonly flushedEmitter = new Emitter<void>();
  /** After the history accepted a record (in memory, journaled but maybe not yet fsynced). */
  readonly onDidRecord: Event<RecordedEvent> = this.recordedEmitter.event;
  /** After a durable flush of everything recorded before it. */
  readonly onDidFlush: Event<void> = this.flushedEmitter.event;

  private pending = new Map<string, PendingRecord>();
  private drainScheduled = false;
  private chain: Promise<void> = Promise.resolve();
  /** The background durable flush under way, and whether records came while it ran. */
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private failing = false;
  private readonly log: Pick<Logger, 'info' | 'warn'>;
  private readonly flushDelayMs: number;

  constructor(
    watcher: MigrationWatcher,
    private readonly writer: MigrationHistoryWriter,
    private readonly options: HistoryRecorderOptions = {},
  ) {
    super();
    this.log = options.log ?? silentLogger;
    this.flushDelayMs = options.flushDelayMs ?? 25;
    this.retryDelay = options.retryDelayMs ?? 500;
    this._register(watcher.onTransition((e) => this.enqueue(e.migration, [e.transition])));
    this._register(watcher.onDidEnd((e) => this.enqueue(e.migration, [])));
    this._register(
      watcher.onDidUpdate((e) => {
        // First sight without transitions is something the history already holds; progress
        // ticks are for views, not for the record.
        if (e.previous && recordedFieldsDiffer(e.previous, e.migration)) this.enqueue(e.migration, []);
      }),
    );
  }

  /** Writes everything pending and makes it durable. Call before exit. */
  async flush(): Promise<void> {
    this.drain();
    await this.chain;
    await this.durableFlush();
  }

  /** Records waiting to be written (for shutdown diagnostics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  override dispose(): void {
    super.dispose();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.recordedEmitter.dispose();
    this.flushedEmitter.dispose();
  }

  private enqueue(migration: Migration, transitions: PhaseTransition[]): void {
    const entry = this.pending.get(migration.id);
    if (entry) {
      entry.migration = migration;
      entry.transitions.push(...transitions);
    } else {
      this.pending.set(migration.id, { migration, transitions: [...transitions] });
    }
    if (!this.drainScheduled && !this.failing) {
      this.drainScheduled = true;
      // After the event loop's I/O phase, not in a microtask: the watch events already read
      // (another cluster's, this VMIM's VMI's) are shown before the history's synchronous SQL
      // work runs, and what one observation fires synchronously is still written as one record.
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    this.drainScheduled = false;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.chain = this.chain.then(() => this.write(batch));
  }

  private async write(batch: Map<string, PendingRecord>): Promise<void> {
    const entries = [...batch.values()];
    for (let i = 0; i < entries.length; i++) {
      const { migration, transitions } = entries[i];
      try {
        await this.writer.record(migration, transitions);
      } catch (err) {
        if (isPermanent(err)) {
          // Retrying a record the history refuses as invalid would block every later one.
          this.log.warn(`history: migration ${migration.id} not recorded: ${describeError(err)}`);
          continue;
        }
        this.requeue(entries.slice(i));
        if (!this.failing) this.log.warn(`history: cannot record migration ${migration.id}: ${describeError(err)}; will retry`);
        this.failing = true;
        this.scheduleRetry();
        return;
      }
      this.recordedEmitter.fire({ migrationId: migration.id, transitions });
    }
    if (this.failing) this.log.info('history: recording again');
    this.failing = false;
    this.retryDelay = this.options.retryDelayMs ?? 500;
    this.scheduleFlush();
  }

  /** Puts failed records back ahead of anything newer for the same migration. */
  private requeue(entries: PendingRecord[]): void {
    const newer = this.pending;
    this.pending = new Map();
    for (const e of entries) this.pending.set(e.migration.id, e);
    for (const [id, e] of newer) {
      const older = this.pending.get(id);
      if (older) {
        older.migration = e.migration;
        older.transitions.push(...e.transitions);
      } else {
        this.pending.set(id, e);
      }
    }
  }

  private scheduleRetry(): void {
    if (this.isDisposed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.drain();
    }, this.retryDelay);
    this.retryTimer.unref?.();
    this.retryDelay = Math.min(this.retryDelay * 2, 30_000);
  }

  /**
   * Durability runs beside the writes, not in their chain: a flush waits for the history's disk
   * (and, in a worker, for its backlog), and records drained meanwhile must not queue behind it —
   * they did, and a busy ingest then wrote them all at once when it resolved, blocking this
   * thread for half a second. One flush at a time; one more follows if records came meanwhile.
   */
  private scheduleFlush(): void {
    if (this.isDisposed || this.flushTimer || !this.writer.flush) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.flushing) {
        this.flushAgain = true;
        return;
      }
      this.flushing = this.durableFlush().finally(() => {
        this.flushing = undefined;
        if (this.flushAgain) {
          this.flushAgain = false;
          this.scheduleFlush();
        }
      });
    }, this.flushDelayMs);
  }

  private async durableFlush(): Promise<void> {
    if (!this.writer.flush) return;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    try {
      await this.writer.flush();
      this.flushedEmitter.fire();
    } catch (err) {
      this.log.warn(`history: cannot flush: ${describeError(err)}`);
    }
  }
}

/** Errors no retry can cure: the history refuses the record itself (HistoryError 'invalid-record'). */
function isPermanent(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'invalid-record';
}

/** Whether anything the history keeps changed (everything but live progress figures). */
function recordedFieldsDiffer(a: Migration, b: Migration): boolean {
  // Field by field, not by serialising both (this runs for every update, between watch events).
  return fieldsDiffer(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>, NOT_RECORDED) || fieldsDiffer(a.labels ?? {}, b.labels ?? {}, NONE);
}

/** progress is for views; labels are compared on their own. */
const NOT_RECORDED: ReadonlySet<string> = new Set(['progress', 'labels']);
const NONE: ReadonlySet<string> = new Set();

/** Whether a field differs; a field missing on one side and undefined on the other does not. */
function fieldsDiffer(a: Record<string, unknown>, b: Record<string, unknown>, skip: ReadonlySet<string>): boolean {
  for (const key of Object.keys(a)) if (!skip.has(key) && !sameValue(a[key], b[key])) return true;
  for (const key of Object.keys(b)) if (!skip.has(key) && a[key] === undefined && b[key] !== undefined) return true;
  return false;
}

function sameValue(x: unknown, y: unknown): boolean {
  return x === y || (typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y));
}
