// The Migrations view: "Active" and "Recent" groups, each migration expanding into its phase
// timeline, and a line for each cluster whose migration stream is down. Redraws only what the
// view model reports changed (debounced there); until the watcher starts it is empty and VS Code
// shows the view's welcome text.

import * as vscode from 'vscode';
import type { Migration } from '../../model/migration';
import {
  migrationsElementIds,
  type MigrationElement,
  type MigrationGroupElement,
  type MigrationPhaseElement,
  type HistorySourceElement,
  type MigrationsElement,
  type MoreHistoryElement,
  type StreamDownElement,
} from './core/migrations-elements';
import { groupDescription, historyFallbackLook, historySourceSuffix, migrationLook, phaseLook, streamDownLook } from './core/migrations-presentation';
import type { MigrationGroup, MigrationsViewChange, MigrationsViewModel } from './core/migrations-view-model';

export const SHOW_HISTORY_COMMAND = 'blixard.showHistory';

export class MigrationsTreeProvider implements vscode.TreeDataProvider<MigrationsElement>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<MigrationsElement | MigrationsElement[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly elements = new Map<string, MigrationsElement>();
  private readonly subscription: { dispose(): void };

  constructor(
    readonly model: MigrationsViewModel,
    private readonly clusterLabel: (clusterId: string) => string | undefined,
  ) {
    this.subscription = model.onDidChange((changes) => this.redraw(changes));
  }

  getTreeItem(element: MigrationsElement): vscode.TreeItem {
    switch (element.type) {
      case 'group':
        return this.groupItem(element);
      case 'migration':
        return this.migrationItem(element);
      case 'phase':
        return this.phaseItem(element);
      case 'stream':
        return this.streamItem(element);
      case 'history-source':
        return this.historySourceItem(element);
      case 'more': {
        const item = new vscode.TreeItem('Show all in History…', vscode.TreeItemCollapsibleState.None);
        item.id = element.id;
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = 'migrations.more';
        item.command = { command: SHOW_HISTORY_COMMAND, title: 'Show Migration History' };
        return item;
      }
    }
  }

  getChildren(element?: MigrationsElement): MigrationsElement[] {
    const model = this.model;
    if (!element) {
      if (!model.attached || model.isEmpty) return [];
      return [
        ...(model.historySource.kind === 'fallback' ? [this.intern<HistorySourceElement>({ type: 'history-source', id: migrationsElementIds.historySource() })] : []),
        ...model.streamsDown().map((d) => this.intern<StreamDownElement>({ type: 'stream', id: migrationsElementIds.stream(d.clusterId), clusterId: d.clusterId })),
        this.group('active'),
        this.group('recent'),
      ];
    }
    switch (element.type) {
      case 'group': {
        const list = element.group === 'active' ? model.active() : model.recent();
        const children: MigrationsElement[] = list.map((m) => this.migrationElement(element.group, m.id));
        if (element.group === 'recent' && list.length > 0) children.push(this.intern<MoreHistoryElement>({ type: 'more', id: migrationsElementIds.more() }));
        return children;
      }
      case 'migration':
        return model.timeline(element.migrationId).map((_, index) =>
          this.intern<MigrationPhaseElement>({ type: 'phase', id: migrationsElementIds.phase(element.group, element.migrationId, index), group: element.group, migrationId: element.migrationId, index }),
        );
      default:
        return [];
    }
  }

  getParent(element: MigrationsElement): MigrationsElement | undefined {
    switch (element.type) {
      case 'migration':
        return this.group(element.group);
      case 'phase':
        return this.migrationElement(element.group, element.migrationId);
      case 'more':
        return this.group('recent');
      default:
        return undefined;
    }
  }

  /** The element showing a migration, if the view lists it now (active first). */
  findMigration(migrationId: string): MigrationElement | undefined {
    for (const group of ['active', 'recent'] as MigrationGroup[]) {
      const list = group === 'active' ? this.model.active() : this.model.recent();
      if (list.some((m) => m.id === migrationId)) return this.migrationElement(group, migrationId);
    }
    return undefined;
  }

  /** The migration an element shows (commands receive elements). */
  migrationOf(element: MigrationsElement | undefined): Migration | undefined {
    if (!element || (element.type !== 'migration' && element.type !== 'phase')) return undefined;
    return this.model.migration(element.group, element.migrationId);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  // ---- items --------------------------------------------------------------------------------

  private groupItem(element: MigrationGroupElement): vscode.TreeItem {
    const count = element.group === 'active' ? this.model.active().length : this.model.recent().length;
    const item = new vscode.TreeItem(element.group === 'active' ? 'Active' : 'Recent', vscode.TreeItemCollapsibleState.Expanded);
    item.id = element.id;
    item.description = groupDescription(count, element.group) + (element.group === 'recent' ? historySourceSuffix(this.model.historySource) : '');
    item.contextValue = `migrations.group.${element.group}`;
    item.iconPath = new vscode.ThemeIcon(element.group === 'active' ? 'sync' : 'history');
    return item;
  }

  private migrationItem(element: MigrationElement): vscode.TreeItem {
    const m = this.model.migration(element.group, element.migrationId);
    if (!m) {
      const gone = new vscode.TreeItem(element.migrationId, vscode.TreeItemCollapsibleState.None);
      gone.id = element.id;
      return gone;
    }
    const look = migrationLook(m, { now: Date.now(), clusterLabel: this.clusterLabel(m.cluster), streamDown: this.model.streamDown(m.cluster) });
    const item = new vscode.TreeItem(look.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = element.id;
    item.description = look.description;
    item.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    item.contextValue = look.contextValue;
    item.tooltip = markdown(look.tooltip);
    return item;
  }

  private phaseItem(element: MigrationPhaseElement): vscode.TreeItem {
    const m = this.model.migration(element.group, element.migrationId);
    const timeline = this.model.timeline(element.migrationId);
    const transition = timeline[element.index];
    if (!m || !transition) {
      const gone = new vscode.TreeItem('', vscode.TreeItemCollapsibleState.None);
      gone.id = element.id;
      return gone;
    }
    const look = phaseLook(m, transition, element.index, timeline);
    const item = new vscode.TreeItem(look.label, vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    item.description = look.description;
    item.tooltip = look.tooltip;
    item.iconPath = new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
    item.contextValue = 'migration.phase';
    return item;
  }

  private streamItem(element: StreamDownElement): vscode.TreeItem {
    const down = this.model.streamsDown().find((d) => d.clusterId === element.clusterId);
    const look = down ? streamDownLook(this.clusterLabel(element.clusterId) ?? element.clusterId, down.state) : { label: element.clusterId, description: '', tooltip: '' };
    return warningLine(element.id, look, 'debug-disconnect', 'migrations.streamDown');
  }

  private historySourceItem(element: HistorySourceElement): vscode.TreeItem {
    const source = this.model.historySource;
    const look = source.kind === 'fallback' ? historyFallbackLook(source) : { label: 'Team history', description: '', tooltip: '' };
    return warningLine(element.id, look, 'cloud-offline', 'migrations.historySource');
  }

  // ---- identity and redraws -----------------------------------------------------------------

  private group(group: MigrationGroup): MigrationGroupElement {
    return this.intern<MigrationGroupElement>({ type: 'group', id: migrationsElementIds.group(group), group });
  }

  private migrationElement(group: MigrationGroup, migrationId: string): MigrationElement {
    return this.intern<MigrationElement>({ type: 'migration', id: migrationsElementIds.migration(group, migrationId), group, migrationId });
  }

  /** One live object per id, so VS Code sees the same element across refreshes. */
  private intern<T extends MigrationsElement>(fresh: T): T {
    const existing = this.elements.get(fresh.id) as T | undefined;
    if (existing) return existing;
    this.elements.set(fresh.id, fresh);
    return fresh;
  }

  private redraw(changes: MigrationsViewChange[]): void {
    if (changes.some((c) => c.kind === 'root')) {
      this.prune();
      this.changeEmitter.fire(undefined);
      return;
    }
    const targets = new Set<MigrationsElement>();
    const regrouped = new Set<MigrationGroup>();
    for (const c of changes) {
      if (c.kind === 'group') {
        regrouped.add(c.group);
        targets.add(this.group(c.group));
      }
    }
    for (const c of changes) {
      if (c.kind === 'migration' && !regrouped.has(c.group)) targets.add(this.migrationElement(c.group, c.migrationId));
    }
    if (regrouped.size > 0) this.prune();
    if (targets.size > 0) this.changeEmitter.fire([...targets]);
  }

  /** Forgets elements of migrations no longer listed, so a long session does not accumulate them. */
  private prune(): void {
    const listed = new Set<string>();
    for (const m of this.model.active()) listed.add(`active:${m.id}`);
    for (const m of this.model.recent()) listed.add(`recent:${m.id}`);
    for (const [id, element] of this.elements) {
      if ((element.type === 'migration' || element.type === 'phase') && !listed.has(`${element.group}:${element.migrationId}`)) this.elements.delete(id);
      if (element.type === 'stream' && !this.model.streamsDown().some((d) => d.clusterId === element.clusterId)) this.elements.delete(id);
    }
  }
}

/** A line above the groups saying what is not as it should be (a stream down, the team history unavailable). */
function warningLine(id: string, look: { label: string; description: string; tooltip: string }, icon: string, contextValue: string): vscode.TreeItem {
  const item = new vscode.TreeItem(look.label, vscode.TreeItemCollapsibleState.None);
  item.id = id;
  item.description = look.description;
  item.tooltip = look.tooltip;
  item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor('list.warningForeground'));
  item.contextValue = contextValue;
  return item;
}

function markdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(text, true);
  md.isTrusted = false;
  return md;
}
