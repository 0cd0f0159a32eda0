// The Migrations view's and the history's commands: cancel, reveal the VM, show in history, the
// seed queries (all, active, by id, by datacenter, by VM) as quick picks, and exports. Failures
// of the user's own action are said once, in a non-modal message; the reason goes to the log.

import * as vscode from 'vscode';
import type { HistoryAccess, HistoryEntry } from '../../history';
import { describeError, SourceError, type SourceErrorCode } from '../../model/errors';
import { isFinal, type Migration } from '../../model/migration';
import type { ClusterRegistry } from '../../sources/cluster-registry';
import type { MigrationWatcher } from '../../watch/migration-watcher';
import type { ClusterTreeProvider } from '../clusters/cluster-tree-provider';
import type { TreeElement } from '../clusters/core/tree-elements';
import type { HistoryPanelApi } from '../history-panel/history-panel-registration';
import type { MigrationsElement } from './core/migrations-elements';
import { migrationPickLook, vmDisplayName } from './core/migrations-presentation';
import type { ExportResult, MigrationHistoryApi } from './migrations-api';
import { revealMigrationVm, type RevealOutcome } from './migrations-reveal';
import { SHOW_HISTORY_COMMAND, type MigrationsTreeProvider } from './migrations-tree-provider';
import type { Logger } from '../../base/logger';

export const MIGRATIONS_COMMANDS = {
  cancel: 'blixard.migrations.cancel',
  revealVm: 'blixard.migrations.revealVm',
  showInHistory: 'blixard.migrations.showInHistory',
  showLog: 'blixard.migrations.showLog',
  showHistory: SHOW_HISTORY_COMMAND,
  showAll: 'blixard.history.showAll',
  showActive: 'blixard.history.showActive',
  findById: 'blixard.history.findById',
  byDatacenter: 'blixard.history.byDatacenter',
  byVm: 'blixard.history.byVm',
  exportCsv: 'blixard.history.exportCsv',
  exportJson: 'blixard.history.exportJson',
} as const;

/** What the commands use, and no more: they do not depend on how the feature is built (migrations-feature.ts). */
export interface MigrationsCommandDeps {
  /** The Migrations view: the migration an element shows, and the selection when a command gets no element. */
  readonly provider: Pick<MigrationsTreeProvider, 'migrationOf'>;
  readonly treeView: Pick<vscode.TreeView<MigrationsElement>, 'selection'>;
  /** The "Blixard Migrations" channel: shown on request; a cancel's outcome is written there. */
  readonly migrationLog: Pick<Logger, 'info' | 'warn'> & { show(): void };
  readonly historyPanel: Pick<HistoryPanelApi, 'open' | 'export'>;
  /** The live watcher, once started. */
  watcher(): Pick<MigrationWatcher, 'get' | 'sourcesFor'> | undefined;
  /** The open history; rejects with the reason when this window has none. */
  history(): Promise<Pick<HistoryAccess, 'all' | 'active' | 'byId' | 'byDatacenter' | 'byVm'>>;
  exportTo: MigrationHistoryApi['exportTo'];
  clusterLabel(clusterId: string): string | undefined;
  /** The configured clusters: a migration's cluster to cancel through, the datacenters to choose from. */
  readonly registry: Pick<ClusterRegistry, 'get' | 'clusters'>;
  /** The Clusters view, where "Reveal VM" walks to the migration's VM. */
  readonly clusterTree: ClusterTreeProvider;
  readonly clusterView: vscode.TreeView<TreeElement>;
  /** The extension's general log ("Blixard"). */
  readonly log: Pick<Logger, 'warn'>;
}

/** A command's argument: an element of the Migrations view, or a Migration.id (palette, other extensions, tests). */
type MigrationArgument = MigrationsElement | string | undefined;

export function registerMigrationsCommands(ctx: MigrationsCommandDeps): vscode.Disposable[] {
  // A command receives whatever its caller passes (menus, the palette, other extensions); each
  // command checks its own argument.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const register = (id: string, run: (...args: any[]) => unknown) => vscode.commands.registerCommand(id, run);
  return [
    register(MIGRATIONS_COMMANDS.cancel, (arg?: MigrationArgument) => cancelMigration(ctx, arg)),
    register(MIGRATIONS_COMMANDS.revealVm, (arg?: MigrationArgument) => revealVm(ctx, arg)),
    register(MIGRATIONS_COMMANDS.showInHistory, async (arg?: MigrationArgument) => {
      const id = await migrationIdOf(ctx, arg);
      await ctx.historyPanel.open(id ? { detailId: id } : {});
    }),
    register(MIGRATIONS_COMMANDS.showLog, () => ctx.migrationLog.show()),
    register(MIGRATIONS_COMMANDS.showHistory, () => ctx.historyPanel.open()),
    register(MIGRATIONS_COMMANDS.showAll, () => pickFrom(ctx, 'All migrations', async () => (await history(ctx)).all({ limit: 1000 }))),
    register(MIGRATIONS_COMMANDS.showActive, () => pickFrom(ctx, 'Active migrations', async () => (await history(ctx)).active())),
    register(MIGRATIONS_COMMANDS.findById, (id?: unknown) => findById(ctx, id)),
    register(MIGRATIONS_COMMANDS.byDatacenter, (datacenter?: unknown) => byDatacenter(ctx, datacenter)),
    register(MIGRATIONS_COMMANDS.byVm, (arg?: unknown) => byVm(ctx, arg)),
    register(MIGRATIONS_COMMANDS.exportCsv, (file?: unknown) => exportHistory(ctx, 'csv', file)),
    register(MIGRATIONS_COMMANDS.exportJson, (file?: unknown) => exportHistory(ctx, 'json', file)),
  ];
}

