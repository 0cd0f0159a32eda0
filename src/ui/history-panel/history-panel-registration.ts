// Registers the history panel's serializer and offers the panel's programmatic surface. Cheap
// on purpose: the panel host (and the webview session) load on first open or restore.

import * as vscode from 'vscode';
import type { HistoryPanelHost, HistoryPanelHostDeps, HistoryPanelOpenOptions } from './history-panel-host';
import { HISTORY_PANEL_VIEW_TYPE, type ExportFormatView, type HistoryPanelViewState } from '../../protocol/history-panel';

/** The panel's surface for commands, the extension's API and the integration tests. */
export interface HistoryPanelApi {
  open(options?: HistoryPanelOpenOptions): Promise<void>;
  /** What the panel shows now, or undefined when it is closed. */
  stateOf(): HistoryPanelViewState | undefined;
  /** True once the panel's webview has loaded and said `ready`. */
  webviewReady(): boolean;
  /** Hands a message to the panel as if its webview had posted it (through the same guard); false when closed. */
  deliver(message: unknown): boolean;
  /** Runs the panel's Export button for its current query (the save dialog asks where). */
  export(format: ExportFormatView): Promise<void>;
  close(): void;
  readonly isOpen: boolean;
}

export function registerHistoryPanel(context: vscode.ExtensionContext, deps: HistoryPanelHostDeps): HistoryPanelApi {
  let loading: Promise<HistoryPanelHost> | undefined;
  let loaded: HistoryPanelHost | undefined;
  const load = () =>
    (loading ??= import('./history-panel-host').then(({ HistoryPanelHost }) => {
      loaded = new HistoryPanelHost(context.extensionUri, deps);
      context.subscriptions.push(loaded);
      return loaded;
    }));

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(HISTORY_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => (await load()).restore(panel, state),
    }),
  );

  return {
    open: async (options) => (await load()).open(options),
    stateOf: () => loaded?.session?.viewState,
    webviewReady: () => loaded?.session?.webviewReady ?? false,
    deliver: (message) => {
      const session = loaded?.session;
      if (!session) return false;
      session.handle(message);
      return true;
    },
    export: async (format) => {
      await loaded?.session?.export(format);
    },
    close: () => loaded?.close(),
    get isOpen() {
      return loaded?.isOpen ?? false;
    },
  };
}
