// What the maintenance-day end-to-end test reads and clicks besides the shared workbench support:
// the Clusters tree as drawn (which node a VM sits under), a notification's button, a CodeLens,
// an editor line retyped by hand, the Problems view's messages and the Migration Plan checklist.
// Each reads the page as a person sees it, never the extension's state.

import type { Locator, Page } from 'playwright-core';

export interface DrawnRow {
  level: number;
  label: string;
  description: string;
}

/** A side-bar view's pane by its title ("Clusters", "Migration Plan"). */
export function pane(page: Page, title: string): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escapeRegExp(title)}`, 'i') }) }).first();
}

/** The rows of a view's tree, in order, with their depth and description. */
export function drawnRows(view: Locator): Promise<DrawnRow[]> {
  return view.locator('.monaco-list-row').evaluateAll((rows) =>
    rows.map((r) => ({
      level: Number(r.getAttribute('aria-level')),
      label: r.querySelector('.label-name')?.textContent?.trim() ?? '',
      description: r.querySelector('.label-description')?.textContent?.trim() ?? '',
    })),
  );
}

/** The row of a view's tree whose label is exactly `label`. */
export function rowOf(page: Page, view: Locator, label: string): Locator {
  return view.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) }).first();
}

/** The labels of the rows drawn directly under the row `parent` (its children, when expanded). */
export function childrenOf(rows: readonly DrawnRow[], parent: string): string[] {
  const i = rows.findIndex((r) => r.label === parent);
  if (i < 0) return [];
  const out: string[] = [];
  for (let j = i + 1; j < rows.length && rows[j].level > rows[i].level; j++) if (rows[j].level === rows[i].level + 1) out.push(rows[j].label);
  return out;
}

/** Waits until `check` holds for the page, polling; fails with what it saw last. */
export async function until<T>(page: Page, what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await page.waitForTimeout(150);
  }
}

/** Clicks the button of the notification toast that says `text`. */
export async function answerNotification(page: Page, text: string | RegExp, button: string): Promise<string> {
  const toast = page.locator('.notification-toast', { hasText: text }).first();
  await toast.waitFor({ timeout: 60_000 });
  const message = (await toast.locator('.notification-list-item-message').first().textContent())?.trim() ?? '';
  await toast.getByRole('button', { name: button }).click();
  return message;
}

/** The active editor's CodeLens titles, as drawn above its first line. */
export function codeLenses(page: Page): Locator {
  return page.locator('.editor-group-container.active .codelens-decoration a');
}

/** Clicks the CodeLens whose title contains `title` (scrolling the editor to its top, where the lenses sit). */
export async function clickCodeLens(page: Page, title: string): Promise<void> {
  await page.locator('.editor-group-container.active .view-lines').click();
  await page.keyboard.press('Control+Home');
  const lens = codeLenses(page).filter({ hasText: title }).first();
  await lens.waitFor({ timeout: 30_000 });
  await lens.click();
}

/**
 * Retypes line `line` (1-based) of the active editor from its first non-blank character, as a
 * person would: go to the line, select to the line's start, type. Auto-closed quotes are typed over.
 */
export async function retypeLine(page: Page, line: number, text: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden', timeout: 10_000 });
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.type(text, { delay: 20 });
}

/** The problems listed in the Problems view (the rows with a position, not the files' rows), opening it if needed. */
export async function problems(page: Page): Promise<string[]> {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible().catch(() => false))) {
    await page.keyboard.press('Control+Shift+M');
    await panel.waitFor({ timeout: 30_000 });
  }
  const rows = await panel.locator('.monaco-list-row').allInnerTexts();
  return rows.map((r) => r.replace(/\s+/g, ' ').trim()).filter((r) => /\[Ln \d+, Col \d+\]/.test(r));
}

/** The error squiggles the active editor draws now. */
export function errorSquiggles(page: Page): Locator {
  return page.locator('.editor-group-container.active .squiggly-error');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
