// `npm start` as a newcomer runs it (code-server path): code-server has no password, so it must
// listen on 127.0.0.1 only — even with code-server's own CODE_SERVER_HOST/PORT set in the
// environment — and say so; workspace trust stays on, VS Code asks about the folder, and either
// answer shows the dev cluster and the KubeVirt cluster it configured (user settings of its profile).

import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../e2e/support/chromium';
import { repoRoot } from '../e2e/support/code-server';
import { UNTRUSTED_WORKSPACE_NOTICE } from '../../src/model/settings';
import { eventually, JOURNEY_ARTIFACTS } from './support/installed-workbench';

/** Local addresses listening on `port` (IPv4 and IPv6), from the kernel's socket tables. */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== '0A') continue; // 0A = LISTEN
      const [addr, portHex] = local.split(':');
      if (parseInt(portHex, 16) === port) found.push(addr);
    }
  }
  return found;
}

const LOOPBACK_V4 = '0100007F'; // 127.0.0.1, little-endian as the kernel prints it
const LOOPBACK_V6 = '00000000000000000000000001000000'; // ::1

describe('Journey: npm start — code-server on loopback only, with workspace trust on', function () {
  this.timeout(600_000);
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  const state = mkdtempSync(path.join(os.tmpdir(), 'blixard-npm-start-'));
  const output: string[] = [];

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      process.kill(-child.pid, 'SIGINT');
      const timer = setTimeout(() => process.kill(-child!.pid!, 'SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(state, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 whatever CODE_SERVER_HOST says, says so in one line, and keeps workspace trust on without hiding its clusters', async () => {
    child = spawn('bash', ['scripts/start.sh'], {
      cwd: repoRoot,
      // A container-style environment that would put code-server on every interface.
      env: { ...process.env, BLIXARD_START_WITH: 'code-server', BLIXARD_START_DIR: state, CODE_SERVER_HOST: '0.0.0.0', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n'));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const url = await eventually(
      async () => output.map((l) => /^\s*(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)/.exec(l)?.[1]).find(Boolean),
      () => `npm start to print its URL (output: ${output.slice(-15).join(' | ')})`,
      420_000,
    );
    const port = Number(new URL(url).port);
    const addresses = listeningAddresses(port);
    assert.ok(addresses.length > 0, `something listens on ${port}`);
    assert.deepEqual(addresses.filter((a) => a !== LOOPBACK_V4 && a !== LOOPBACK_V6), [], `port ${port} listens on loopback only`);
    const said = output.filter((l) => l.includes('code-server on http://'));
    assert.deepEqual(said, [`[start] code-server on http://127.0.0.1:${port} — no password, reachable only from this machine`]);
    assert.ok(output.some((l) => l.includes('ignoring CODE_SERVER_HOST=0.0.0.0')), 'the ignored override is mentioned');

    const settings = JSON.parse(readFileSync(path.join(state, 'user-data', 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['security.workspace.trust.enabled'], undefined, 'the profile leaves workspace trust on');

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url, { timeout: 60_000 });
    // Trust is on: VS Code asks. Answer no — the clusters npm start configured still show.
    const question = page.getByText('Do you trust the authors of the files in this folder?');
    await question.waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: /No, I don't trust the authors/ }).click();
    await page.locator('.activitybar .action-label[aria-label^="Blixard"]').first().click({ timeout: 120_000 });
    const labels = async () =>
      page.locator('.part.sidebar .monaco-list-row .label-name').evaluateAll((rows) => rows.map((r) => r.textContent?.trim() ?? ''));
    const rows = await eventually(async () => {
      const now = await labels();
      return now.includes(UNTRUSTED_WORKSPACE_NOTICE) && now.includes('local') && now.some((l) => /kubevirt/i.test(l)) ? now : undefined;
    }, async () => `the Restricted Mode notice, the "local" datacenter and the KubeVirt cluster (rows: ${(await labels()).join(' | ')})`, 120_000);
    assert.ok(rows.length >= 3);
    mkdirSync(JOURNEY_ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(JOURNEY_ARTIFACTS, 'npm-start-restricted-mode.png') });
  });
});
