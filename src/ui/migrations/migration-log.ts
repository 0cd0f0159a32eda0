// The "Blixard Migrations" output channel (a LogOutputChannel): one line per phase transition and
// one per stream outage (down, back), exactly as followMigrationOutput decides and
// OutputLineFormatter writes them (the CLI prints the same lines), failures at error level with
// their reason. The channel stamps each line with its own time, so the lines carry none. It is
// also where the watcher and the history report what they skipped or repaired. Every line goes
// through the secret scrubber. The channel is created on the first line, never during activation.

import * as vscode from 'vscode';
import { Disposable, MutableDisposable, type IDisposable } from '../../base/lifecycle';
import { scrubSecrets } from '../../base/secret-registry';
import type { MigrationState } from '../../model/migration';
import type { MigrationWatcher } from '../../watch/migration-watcher';
import { followMigrationOutput } from '../../watch/migration-output';
import { OutputLineFormatter } from '../../watch/output-line-formatter';

export const MIGRATION_LOG_NAME = 'Blixard Migrations';
const KEPT_LINES = 2000;

export class MigrationLog extends Disposable {
  private channel?: vscode.LogOutputChannel;
  private readonly formatter: OutputLineFormatter;
  private readonly kept: string[] = [];
  /** The attached watcher's output; attaching again lets go of the previous watcher's. */
  private readonly following = this._register(new MutableDisposable<IDisposable>());

  constructor(clusterLabel: (clusterId: string) => string | undefined) {
    super();
    this.formatter = new OutputLineFormatter({ clusterLabel });
  }

  /** Undefined once disposed: a line from a stream closing during shutdown must not recreate the channel. */
  private get out(): vscode.LogOutputChannel | undefined {
    if (this.isDisposed) return undefined;
    this.channel ??= vscode.window.createOutputChannel(MIGRATION_LOG_NAME, { log: true });
    return this.channel;
  }

  /** Prints the watcher's transitions, ends that came without one, and stream outages from now on. */
  attach(watcher: MigrationWatcher): void {
    this.following.clear();
    this.following.value = followMigrationOutput(watcher, this.formatter, {
      migration: (line, outcome) => this.print(line, outcome),
      stream: (line, level) => this.print(line, level),
    });
  }

  /** The transition and stream lines printed so far (the latest 2,000), oldest first. */
  lines(): string[] {
    return [...this.kept];
  }

  info(message: string): void {
    this.out?.info(scrubSecrets(message));
  }
  warn(message: string): void {
    this.out?.warn(scrubSecrets(message));
  }
  error(message: string): void {
    this.out?.error(scrubSecrets(message));
  }

  show(): void {
    this.out?.show(true);
  }

  override dispose(): void {
    super.dispose();
    this.channel?.dispose();
    this.channel = undefined;
  }

  /** A failure at error level, a cancel or a stream outage at warning level, the rest at info. */
  private print(raw: string, level: MigrationState | 'info' | 'warn' | undefined): void {
    const line = scrubSecrets(raw);
    this.kept.push(line);
    if (this.kept.length > KEPT_LINES) this.kept.splice(0, this.kept.length - KEPT_LINES);
    if (level === 'failed') this.out?.error(line);
    else if (level === 'cancelled' || level === 'warn') this.out?.warn(line);
    else this.out?.info(line);
  }
}
