// The background migration watcher in the window: built cheaply during activation (view, status
// bar and output channel exist but are empty), started just after activation returns — history
// opened in the extension's global storage (readable by the user alone), every configured
// cluster attached and followed as settings change — and shut down with a flush and a snapshot.

import { chmodSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryStore } from '../../history';
import { describeError } from '../../model/errors';
import { Emitter } from '../../base/event';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import type { MigrationTransitionEvent } from '../../watch/migration-watcher';
import { registerHistoryPanel, type HistoryPanelApi } from '../history-panel/history-panel-registration';
import type { MigrationWatcher } from '../../watch/migration-watcher';
import { sortTimeline } from '../../model/phase-order';
import { lifecycleOf } from '../../sources/cluster-kinds';
import type { ClusterTreeProvider } from '../clusters/cluster-tree-provider';
import type { ExtensionLog } from '../common/extension-log';
import { MigrationLog } from './migration-log';
import type { MigrationHistoryApi, MigrationsApi } from './migrations-api';
import { registerMigrationsCommands } from './migrations-commands';
import type { MigrationsElement } from './core/migrations-elements';
import { affectsRetention, readRetention, readStatusBarEnabled, STATUS_BAR_SETTING } from '../common/settings';
import { MigrationsTreeProvider } from './migrations-tree-provider';
import { MigrationsViewModel } from './core/migrations-view-model';
import { MigrationStatusBar } from './status-bar-indicator';
import type { TreeElement } from '../clusters/core/tree-elements';
import type { WatchSession } from '../../watch/watch-session';

export interface WatchServiceDeps {
  context: vscode.ExtensionContext;
  registry: ClusterRegistry;
  /** The extension's general log ("Blixard"), for what is not about one migration. */
  log: ExtensionLog;
  clusterTree: ClusterTreeProvider;
  clusterView: vscode.TreeView<TreeElement>;
}

export const MIGRATIONS_VIEW_ID = 'blixard.migrations';
const HISTORY_FILE = path.join('history', 'migrations.sqlite');

export class WatchService implements vscode.Disposable {
  readonly migrationLog: MigrationLog;
  readonly statusBar: MigrationStatusBar;
  readonly viewModel: MigrationsViewModel;
  readonly provider: MigrationsTreeProvider;
  readonly treeView: vscode.TreeView<MigrationsElement>;
  readonly historyPanel: HistoryPanelApi;
  readonly historyPath: string | undefined;

  private session?: WatchSession;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private readonly labels = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly transitionEmitter = new Emitter<MigrationTransitionEvent>();
  private readonly startedSignal: { promise: Promise<void>; resolve: () => void };
  private sourcesQueued = false;

