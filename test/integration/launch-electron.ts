// The same integration suite on a desktop: @vscode/test-electron 2.5 downloads VS Code (it
// needs network access to update.code.visualstudio.com, which the CI machines here lack —
// there, test/integration/launch.ts runs it headless in code-server) and calls run().
//
//   node --require tsx/cjs test/integration/launch-electron.ts [--version X.Y.Z]   (default: the pinned VS Code)

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { quietWorkbenchSettings, workbenchPin } from '../e2e/support/code-server';
import { harnessPromiseEnv } from './support/harness-promise';
import { buildIntegrationBundle, repoRoot } from './support/build-test-bundle';
import { parseResultLines, RESULTS_ENV } from './support/result-events';
import { reportSummary, ResultPrinter } from './support/result-printer';

const SUITE = process.env.MOCHA_SUITE_NAME || 'integration';

async function main(): Promise<number> {
  const versionArg = process.argv.indexOf('--version');
  const version = versionArg > 0 ? process.argv[versionArg + 1] : (process.env.BLIXARD_VSCODE_VERSION ?? workbenchPin().vscode);
  const bundle = await buildIntegrationBundle();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'blixard-integration-electron-'));
  const resultsFile = path.join(workDir, 'results.jsonl');
  const userDataDir = path.join(workDir, 'user-data');
  const workspace = path.join(workDir, 'workspace');
  for (const dir of [path.join(userDataDir, 'User'), workspace]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify(quietWorkbenchSettings, null, 2));
  try {
    let launchError: unknown;
    await runTests({
      version,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: bundle.entry,
      extensionTestsEnv: { [RESULTS_ENV]: resultsFile, ...harnessPromiseEnv({ vscodeVersion: version, uiKind: 'desktop' }) },
      launchArgs: [workspace, '--disable-workspace-trust', '--disable-extensions', '--user-data-dir', userDataDir, '--skip-welcome', '--skip-release-notes'],
    }).catch((err: unknown) => {
      // A failing suite also rejects here; the results file tells which it was.
      launchError = err;
    });
    const printer = new ResultPrinter();
    if (existsSync(resultsFile)) printer.consume(parseResultLines(readFileSync(resultsFile, 'utf8')));
    if (!printer.outcome) {
      const why = launchError instanceof Error ? launchError.message : launchError ? String(launchError) : 'no results written';
      console.error(`\n${SUITE}: VS Code did not run the suite to the end (${why}). Where VS Code cannot be downloaded, use test/integration/launch.ts (code-server).`);
      return reportSummary(SUITE, { passes: 0, failures: 1, pending: 0 });
    }
    return reportSummary(SUITE, printer.outcome);
  } catch (err) {
    console.error(`${SUITE}: ${err instanceof Error ? err.message : String(err)}`);
    return reportSummary(SUITE, { passes: 0, failures: 1, pending: 0 });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
