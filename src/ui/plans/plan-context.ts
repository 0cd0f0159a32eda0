// What the plans' VS Code parts are given by the extension: its context (global state, storage),
// the registry of configured clusters, the Clusters tree, the log, and the maintenance commands
// whose follow-up the plans plug into.

import type * as vscode from 'vscode';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import type { ExtensionLog } from '../common/extension-log';
import type { ClusterTreeProvider } from '../clusters/cluster-tree-provider';
import type { MaintenanceCommands } from '../clusters/maintenance-commands';

export interface PlanCommandContext {
  context: vscode.ExtensionContext;
  registry: ClusterRegistry;
  tree: ClusterTreeProvider;
  log: ExtensionLog;
  maintenance: MaintenanceCommands;
}
