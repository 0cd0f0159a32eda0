// The history panel's HTML shell: the migration dialog's shell and policy (strict CSP, one nonce
// per load, only the bundled script and the extension's stylesheet, nothing inline or remote).

import { dialogHtml } from '../../common/core/webview-html';

export interface HistoryHtmlInputs {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `asWebviewUri(dist/webview/history.js)`. */
  scriptUri: string;
  /** `asWebviewUri(media/history.css)`. */
  styleUri: string;
  /** Fresh for every load (createNonce from dialog-html). */
  nonce: string;
}

export function historyHtml(inputs: HistoryHtmlInputs): string {
  return dialogHtml({ ...inputs, title: 'Migration History' });
}
