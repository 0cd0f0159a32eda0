// Background migration watching without `vscode`, the one wiring of it for the extension and the
// CLI: the durable history opened (as the writer, or as a follower when another window or watch
// writes it), the MigrationWatcher seeded from it, the recorder that writes every transition into
// it, and one shutdown order and deadline. The extension's window watch adds the output channel,
// status bar and views; `blixard-migrations watch` adds stdout; tests drive it directly.

import { describeError } from '../model/errors';
import type { ClusterSource } from '../sources/cluster-source';
import type { HistoryAccess, HistoryStoreOptions, RetentionPolicy } from '../history';
import type { RecordedMigrations } from './recorded-migrations';
import { HistoryRecorder } from './history-recorder';
import { recordedMigrationsOf } from './history-recorded-migrations';
import { MigrationWatcher } from './migration-watcher';
import type { Logger } from '../base/logger';
import { withDeadline } from '../base/deadline';
import { DisposableStore, type IDisposable } from '../base/lifecycle';

export interface WatchSessionOptions {
  /** The history database file; undefined runs without a history (nothing is recorded). */
  historyPath?: string;
  retention?: RetentionPolicy;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Passed on to HistoryStore.open (tests shorten its polling and lock timings). */
  historyOptions?: Omit<HistoryStoreOptions, 'path' | 'logger' | 'retention'>;
  /** How long opening the history may take. Default 30 s. */
  historyOpenTimeoutMs?: number;
  /**
   * Without it (a window), a history that cannot be opened is reported and the watcher runs
   * anyway: live views beat no views. With it (the CLI, whose --db is the point), start rejects.
   */
  historyRequired?: boolean;
  /**
   * Run the history in a worker thread (the extension and the CLI's watch do): sql.js's work, a
   * snapshot's export() of the whole file above all, then never blocks this thread. Without it
   * the history runs here (tests of the watcher's logic).
   */
  historyInWorker?: boolean;
}

interface OpenedHistory {
  history: HistoryAccess;
  recorded: RecordedMigrations;
}

/**
 * How long shutdown may take to write what is pending and close the history. Within VS Code's
 * budget for deactivate (about 5 s), and well past what a healthy history needs; the journal
 * keeps what was recorded either way.
 */
export const SHUTDOWN_TIMEOUT_MS = 4000;
const HISTORY_OPEN_TIMEOUT_MS = 30_000;

export class WatchSession {
  private closed?: Promise<boolean>;
  private readonly adopted = new DisposableStore();

  private constructor(
    readonly watcher: MigrationWatcher,
    readonly history: HistoryAccess | undefined,
    readonly recorder: HistoryRecorder | undefined,
    /** Why there is no history, when opening it failed. */
    readonly historyError: string | undefined,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
  ) {}

  /**
   * Opens the history, then builds the watcher on it (so the first observation of a migration
   * already knows what an earlier run or another window recorded). A history that cannot be
   * opened rejects when it is required, else is reported and the watcher runs without it.
   */
  static async start(options: WatchSessionOptions): Promise<WatchSession> {
    const { log } = options;
    let opened: OpenedHistory | undefined;
    let historyError: string | undefined;
    if (options.historyPath) {
      const opening = openHistory(options);
      try {
        opened = await withDeadline(opening, options.historyOpenTimeoutMs ?? HISTORY_OPEN_TIMEOUT_MS, 'the history did not open in time');
      } catch (err) {
        // One that opens after all must not keep the writer lock from the other windows.
        opening.then((late) => late.history.close(), () => undefined);
        if (options.historyRequired) throw err;
        historyError = describeError(err);
        log.error(`Migration history unavailable (${historyError}); migrations are shown but not recorded in this window.`);
      }
    }
    const history = opened?.history;
    const watcher = new MigrationWatcher({ log, ...(opened ? { recorded: opened.recorded } : {}) });
    const recorder = history ? new HistoryRecorder(watcher, history, { log }) : undefined;
    return new WatchSession(watcher, history, recorder, historyError, log);
  }

  /** Follows the configured clusters: attaches new sources, detaches removed ones. */
  setSources(sources: Iterable<ClusterSource>): void {
    if (this.closed) return;
    this.watcher.setSources(sources);
  }

  setRetention(policy: RetentionPolicy): void {
    if (this.closed || !this.history) return;
    try {
      this.history.setRetention(policy);
    } catch (err) {
      this.log.warn(`history: cannot apply the retention settings: ${describeError(err)}`);
    }
  }

  /**
   * Something the session closes when it shuts down, just after the watcher let go of it and
   * before the history is written: the CLI's sources. (A window's sources belong to its registry.)
   * Adopted once shutdown has begun, it is closed at once (the store is disposed by then).
   */
  adopt<T extends IDisposable>(disposable: T): T {
    return this.adopted.add(disposable);
  }

  /**
   * Stops the streams first so nothing new arrives, closes what was adopted, then writes what is
   * pending, snapshots the history and releases its lock (so another window or watch takes over
   * writing), all within SHUTDOWN_TIMEOUT_MS. Resolves true when everything recorded was written
   * and the history closed; false when a problem was logged (the journal keeps what was
   * recorded). Safe to call more than once.
   */
  shutdown(timeoutMs = SHUTDOWN_TIMEOUT_MS): Promise<boolean> {
    this.closed ??= (async () => {
      this.watcher.dispose();
      try {
        this.adopted.dispose();
      } catch (err) {
        // A source that fails to close must not keep the history from being written.
        this.log.warn(`closing a source on shutdown failed: ${describeError(err)}`);
      }
      let clean = true;
      const work = (async () => {
        try {
          await this.recorder?.flush();
        } catch (err) {
          clean = false;
          this.log.warn(`history: flush on shutdown failed (the journal keeps what was written): ${describeError(err)}`);
        }
        this.recorder?.dispose();
        await this.history?.close();
      })();
      try {
        await withDeadline(work, timeoutMs, `closing the history took longer than ${timeoutMs} ms; the journal keeps what was recorded`);
      } catch (err) {
        clean = false;
        this.log.warn(`history: ${describeError(err)}`);
      }
      return clean;
    })();
    return this.closed;
  }
}

async function openHistory(options: WatchSessionOptions): Promise<OpenedHistory> {
  const { log } = options;
  const storeOptions: HistoryStoreOptions = {
    ...options.historyOptions,
    path: options.historyPath!,
    logger: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
    ...(options.retention ? { retention: options.retention } : {}),
  };
  if (options.historyInWorker) {
    // The client is small and brings no sql.js: that loads in the worker.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { HistoryWorkerClient } = require('../history/worker/history-worker-client') as typeof import('../history/worker/history-worker-client');
    const client = await HistoryWorkerClient.open(storeOptions);
    return { history: client, recorded: client.recorded };
  }
  // Required here, not imported at the top: the history brings sql.js, and nothing of it belongs
  // in activation (`require`, as in create-sources, so the bundle evaluates it only now).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { HistoryStore } = require('../history') as typeof import('../history');
  const store = await HistoryStore.open(storeOptions);
  return { history: store, recorded: recordedMigrationsOf(store) };
}
