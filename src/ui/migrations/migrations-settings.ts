// Reads the watcher's settings — status bar on/off, history retention — through VS Code and hands
// them on as plain values. A bad value falls back to the default rather than failing.

import * as vscode from 'vscode';
import type { RetentionPolicy } from '../../history';
import { readSetting } from '../common/settings-reader';

export const STATUS_BAR_SETTING = 'blixard.statusBar.enabled';
export const RETENTION_DAYS_SETTING = 'blixard.history.retentionDays';
export const MAX_MIGRATIONS_SETTING = 'blixard.history.maxMigrations';

const DEFAULT_RETENTION_DAYS = 365;
const DEFAULT_MAX_MIGRATIONS = 100_000;

export function readStatusBarEnabled(): boolean {
  return readSetting(STATUS_BAR_SETTING) !== false;
}

/** `0` in either setting means "no limit". */
export function readRetention(): RetentionPolicy {
  // Restricted settings: an untrusted folder must not prune the history every window shares.
  const days = nonNegative(readSetting(RETENTION_DAYS_SETTING), DEFAULT_RETENTION_DAYS);
  const max = nonNegative(readSetting(MAX_MIGRATIONS_SETTING), DEFAULT_MAX_MIGRATIONS);
  return { ...(days > 0 ? { retentionDays: days } : {}), ...(max > 0 ? { maxMigrations: Math.floor(max) } : {}) };
}

export function affectsRetention(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(RETENTION_DAYS_SETTING) || event.affectsConfiguration(MAX_MIGRATIONS_SETTING);
}

function nonNegative(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}
