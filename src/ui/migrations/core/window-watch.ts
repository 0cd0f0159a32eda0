// A window's background migration watching, free of `vscode`: the WatchSession started once,
// just after activation (history in the extension's global storage, readable by the user alone),
// every configured cluster attached and followed as the registry changes, and shut down with a
// flush and a snapshot. What shows it (output channel, status bar, views) attaches on
// onDidStart; migrations-feature.ts wires that.

import { chmodSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Emitter, type Event } from '../../../base/event';
import { DisposableStore, type IDisposable } from '../../../base/lifecycle';
import type { HistoryAccess, RetentionPolicy } from '../../../history';
import { describeError } from '../../../model/errors';
import type { ClusterRegistry } from '../../../sources/cluster-registry';
import type { MigrationWatcher } from '../../../watch/migration-watcher';
import type { WatchSession, WatchSessionOptions } from '../../../watch/watch-session';
import type { Logger } from '../../../base/logger';

export interface WindowWatchDeps {
  registry: Pick<ClusterRegistry, 'onDidChange' | 'whenSettled' | 'sources'>;
  /** The history database file; undefined when global storage is not a local folder. */
  historyPath: string | undefined;
  /** Where the session reports (the "Blixard Migrations" channel). */
  sessionLog: WatchSessionOptions['log'];
  /** The extension's general log, for a watcher that cannot start and a history folder that cannot be made private. */
  log: Pick<Logger, 'warn' | 'error'>;
  /** The retention settings as they are now. */
  retention: () => RetentionPolicy;
}

export class WindowWatch implements IDisposable {
  private session?: WatchSession;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private sourcesQueued = false;
  private readonly disposables = new DisposableStore();
  private readonly startEmitter = new Emitter<WatchSession>();
  /** Fires once, when the session runs and before any cluster is attached: attach what shows it now. */
  readonly onDidStart: Event<WatchSession> = this.startEmitter.event;
  private readonly startedSignal: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly deps: WindowWatchDeps) {
    let resolveStarted!: () => void;
    this.startedSignal = { promise: new Promise<void>((r) => (resolveStarted = r)), resolve: () => resolveStarted() };
  }

  /**
   * Starts watching: opens the history, builds the watcher on it, lets the views attach, then
   * attaches every configured cluster and follows the registry from then on. Idempotent.
   */
  start(): Promise<void> {
    this.starting ??= this.run().catch((err) => {
      this.deps.log.error(`The migration watcher could not start: ${describeError(err)}`);
    });
    return this.starting;
  }

  whenStarted(): Promise<void> {
    return this.startedSignal.promise;
  }

  get started(): boolean {
    return !!this.session;
  }

  get watcher(): MigrationWatcher | undefined {
    return this.session?.watcher;
  }

  /** The open history, when it opened; see historyStore() to wait for it. */
  get history(): HistoryAccess | undefined {
    return this.session?.history;
  }

  /** The open history; rejects with the reason when this window has none. */
  async historyStore(): Promise<HistoryAccess> {
    await this.start();
    const history = this.session?.history;
    if (history) return history;
    throw new Error(this.session?.historyError ? `The migration history is unavailable: ${this.session.historyError}` : 'The migration history is unavailable.');
  }

  /** The retention settings changed (or the folder's now apply, once trusted). */
  applyRetention(): void {
    this.session?.setRetention(this.deps.retention());
  }

  /** Stops the watcher, writes what is pending and snapshots the history (deactivate). */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting;
      await this.session?.shutdown();
    })();
    return this.stopping;
  }

  dispose(): void {
    void this.shutdown();
    this.disposables.dispose();
    this.startEmitter.dispose();
  }

  private async run(): Promise<void> {
    const started = performance.now();
    // Required here, not imported at the top: the session brings the watcher, and its history sql.js.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WatchSession } = require('../../../watch/watch-session') as typeof import('../../../watch/watch-session');
    const { historyPath, sessionLog, registry } = this.deps;
    if (historyPath) preparePrivateDir(path.dirname(historyPath), this.deps.log);
    const session = await WatchSession.start({ historyPath, retention: this.deps.retention(), log: sessionLog, historyInWorker: true });
    if (this.stopping) {
      await session.shutdown();
      return;
    }
    this.session = session;
    this.startEmitter.fire(session);
    this.disposables.add({ dispose: () => void session.shutdown() });
    this.disposables.add(registry.onDidChange(() => this.queueSources()));

    await registry.whenSettled();
    this.attachSources();
    this.startedSignal.resolve();
    const { watcher, history } = session;
    const role = history ? `history ${history.role === 'writer' ? 'written by this window' : 'followed (another window writes it)'}` : 'no history';
    sessionLog.info(`Watching migrations in ${watcher.sourceIds().length} cluster(s); ${role}; started in ${Math.round(performance.now() - started)} ms.`);
  }

  private queueSources(): void {
    if (this.sourcesQueued) return;
    this.sourcesQueued = true;
    // A settings edit can add and remove several clusters in one go: follow it once.
    queueMicrotask(() => {
      this.sourcesQueued = false;
      this.attachSources();
    });
  }

  private attachSources(): void {
    const session = this.session;
    if (!session || this.stopping) return;
    try {
      session.setSources(this.deps.registry.sources());
    } catch (err) {
      this.deps.sessionLog.error(`Could not follow the configured clusters: ${describeError(err)}`);
    }
  }
}

/** The history folder (and the extension's storage folder above it) readable by the user alone. */
function preparePrivateDir(dir: string, log: Pick<Logger, 'warn'>): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') {
      chmodSync(path.dirname(dir), 0o700);
      chmodSync(dir, 0o700);
    }
  } catch (err) {
    log.warn(`Migration history folder ${dir}: ${describeError(err)}`);
  }
}
