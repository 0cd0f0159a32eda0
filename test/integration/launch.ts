// Runs the integration suite inside a real VS Code extension host, headless: code-server
// (VS Code 1.100.3) on a free port with a fresh profile, Chromium opening the workbench with
// the extension under development and the suite's run() in the URL payload (TESTING.md).
// Prints mocha-style results as they arrive, then "integration: N passed, N failed[, N skipped]".
// Two windows, each its own code-server: suites/ in a window with workspace trust off (as every
// automated profile), untrusted-window/ with trust on and the folder not trusted (Restricted
// Mode), where a suite may ask the launcher to trust it through the UI.
//
//   node --require tsx/cjs test/integration/launch.ts
//   BLIXARD_INTEGRATION_GREP=settings …   to run only matching tests (a window none match is not started)

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, chromiumPath } from '../e2e/support/chromium';
import { CodeServer, codeServerEntry, workbenchPin } from '../e2e/support/code-server';
import { harnessPromiseEnv } from './support/harness-promise';
import { buildIntegrationBundle, repoRoot } from './support/build-test-bundle';
import { parseResultLines, RESULTS_ENV, SUITES_DIR_ENV, type WorkbenchAction } from './support/result-events';
import { reportSummary, ResultPrinter, type Summary } from './support/result-printer';
import { performWorkbenchAction } from './support/workbench-actions';

const SUITE = process.env.MOCHA_SUITE_NAME || 'integration';
const TOTAL_TIMEOUT_MS = Number(process.env.BLIXARD_INTEGRATION_TIMEOUT_MS ?? 20 * 60_000);
const START_TIMEOUT_MS = Number(process.env.BLIXARD_INTEGRATION_START_TIMEOUT_MS ?? 4 * 60_000);

interface TestWindow {
  /** The folder under test/integration (and out/test/integration) its suites are in. */
  suitesDir: 'suites' | 'untrusted-window';
  workspaceTrust: boolean;
}

const WINDOWS: TestWindow[] = [
  { suitesDir: 'suites', workspaceTrust: false },
  { suitesDir: 'untrusted-window', workspaceTrust: true },
];

async function main(): Promise<number> {
  const started = Date.now();
  try {
    // Missing parts fail loudly with what to install, never skip.
    chromiumPath();
    codeServerEntry();
    ensureExtensionBuilt();
    const bundle = await buildIntegrationBundle();
    const total: Summary = { passes: 0, failures: 0, pending: 0 };
    for (const window of WINDOWS.filter((w) => grepMayMatch(bundle.sources[w.suitesDir]))) {
      const summary = await runWindow(window, bundle.entry, started);
      total.passes += summary.passes;
      total.failures += summary.failures;
      total.pending += summary.pending;
    }
    return report(total);
  } catch (err) {
    console.error(`\n${SUITE}: ${err instanceof Error ? err.message : String(err)}`);
    return report({ passes: 0, failures: 1, pending: 0 });
  }
}

