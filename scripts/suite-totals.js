#!/usr/bin/env node
// The closing line of `npm test`: adds up the summaries the suites wrote into one directory
// ({ suite, passes, failures, pending } each) as "all suites: N passed, N failed, N skipped".
// A suite that was started but left no summary (it died before its reporter could write)
// counts as one failure and is named, so a suite that never ran cannot read as a clean run.
//
//   node scripts/suite-totals.js SUMMARY_DIR [STARTED_SUITE...]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function suiteTotals(dir, started = []) {
  const totals = { passes: 0, failures: 0, pending: 0, missing: [] };
  const seen = new Set();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const summary = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    seen.add(summary.suite ?? path.basename(file, '.json'));
    seen.add(path.basename(file, '.json'));
    totals.passes += summary.passes ?? 0;
    totals.failures += summary.failures ?? 0;
    totals.pending += summary.pending ?? 0;
  }
  for (const suite of started) {
    if (seen.has(suite)) continue;
    totals.missing.push(suite);
    totals.failures += 1;
  }
  return totals;
}

function totalsLine(totals) {
  const missing = totals.missing.length ? ` (no results from: ${totals.missing.join(', ')})` : '';
  return `all suites: ${totals.passes} passed, ${totals.failures} failed, ${totals.pending} skipped${missing}`;
}

if (require.main === module) {
  const [dir, ...started] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node scripts/suite-totals.js SUMMARY_DIR [STARTED_SUITE...]');
    process.exit(2);
  }
  console.log(totalsLine(suiteTotals(dir, started)));
}

module.exports = { suiteTotals, totalsLine };
