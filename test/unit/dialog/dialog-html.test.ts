import { strict as assert } from 'node:assert';
import { contentSecurityPolicy, createNonce, dialogHtml, staticMessageHtml } from '../../../src/ui/common/core/webview-html';

const inputs = () => ({
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/dialog.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/dialog.css',
  nonce: createNonce(),
  title: 'Migrate <web-1> & "db"',
});

describe('dialog: HTML and content security policy', () => {
  it('denies everything by default and allows only nonce scripts and extension styles', () => {
    const csp = contentSecurityPolicy('https://x.example', 'abc123');
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['script-src'], ["'nonce-abc123'"]);
    assert.deepEqual(directives['style-src'], ['https://x.example', "'nonce-abc123'"]);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval') && !csp.includes('*'), csp);
  });

  it('loads exactly one script, carrying the nonce, and no inline handlers', () => {
    const i = inputs();
    const html = dialogHtml(i);
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.ok(scripts[0].includes(`nonce="${i.nonce}"`));
    assert.ok(scripts[0].includes(`src="${i.scriptUri}"`));
    assert.ok(!/\son[a-z]+=/i.test(html), 'no inline event handlers');
    assert.ok(!/https?:\/\/(?!file\+\.vscode-resource)/.test(html), 'no remote content');
    assert.ok(html.includes('Migrate &lt;web-1&gt; &amp; &quot;db&quot;'), 'title escaped');
  });

  it('uses a fresh, unguessable nonce for every load', () => {
    const nonces = new Set(Array.from({ length: 2000 }, createNonce));
    assert.equal(nonces.size, 2000);
    // 128 bits each, every time: 32 hex digits (a nonce CSP accepts as it is).
    for (const n of nonces) assert.match(n, /^[0-9a-f]{32}$/);
  });

  it('renders a script-free notice for a panel that cannot be restored', () => {
    const html = staticMessageHtml('https://x.example', 'https://x.example/dialog.css', 'Migrate <x>', 'Cluster <b> gone');
    assert.ok(!html.includes('<script'));
    assert.ok(html.includes("default-src 'none'"));
    assert.ok(html.includes('Cluster &lt;b&gt; gone'));
  });
});
