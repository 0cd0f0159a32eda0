// End to end, in a real workbench (code-server in Chromium): the migration dialog's live transfer
// chart and convergence verdict (issue 16). A Blixard live migration on a converging dev cluster:
// the chart gains points and its figures move while the copy runs, the verdict says "Converging,
// about Ns left". One on a dev cluster whose guests dirty memory faster than the link sends it: the
// verdict says it will not converge and what would help. Through both, the webview's CSP reports no
// violation (uPlot draws under it as it is) and allows no inline or eval'd script. Screenshots in
// the dark, light and high-contrast themes go to .test-artifacts/dialog-chart/.

import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { repoRoot } from './support/code-server';
import { Workbench } from './support/workbench';
import { exactQuickPickRow, pickVmFromPalette, SlowDevCluster } from './dialog-support';

const ARTIFACTS = path.join(repoRoot, '.test-artifacts', 'dialog-chart');
const CONVERGING = 'Chart cluster';
const DIRTY = 'Dirty cluster';

describe('Migration dialog: live transfer chart and convergence verdict, end to end', function () {
  this.timeout(600_000);
  let converging: SlowDevCluster;
  let dirty: SlowDevCluster;
  let workbench: Workbench;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // vm-3 (2 GiB): about 7 s at 2500 Mbit/s with a quiet guest; vm-1 (512 MiB) dirtying 1600 Mbit/s of a 1000 Mbit/s link never converges.
    [converging, dirty] = await Promise.all([SlowDevCluster.start(repoRoot, 2500, 200), SlowDevCluster.start(repoRoot, 1000, 1600)]);
    workbench = await Workbench.open({
      viewport: { width: 1400, height: 1000 },
      userSettings: {
        'workbench.colorTheme': 'Default Dark Modern',
        'blixard.clusters': [
          { name: CONVERGING, endpoints: converging.endpoints },
          { name: DIRTY, endpoints: dirty.endpoints },
        ],
      },
    });
    page = workbench.page;
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      await page.screenshot({ path: path.join(ARTIFACTS, `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) }).catch(() => undefined);
    }
  });

  after(async () => {
    await workbench?.close().catch(() => undefined);
    await converging?.stop().catch(() => undefined);
    await dirty?.stop().catch(() => undefined);
  });

  async function shot(name: string): Promise<void> {
    await page.mouse.move(1300, 950);
    await page.locator('.part.editor').screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  }

  /** The theme picker, as a person uses it; waits for the workbench to carry the theme's class. */
  async function setTheme(label: string, workbenchClass: string): Promise<void> {
    // The exact row: "Browse Color Themes in Marketplace" ranks first at times, and there is no marketplace here.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('>Preferences: Color Theme');
    await exactQuickPickRow(page, 'Preferences: Color Theme').click({ timeout: 30_000 });
    await page.waitForFunction(() => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value === '', undefined, { timeout: 30_000 });
    await input.fill(label);
    await exactQuickPickRow(page, label).click({ timeout: 30_000 });
    await page.waitForFunction((k) => document.querySelector('.monaco-workbench')?.classList.contains(k) ?? false, workbenchClass, { timeout: 60_000 });
  }

  /** Records the webview's CSP violations from now on (read back with cspViolations). */
  async function watchCsp(dialog: FrameLocator): Promise<void> {
    await dialog.locator('body').evaluate(() => {
      const w = window as unknown as { cspViolations?: string[] };
      if (w.cspViolations) return;
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.cspViolations!.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
    });
  }

  async function cspViolations(dialog: FrameLocator): Promise<string[]> {
    return dialog.locator('body').evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? ['(not watched)']);
  }

  async function startLiveMigration(cluster: string, vm: string, targetDigit: string): Promise<FrameLocator> {
    const dialog = workbench.webview();
    await pickVmFromPalette(workbench, cluster, vm);
    await dialog.locator('h1', { hasText: `Migrate ${vm}` }).waitFor({ timeout: 60_000 });
    await watchCsp(dialog);
    const policy = (await dialog.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
    const scriptSrc = policy.split(';').find((d) => d.trim().startsWith('script-src')) ?? '';
    assert.match(scriptSrc, /'nonce-[0-9a-f]{32}'/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/, policy);
    await dialog.locator('#target:focus').waitFor({ timeout: 30_000 });
    await page.keyboard.press(targetDigit);
    await dialog.locator('#migrate:not([disabled])').waitFor();
    await page.keyboard.press('Enter');
    await dialog.locator('h1', { hasText: `Migrating ${vm}` }).waitFor({ timeout: 60_000 });
    return dialog;
  }

  it('draws the chart as a converging Blixard live migration runs, with the verdict and its ETA', async () => {
    const dialog = await startLiveMigration(CONVERGING, 'vm-3', '1');
    const chart = dialog.locator('#transfer-chart');
    await chart.locator('canvas').waitFor({ timeout: 60_000 });
    await dialog.locator('#verdict', { hasText: /^Converging, about \d+s left$/ }).waitFor({ timeout: 60_000 });
    await dialog.locator('#verdict-reason', { hasText: /^The link sends [\d.]+ MiB\/s, the guest dirties [\d.]+ MiB\/s/ }).waitFor();
    await dialog.locator('#progress-figures', { hasText: /^Round 1: \d+(\.\d)?% of 2 GiB copied · .* sent · .* remaining · .*\/s · ETA \d+s$/ }).waitFor();
    // The chart moves: more points, and its figures change, while the copy runs.
    const points1 = Number(await chart.getAttribute('data-points'));
    const sent1 = await dialog.locator('.chart-key.transferred .chart-value').textContent();
    await page.waitForTimeout(1500);
    const points2 = Number(await chart.getAttribute('data-points'));
    const sent2 = await dialog.locator('.chart-key.transferred .chart-value').textContent();
    assert.ok(points2 > points1, `the chart gains points (${points1} → ${points2})`);
    assert.notEqual(sent2, sent1, 'the sent figure moves');
    const box = await chart.locator('canvas').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 150, `a chart of a readable size (${JSON.stringify(box)})`);
    // What the canvas shows, as text for a screen reader.
    assert.match((await dialog.locator('#verdict-status').textContent()) ?? '', /^Converging, about \d+s left\. The link sends .*\.$/);
    assert.equal(await dialog.locator('.chart-plot').getAttribute('aria-hidden'), 'true');
    await shot('1-converging-dark');

    await dialog.locator('h1', { hasText: 'Migrated vm-3' }).waitFor({ timeout: 120_000 });
    // The record of the copy stays once it ended; the verdict gives way to the outcome.
    assert.equal(await chart.isVisible(), true);
    assert.equal(await dialog.locator('#verdict').isVisible(), false);
    await shot('2-converged-dark');
    assert.deepEqual(await cspViolations(dialog), []);
    await page.keyboard.press('Escape');
    await page.locator('.tabs-container .tab', { hasText: 'Migrate vm-3' }).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('says a migration whose guest dirties faster than the link will not converge, and what would help — in light and high contrast', async () => {
    await setTheme('Light Modern', 'vs');
    const dialog = await startLiveMigration(DIRTY, 'vm-1', '2');
    await dialog.locator('#verdict', { hasText: 'Will not converge: the guest dirties memory faster than the link sends it' }).waitFor({ timeout: 60_000 });
    await dialog.locator('#verdict-reason', { hasText: /^The link sends 119 MiB\/s, the guest dirties 191 MiB\/s$/ }).waitFor();
    await dialog.locator('#verdict-advice', { hasText: 'Would help: a faster migration link or migrating cold (the VM stops while it moves).' }).waitFor();
    await dialog.locator('#progress-figures', { hasText: /no ETA \(not converging\)$/ }).waitFor();
    assert.equal(await dialog.locator('#convergence').getAttribute('data-verdict'), 'not-converging');
    await page.waitForTimeout(1000);
    await shot('3-not-converging-light');
    await setTheme('Dark High Contrast', 'hc-black');
    await page.waitForTimeout(1000);
    await dialog.locator('#transfer-chart canvas').waitFor();
    await shot('4-not-converging-high-contrast');
    // The daemon gives up when a round leaves as much as the last; the outcome says so in its words.
    await dialog.locator('h1', { hasText: 'Migration of vm-1 failed' }).waitFor({ timeout: 180_000 });
    await dialog.locator('#outcome', { hasText: /cannot converge/ }).waitFor();
    await shot('5-failed-high-contrast');
    assert.deepEqual(await cspViolations(dialog), []);
    await setTheme('Dark Modern', 'vs-dark');
  });

  it('raised no errors in the page', () => {
    assert.deepEqual(pageErrors.filter((e) => /dialog|uplot|webview|Content Security Policy/i.test(e)), []);
  });
});
