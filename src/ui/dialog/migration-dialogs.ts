// The migration dialog panels: one WebviewPanel per VM (a second "Migrate VM…" focuses the open
// one), restored after a window reload by the panel serializer. Loaded on first use only.

import * as vscode from 'vscode';
import { describeError } from '../../model/errors';
import type { ClusterSource } from '../../sources/cluster-source';
import { createNonce, dialogHtml, staticMessageHtml } from '../common/core/webview-html';
import type { MigrationDialogApi, MigrationDialogDeps } from './core/migration-dialog-deps';
import { Disposable } from '../../base/lifecycle';
import type { Logger } from '../../base/logger';
import { MigrationDialogSession } from './core/migration-dialog-session';
import type { MigrationFeed } from './core/migration-feed';
import { isPersistedDialogState, MIGRATION_DIALOG_VIEW_TYPE, type DialogViewState } from '../../protocol/migration-dialog';
import { SourceStreamFeed } from './core/source-stream-feed';
import type { VmReference } from './core/vm-reference';
import { WatcherMigrationFeed } from './core/watcher-migration-feed';
import type { MigrationWatcher } from '../../watch/migration-watcher';

const consoleLog: Pick<Logger, 'info' | 'warn' | 'error'> = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

function keyOf(ref: VmReference): string {
  return `${ref.clusterId}\u0000${ref.vmId}`;
}

/** Only the bundled webview code and the extension's media may load into the panel. */
export function dialogWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    enableForms: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** The dialog's HTML for one load of the panel's webview, with a nonce of its own. */
function panelHtml(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, title: string): string {
  const webview = panel.webview;
  return dialogHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'dialog.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dialog.css')).toString(),
    nonce: createNonce(),
    title,
  });
}

/**
 * A restored panel's webview, loaded before its session exists: it draws what it saved at once
 * while the clusters are read. Its messages (its `ready`) wait here for the session.
 */
class EarlyWebview implements vscode.Disposable {
  private readonly queued: unknown[] = [];
  private readonly subscription: vscode.Disposable;

  constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, title: string) {
    panel.webview.html = panelHtml(panel, extensionUri, title);
    this.subscription = panel.webview.onDidReceiveMessage((message: unknown) => {
      if (this.queued.length < 16) this.queued.push(message);
    });
  }

  /** Stops queueing and hands what came in so far to the session. */
  drainTo(session: MigrationDialogSession): void {
    this.subscription.dispose();
    for (const message of this.queued.splice(0)) session.handle(message);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}

class MigrationPanel extends Disposable {
  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly session: MigrationDialogSession,
    extensionUri: vscode.Uri,
    onDisposed: () => void,
    early?: EarlyWebview,
  ) {
    super();
    const webview = panel.webview;
    const render = () => panelHtml(panel, extensionUri, session.title);
    // A restored panel's webview is already loaded (and drawing its saved picture): keep it.
    if (!early) webview.html = render();
    // A hidden webview is rebuilt from its HTML when shown again: give that load a nonce of its own.
    this._register(
      panel.onDidChangeViewState(() => {
        if (!panel.visible) webview.html = render();
      }),
    );
    this._register(webview.onDidReceiveMessage((message: unknown) => session.handle(message)));
    this._register(
      session.onDidChangeState(() => {
        if (panel.title !== session.title) panel.title = session.title;
      }),
    );
    this._register(
      panel.onDidDispose(() => {
        this.dispose();
        onDisposed();
      }),
    );
    early?.drainTo(session);
  }

  /** The session goes first (it stops posting to the webview), then the panel's subscriptions. */
  override dispose(): void {
    this.session.dispose();
    super.dispose();
  }
}

