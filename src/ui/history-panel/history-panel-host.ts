// The migration history panel: one WebviewPanel (opening it again reveals it), restored after a
// window reload by its serializer, with the dialog's webview conventions (strict CSP with a
// nonce, resources only from dist/webview and media). Loaded on first use only.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DisposableStore } from '../../base/lifecycle';
import type { Logger } from '../../base/logger';
import type { HistoryAccess } from '../../history';
import { createNonce } from '../common/core/webview-html';
import { historyHtml } from './core/history-html';
import { HistoryPanelSession, type ExportOutcome, type HistoryPanelQueries } from './core/history-panel-session';
import { HISTORY_PANEL_VIEW_TYPE, isPersistedHistoryState, type ExportFormatView, type HistoryFilterView, type HistoryPanelViewState, type HistoryQueryView, type PersistedHistoryState } from '../../protocol/history-panel';

export interface HistoryPanelHostDeps {
  /** Resolves once the history is open; rejects with a readable reason when it is unavailable. */
  history(): Promise<HistoryAccess>;
  /** What the panel's table, summary and detail read, when not `history` itself (the team history of blixard.history.server); exports stay local. */
  queries?(): Promise<HistoryPanelQueries>;
  clusterLabel(clusterId: string): string | undefined;
  log: Pick<Logger, 'info' | 'warn'>;
}

export interface HistoryPanelOpenOptions {
  detailId?: string;
  query?: Partial<Omit<HistoryQueryView, 'offset'>>;
}

/** Only the bundled webview code and the extension's media may load into the panel. */
export function historyWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    enableForms: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class HistoryPanelHost implements vscode.Disposable {
  private panel?: vscode.WebviewPanel;
  private current?: HistoryPanelSession;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: HistoryPanelHostDeps,
  ) {}

  get session(): HistoryPanelSession | undefined {
    return this.current;
  }

  get isOpen(): boolean {
    return !!this.panel;
  }

  async open(options: HistoryPanelOpenOptions = {}): Promise<void> {
    if (!this.panel) {
      const panel = vscode.window.createWebviewPanel(HISTORY_PANEL_VIEW_TYPE, 'Migration History', { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
        ...historyWebviewOptions(this.extensionUri),
        // The table and the user's scroll position survive switching tabs.
        retainContextWhenHidden: true,
      });
      this.attach(panel, undefined);
    } else {
      this.panel.reveal();
    }
    if (options.query) this.current?.setQuery(options.query);
    if (options.detailId) this.current?.showDetail(options.detailId);
  }

  /** Called by the serializer after a window reload, with what the webview last saved. */
  restore(panel: vscode.WebviewPanel, saved: unknown): void {
    panel.webview.options = historyWebviewOptions(this.extensionUri);
    if (this.panel) {
      // One history panel: a second restored one closes in favour of the first.
      panel.dispose();
      return;
    }
    this.attach(panel, isPersistedHistoryState(saved) ? saved : undefined);
  }

  close(): void {
    this.panel?.dispose();
  }

  dispose(): void {
    this.close();
  }

  private attach(panel: vscode.WebviewPanel, initial: PersistedHistoryState | undefined): void {
    const webview = panel.webview;
    const session = new HistoryPanelSession({
      history: () => this.deps.queries?.() ?? this.deps.history(),
      post: (message) => {
        // A hidden webview drops messages; it asks again with `ready` when shown.
        webview.postMessage(message).then(undefined, () => undefined);
      },
      exportTo: (format, query) => this.exportWithDialog(format, query),
      clusterLabel: (id) => this.deps.clusterLabel(id),
      log: this.deps.log,
      ...(initial ? { initial } : {}),
    });
    this.panel = panel;
    this.current = session;
    webview.html = historyHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'history.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'history.css')).toString(),
      nonce: createNonce(),
    });
    const subscriptions = new DisposableStore();
    subscriptions.add(webview.onDidReceiveMessage((message: unknown) => session.handle(message)));
    subscriptions.add(
      panel.onDidDispose(() => {
        subscriptions.dispose();
        session.dispose();
        if (this.panel === panel) {
          this.panel = undefined;
          this.current = undefined;
        }
      }),
    );
    void session.start();
  }

  private async exportWithDialog(format: ExportFormatView, query: { filter: HistoryFilterView; text: string; planId?: string }): Promise<ExportOutcome | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
    const stamp = new Date().toISOString().slice(0, 10);
    const target = await vscode.window.showSaveDialog({
      title: `Export Migration History as ${format.toUpperCase()}`,
      defaultUri: vscode.Uri.joinPath(folder, `blixard-migrations-${stamp}.${format}`),
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      saveLabel: 'Export',
    });
    if (!target) return undefined;
    return exportHistory(await this.deps.history(), target, format, query);
  }
}

/** Writes the export of a query to `target`: streamed for a local file, whole through the file system API otherwise. */
export async function exportHistory(store: HistoryAccess, target: vscode.Uri, format: ExportFormatView, query: { filter?: HistoryFilterView; text?: string; planId?: string } = {}): Promise<ExportOutcome> {
  const filter = { filter: query.filter ?? 'all', ...(query.text?.trim() ? { text: query.text } : {}), ...(query.planId ? { planId: query.planId } : {}) } as const;
  const rows = await store.count(filter);
  if (target.scheme === 'file') {
    await store.exportToFile(target.fsPath, format, filter);
  } else {
    // The history writes files where it runs; a remote file system gets that file's bytes.
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'blixard-export-'));
    try {
      const file = path.join(folder, `export.${format}`);
      await store.exportToFile(file, format, filter);
      await vscode.workspace.fs.writeFile(target, await fs.readFile(file));
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  }
  return { file: target.scheme === 'file' ? path.normalize(target.fsPath) : target.toString(true), rows };
}

export type { HistoryPanelViewState };
