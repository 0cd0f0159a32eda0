// A real workbench with the extension installed from the release VSIX, as a user has it:
// `code-server --install-extension blixard-migrations-<version>.vsix` into a fresh extensions
// folder, then the workbench opened in Chromium with no development path. The vocabulary the
// journeys speak: run a command from the palette, pick in a quick input, read and expand tree
// rows of a view, reach the active webview, watch the status bar, read the output channel,
// keep screenshots.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { launchChromium } from '../../e2e/support/chromium';
import { CodeServer, codeServerEntry, repoRoot } from '../../e2e/support/code-server';
import { ensureReleaseVsix } from './release-vsix';

export const JOURNEY_ARTIFACTS = path.join(repoRoot, '.test-artifacts', 'journeys');
export const README_SCREENSHOTS = path.join(repoRoot, 'media', 'screenshots');
export const EXTENSION_ID = 'blixard.blixard-migrations';

export interface InstalledWorkbenchOptions {
  /** User settings of the fresh profile. */
  userSettings?: Record<string, unknown>;
  /** Environment of code-server and so of the extension host. KUBECONFIG defaults to a file that does not exist. */
  env?: Record<string, string>;
  viewport?: { width: number; height: number };
}

export interface TreeRow {
  level: number;
  label: string;
  description: string;
  expanded: boolean | undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function exactly(text: string): RegExp {
  return new RegExp(`^${escapeRegExp(text)}$`);
}

/** Polls `check` until it returns a value other than undefined/false, or fails saying what was awaited. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string | (() => Promise<string> | string), timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const description = typeof what === 'string' ? what : await what();
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${description}${lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Installs the VSIX into the profile's extensions folder the way a user would, with code-server's CLI. */
function installVsix(vsix: string, profileDir: string): string {
  const extensionsDir = path.join(profileDir, 'extensions');
  const result = spawnSync(
    process.execPath,
    [codeServerEntry(), '--extensions-dir', extensionsDir, '--user-data-dir', path.join(profileDir, 'user-data'), '--install-extension', vsix],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0 || !/successfully installed/i.test(output)) throw new Error(`code-server --install-extension ${vsix} failed:\n${output}`);
  const installed = readdirSync(extensionsDir).find((d) => d.startsWith(`${EXTENSION_ID}-`));
  if (!installed) throw new Error(`the VSIX did not land in ${extensionsDir}: ${readdirSync(extensionsDir).join(', ')}`);
  return path.join(extensionsDir, installed);
}

export class InstalledWorkbench {
  readonly pageErrors: string[] = [];

  private constructor(
    readonly server: CodeServer,
    readonly browser: Browser,
    readonly page: Page,
    /** Where code-server unpacked the extension. */
    readonly extensionDir: string,
  ) {
    page.on('pageerror', (err) => this.pageErrors.push(err.message));
  }

