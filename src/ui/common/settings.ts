// The `blixard.*` settings through VS Code, read and written one way: keys, defaults and which
// values are usable come from the catalogue (model/settings.ts); every read applies workspace
// trust — in Restricted Mode a folder's value of a setting that reaches commands, files or
// credentials is never used — and hands the core plain values.

import * as vscode from 'vscode';
import type { RetentionPolicy } from '../../history';
import { settingValue, UNTRUSTED_WORKSPACE_NOTICE, valueUnderWorkspaceTrust, type InspectedSetting, type SettingKey } from '../../model/settings';
import { parseSourceSettings, type SettingsProblem, type SourceSettings } from '../../sources/source-settings';

/** The settings the cluster sources are built from: a change to one rebuilds them. */
export const SOURCE_SETTINGS = ['blixard.clusters', 'blixard.kubevirt.kubeconfig', 'blixard.kubevirt.contexts', 'blixard.refreshIntervalSeconds', 'blixard.kubevirt.watchStallSeconds', 'blixard.kubevirt.prometheus'] as const satisfies readonly SettingKey[];
export const RETENTION_SETTINGS = ['blixard.history.retentionDays', 'blixard.history.maxMigrations'] as const satisfies readonly SettingKey[];
export const STATUS_BAR_SETTING = 'blixard.statusBar.enabled' satisfies SettingKey;

/** One setting as read, with the workspace-trust rule applied (not yet checked against the catalogue). */
export function readSetting<T = unknown>(key: SettingKey): T | undefined {
  const config = vscode.workspace.getConfiguration();
  const trusted = vscode.workspace.isTrusted;
  // inspect() is only read in Restricted Mode; in the host it cost more than get() (it resolves
  // every override), and activation reads seven settings.
  return valueUnderWorkspaceTrust<T>(key, config.get<T>(key), trusted ? undefined : config.inspect<T>(key), trusted);
}

export function readSourceSettings(): { settings: SourceSettings; problems: SettingsProblem[] } {
  const parsed = parseSourceSettings({
    clusters: readSetting('blixard.clusters'),
    kubeconfig: readSetting('blixard.kubevirt.kubeconfig'),
    contexts: readSetting('blixard.kubevirt.contexts'),
    refreshIntervalSeconds: readRefreshIntervalSeconds(),
    watchStallSeconds: readSetting('blixard.kubevirt.watchStallSeconds'),
    prometheus: readSetting('blixard.kubevirt.prometheus'),
  });
  if (isRestrictedWindow()) parsed.problems.unshift({ setting: 'security.workspace.trust', message: UNTRUSTED_WORKSPACE_NOTICE, notice: 'untrusted-workspace' });
  return parsed;
}

export function readRefreshIntervalSeconds(): number {
  return settingValue('blixard.refreshIntervalSeconds', readSetting('blixard.refreshIntervalSeconds'));
}

export function readStatusBarEnabled(): boolean {
  return settingValue(STATUS_BAR_SETTING, readSetting(STATUS_BAR_SETTING));
}

/** The team history server's URL ('' for none); restricted: an untrusted folder must not send the token elsewhere. */
export function readHistoryServer(): string {
  return settingValue('blixard.history.server', readSetting('blixard.history.server'));
}

/** `0` in either setting means "no limit". */
export function readRetention(): RetentionPolicy {
  // Restricted settings: an untrusted folder must not prune the history every window shares.
  const days = settingValue('blixard.history.retentionDays', readSetting('blixard.history.retentionDays'));
  const max = settingValue('blixard.history.maxMigrations', readSetting('blixard.history.maxMigrations'));
  return { ...(days > 0 ? { retentionDays: days } : {}), ...(max > 0 ? { maxMigrations: Math.floor(max) } : {}) };
}

export function affectsSourceSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return SOURCE_SETTINGS.some((s) => event.affectsConfiguration(s));
}

export function affectsRetention(event: vscode.ConfigurationChangeEvent): boolean {
  return RETENTION_SETTINGS.some((s) => event.affectsConfiguration(s));
}

// ---- writing (the commands that add or hide clusters) ---------------------------------------

/** The setting's value at each level, for a command that edits it where it is defined. */
export function inspectSetting<T>(key: SettingKey): InspectedSetting<T> | undefined {
  return vscode.workspace.getConfiguration().inspect<T>(key);
}

export function writeSetting(key: SettingKey, value: unknown, target: vscode.ConfigurationTarget): Thenable<void> {
  return vscode.workspace.getConfiguration().update(key, value, target);
}

/** Restricted Mode with a folder or workspace open: the only case with workspace settings to set aside. */
function isRestrictedWindow(): boolean {
  return !vscode.workspace.isTrusted && (!!vscode.workspace.workspaceFile || (vscode.workspace.workspaceFolders?.length ?? 0) > 0);
}