  constructor(private readonly deps: WatchServiceDeps) {
    const clusterLabel = (id: string) => this.clusterLabel(id);
    this.migrationLog = new MigrationLog(clusterLabel);
    this.statusBar = new MigrationStatusBar({ clusterLabel });
    this.statusBar.setEnabled(readStatusBarEnabled());
    this.viewModel = new MigrationsViewModel();
    this.provider = new MigrationsTreeProvider(this.viewModel, clusterLabel);
    this.treeView = vscode.window.createTreeView(MIGRATIONS_VIEW_ID, { treeDataProvider: this.provider, showCollapseAll: true });
    this.historyPath = historyPathOf(deps.context);
    let resolveStarted!: () => void;
    this.startedSignal = { promise: new Promise<void>((r) => (resolveStarted = r)), resolve: () => resolveStarted() };

    this.historyPanel = registerHistoryPanel(deps.context, {
      history: () => this.historyStore(),
      clusterLabel,
      log: { info: (m) => deps.log.info(m), warn: (m) => deps.log.warn(m) },
    });

    this.disposables.push(
      this.migrationLog,
      this.statusBar,
      this.provider,
      this.treeView,
      { dispose: () => this.viewModel.dispose() },
      this.treeView.onDidChangeVisibility((e) => this.viewModel.setVisible(e.visible)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(STATUS_BAR_SETTING)) this.statusBar.setEnabled(readStatusBarEnabled());
        if (affectsRetention(e)) this.session?.setRetention(readRetention());
      }),
      // The folder's retention settings apply once it is trusted (restricted settings).
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.session?.setRetention(readRetention());
      }),
      ...registerMigrationsCommands({
        service: this,
        registry: deps.registry,
        clusterTree: deps.clusterTree,
        clusterView: deps.clusterView,
        log: deps.log,
      }),
    );
    this.viewModel.setVisible(this.treeView.visible);
  }

  /**
   * Starts watching: opens the history, builds the watcher on it, connects the views, attaches
   * every configured cluster and follows settings from then on. Idempotent.
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

  /** Stops the watcher, writes what is pending and snapshots the history (deactivate). */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting;
      await this.session?.shutdown();
    })();
    return this.stopping;
  }

  dispose(): void {
    const stopping = this.shutdown();
    for (const d of this.disposables.splice(0)) if (d !== this.migrationLog) d.dispose();
    this.transitionEmitter.dispose();
    // The log outlives the rest until the history is closed, so what shutdown reports is kept.
    void stopping.finally(() => this.migrationLog.dispose());
  }

  clusterLabel(clusterId: string): string | undefined {
    return this.deps.registry.get(clusterId)?.spec.label ?? this.labels.get(clusterId);
  }

  /** The open history; rejects with the reason when this window has none. */
  async historyStore(): Promise<HistoryStore> {
    await this.start();
    const history = this.session?.history;
    if (history) return history;
    throw new Error(this.session?.historyError ? `The migration history is unavailable: ${this.session.historyError}` : 'The migration history is unavailable.');
  }

  // ---- the API ------------------------------------------------------------------------------

  migrationsApi(): MigrationsApi {
    // The getters below are read later, by callers: they must see the state then, not now.
    const isStarted = () => this.started;
    const statusBar = this.statusBar;
    return {
      whenStarted: () => this.whenStarted(),
      get started() {
        return isStarted();
      },
      active: () => this.watcher?.active() ?? [],
      recent: (limit) => this.watcher?.recent(limit) ?? [],
      phasesOf: (id) => this.watcher?.phasesOf(id) ?? [],
      watchedClusters: () => this.watcher?.sourceIds() ?? [],
      streamStatus: (id) => this.watcher?.status(id),
      onDidTransition: this.transitionEmitter.event,
      outputLines: () => this.migrationLog.lines(),
      get statusBar() {
        return statusBar.state;
      },
      view: { provider: this.provider, treeView: this.treeView },
    };
  }

  historyApi(): MigrationHistoryApi {
    const historyRole = () => this.session?.history?.role;
    const withStore = async <T>(query: (store: HistoryStore) => T): Promise<T> => query(await this.historyStore());
    return {
      whenReady: async () => {
        await this.historyStore();
      },
      path: this.historyPath,
      get role() {
        return historyRole();
      },
      all: (query) => withStore((s) => s.all(query)),
      active: () => withStore((s) => s.active()),
      byId: (id) =>
        withStore((s) => {
          const entry = s.byId(id);
          return entry && { ...entry, transitions: sortTimeline(lifecycleOf(entry.migration.kind), entry.transitions) };
        }),
      byDatacenter: (dc, page) => withStore((s) => s.byDatacenter(dc, page)),
      byVm: (vm, query) => withStore((s) => s.byVm(vm, query)),
      transitions: (id) => withStore((s) => sortTimeline(lifecycleOf(s.byId(id)?.migration.kind), s.transitions(id))),
      summaryByCluster: () => withStore((s) => s.summaryByCluster()),
      exportTo: async (file, format, query) => {
        const store = await this.historyStore();
        const { exportHistory } = await import('../history-panel/history-panel-host');
        return exportHistory(store, vscode.Uri.file(path.resolve(file)), format, query);
      },
      panel: this.historyPanel,
    };
  }

  // ---- starting -----------------------------------------------------------------------------

  private async run(): Promise<void> {
    const started = performance.now();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { WatchSession } = require('../../watch/watch-session') as typeof import('../../watch/watch-session');
    if (this.historyPath) preparePrivateDir(path.dirname(this.historyPath), this.deps.log);
    const session = await WatchSession.start({
      historyPath: this.historyPath,
      retention: readRetention(),
      log: this.migrationLog,
    });
    if (this.stopping) {
      await session.shutdown();
      return;
    }
    this.session = session;
    const { watcher, history } = session;
    this.migrationLog.attach(watcher);
    this.statusBar.attach(watcher);
    this.viewModel.attach(watcher, history);
    this.disposables.push(this.deps.clusterTree.followMigrations(watcher));
    this.disposables.push({ dispose: () => void session.shutdown() });
    const forward = watcher.onTransition((e) => this.transitionEmitter.fire(e));
    // Stream outages and limitations are printed by the migration log with the transitions (one place, see followMigrationOutput).
    const following = this.deps.registry.onDidChange(() => this.queueSources());
    this.disposables.push({ dispose: () => (forward.dispose(), following.dispose()) });

    await this.deps.registry.whenSettled();
    this.attachSources();
    this.startedSignal.resolve();
    const role = history ? `history ${history.role === 'writer' ? 'written by this window' : 'followed (another window writes it)'}` : 'no history';
    this.migrationLog.info(`Watching migrations in ${watcher.sourceIds().length} cluster(s); ${role}; started in ${Math.round(performance.now() - started)} ms.`);
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
    for (const entry of this.deps.registry.clusters) this.labels.set(entry.id, entry.spec.label);
    try {
      session.setSources(this.deps.registry.sources());
    } catch (err) {
      this.migrationLog.error(`Could not follow the configured clusters: ${describeError(err)}`);
    }
  }
}

/** <globalStorage>/history/migrations.sqlite, or undefined when global storage is not a local folder. */
function historyPathOf(context: vscode.ExtensionContext): string | undefined {
  const storage = context.globalStorageUri;
  if (storage.scheme !== 'file') return undefined;
  return path.join(storage.fsPath, HISTORY_FILE);
}

/** The history folder (and the extension's storage folder above it) readable by the user alone. */
function preparePrivateDir(dir: string, log: ExtensionLog): void {
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
