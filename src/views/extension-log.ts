// The "Blixard" output channel (a LogOutputChannel), created on the first line written so
// activation does not pay for it. Messages are already free of credentials by the time they
// get here: sources scrub what they report.

import * as vscode from 'vscode';

export class ExtensionLog implements vscode.Disposable {
  private channel?: vscode.LogOutputChannel;

  private get out(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel('Blixard', { log: true });
    return this.channel;
  }

  debug(message: string): void {
    this.out.debug(message);
  }
  info(message: string): void {
    this.out.info(message);
  }
  warn(message: string): void {
    this.out.warn(message);
  }
  error(message: string): void {
    this.out.error(message);
  }

  show(): void {
    this.out.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
    this.channel = undefined;
  }
}
