// The history the Migrations view, the history panel and the seed-query commands read: this
// machine's history, or — with `blixard.history.server` set — the TeamHistory over that server
// (serve/client/team-history.ts), rebuilt when the setting, the folder's trust or the token
// changes. One stable object for all of them: its queries go to whichever is current, and its
// onDidChange fires when that one changes or is replaced. The token lives in SecretStorage, one
// per server URL (a token is never sent to a URL it was not set for), registered with the
// secret scrubber as it is read.

import * as vscode from 'vscode';
import { Emitter, type Event } from '../../base/event';
import { MutableDisposable } from '../../base/lifecycle';
import type { Logger } from '../../base/logger';
import { LogOnce } from '../../base/log-once';
import { secretRegistry } from '../../base/secret-registry';
import type { HistoryAccess } from '../../history';
import { describeError } from '../../model/errors';
import { HistoryServerClient, parseServerUrl } from '../../serve/client/history-server-client';
import { RemoteHistoryError } from '../../serve/client/remote-history-error';
import { TeamHistory, type HistorySource } from '../../serve/client/team-history';
import type { HistorySourceView } from '../../protocol/history-panel';
import { readHistoryServer } from '../common/settings';
import { historySourceView } from './core/migrations-presentation';

export const HISTORY_SERVER_SETTING = 'blixard.history.server';
export const HISTORY_SERVER_TOKEN_COMMANDS = { set: 'blixard.history.setServerToken', clear: 'blixard.history.clearServerToken' } as const;
const SECRET_PREFIX = 'blixard.history.serverToken:';

/** What the view, the panel and the commands read (HistoryAccess answers it; so does TeamHistory). */
export type HistoryReads = Pick<HistoryAccess, 'all' | 'page' | 'count' | 'active' | 'byId' | 'byDatacenter' | 'byVm' | 'transitions' | 'summaryByCluster' | 'damage'> & {
  /** The history changed, or the history read was replaced (the setting, the token, the server's state). */
  readonly onDidChange: Event<unknown>;
};

export interface TeamHistoryConnectionDeps {
  secrets: vscode.SecretStorage;
  /** This machine's history, once open; rejects with the reason when unavailable. */
  local(): Promise<HistoryAccess>;
  log: Pick<Logger, 'info' | 'warn'>;
}

export class TeamHistoryConnection implements HistoryReads, vscode.Disposable {
  private readonly changeEmitter = new Emitter<unknown>();
  readonly onDidChange: Event<unknown> = this.changeEmitter.event;
  private readonly sourceEmitter = new Emitter<HistorySource>();
  readonly onDidChangeSource: Event<HistorySource> = this.sourceEmitter.event;
  private readonly team = new MutableDisposable<TeamHistory>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private localHistory?: HistoryAccess;
  private badUrl?: HistorySource;
  private generation = 0;
  private readonly logOnce = new LogOnce();

