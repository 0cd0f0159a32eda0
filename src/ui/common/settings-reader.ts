// Reads the `blixard.*` settings through VS Code and hands them to the core as plain values.
// Every read goes through readSetting(), which applies workspace trust: in Restricted Mode a
// folder's value of a setting that reaches commands, files or credentials is never used.

import * as vscode from 'vscode';
import { UNTRUSTED_WORKSPACE_NOTICE, valueUnderWorkspaceTrust } from '../../model/restricted-settings';
import { parseSourceSettings, type SettingsProblem, type SourceSettings } from '../../sources/source-settings';

export const SOURCE_SETTINGS = ['blixard.clusters', 'blixard.kubevirt.kubeconfig', 'blixard.kubevirt.contexts', 'blixard.refreshIntervalSeconds', 'blixard.kubevirt.watchStallSeconds'] as const;
export const REFRESH_INTERVAL_SETTING = 'blixard.refreshIntervalSeconds';
const DEFAULT_REFRESH_SECONDS = 30;

/** One setting by its full key, with the workspace-trust rule applied. */
export function readSetting<T = unknown>(key: string): T | undefined {
  const config = vscode.workspace.getConfiguration();
  return valueUnderWorkspaceTrust<T>(key, config.get<T>(key), config.inspect<T>(key), vscode.workspace.isTrusted);
}

export function readSourceSettings(): { settings: SourceSettings; problems: SettingsProblem[] } {
  const parsed = parseSourceSettings({
    clusters: readSetting('blixard.clusters'),
    kubeconfig: readSetting('blixard.kubevirt.kubeconfig'),
    contexts: readSetting('blixard.kubevirt.contexts'),
    refreshIntervalSeconds: readRefreshIntervalSeconds(),
    watchStallSeconds: readSetting('blixard.kubevirt.watchStallSeconds'),
  });
  if (isRestrictedWindow()) parsed.problems.unshift({ setting: 'security.workspace.trust', message: UNTRUSTED_WORKSPACE_NOTICE, notice: 'untrusted-workspace' });
  return parsed;
}

export function readRefreshIntervalSeconds(): number {
  const value = readSetting(REFRESH_INTERVAL_SETTING);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : DEFAULT_REFRESH_SECONDS;
}

export function affectsSourceSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return SOURCE_SETTINGS.some((s) => event.affectsConfiguration(s));
}

/** Restricted Mode with a folder or workspace open: the only case with workspace settings to set aside. */
function isRestrictedWindow(): boolean {
  return !vscode.workspace.isTrusted && (!!vscode.workspace.workspaceFile || (vscode.workspace.workspaceFolders?.length ?? 0) > 0);
}
