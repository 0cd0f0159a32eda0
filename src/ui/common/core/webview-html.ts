// The webviews' HTML shell (migration dialog, history panel): a strict CSP, one nonce per load, the bundled script and the
// extension's stylesheet, nothing inline and nothing remote. Free of `vscode` (URIs come in as
// strings) so the policy itself is unit-tested.

import { randomBytes } from 'node:crypto';

export interface DialogHtmlInputs {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `asWebviewUri(dist/webview/dialog.js)`. */
  scriptUri: string;
  /** `asWebviewUri(media/dialog.css)`. */
  styleUri: string;
  /** Fresh for every load; see createNonce. */
  nonce: string;
  title: string;
}

/**
 * 128 random bits, unguessable by content the webview might render. Hex, so it is always 32
 * characters (base64 with its '+' and '/' stripped lost bits, and now and then fell below 16).
 */
export function createNonce(): string {
  return randomBytes(16).toString('hex');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // The stylesheet comes from the extension. The nonce lets the toolkit's one feature probe
    // (a <style> testing :focus-visible support, which reads the nonce from the csp-nonce meta) pass;
    // the toolkit's component styles are constructable stylesheets, which CSP does not govern.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function dialogHtml(inputs: DialogHtmlInputs): string {
  const nonce = escapeAttribute(inputs.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(contentSecurityPolicy(inputs.cspSource, inputs.nonce))}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttribute(inputs.styleUri)}">
<title>${escapeAttribute(inputs.title)}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="loading">Loading…</p></main>
<script nonce="${nonce}" src="${escapeAttribute(inputs.scriptUri)}"></script>
</body>
</html>`;
}

/** A page with no script at all, for a restored panel whose cluster is gone. */
export function staticMessageHtml(cspSource: string, styleUri: string, title: string, message: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${escapeAttribute(cspSource)}">
<link rel="stylesheet" href="${escapeAttribute(styleUri)}">
<title>${escapeAttribute(title)}</title>
</head>
<body><main id="app"><h1>${escapeAttribute(title)}</h1><p class="error-text">${escapeAttribute(message)}</p></main></body>
</html>`;
}
