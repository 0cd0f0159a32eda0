// The status bar's view of migrations: `$(sync~spin) N migrating` while any is active (tooltip:
// each one's VM, nodes, phase and elapsed time; click opens the Migrations view) — `$(warning) N
// migrating · stream down` while a cluster of one of them is not streaming, so stale figures are
// never shown as live — and a short-lived `$(check)`/`$(error)`/`$(circle-slash)` item naming
// migrations that just ended. Each item has a plain-text accessible label. Hidden when nothing
// is active; `blixard.statusBar.enabled` turns both off live. Items are created on first use.

import * as vscode from 'vscode';
import { Disposable, DisposableStore } from '../../base/lifecycle';
import type { Migration } from '../../model/migration';
import type { MigrationWatcher } from '../../watch/migration-watcher';
import { activeStatusLook, endedStatusLook, type StatusBarLook } from './core/migrations-presentation';

export const MIGRATIONS_VIEW_FOCUS_COMMAND = 'blixard.migrations.focus';

export interface StatusBarItemState {
  visible: boolean;
  text: string;
  /** The tooltip's Markdown source. */
  tooltip: string;
  /** The plain-text label a screen reader announces. */
  accessibilityLabel: string;
}

export interface MigrationStatusBarState {
  enabled: boolean;
  active: StatusBarItemState;
  ended: StatusBarItemState;
}

export interface MigrationStatusBarOptions {
  clusterLabel(clusterId: string): string | undefined;
  /** How long the "ended" item stays. Default 10 s. */
  endedShownMs?: number;
  /** How often the tooltip's elapsed times are refreshed while migrations run. Default 2 s. */
  refreshMs?: number;
  /** Changes within this window are drawn together. Default 100 ms. */
  debounceMs?: number;
}

interface ItemSlot {
  item?: vscode.StatusBarItem;
  state: StatusBarItemState;
}

export class MigrationStatusBar extends Disposable {
  private watcher?: MigrationWatcher;
  /** The attached watcher's events; attaching again lets go of the previous watcher's. */
  private readonly subscriptions = this._register(new DisposableStore());
  private enabled = true;
  private readonly activeSlot: ItemSlot = { state: hidden() };
  private readonly endedSlot: ItemSlot = { state: hidden() };
  private ended: Migration[] = [];
  private endedTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private debounceTimer?: NodeJS.Timeout;

  constructor(private readonly options: MigrationStatusBarOptions) {
    super();
  }

  attach(watcher: MigrationWatcher): void {
    this.subscriptions.clear();
    this.watcher = watcher;
    this.subscriptions.add(
      watcher.onDidUpdate((e) => {
        // Progress ticks do not change the count or the phase; the periodic refresh covers elapsed times.
        if (!e.previous || e.previous.phase !== e.migration.phase || e.previous.state !== e.migration.state) this.schedule();
      }),
    );
    this.subscriptions.add(watcher.onDidEnd((e) => this.noteEnded(e.migration)));
    // A stream going down or coming back changes what the item says, at once.
    this.subscriptions.add(watcher.outages.onDidChange(() => this.schedule()));
    this.render();
  }

  setEnabled(enabled: boolean): void {
    if (this.enabled === enabled) return;
    this.enabled = enabled;
    this.render();
  }

  get state(): MigrationStatusBarState {
    return { enabled: this.enabled, active: { ...this.activeSlot.state }, ended: { ...this.endedSlot.state } };
  }

  override dispose(): void {
    super.dispose();
    for (const t of [this.endedTimer, this.refreshTimer, this.debounceTimer]) if (t) clearTimeout(t);
    this.activeSlot.item?.dispose();
    this.endedSlot.item?.dispose();
  }

  private noteEnded(migration: Migration): void {
    this.ended = [migration, ...this.ended.filter((m) => m.id !== migration.id)].slice(0, 20);
    if (this.endedTimer) clearTimeout(this.endedTimer);
    this.endedTimer = setTimeout(() => {
      this.endedTimer = undefined;
      this.ended = [];
      this.render();
    }, this.options.endedShownMs ?? 10_000);
    this.schedule();
  }

  private schedule(): void {
    if (this.debounceTimer) return;
    this.debounceTimer = setTimeout(() => {
      this.debounceTimer = undefined;
      this.render();
    }, this.options.debounceMs ?? 100);
  }

  private render(): void {
    const active = this.watcher?.active() ?? [];
    const now = Date.now();
    const outages = this.watcher?.outages;
    const activeLook = this.enabled ? activeStatusLook(active, now, this.options.clusterLabel, (id) => outages?.of(id)) : undefined;
    const endedLook = this.enabled ? endedStatusLook(this.ended, this.options.clusterLabel) : undefined;
    this.show(this.activeSlot, activeLook, 'blixard.migrations.active', 'Blixard Migrations', 100);
    this.show(this.endedSlot, endedLook, 'blixard.migrations.ended', 'Blixard Migration Ended', 99);

    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    if (activeLook) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = undefined;
        this.render();
      }, this.options.refreshMs ?? 2000);
    }
  }

  private show(slot: ItemSlot, look: StatusBarLook | undefined, id: string, name: string, priority: number): void {
    if (!look) {
      if (slot.state.visible) slot.item?.hide();
      slot.state = { ...slot.state, visible: false };
      return;
    }
    if (!slot.item) {
      slot.item = vscode.window.createStatusBarItem(id, vscode.StatusBarAlignment.Left, priority);
      slot.item.name = name;
      slot.item.command = MIGRATIONS_VIEW_FOCUS_COMMAND;
    }
    const item = slot.item;
    if (item.text !== look.text) item.text = look.text;
    if (slot.state.tooltip !== look.tooltip) {
      const tooltip = new vscode.MarkdownString(look.tooltip, true);
      tooltip.isTrusted = false;
      item.tooltip = tooltip;
    }
    if (slot.state.accessibilityLabel !== look.accessibilityLabel) item.accessibilityInformation = { label: look.accessibilityLabel, role: 'button' };
    if (!slot.state.visible) item.show();
    slot.state = { visible: true, text: look.text, tooltip: look.tooltip, accessibilityLabel: look.accessibilityLabel };
  }
}

function hidden(): StatusBarItemState {
  return { visible: false, text: '', tooltip: '', accessibilityLabel: '' };
}
