// The "Blixard" output channel (a LogOutputChannel), created on the first line written so
// activation does not pay for it. Every line goes through the secret scrubber on its way in,
// whoever wrote it (sources, the history, the dialog, commands).

import * as vscode from 'vscode';
import { scrubSecrets } from '../../base/secret-registry';

export class ExtensionLog implements vscode.Disposable {
  private channel?: vscode.LogOutputChannel;

  private get out(): vscode.LogOutputChannel {
    this.channel ??= vscode.window.createOutputChannel('Blixard', { log: true });
    return this.channel;
  }

  debug(message: string): void {
    this.out.debug(scrubSecrets(message));
  }
  info(message: string): void {
    this.out.info(scrubSecrets(message));
  }
  warn(message: string): void {
    this.out.warn(scrubSecrets(message));
  }
  error(message: string): void {
    this.out.error(scrubSecrets(message));
  }

  show(): void {
    this.out.show(true);
  }

  dispose(): void {
    this.channel?.dispose();
    this.channel = undefined;
  }
}
