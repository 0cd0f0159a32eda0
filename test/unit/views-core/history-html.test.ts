import * as assert from 'node:assert/strict';
import { createNonce } from '../../../src/ui/common/core/webview-html';
import { historyHtml } from '../../../src/ui/history-panel/core/history-html';

describe('history panel HTML', () => {
  const inputs = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', scriptUri: 'https://x/dist/webview/history.js', styleUri: 'https://x/media/history.css', nonce: createNonce() };

  it('allows only its own nonce-tagged script and the extension stylesheet', () => {
    const html = historyHtml(inputs);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, new RegExp(`script-src 'nonce-${inputs.nonce}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0][1], new RegExp(`nonce="${inputs.nonce}" src="https://x/dist/webview/history.js"`));
  });

  it('escapes what it puts in attributes', () => {
    const html = historyHtml({ ...inputs, scriptUri: 'https://x/"><script>alert(1)</script>' });
    assert.doesNotMatch(html, /<script>alert/);
  });
});
