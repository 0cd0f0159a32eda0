// The history panel's HTML shell: the migration dialog's policy (strict CSP, one nonce per load,
// only the bundled script and the extension's stylesheets, nothing inline or remote). Free of
// `vscode` (URIs come in as strings) so it is unit-tested.

import { contentSecurityPolicy } from './dialog-html';

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

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function historyHtml(inputs: HistoryHtmlInputs): string {
  const nonce = escapeAttribute(inputs.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(inputs.cspSource, inputs.nonce))}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(inputs.styleUri)}">
<title>Migration History</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="loading">Loading…</p></main>
<script nonce="${nonce}" src="${escapeAttribute(inputs.scriptUri)}"></script>
</body>
</html>`;
}
