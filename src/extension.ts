// activate/deactivate: build the parts, register them, return the API. Nothing else.
// Activation must stay cheap (< 20 ms): nothing here touches the network or loads a client
// library; sources build their clients the first time a cluster is expanded.

import * as vscode from 'vscode';
import { registerMigrationDialog } from './ui/dialog/register-migration-dialog';
import type { MigrationDialogApi } from './ui/dialog/core/migration-dialog-deps';
import { ClusterRegistry } from './sources/cluster-registry';
import { registerClusterCommands } from './ui/clusters/cluster-commands';
import { prometheusTokenReader, registerPrometheusTokenCommand } from './ui/clusters/prometheus-token';
import { registerConsoleCommands, type ConsolesApi } from './ui/console/console-commands';
import { registerMaintenanceCommands } from './ui/clusters/maintenance-commands';
import { ClusterTreeProvider } from './ui/clusters/cluster-tree-provider';
import { DevClusterController } from './ui/dev-cluster/dev-cluster-controller';
import { ExtensionLog } from './ui/common/extension-log';
import { affectsSourceSettings, readRefreshIntervalSeconds, readSourceSettings } from './ui/common/settings';
import type { TreeElement } from './ui/clusters/core/tree-elements';
import type { MigrationHistoryApi, MigrationsApi } from './ui/migrations/migrations-api';
import type { MigrationsFeature } from './ui/migrations/migrations-feature';
import { registerPlanCommands, type PlansApi } from './ui/plans/plan-commands';

/** What `activate()` returns: `vscode.extensions.getExtension('blixard.blixard-migrations').exports`. */
export interface BlixardExtensionApi {
  /** The clusters configured right now, and their sources. */
  readonly clusters: ClusterRegistry;
  /** The Clusters view's data provider (tests walk the real tree through it). */
  readonly clusterTree: ClusterTreeProvider;
  readonly clusterView: vscode.TreeView<TreeElement>;
  readonly devCluster: DevClusterController;
  readonly log: ExtensionLog;
  /** The migration dialog (open one for a VM, read its state, hand it webview messages). */
  readonly migrationDialog: MigrationDialogApi;
  /** The background migration watcher: active/recent migrations, output lines, status bar, Migrations view. */
  readonly migrations: MigrationsApi;
  /** The seed queries (all, active, by id, by datacenter, by VM), exports and the history panel, from the durable history. */
  readonly history: MigrationHistoryApi;
  /** The VM console terminals ("Open VM Console"). */
  readonly consoles: ConsolesApi;
  /** Migration plans: Migrate VMs… / Evacuate Node… / Rebalance Cluster…, the plan documents' diagnostics, runs and checklist. */
  readonly plans: PlansApi;
  /** Settles once the latest settings change has reached the tree. */
  settingsApplied(): Promise<void>;
  readonly activation: { activateMs: number };
}

let stopOnDeactivate: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): BlixardExtensionApi {
  const started = performance.now();
  const log = new ExtensionLog();
  // Kubeconfig files (and the CA, key and token files they name) are followed: a rotated credential reconnects by itself.
  const registry = new ClusterRegistry({ logger: log, prometheusToken: prometheusTokenReader(context.secrets) }, undefined, { watchFiles: true });
  const clusterTree = new ClusterTreeProvider(registry, { log: (level, message) => log[level](message), expansionState: context.workspaceState });
  const clusterView = vscode.window.createTreeView('blixard.clusters', { treeDataProvider: clusterTree, showCollapseAll: true, canSelectMany: true });
  const devCluster = new DevClusterController(context.extensionPath, registry, log, () => readRefreshIntervalSeconds() * 1000);

  const reloadSettings = async () => {
    const { settings, problems } = readSourceSettings();
    for (const p of problems) {
      if (p.notice) log.info(p.message);
      else log.warn(`Setting ${p.setting}: ${p.message}`);
    }
    await registry.applySettings(settings, problems);
  };
  void reloadSettings();

  context.subscriptions.push(
    log,
    registry,
    clusterTree,
    clusterView,
    devCluster,
    // The poll interval (blixard.refreshIntervalSeconds) is a source setting: a change rebuilds the sources.
    clusterTree.followView(clusterView),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSourceSettings(e)) void reloadSettings();
    }),
    // Trust granted: the folder's restricted settings apply from now on, without a reload. (VS
    // Code's configuration change for them may arrive before isTrusted turns true; read again.)
    vscode.workspace.onDidGrantWorkspaceTrust(() => void reloadSettings()),
    ...registerClusterCommands({ registry, tree: clusterTree, view: clusterView, devCluster, log, reloadSettings }),
    registerPrometheusTokenCommand(context.secrets),
  );
  const consoles = registerConsoleCommands({ registry, tree: clusterTree, log });
  context.subscriptions.push(...consoles.disposables);
  // Enter/Exit Maintenance Mode only cordon and uncordon; the plans plug into their follow-up
  // (offer to evacuate the node, and on exit to move its VMs back).
  const maintenance = registerMaintenanceCommands({ registry, tree: clusterTree, log });
  context.subscriptions.push(...maintenance.disposables);
  // src/plans (planner, YAML) loads on the first plan command or plan document, not here.
  const plans = registerPlanCommands({ context, registry, tree: clusterTree, log, maintenance, history: () => migrations().historyStore() });
  context.subscriptions.push(...plans.disposables);
  // The Migrations feature (its view, status bar, output channel, commands: ~50 kB of the bundle)
  // is built just after activate() has returned, when it starts the watcher (history, sql.js,
  // cluster streams) anyway — or earlier, on the first use of its share of the API.
  let migrationsFeature: MigrationsFeature | undefined;
  const migrations = (): MigrationsFeature => {
    if (!migrationsFeature) {
      // A require() of its own lazily loaded file (esbuild.mjs), not an import() (synchronous: the API's members read it).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createMigrationsFeature } = require('./ui/migrations/migrations-feature') as typeof import('./ui/migrations/migrations-feature');
      migrationsFeature = createMigrationsFeature({ context, registry, log, clusterTree, clusterView });
    }
    return migrationsFeature;
  };
  context.subscriptions.push({ dispose: () => migrationsFeature?.dispose() });
  setTimeout(() => void migrations().start(), 0);
  // The dialog's panels, sessions and feed load on first use; this only registers the command and serializer.
  const migrationDialog = registerMigrationDialog(context, {
    sources: async () => {
      await registry.whenSettled();
      return registry.sources();
    },
    log,
    watcher: () => migrationsFeature?.watcher(),
  });
  stopOnDeactivate = async () => {
    await Promise.all([devCluster.stop(), migrationsFeature?.shutdown()]);
  };

  return {
    clusters: registry,
    clusterTree,
    clusterView,
    devCluster,
    log,
    migrationDialog,
    migrations: builtOnFirstUse(() => migrations().migrationsApi),
    history: builtOnFirstUse(() => migrations().historyApi),
    consoles: consoles.api,
    plans: plans.api,
    settingsApplied: () => registry.whenSettled(),
    activation: { activateMs: performance.now() - started },
  };
}

/** An API object whose feature is built when one of its members is first read. */
function builtOnFirstUse<T extends object>(build: () => T): T {
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(build(), key),
    has: (_target, key) => Reflect.has(build(), key),
    ownKeys: () => Reflect.ownKeys(build()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(build(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

export async function deactivate(): Promise<void> {
  await stopOnDeactivate?.();
  stopOnDeactivate = undefined;
}