  static async open(options: InstalledWorkbenchOptions = {}): Promise<InstalledWorkbench> {
    mkdirSync(JOURNEY_ARTIFACTS, { recursive: true });
    const vsix = ensureReleaseVsix();
    const profileDir = mkdtempSync(path.join(os.tmpdir(), 'blixard-journey-'));
    const extensionDir = installVsix(vsix, profileDir);
    const server = await CodeServer.start({
      profileDir,
      userSettings: { 'workbench.colorTheme': 'Default Dark Modern', ...options.userSettings },
      env: { KUBECONFIG: path.join(profileDir, 'no-kubeconfig'), ...options.env },
    });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 900 } });
      const workbench = new InstalledWorkbench(server, browser, page, extensionDir);
      await page.goto(server.workbenchUrl(), { timeout: 120_000 });
      await page.locator('.monaco-workbench').waitFor({ timeout: 120_000 });
      await page.locator('.activitybar').waitFor({ timeout: 120_000 });
      return workbench;
    } catch (err) {
      await browser?.close().catch(() => undefined);
      await server.stop().catch(() => undefined);
      rmSync(profileDir, { recursive: true, force: true });
      throw err;
    }
  }

  get profileDir(): string {
    return this.server.profileDir;
  }

  get workspaceFolder(): string {
    return this.server.workspaceFolder;
  }

  // ---- commands and quick inputs -------------------------------------------------------------

  private quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /** The quick-input row whose label is exactly `label`. */
  quickInputRow(label: string): Locator {
    return this.quickInput().locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) }).first();
  }

  /** Runs a command by its palette title (F1, type, Enter), retrying while the workbench is still restoring. */
  async runCommand(title: string): Promise<void> {
    const input = this.quickInput().locator('input');
    let lastError: unknown;
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        if (!(await input.isVisible().catch(() => false))) await this.page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.fill(`>${title}`);
        await this.focusedQuickInputRowIs(title, 15_000);
        await this.page.keyboard.press('Enter');
        return;
      } catch (err) {
        lastError = err;
        await this.page.keyboard.press('Escape').catch(() => undefined);
        await this.page.waitForTimeout(1000);
      }
    }
    throw new Error(`Could not run "${title}" from the command palette (is the command contributed by the installed extension?): ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  /** Waits until the highlighted row of the open quick input is exactly `label` (so Enter picks it). */
  async focusedQuickInputRowIs(label: string, timeoutMs = 30_000): Promise<void> {
    await eventually(
      async () => {
        const focused = this.quickInput().locator('.monaco-list-row.focused .label-name').first();
        if ((await focused.count()) === 0) return false;
        return (await focused.textContent())?.trim() === label;
      },
      async () => `"${label}" highlighted in the quick input (rows: ${(await this.quickInputLabels()).join(' | ')})`,
      timeoutMs,
    );
  }

  async quickInputLabels(): Promise<string[]> {
    return this.quickInput().locator('.monaco-list-row .label-name').allTextContents();
  }

  /** Types into the open quick input (a pick or an input box) and accepts with Enter once `label` is highlighted (picks only). */
  async answerQuickInput(text: string, options: { pick?: string; title?: RegExp } = {}): Promise<void> {
    const input = this.quickInput().locator('input');
    await input.waitFor({ state: 'visible', timeout: 60_000 });
    if (options.title) await this.quickInput().locator('.quick-input-title', { hasText: options.title }).waitFor({ timeout: 60_000 });
    await input.fill(text);
    if (options.pick) await this.focusedQuickInputRowIs(options.pick, 60_000);
    await this.page.keyboard.press('Enter');
  }

  // ---- the Blixard views ---------------------------------------------------------------------

  async openBlixardContainer(): Promise<void> {
    const item = this.page.locator('.activitybar .action-label[aria-label^="Blixard"]').first();
    await item.waitFor({ timeout: 120_000 });
    const checked = await this.page.locator('.activitybar .action-item.checked .action-label[aria-label^="Blixard"]').count();
    if (checked === 0) await item.click();
    await this.viewPane('Clusters').waitFor({ timeout: 60_000 });
  }

  /** A view's pane (header + body) in the side bar, by its title. */
  viewPane(title: 'Clusters' | 'Migrations'): Locator {
    return this.page.locator('.part.sidebar .pane').filter({ has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${title}`, 'i') }) }).first();
  }

  async expandViewPane(title: 'Clusters' | 'Migrations', expanded = true): Promise<void> {
    const header = this.viewPane(title).locator('.pane-header').first();
    await header.waitFor({ timeout: 60_000 });
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
  }

  /** A row of a view's tree whose label is exactly `label` (or matches the expression). */
  treeRow(view: 'Clusters' | 'Migrations', label: string | RegExp): Locator {
    const name = typeof label === 'string' ? exactly(label) : label;
    return this.viewPane(view).locator('.monaco-list-row').filter({ has: this.page.locator('.label-name', { hasText: name }) }).first();
  }

  /** The rows the tree draws now, in order, with their depth. */
  async treeRows(view: 'Clusters' | 'Migrations'): Promise<TreeRow[]> {
    return this.viewPane(view)
      .locator('.monaco-list-row')
      .evaluateAll((rows) =>
        rows.map((r) => ({
          level: Number(r.getAttribute('aria-level')),
          label: r.querySelector('.label-name')?.textContent?.trim() ?? '',
          description: r.querySelector('.label-description')?.textContent?.trim() ?? '',
          expanded: r.hasAttribute('aria-expanded') ? r.getAttribute('aria-expanded') === 'true' : undefined,
        })),
      );
  }

  /** Expands a row when it is collapsed. */
  async expandRow(view: 'Clusters' | 'Migrations', label: string | RegExp): Promise<void> {
    const row = this.treeRow(view, label);
    await row.waitFor({ timeout: 60_000 });
    if ((await row.getAttribute('aria-expanded')) === 'false') {
      await row.locator('.monaco-tl-twistie').click();
      await eventually(async () => (await row.getAttribute('aria-expanded')) === 'true', `row ${label} to expand`, 30_000);
    }
  }

  /** Collapses a row when it is expanded. */
  async collapseRow(view: 'Clusters' | 'Migrations', label: string | RegExp): Promise<void> {
    const row = this.treeRow(view, label);
    await row.waitFor({ timeout: 60_000 });
    if ((await row.getAttribute('aria-expanded')) === 'true') {
      await row.locator('.monaco-tl-twistie').click();
      await eventually(async () => (await row.getAttribute('aria-expanded')) === 'false', `row ${label} to collapse`, 30_000);
    }
  }

  /**
   * Expands a row that must have children and waits until they are drawn. No second try: a row
   * that comes up open and empty is the defect redraw-race-guard.ts exists for (issue 9, item 13).
   */
  async expandRowWithChildren(view: 'Clusters' | 'Migrations', label: string): Promise<void> {
    await this.expandRow(view, label);
    await eventually(() => this.hasDrawnChildren(view, label), async () => `children under ${label} in ${view}, which is expanded (rows: ${JSON.stringify(await this.treeRows(view))})`, 30_000);
  }

  /** Whether the row right after `label` is one level deeper (its children are drawn). */
  async hasDrawnChildren(view: 'Clusters' | 'Migrations', label: string): Promise<boolean> {
    const rows = await this.treeRows(view);
    const i = rows.findIndex((r) => r.label === label);
    return i >= 0 && i + 1 < rows.length && rows[i + 1].level === rows[i].level + 1;
  }

  /** The label of the row one level up from the row labelled `label` (a VM's node, a node's cluster). */
  async parentOf(view: 'Clusters' | 'Migrations', label: string): Promise<string | undefined> {
    const rows = await this.treeRows(view);
    const i = rows.findIndex((r) => r.label === label);
    if (i < 0) return undefined;
    for (let j = i - 1; j >= 0; j--) if (rows[j].level === rows[i].level - 1) return rows[j].label;
    return undefined;
  }

  /** Opens a row's context menu and picks an item, as a person does with the mouse. */
  async contextMenu(view: 'Clusters' | 'Migrations', label: string | RegExp, item: string): Promise<void> {
    const row = this.treeRow(view, label);
    await row.waitFor({ timeout: 60_000 });
    await row.click({ button: 'right' });
    const menuItem = this.page.getByRole('menuitem', { name: exactly(item) });
    try {
      await menuItem.waitFor({ timeout: 15_000 });
    } catch {
      const offered = await this.page.getByRole('menuitem').allTextContents();
      await this.page.keyboard.press('Escape');
      throw new Error(`the context menu of "${label}" in ${view} has no "${item}" (it offers: ${offered.map((t) => t.trim()).filter(Boolean).join(' | ')})`);
    }
    await menuItem.click();
  }

  // ---- webviews ------------------------------------------------------------------------------

  /** The content of the visible webview (the active editor's), as code-server's own tests reach it. */
  webview(): FrameLocator {
    return this.page.locator('iframe.webview.ready:visible').first().contentFrame().frameLocator('#active-frame');
  }

  editorTab(title: string | RegExp): Locator {
    return this.page.locator('.tabs-container .tab', { hasText: title }).first();
  }

  // ---- status bar and output -----------------------------------------------------------------

  async statusBarTexts(): Promise<string[]> {
    return (await this.page.locator('.part.statusbar .statusbar-item').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  }

  /** Starts keeping every text the status bar shows (a migration may be shorter than a poll). */
  async recordStatusBar(): Promise<void> {
    // A string, not a function: tsx's transform would leave helper calls the page does not have.
    await this.page.evaluate(`(() => {
      window.__statusObserver?.disconnect();
      const seen = [];
      window.__statusSeen = seen;
      const bar = document.querySelector('.part.statusbar');
      if (!bar) throw new Error('no status bar');
      const take = () => {
        for (const item of bar.querySelectorAll('.statusbar-item')) {
          const text = item.innerText.trim();
          if (text && !seen.includes(text)) seen.push(text);
        }
      };
      take();
      window.__statusObserver = new MutationObserver(take);
      window.__statusObserver.observe(bar, { subtree: true, childList: true, characterData: true, attributes: true });
    })()`);
  }

  async recordedStatusBar(): Promise<string[]> {
    return this.page.evaluate<string[]>('[...(window.__statusSeen ?? [])]');
  }

  /** Shows an output channel in the panel (Output: Show Output Channels…) and returns the lines it draws. */
  async showOutputChannel(name: string): Promise<string[]> {
    await this.runCommand('Output: Show Output Channels...');
    await this.answerQuickInput(name, { pick: name });
    const lines = this.page.locator('.part.panel .monaco-editor .view-lines');
    await lines.first().waitFor({ timeout: 30_000 });
    await this.page.locator('.part.panel .monaco-select-box, .part.panel select', { hasText: name }).first().waitFor({ timeout: 30_000 }).catch(() => undefined);
    return (await lines.first().innerText()).split('\n').filter((l) => l.trim());
  }

  /**
   * The full text of an extension's LogOutputChannel as VS Code wrote it to its log file (the
   * panel only draws the lines in view).
   */
  outputChannelLog(name: string): string {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name === `${name}.log`) found.push(full);
      }
    };
    const logs = path.join(this.server.userDataDir, 'logs');
    if (existsSync(logs)) walk(logs);
    found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    return found.length > 0 ? readFileSync(found[0], 'utf8') : '';
  }

  // ---- settings ------------------------------------------------------------------------------

  /** Edits the user settings file as a person editing settings.json would; VS Code applies it live. */
  updateUserSettings(patch: Record<string, unknown>): void {
    const file = path.join(this.server.userDataDir, 'User', 'settings.json');
    const current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...current, ...patch }, null, 2));
  }

  // ---- artifacts -----------------------------------------------------------------------------

  /**
   * Keeps a screenshot in .test-artifacts/journeys/<name>.png (of the whole window, or of one
   * part of it) and, with `readme` and BLIXARD_README_SCREENSHOTS=1, a copy in
   * media/screenshots/<readme>.png for the README (so an ordinary test run leaves the
   * committed pictures alone).
   */
  async screenshot(name: string, options: { part?: 'editor' | 'sidebar' | 'panel'; readme?: string } = {}): Promise<string> {
    mkdirSync(JOURNEY_ARTIFACTS, { recursive: true });
    await this.page.mouse.move(5, this.page.viewportSize()!.height - 5); // no hover tooltip in the picture
    const file = path.join(JOURNEY_ARTIFACTS, `${name}.png`);
    if (options.part) await this.page.locator(`.part.${options.part}`).first().screenshot({ path: file });
    else await this.page.screenshot({ path: file });
    if (options.readme && process.env.BLIXARD_README_SCREENSHOTS === '1') {
      mkdirSync(README_SCREENSHOTS, { recursive: true });
      copyFileSync(file, path.join(README_SCREENSHOTS, `${options.readme}.png`));
    }
    return file;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop().catch(() => undefined);
    if (!process.env.BLIXARD_KEEP_PROFILE) rmSync(this.server.profileDir, { recursive: true, force: true });
  }
}