async function runWindow(window: TestWindow, entry: string, started: number): Promise<Summary> {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'blixard-integration-'));
  const resultsFile = path.join(workDir, 'results.jsonl');
  const browserErrors: string[] = [];
  try {
    if (window.workspaceTrust) console.log('\n[integration] a window with workspace trust on, its folder not trusted (Restricted Mode)');
    server = await CodeServer.start({
      workspaceTrust: window.workspaceTrust,
      // No startup question: the folder opens in Restricted Mode and a suite trusts it when it wants to.
      ...(window.workspaceTrust ? { userSettings: { 'security.workspace.trust.startupPrompt': 'never' } } : {}),
      env: { [RESULTS_ENV]: resultsFile, [SUITES_DIR_ENV]: window.suitesDir, ...harnessPromiseEnv({ vscodeVersion: workbenchPin().vscode, uiKind: 'web' }) },
    });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (err) => browserErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') browserErrors.push(msg.text());
    });
    const url = server.workbenchUrl({ extensionDevelopmentPath: repoRoot, extensionTestsPath: entry });
    await page.goto(url, { timeout: 60_000 });

    const summary = await followResults(resultsFile, started, page);
    if (!summary) {
      printDiagnostics(server, browserErrors);
      return { passes: 0, failures: 1, pending: 0 };
    }
    if (summary.failures > 0) printDiagnostics(server, browserErrors, true);
    return summary;
  } catch (err) {
    console.error(`\n${SUITE}: ${err instanceof Error ? err.message : String(err)}`);
    if (server) printDiagnostics(server, browserErrors);
    return { passes: 0, failures: 1, pending: 0 };
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Whether BLIXARD_INTEGRATION_GREP could select a test in these files (mocha matches it against
 * "describe title it title"), so a window with nothing to run is not started. Without a grep, yes.
 */
function grepMayMatch(files: string[]): boolean {
  const grep = process.env.BLIXARD_INTEGRATION_GREP;
  if (!grep) return true;
  const pattern = new RegExp(grep);
  const titles = (source: string, fn: string) => [...source.matchAll(new RegExp(`\\b${fn}\\(\\s*(['"\`])((?:\\\\.|(?!\\1).)*)\\1`, 'g'))].map((m) => m[2]);
  return files.some((file) => {
    const source = readFileSync(file, 'utf8');
    const suites = titles(source, 'describe');
    const tests = titles(source, 'it');
    return [...suites, ...tests].some((t) => pattern.test(t)) || suites.some((d) => tests.some((t) => pattern.test(`${d} ${t}`)));
  });
}

/** Prints events as run() appends them, and takes the UI steps a suite asks for; undefined when the run never finished. */
async function followResults(file: string, started: number, page: Page): Promise<Summary | undefined> {
  let consumed = 0;
  const printer = new ResultPrinter();
  for (;;) {
    const elapsed = Date.now() - started;
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      const complete = text.slice(0, text.lastIndexOf('\n') + 1);
      const events = parseResultLines(complete.slice(consumed));
      for (const event of events) if (event.event === 'ui') await takeUiStep(page, event.action);
      printer.consume(events.filter((e) => e.event !== 'ui'));
      consumed = complete.length;
      if (printer.outcome !== undefined) return printer.outcome ?? undefined;
    }
    if (!printer.started && elapsed > START_TIMEOUT_MS) {
      console.error(`\nThe extension host did not start the suite within ${START_TIMEOUT_MS / 1000} s.`);
      return undefined;
    }
    if (elapsed > TOTAL_TIMEOUT_MS) {
      printer.printFailures();
      console.error(`\nThe suite did not finish within ${TOTAL_TIMEOUT_MS / 1000} s.`);
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function takeUiStep(page: Page, action: WorkbenchAction): Promise<void> {
  try {
    await performWorkbenchAction(page, action);
  } catch (err) {
    // The suite waits for the step's effect and fails with its own message; say why here.
    console.error(`\n[integration] could not ${action} in the workbench: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function report(summary: Summary): number {
  return reportSummary(SUITE, summary);
}

/** Builds dist/ when it is missing or older than the sources (a standalone run after an edit). */
function ensureExtensionBuilt(): void {
  const bundle = path.join(repoRoot, 'dist', 'extension.js');
  const builtAt = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  const newer = ['src', 'companion', 'proto', 'webview'].some((dir) => newestMtime(path.join(repoRoot, dir)) > builtAt);
  if (!newer && existsSync(path.join(repoRoot, 'dist', 'companion', 'blixard-node.js'))) return;
  console.log('[integration] building the extension (node esbuild.mjs)');
  const result = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the extension build failed');
}

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function printDiagnostics(server: CodeServer, browserErrors: string[], brief = false): void {
  const hostLog = findExtensionHostLog(server.userDataDir);
  if (hostLog) {
    const lines = readFileSync(hostLog, 'utf8').split('\n');
    const interesting = lines.filter((l) => /\b(error|warn)\b/i.test(l));
    console.error(`\n--- extension host log (${brief ? 'warnings and errors' : 'last lines'}) ---\n${(brief ? interesting.slice(-20) : lines.slice(-40)).join('\n')}`);
  }
  if (!brief) {
    console.error(`\n--- code-server ---\n${server.recentOutput()}`);
    if (browserErrors.length > 0) console.error(`\n--- workbench console errors ---\n${browserErrors.slice(-15).join('\n')}`);
  }
}

function findExtensionHostLog(userDataDir: string): string | undefined {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 5 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p, depth + 1);
      else if (/exthost\.log$/.test(entry.name)) found.push(p);
    }
  };
  walk(path.join(userDataDir, 'logs'), 0);
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
