// The Migrations feature's one composition place: builds its parts by hand — the window's watch,
// the "Blixard Migrations" channel, the status bar, the Migrations view, the history panel, the
// commands — hands each the few collaborators it uses, and wires settings and the watch's start
// to them. Cheap during activation: the view, status bar and channel exist but stay empty until
// start() (called just after activate returns) has opened the history and attached the clusters.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { Emitter } from '../../base/event';
import { DisposableStore } from '../../base/lifecycle';
import type { HistoryAccess } from '../../history';
import { sortTimeline } from '../../model/phase-order';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import { lifecycleOf } from '../../sources/cluster-kinds';
import type { MigrationTransitionEvent, MigrationWatcher } from '../../watch/migration-watcher';
import type { ClusterTreeProvider } from '../clusters/cluster-tree-provider';
import type { TreeElement } from '../clusters/core/tree-elements';
import type { ExtensionLog } from '../common/extension-log';
import { affectsRetention, readRetention, readStatusBarEnabled, STATUS_BAR_SETTING } from '../common/settings';
import { registerHistoryPanel, type HistoryPanelApi } from '../history-panel/history-panel-registration';
import type { MigrationsElement } from './core/migrations-elements';
import { MigrationsViewModel } from './core/migrations-view-model';
import { WindowWatch } from './core/window-watch';
import { MigrationLog } from './migration-log';
import type { ExportResult, MigrationHistoryApi, MigrationsApi } from './migrations-api';
import { registerMigrationsCommands } from './migrations-commands';
import { MigrationsTreeProvider } from './migrations-tree-provider';
import { MigrationStatusBar } from './status-bar-indicator';
import { registerHistoryServerTokenCommands, TeamHistoryConnection } from './team-history-connection';

export interface MigrationsFeatureDeps {
  context: vscode.ExtensionContext;
  registry: ClusterRegistry;
  /** The extension's general log ("Blixard"), for what is not about one migration. */
  log: ExtensionLog;
  clusterTree: ClusterTreeProvider;
  clusterView: vscode.TreeView<TreeElement>;
}

export interface MigrationsFeature extends vscode.Disposable {
  /** Opens the history and starts watching every configured cluster. Idempotent. */
  start(): Promise<void>;
  /** Stops the watcher, writes what is pending and snapshots the history (deactivate). */
  shutdown(): Promise<void>;
  /** The live watcher, once started (the migration dialog follows its migration through it). */
  watcher(): MigrationWatcher | undefined;
  /** The open history (waits for the watch to start; rejects when this window has none). */
  historyStore(): Promise<HistoryAccess>;
  /** The extension API's share of it. */
  readonly migrationsApi: MigrationsApi;
  readonly historyApi: MigrationHistoryApi;
}

export const MIGRATIONS_VIEW_ID = 'blixard.migrations';
const HISTORY_FILE = path.join('history', 'migrations.sqlite');

export function createMigrationsFeature({ context, registry, log, clusterTree, clusterView }: MigrationsFeatureDeps): MigrationsFeature {
  const parts = new DisposableStore();
  const clusterLabel = clusterLabels(registry, parts);
  const migrationLog = new MigrationLog(clusterLabel);
  const statusBar = parts.add(new MigrationStatusBar({ clusterLabel }));
  statusBar.setEnabled(readStatusBarEnabled());
  const viewModel = parts.add(new MigrationsViewModel());
  const provider = parts.add(new MigrationsTreeProvider(viewModel, clusterLabel));
  const treeView = parts.add(vscode.window.createTreeView(MIGRATIONS_VIEW_ID, { treeDataProvider: provider, showCollapseAll: true }));
  const historyPath = historyPathOf(context);
  const watch = parts.add(new WindowWatch({ registry, historyPath, sessionLog: migrationLog, log, retention: readRetention }));
  const history = () => watch.historyStore();
  // What the view, the panel and the query commands read: this machine's history, or merged with blixard.history.server's.
  const teamHistory = parts.add(new TeamHistoryConnection({ secrets: context.secrets, local: history, log }));
  const reads = async () => {
    await history();
    return teamHistory;
  };
  parts.add(teamHistory.onDidChangeSource((source) => viewModel.setHistorySource(source)));
  for (const command of registerHistoryServerTokenCommands(context.secrets)) parts.add(command);
  const historyPanel = registerHistoryPanel(context, {
    history,
    queries: reads,
    clusterLabel,
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
  });
  const exportTo = async (file: string, format: 'csv' | 'json', query?: Parameters<MigrationHistoryApi['exportTo']>[2]): Promise<ExportResult> => {
    const store = await history();
    const { exportHistory } = await import('../history-panel/history-panel-host');
    return exportHistory(store, vscode.Uri.file(path.resolve(file)), format, query);
  };
  const transitions = parts.add(new Emitter<MigrationTransitionEvent>());

  // What shows the watch attaches to it as soon as it runs, before the first cluster is attached.
  parts.add(
    watch.onDidStart(({ watcher, history: store }) => {
      migrationLog.attach(watcher);
      statusBar.attach(watcher);
      if (store) void teamHistory.start(store);
      viewModel.attach(watcher, store ? teamHistory : undefined);
      parts.add(clusterTree.followMigrations(watcher));
      // Stream outages and limitations are printed by the migration log with the transitions (one place, see followMigrationOutput).
      parts.add(watcher.onTransition((e) => transitions.fire(e)));
    }),
  );
  parts.add(treeView.onDidChangeVisibility((e) => viewModel.setVisible(e.visible)));
  viewModel.setVisible(treeView.visible);
  parts.add(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(STATUS_BAR_SETTING)) statusBar.setEnabled(readStatusBarEnabled());
      if (affectsRetention(e)) watch.applyRetention();
    }),
  );
  // The folder's retention settings apply once it is trusted (restricted settings).
  parts.add(vscode.workspace.onDidGrantWorkspaceTrust(() => watch.applyRetention()));
  for (const command of registerMigrationsCommands({
    provider,
    treeView,
    migrationLog,
    historyPanel,
    watcher: () => watch.watcher,
    history: reads,
    exportTo,
    clusterLabel,
    registry,
    clusterTree,
    clusterView,
    log,
  }))
    parts.add(command);

  return {
    start: () => watch.start(),
    shutdown: () => watch.shutdown(),
    watcher: () => watch.watcher,
    historyStore: history,
    migrationsApi: migrationsApiOf(watch, migrationLog, statusBar, transitions, { provider, treeView }),
    historyApi: historyApiOf(watch, historyPath, historyPanel, exportTo, teamHistory),
    dispose: () => {
      const stopping = watch.shutdown();
      try {
        parts.dispose();
      } finally {
        // The log outlives the rest until the history is closed, so what shutdown reports is kept.
        void stopping.finally(() => migrationLog.dispose());
      }
    },
  };
}

