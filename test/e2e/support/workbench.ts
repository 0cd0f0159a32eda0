// A real VS Code workbench in Chromium, for end-to-end tests: code-server with the extension
// under development, a fresh profile with the given settings, and the small vocabulary tests
// need — run a command, open the Blixard view, find and expand tree rows, reach a webview,
// keep a screenshot.

import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { CodeServer, repoRoot } from './code-server';

export const artifactsDir = path.join(repoRoot, '.test-artifacts');

export interface WorkbenchOptions {
  userSettings?: Record<string, unknown>;
  /** The extension to load; the repository by default. Pass null to load none (an installed VSIX). */
  extensionDevelopmentPath?: string | null;
  /** A module whose run() the extension host calls (benchmarks, tests). */
  extensionTestsPath?: string;
  env?: Record<string, string>;
  viewport?: { width: number; height: number };
}

export class Workbench {
  private constructor(
    readonly server: CodeServer,
    readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(options: WorkbenchOptions = {}): Promise<Workbench> {
    const server = await CodeServer.start({
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern', ...options.userSettings },
      env: options.env,
    });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
      const developmentPath = options.extensionDevelopmentPath === undefined ? repoRoot : options.extensionDevelopmentPath;
      const payload = developmentPath ? { extensionDevelopmentPath: developmentPath, ...(options.extensionTestsPath ? { extensionTestsPath: options.extensionTestsPath } : {}) } : {};
      await page.goto(server.workbenchUrl(payload), { timeout: 60_000 });
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.activitybar').waitFor({ timeout: 60_000 });
      return new Workbench(server, browser, page);
    } catch (err) {
      await browser?.close().catch(() => undefined);
      await server.stop();
      throw err;
    }
  }

  /** Runs a command by its palette title, as a person would (F1, type, Enter). */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input');
    const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    // While the workbench is still restoring, the palette can close again or list nothing yet: retry.
    let lastError: unknown;
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        if (!(await input.isVisible().catch(() => false))) await this.page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 5_000 });
        await input.fill(`>${title}`);
        await row.waitFor({ timeout: 10_000 });
        await this.page.keyboard.press('Enter');
        return;
      } catch (err) {
        lastError = err;
        await this.page.keyboard.press('Escape').catch(() => undefined);
        await this.page.waitForTimeout(1000);
      }
    }
    throw new Error(`Could not run "${title}" from the command palette: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  /** Opens the Blixard container in the activity bar and waits for the Clusters view. */
  async openBlixardView(): Promise<Locator> {
    await this.runCommand('Blixard: Focus on Clusters View');
    const pane = this.clustersTree();
    await pane.waitFor({ timeout: 60_000 });
    return pane;
  }

  clustersTree(): Locator {
    return this.page.getByRole('tree', { name: /Clusters/ }).first();
  }

  /** The tree row whose label starts with `label`. */
  row(label: string | RegExp): Locator {
    const name = typeof label === 'string' ? new RegExp(`^${escapeRegExp(label)}`) : label;
    return this.clustersTree().getByRole('treeitem', { name }).first();
  }

  /**
   * Expands a row (if collapsed), waits for it, and steps onto its first child: the list only
   * renders rows in view, so this scrolls the children into the DOM.
   */
  async expand(label: string | RegExp): Promise<Locator> {
    const row = this.row(label);
    await row.waitFor({ timeout: 60_000 });
    await row.click();
    if ((await row.getAttribute('aria-expanded')) !== 'true') await this.page.keyboard.press('ArrowRight');
    await this.page.waitForFunction((el) => el?.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: 30_000 });
    await this.page.keyboard.press('ArrowDown');
    return row;
  }

  /** Collapses another view of the side bar (e.g. "Migrations") to give the tree room. */
  async collapseView(title: string): Promise<void> {
    const header = this.page.locator('.pane-header', { hasText: title }).first();
    if ((await header.count()) > 0 && (await header.getAttribute('aria-expanded')) === 'true') await header.click();
  }

  /**
   * VS Code's own activation figures from "Developer: Show Running Extensions": extension id →
   * ms (code loading + the activate() call), for every extension activated so far.
   */
  async reportedActivationTimes(): Promise<Record<string, number>> {
    await this.runCommand('Developer: Show Running Extensions');
    const rows = this.page.locator('.runtime-extensions-editor .monaco-list-row');
    await rows.first().waitFor({ timeout: 30_000 });
    await this.page.waitForTimeout(500);
    const entries = await rows.evaluateAll((els) =>
      els.map((el) => [el.querySelector('.name')?.textContent ?? '', el.querySelector('.activation-time')?.textContent ?? ''] as const),
    );
    const times: Record<string, number> = {};
    for (const [name, text] of entries) {
      const match = /(\d+)\s*ms/.exec(text);
      if (name && match) times[name] = Number(match[1]);
    }
    return times;
  }

  /** Drags the side bar's edge so it is `width` pixels wide (long tree descriptions fit). */
  async widenSideBar(width: number): Promise<void> {
    const box = await this.page.locator('.part.sidebar').first().boundingBox();
    if (!box) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 8 });
    await this.page.mouse.up();
  }

  /** The content of the active webview (dialogs, history panel). */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  /** Saves a screenshot (of the page, or of a region) under .test-artifacts/ and returns its path. */
  async screenshot(name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<string> {
    mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `${name}.png`);
    await this.page.screenshot({ path: file, ...(clip ? { clip } : {}) });
    return file;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