  constructor(private readonly deps: TeamHistoryConnectionDeps) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(HISTORY_SERVER_SETTING)) void this.connect();
      }),
      // The folder's value of a restricted setting applies once it is trusted.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.connect()),
      deps.secrets.onDidChange((e) => {
        if (e.key.startsWith(SECRET_PREFIX)) void this.connect();
      }),
    );
  }

  /** Reads from `local` from now on, and connects to the server if one is set. */
  async start(local: HistoryAccess): Promise<void> {
    if (this.localHistory) return;
    this.localHistory = local;
    // With a team history, the local history's changes come through it.
    const changes = local.onDidChange((e) => {
      if (!this.team.value) this.changeEmitter.fire(e);
    });
    this.subscriptions.push({ dispose: () => changes.dispose() });
    await this.connect();
  }

  get source(): HistorySource {
    return this.team.value?.source ?? this.badUrl ?? { kind: 'local' };
  }

  /** The history panel's line about it (none without a server). */
  get sourceView(): HistorySourceView | undefined {
    return historySourceView(this.source);
  }

  /** The team history, while a server is set (tests wait on its first list). */
  get teamHistory(): TeamHistory | undefined {
    return this.team.value;
  }

  get damage(): HistoryAccess['damage'] {
    return this.localHistory?.damage;
  }

  all: HistoryReads['all'] = async (query) => (await this.current()).all(query);
  page: HistoryReads['page'] = async (query) => (await this.current()).page(query);
  count: HistoryReads['count'] = async (query) => (await this.current()).count(query);
  active: HistoryReads['active'] = async () => (await this.current()).active();
  byId: HistoryReads['byId'] = async (id) => (await this.current()).byId(id);
  byDatacenter: HistoryReads['byDatacenter'] = async (dc, query) => (await this.current()).byDatacenter(dc, query);
  byVm: HistoryReads['byVm'] = async (vm, query) => (await this.current()).byVm(vm, query);
  transitions: HistoryReads['transitions'] = async (id) => (await this.current()).transitions(id);
  summaryByCluster: HistoryReads['summaryByCluster'] = async () => (await this.current()).summaryByCluster();
  /** The plans this machine's history keeps (plan runs are not on the history server): the panel's plan filter. */
  planRuns: HistoryAccess['planRuns'] = async (query) => (this.localHistory ?? (await this.deps.local())).planRuns(query);

  dispose(): void {
    this.generation++;
    this.team.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.changeEmitter.dispose();
    this.sourceEmitter.dispose();
  }

  private async current(): Promise<Omit<HistoryReads, 'onDidChange' | 'damage'>> {
    return this.team.value ?? this.localHistory ?? (await this.deps.local());
  }

  /** (Re)builds the team history from the setting and the token stored for its URL. */
  private async connect(): Promise<void> {
    const local = this.localHistory;
    if (!local) return;
    const asked = ++this.generation;
    const raw = readHistoryServer().trim();
    let url: string | undefined;
    let token: string | undefined;
    this.badUrl = undefined;
    if (raw) {
      try {
        url = parseServerUrl(raw).toString();
        token = (await this.deps.secrets.get(secretKey(url))) || undefined;
        if (token) secretRegistry.add(token);
      } catch (err) {
        const reason = describeError(err);
        this.badUrl = { kind: 'fallback', host: raw.slice(0, 80), code: err instanceof RemoteHistoryError ? err.code : 'bad-url', reason };
        this.logOnce.log(this.deps.log, 'warn', reason, `Team history: ${reason}; showing this machine's history.`);
      }
    }
    if (asked !== this.generation) return;
    this.team.clear();
    if (url) {
      const team = new TeamHistory({ local, client: new HistoryServerClient({ url, ...(token ? { token } : {}) }), log: this.deps.log });
      this.team.value = team;
      team.onDidChange((e) => this.changeEmitter.fire(e));
      team.onDidChangeSource((s) => {
        this.sourceEmitter.fire(s);
        this.changeEmitter.fire({ kind: 'source' });
      });
      this.deps.log.info(`Team history: reading ${team.source.kind === 'connecting' ? team.source.host : url}${token ? ' with its token' : ' without a token'}.`);
      team.start();
    }
    this.sourceEmitter.fire(this.source);
    this.changeEmitter.fire({ kind: 'source' });
  }
}

function secretKey(url: string): string {
  return `${SECRET_PREFIX}${url}`;
}

/** "Blixard: Set History Server Token" and "Clear History Server Token", for the URL the setting names now. */
export function registerHistoryServerTokenCommands(secrets: vscode.SecretStorage): vscode.Disposable[] {
  const configuredUrl = (): string | undefined => {
    const raw = readHistoryServer().trim();
    if (!raw) {
      void vscode.window.showInformationMessage('No history server is configured: set blixard.history.server first (the URL of a blixard-migrations serve).');
      return undefined;
    }
    try {
      return parseServerUrl(raw).toString();
    } catch (err) {
      void vscode.window.showErrorMessage(describeError(err));
      return undefined;
    }
  };
  return [
    vscode.commands.registerCommand(HISTORY_SERVER_TOKEN_COMMANDS.set, async (given?: unknown) => {
      const url = configuredUrl();
      if (!url) return false;
      const token =
        typeof given === 'string'
          ? given
          : await vscode.window.showInputBox({
              title: `Token for the history server ${new URL(url).host}`,
              prompt: 'The contents of the server\'s --token-file; sent as "Authorization: Bearer …". Leave empty to remove the stored token.',
              password: true,
              ignoreFocusOut: true,
            });
      if (token === undefined) return false;
      if (token.trim() === '') {
        await secrets.delete(secretKey(url));
        void vscode.window.showInformationMessage(`Removed the token for the history server ${new URL(url).host}.`);
        return true;
      }
      secretRegistry.add(token.trim());
      await secrets.store(secretKey(url), token.trim());
      void vscode.window.showInformationMessage(`Stored the token for the history server ${new URL(url).host}.`);
      return true;
    }),
    vscode.commands.registerCommand(HISTORY_SERVER_TOKEN_COMMANDS.clear, async () => {
      const url = configuredUrl();
      if (!url) return false;
      await secrets.delete(secretKey(url));
      void vscode.window.showInformationMessage(`Removed the token for the history server ${new URL(url).host}.`);
      return true;
    }),
  ];
}
