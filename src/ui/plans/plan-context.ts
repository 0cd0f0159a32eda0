// What the plans' VS Code parts are given by the extension: its context (global state, storage),
// the registry of configured clusters, the Clusters tree, the log, and the maintenance commands
// whose follow-up the plans plug into, and the history that keeps plan runs.

import type * as vscode from 'vscode';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import type { ExtensionLog } from '../common/extension-log';
import type { ClusterTreeProvider } from '../clusters/cluster-tree-provider';
import type { MaintenanceCommands } from '../clusters/maintenance-commands';
import type { PlanRunTable } from '../../model/plan-run-record';

export interface PlanCommandContext {
  context: vscode.ExtensionContext;
  registry: ClusterRegistry;
  tree: ClusterTreeProvider;
  log: ExtensionLog;
  maintenance: MaintenanceCommands;
  /** The window's history, where plan runs are kept (rejects when this window has none: the file beside the plan is used). */
  history?: () => Promise<PlanRunTable>;
}
