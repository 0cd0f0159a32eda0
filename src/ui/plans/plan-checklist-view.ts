// The "Migration Plan" view under the Blixard container: one row per entry of the plan that runs
// (or ran, or was dry-run), in start order — waiting / running with its phase / done / failed with
// the reason / blocked / cancelled. Created on the first run, shown by a context key, so the
// container has no empty view before any plan ran.

import * as vscode from 'vscode';
import type { PlanRunEntry, PlanRunState } from '../../plans/plan-run-state';
import { checklistRow } from './core/plan-checklist-rows';

export const CHECKLIST_VIEW_ID = 'blixard.planChecklist';

/**
 * An entry's element is its position as a string ("0", "1", …): VS Code drops falsy elements from
 * getChildren (its `coalesce`), so a number would lose the first entry's row.
 */
type EntryElement = string;

export class PlanChecklist implements vscode.TreeDataProvider<EntryElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EntryElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private state: PlanRunState | undefined;
  private names: (id: string) => string = (id) => id;
  private view: vscode.TreeView<EntryElement> | undefined;

  /** Shows `state` (a new plan, or the next state of the one shown). */
  show(state: PlanRunState, title: string, names: (id: string) => string): void {
    this.state = state;
    this.names = names;
    if (!this.view) {
      this.view = vscode.window.createTreeView(CHECKLIST_VIEW_ID, { treeDataProvider: this });
      void vscode.commands.executeCommand('setContext', 'blixard.plans.checklist', true);
    }
    this.view.description = title;
    this.changed.fire(undefined);
  }

  /** The entries shown now (tests read them). */
  entries(): readonly PlanRunEntry[] {
    return this.state?.entries ?? [];
  }

  getChildren(element?: EntryElement): EntryElement[] {
    return element === undefined && this.state ? this.state.entries.map((_, i) => String(i)) : [];
  }

  getTreeItem(element: EntryElement): vscode.TreeItem {
    const entry = this.state!.entries[Number(element)];
    const row = checklistRow(entry, this.names);
    const item = new vscode.TreeItem(row.label);
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon, row.color ? new vscode.ThemeColor(row.color) : undefined);
    item.contextValue = `planEntry.${entry.status.state}`;
    return item;
  }

  dispose(): void {
    this.view?.dispose();
    this.changed.dispose();
  }
}
