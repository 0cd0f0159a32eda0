// What the integration suites share: the running extension's API, settings changes through
// the real configuration service, and condition waits (never fixed sleeps: the machine is
// shared and slow at times).

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BlixardExtensionApi } from '../../../src/extension';
import type { TreeElement } from '../../../src/ui/clusters/core/tree-elements';

export const EXTENSION_ID = 'blixard.blixard-migrations';

export async function extensionApi(): Promise<BlixardExtensionApi> {
  const extension = vscode.extensions.getExtension<BlixardExtensionApi>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded in this host`);
  return extension.isActive ? extension.exports : await extension.activate();
}

export function extensionPath(): string {
  return vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
}

/** Polls until `probe` returns something truthy; fails with `what` and the last value seen. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ` (last value: ${JSON.stringify(last)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Writes user settings through the real configuration service and waits until the tree has them. */
export async function updateSettings(api: BlixardExtensionApi, values: Record<string, unknown>): Promise<void> {
  const config = vscode.workspace.getConfiguration();
  for (const [key, value] of Object.entries(values)) await config.update(key, value, vscode.ConfigurationTarget.Global);
  // The change event is delivered after update() resolves; give it a turn, then wait for it to be applied.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await api.settingsApplied();
}

export interface RenderedItem {
  element: TreeElement;
  label: string;
  description?: string;
  contextValue?: string;
  icon?: string;
  iconColor?: string;
  id?: string;
  collapsible: vscode.TreeItemCollapsibleState | undefined;
  tooltip?: string;
  command?: string;
}

/** What VS Code would draw for an element, read through the provider exactly as VS Code calls it. */
export async function render(api: BlixardExtensionApi, element: TreeElement): Promise<RenderedItem> {
  const tree = api.clusterTree;
  let item = tree.getTreeItem(element);
  item = tree.resolveTreeItem(item, element);
  const icon = item.iconPath instanceof vscode.ThemeIcon ? item.iconPath : undefined;
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip;
  return {
    element,
    label: typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
    description: typeof item.description === 'string' ? item.description : undefined,
    contextValue: item.contextValue,
    icon: icon?.id,
    // ThemeColor keeps its id in a field the typings do not declare.
    iconColor: (icon?.color as unknown as { id?: string } | undefined)?.id,
    id: item.id,
    collapsible: item.collapsibleState,
    tooltip,
    command: item.command?.command,
  };
}

/** Children once loaded: waits past the "Loading…" placeholder a slow cluster shows first. */
export async function loadedChildren(api: BlixardExtensionApi, element: TreeElement | undefined, timeoutMs = 30_000): Promise<RenderedItem[]> {
  return waitFor(
    `children of ${element?.id ?? 'the root'} to load`,
    async () => {
      const children = await api.clusterTree.getChildren(element);
      if (children.some((c) => c.type === 'message' && c.severity === 'loading')) return undefined;
      return Promise.all(children.map((c) => render(api, c)));
    },
    timeoutMs,
  );
}

export async function childByLabel(api: BlixardExtensionApi, element: TreeElement | undefined, label: string, timeoutMs = 30_000): Promise<RenderedItem> {
  return waitFor(
    `"${label}" under ${element?.id ?? 'the root'}`,
    async () => (await loadedChildren(api, element, timeoutMs)).find((c) => c.label === label),
    timeoutMs,
  );
}