/**
 * A cluster's label by id: the configured one, else the last one it had — a migration of a
 * cluster removed from the settings still reads as it did.
 */
function clusterLabels(registry: ClusterRegistry, parts: DisposableStore): (clusterId: string) => string | undefined {
  const remembered = new Map<string, string>();
  const remember = () => {
    for (const entry of registry.clusters) remembered.set(entry.id, entry.spec.label);
  };
  remember();
  parts.add(registry.onDidChange(remember));
  return (clusterId) => registry.get(clusterId)?.spec.label ?? remembered.get(clusterId);
}

function migrationsApiOf(
  watch: WindowWatch,
  migrationLog: MigrationLog,
  statusBar: MigrationStatusBar,
  transitions: Emitter<MigrationTransitionEvent>,
  view: { provider: MigrationsTreeProvider; treeView: vscode.TreeView<MigrationsElement> },
): MigrationsApi {
  return {
    whenStarted: () => watch.whenStarted(),
    get started() {
      return watch.started;
    },
    active: () => watch.watcher?.active() ?? [],
    recent: (limit) => watch.watcher?.recent(limit) ?? [],
    phasesOf: (id) => watch.watcher?.phasesOf(id) ?? [],
    watchedClusters: () => watch.watcher?.sourceIds() ?? [],
    streamStatus: (id) => watch.watcher?.status(id),
    onDidTransition: transitions.event,
    outputLines: () => migrationLog.lines(),
    get statusBar() {
      return statusBar.state;
    },
    view,
  };
}

function historyApiOf(watch: WindowWatch, historyPath: string | undefined, panel: HistoryPanelApi, exportTo: MigrationHistoryApi['exportTo'], team: TeamHistoryConnection): MigrationHistoryApi {
  const withStore = async <T>(query: (store: HistoryAccess) => T | Promise<T>): Promise<T> => query(await watch.historyStore());
  return {
    whenReady: async () => {
      await watch.historyStore();
    },
    path: historyPath,
    get role() {
      return watch.history?.role;
    },
    all: (query) => withStore((s) => s.all(query)),
    active: () => withStore((s) => s.active()),
    byId: (id) =>
      withStore(async (s) => {
        const entry = await s.byId(id);
        return entry && { ...entry, transitions: sortTimeline(lifecycleOf(entry.migration.kind), entry.transitions) };
      }),
    byDatacenter: (dc, page) => withStore((s) => s.byDatacenter(dc, page)),
    byVm: (vm, query) => withStore((s) => s.byVm(vm, query)),
    transitions: (id) =>
      withStore(async (s) => {
        const entry = await s.byId(id);
        return sortTimeline(lifecycleOf(entry?.migration.kind), entry?.transitions ?? []);
      }),
    summaryByCluster: () => withStore((s) => s.summaryByCluster()),
    exportTo,
    panel,
    historySource: () => team.source,
    whenTeamHistoryLoaded: async () => team.teamHistory?.whenLoaded(),
  };
}

/** <globalStorage>/history/migrations.sqlite, or undefined when global storage is not a local folder. */
function historyPathOf(context: vscode.ExtensionContext): string | undefined {
  const storage = context.globalStorageUri;
  if (storage.scheme !== 'file') return undefined;
  return path.join(storage.fsPath, HISTORY_FILE);
}
