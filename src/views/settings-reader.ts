// Reads the `blixard.*` settings through VS Code and hands them to the core as plain values.

import * as vscode from 'vscode';
import { parseSourceSettings, type SettingsProblem, type SourceSettings } from '../sources/source-settings';

export const SOURCE_SETTINGS = ['blixard.clusters', 'blixard.kubevirt.kubeconfig', 'blixard.kubevirt.contexts', 'blixard.refreshIntervalSeconds', 'blixard.kubevirt.watchStallSeconds'] as const;
export const REFRESH_INTERVAL_SETTING = 'blixard.refreshIntervalSeconds';
const DEFAULT_REFRESH_SECONDS = 30;

export function readSourceSettings(): { settings: SourceSettings; problems: SettingsProblem[] } {
  const config = vscode.workspace.getConfiguration('blixard');
  return parseSourceSettings({
    clusters: config.get('clusters'),
    kubeconfig: config.get('kubevirt.kubeconfig'),
    contexts: config.get('kubevirt.contexts'),
    refreshIntervalSeconds: readRefreshIntervalSeconds(),
    watchStallSeconds: config.get('kubevirt.watchStallSeconds'),
  });
}

export function readRefreshIntervalSeconds(): number {
  const value = vscode.workspace.getConfiguration('blixard').get<unknown>('refreshIntervalSeconds');
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : DEFAULT_REFRESH_SECONDS;
}

export function affectsSourceSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return SOURCE_SETTINGS.some((s) => event.affectsConfiguration(s));
}