async function history(ctx: MigrationsCommandDeps) {
  return ctx.history();
}

/** The migration an argument names: from the view (live), else the history. */
async function migrationOf(ctx: MigrationsCommandDeps, arg: MigrationArgument): Promise<Migration | undefined> {
  if (arg && typeof arg === 'object') return ctx.provider.migrationOf(arg);
  if (typeof arg !== 'string' || arg === '') return undefined;
  const live = ctx.watcher()?.get(arg);
  if (live) return live;
  try {
    return (await (await history(ctx)).byId(arg))?.migration;
  } catch {
    return undefined;
  }
}

async function migrationIdOf(ctx: MigrationsCommandDeps, arg: MigrationArgument): Promise<string | undefined> {
  if (typeof arg === 'string') return arg || undefined;
  if (arg && (arg.type === 'migration' || arg.type === 'phase')) return arg.migrationId;
  const selected = ctx.treeView.selection[0];
  return selected && (selected.type === 'migration' || selected.type === 'phase') ? selected.migrationId : undefined;
}

async function cancelMigration(ctx: MigrationsCommandDeps, arg: MigrationArgument): Promise<boolean> {
  const m = await migrationOf(ctx, arg ?? ctx.treeView.selection[0]);
  if (!m) return false;
  if (isFinal(m.state)) {
    void vscode.window.showInformationMessage(`The migration of ${vmDisplayName(m)} has already ${m.state === 'succeeded' ? 'finished' : 'ended'}.`);
    return false;
  }
  // The watcher knows every context that reaches the migration's cluster, the one streaming it first.
  const held = ctx.watcher()?.sourcesFor(m.id) ?? [];
  const configured = ctx.registry.get(m.cluster);
  let candidates = held;
  if (candidates.length === 0 && configured) {
    try {
      candidates = [{ source: configured.acquire(), migrationId: m.id }];
    } catch (err) {
      void vscode.window.showErrorMessage(`Could not cancel the migration of ${vmDisplayName(m)}: ${describeError(err).split('\n')[0]}`);
      return false;
    }
  }
  if (candidates.length === 0) {
    void vscode.window.showWarningMessage(`Cluster ${ctx.clusterLabel(m.cluster) ?? m.cluster} is no longer configured; the migration cannot be cancelled from here.`);
    return false;
  }
  let failure: unknown;
  for (const { source, migrationId } of candidates) {
    try {
      await vscode.window.withProgress({ location: { viewId: 'blixard.migrations' }, title: `Cancelling the migration of ${vmDisplayName(m)}…` }, () => source.cancel(migrationId));
      ctx.migrationLog.info(`${source.label}: cancel requested for ${m.name || m.id} (${vmDisplayName(m)})`);
      return true;
    } catch (err) {
      ctx.migrationLog.warn(`${source.label}: could not cancel ${m.name || m.id}: ${describeError(err)}`);
      failure ??= err;
      // Another context of the same cluster may be allowed, or reachable, where this one is not.
      if (!(err instanceof SourceError && RETRY_ELSEWHERE.has(err.code))) break;
    }
  }
  void vscode.window.showErrorMessage(`Could not cancel the migration of ${vmDisplayName(m)}: ${describeError(failure).split('\n')[0]}`);
  return false;
}

/** Failures of one context that another context of the same cluster may not share. */
const RETRY_ELSEWHERE: ReadonlySet<SourceErrorCode> = new Set(['forbidden', 'unauthenticated', 'unavailable', 'timeout']);

async function revealVm(ctx: MigrationsCommandDeps, arg: MigrationArgument): Promise<RevealOutcome | undefined> {
  const m = await migrationOf(ctx, arg ?? ctx.treeView.selection[0]);
  if (!m) return undefined;
  try {
    const outcome = await revealMigrationVm(ctx.clusterTree, ctx.clusterView, m);
    if ('missing' in outcome) void vscode.window.showInformationMessage(`Cannot reveal ${vmDisplayName(m)}: ${outcome.missing}`);
    return outcome;
  } catch (err) {
    ctx.log.warn(`Reveal ${vmDisplayName(m)}: ${describeError(err)}`);
    return { missing: describeError(err) };
  }
}