export class MigrationDialogs implements vscode.Disposable, MigrationDialogApi {
  private readonly panels = new Map<string, MigrationPanel>();
  private sourceFeed?: SourceStreamFeed;
  private watcherFeed?: { watcher: MigrationWatcher; feed: WatcherMigrationFeed };
  private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: MigrationDialogDeps,
  ) {
    this.log = deps.log ?? consoleLog;
  }

  get openCount(): number {
    return this.panels.size;
  }

  private feed(): MigrationFeed {
    const custom = this.deps.migrationFeed?.();
    if (custom) return custom;
    // One path: the watcher when it runs, otherwise the sources' own streams.
    const watcher = this.deps.watcher?.();
    if (watcher) {
      if (this.watcherFeed?.watcher !== watcher) this.watcherFeed = { watcher, feed: new WatcherMigrationFeed(watcher) };
      return this.watcherFeed.feed;
    }
    return (this.sourceFeed ??= new SourceStreamFeed());
  }

  private async findSource(clusterId: string): Promise<ClusterSource | undefined> {
    const sources = await this.deps.sources();
    return sources.find((s) => s.id === clusterId);
  }

  async open(ref: VmReference): Promise<void> {
    const existing = this.panels.get(keyOf(ref));
    if (existing) {
      // "Migrate VM…" asks for a form: an earlier migration that has ended gives way to a fresh one.
      existing.session.startOver();
      existing.panel.reveal();
      return;
    }
    const source = await this.findSource(ref.clusterId);
    if (!source) {
      void vscode.window.showWarningMessage(`Cluster ${ref.clusterId} is not configured.`);
      return;
    }
    // A concurrent open for the same VM may have won while we looked the source up.
    const raced = this.panels.get(keyOf(ref));
    if (raced) {
      raced.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      MIGRATION_DIALOG_VIEW_TYPE,
      `Migrate ${ref.vmId}`,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      dialogWebviewOptions(this.extensionUri),
    );
    this.attach(panel, source, ref.vmId);
  }

  /** Called by the panel serializer after a window reload, with what the webview last saved. */
  async restore(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    panel.webview.options = dialogWebviewOptions(this.extensionUri);
    const styleUri = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'dialog.css')).toString();
    if (!isPersistedDialogState(saved)) {
      this.log.warn('Migration dialog: a restored panel had no usable state; showing a notice instead');
      panel.webview.html = staticMessageHtml(panel.webview.cspSource, styleUri, 'Migrate VM', 'This dialog could not be restored. Open it again from the VM in the Clusters view.');
      return;
    }
    const ref = { clusterId: saved.clusterId, vmId: saved.vmId };
    // Load the webview now, before the clusters are read (that waits for the settings and can take
    // seconds after a reload): it draws its saved picture at once instead of a blank panel.
    const early = new EarlyWebview(panel, this.extensionUri, `Migrate ${ref.vmId}`);
    let source: ClusterSource | undefined;
    try {
      source = await this.findSource(ref.clusterId);
    } catch (err) {
      this.log.warn(`Migration dialog: could not list clusters while restoring: ${describeError(err)}`);
    }
    if (!source || this.panels.has(keyOf(ref))) {
      early.dispose();
      panel.webview.html = staticMessageHtml(
        panel.webview.cspSource,
        styleUri,
        `Migrate ${ref.vmId}`,
        source ? 'This VM already has a migration dialog open.' : `Cluster ${ref.clusterId} is no longer configured.`,
      );
      return;
    }
    this.attach(panel, source, ref.vmId, saved.migrationId, early);
  }

  private attach(panel: vscode.WebviewPanel, source: ClusterSource, vmId: string, migrationId?: string, early?: EarlyWebview): void {
    const ref = { clusterId: source.id, vmId };
    const key = keyOf(ref);
    const session = new MigrationDialogSession({
      source,
      vmId,
      feed: this.feed(),
      log: this.log,
      migrationId,
      post: (message) => {
        // A hidden webview drops messages; it asks again with `ready` when shown.
        panel.webview.postMessage(message).then(undefined, () => undefined);
      },
      close: () => panel.dispose(),
    });
    const entry = new MigrationPanel(
      panel,
      session,
      this.extensionUri,
      () => {
        if (this.panels.get(key) === entry) this.panels.delete(key);
      },
      early,
    );
    this.panels.set(key, entry);
    void session.start();
  }

  stateOf(ref: VmReference): DialogViewState | undefined {
    return this.panels.get(keyOf(ref))?.session.viewState;
  }

  webviewReady(ref: VmReference): boolean {
    return this.panels.get(keyOf(ref))?.session.webviewReady ?? false;
  }

  deliver(ref: VmReference, message: unknown): boolean {
    const entry = this.panels.get(keyOf(ref));
    if (!entry) return false;
    entry.session.handle(message);
    return true;
  }

  close(ref: VmReference): void {
    this.panels.get(keyOf(ref))?.panel.dispose();
  }

  dispose(): void {
    for (const entry of [...this.panels.values()]) entry.panel.dispose();
    this.panels.clear();
    this.sourceFeed?.dispose();
  }
}
