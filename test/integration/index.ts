// The integration suite's one entry: VS Code's test runner (code-server through the URL
// payload, or @vscode/test-electron) calls run() inside the extension host, with the real
// `vscode` API. Results go to a JSON-lines file the launcher follows, because neither
// launcher can read the host's console.

import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MochaOptions, Runnable, Runner, Suite, Test } from 'mocha';

type MochaClass = typeof import('mocha');
import { resultsFilePath, SUITES_DIR_ENV, type ResultEvent } from './support/result-events';

export async function run(): Promise<void> {
  const resultsFile = resultsFilePath();
  writeFileSync(resultsFile, '');
  const emit = (event: ResultEvent) => appendFileSync(resultsFile, `${JSON.stringify(event)}\n`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Mocha = require('mocha') as MochaClass;
    const mocha = new Mocha({
      ui: 'bdd',
      color: false,
      timeout: Number(process.env.BLIXARD_INTEGRATION_TEST_TIMEOUT_MS ?? 120_000),
      reporter: jsonLinesReporter(Mocha, emit),
      ...(process.env.BLIXARD_INTEGRATION_GREP ? { grep: process.env.BLIXARD_INTEGRATION_GREP } : {}),
    });
    const suitesDir = path.join(__dirname, process.env[SUITES_DIR_ENV] === 'untrusted-window' ? 'untrusted-window' : 'suites');
    for (const file of readdirSync(suitesDir).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(suitesDir, file));
    await new Promise<void>((resolve) => mocha.run(() => resolve()));
  } catch (err) {
    emit({ event: 'crash', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
}

function jsonLinesReporter(Mocha: MochaClass, emit: (event: ResultEvent) => void) {
  const { EVENT_RUN_BEGIN, EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
  return class JsonLinesReporter extends Mocha.reporters.Base {
    constructor(runner: Runner, options?: MochaOptions) {
      super(runner, options);
      const depth = (r: Runnable | Suite) => {
        let d = 0;
        for (let p = r.parent; p && !p.root; p = p.parent) d++;
        return d;
      };
      runner.on(EVENT_RUN_BEGIN, () => emit({ event: 'start', total: runner.total }));
      runner.on(EVENT_SUITE_BEGIN, (suite: Suite) => {
        if (!suite.root) emit({ event: 'suite', title: suite.title, depth: depth(suite) });
      });
      runner.on(EVENT_TEST_PASS, (test: Test) =>
        emit({ event: 'pass', title: test.title, fullTitle: test.fullTitle(), duration: test.duration ?? 0, depth: depth(test) }),
      );
      runner.on(EVENT_TEST_PENDING, (test: Test) => emit({ event: 'pending', title: test.title, fullTitle: test.fullTitle(), depth: depth(test) }));
      runner.on(EVENT_TEST_FAIL, (test: Test, err: Error) =>
        emit({ event: 'fail', title: test.title, fullTitle: test.fullTitle(), depth: depth(test), error: err?.message ?? String(err), stack: err?.stack }),
      );
      runner.once(EVENT_RUN_END, () => {
        const s = runner.stats ?? { passes: 0, failures: 0, pending: 0, duration: 0 };
        emit({ event: 'end', passes: s.passes, failures: s.failures, pending: s.pending, duration: s.duration ?? 0 });
      });
    }
  };
}
