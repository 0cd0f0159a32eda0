// Mocha's spec output plus one closing line, "<suite>: N passed, N failed[, N skipped]", that CI and
// scripts/test.sh read; when MOCHA_SUMMARY_FILE is set the counts are also written there
// as JSON so the test script can add up every suite into one final line.
'use strict';
const Mocha = require('mocha');
const fs = require('node:fs');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = runner.stats || {};
      const suite = process.env.MOCHA_SUITE_NAME || 'mocha';
      console.log(`${suite}: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
      if (process.env.MOCHA_SUMMARY_FILE) {
        fs.writeFileSync(process.env.MOCHA_SUMMARY_FILE, JSON.stringify({ suite, passes, failures, pending }));
      }
    });
  }
}
module.exports = SummaryReporter;