/**
 * Shows query results in a quick pick (choosing one opens it in the history panel) and returns
 * them, so the command serves scripts and tests as well as people. The pick is not awaited: the
 * command resolves with the results while it is open.
 */
async function pickFrom(ctx: MigrationsCommandDeps, title: string, query: () => Promise<Migration[]>): Promise<Migration[] | undefined> {
  let results: Migration[];
  try {
    results = await query();
  } catch (err) {
    void vscode.window.showErrorMessage(describeError(err));
    return undefined;
  }
  const now = Date.now();
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { migrationId: string }>();
  pick.title = `${title} (${results.length}${results.length >= 1000 ? '+' : ''})`;
  pick.placeholder = results.length === 0 ? 'No migrations recorded' : 'Choose a migration to see its timeline';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  pick.items = results.map((m) => ({ ...migrationPickLook(m, ctx.clusterLabel(m.cluster), now), migrationId: m.id }));
  pick.onDidAccept(() => {
    const chosen = pick.selectedItems[0];
    pick.hide();
    if (chosen) void ctx.historyPanel.open({ detailId: chosen.migrationId });
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
  return results;
}

async function findById(ctx: MigrationsCommandDeps, arg: unknown): Promise<HistoryEntry | undefined> {
  const id =
    typeof arg === 'string' && arg
      ? arg
      : await vscode.window.showInputBox({ title: 'Find Migration by ID', prompt: 'The migration id as the history records it, e.g. kubevirt:prod/default/kubevirt-migrate-vm-x7k2p', ignoreFocusOut: true });
  if (!id) return undefined;
  try {
    const entry = await (await history(ctx)).byId(id.trim());
    if (!entry) {
      void vscode.window.showInformationMessage(`No migration ${id.trim()} in the history.`);
      return undefined;
    }
    await ctx.historyPanel.open({ detailId: entry.migration.id });
    return entry;
  } catch (err) {
    void vscode.window.showErrorMessage(describeError(err));
    return undefined;
  }
}

async function byDatacenter(ctx: MigrationsCommandDeps, arg: unknown): Promise<Migration[] | undefined> {
  let datacenter = typeof arg === 'string' && arg ? arg : undefined;
  if (!datacenter) {
    const known = [...new Set(ctx.registry.clusters.map((c) => c.spec.datacenter).filter((d): d is string => !!d))].sort();
    const other = 'Other…';
    const choice = known.length > 0 ? await vscode.window.showQuickPick([...known, other], { title: 'Migrations in Datacenter', placeHolder: 'Datacenter' }) : other;
    if (!choice) return undefined;
    datacenter = choice === other ? await vscode.window.showInputBox({ title: 'Migrations in Datacenter', prompt: 'Datacenter name' }) : choice;
  }
  if (!datacenter) return undefined;
  const dc = datacenter;
  return pickFrom(ctx, `Migrations in ${dc}`, async () => (await history(ctx)).byDatacenter(dc, { limit: 1000 }));
}

async function byVm(ctx: MigrationsCommandDeps, arg: unknown): Promise<Migration[] | undefined> {
  let vm: string | undefined;
  let scope: { cluster?: string; namespace?: string } = {};
  const element = arg as TreeElement | undefined;
  if (typeof arg === 'string' && arg) {
    vm = arg;
  } else if (element && typeof element === 'object' && element.type === 'vm') {
    // From the Clusters tree: that VM, by name and namespace, in that cluster.
    vm = element.vmName;
    scope = { cluster: element.clusterId, ...(element.namespace !== undefined ? { namespace: element.namespace } : {}) };
  } else {
    vm = await vscode.window.showInputBox({ title: 'Migrations of VM', prompt: 'VM name (without namespace)' });
  }
  if (!vm) return undefined;
  const name = vm.trim();
  return pickFrom(ctx, `Migrations of ${name}`, async () => (await history(ctx)).byVm(name, { ...scope, limit: 1000 }));
}

async function exportHistory(ctx: MigrationsCommandDeps, format: 'csv' | 'json', file: unknown): Promise<ExportResult | undefined> {
  try {
    if (typeof file === 'string' && file) {
      const result = await ctx.exportTo(file, format);
      void vscode.window.showInformationMessage(`Exported ${result.rows} migration${result.rows === 1 ? '' : 's'} to ${result.file}`);
      return result;
    }
    // Without a path: the panel's own export (save dialog, current filter).
    await ctx.historyPanel.open();
    await ctx.historyPanel.export(format);
    return undefined;
  } catch (err) {
    void vscode.window.showErrorMessage(`Export failed: ${describeError(err)}`);
    return undefined;
  }
}
