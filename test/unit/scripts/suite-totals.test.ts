// npm test's closing line counts skipped tests, so a future skip shows: a real mocha run with
// the summary reporter writes its pending count, and scripts/suite-totals.js adds every
// suite's summary up (a suite that left none counts as failed).

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const reporter = path.join(repoRoot, 'test', 'support', 'mocha-summary-reporter.js');
const mochaBin = require.resolve('mocha/bin/mocha.js');
const totalsScript = path.join(repoRoot, 'scripts', 'suite-totals.js');

describe('npm test summary lines', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'blixard-suite-totals-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a suite\'s summary carries its pending (skipped) tests, on its closing line and in its JSON', () => {
    // Generated here so the repository itself holds no skipped test.
    const spec = path.join(dir, 'fixture.spec.js');
    writeFileSync(spec, [
      "it('passes', () => {});",
      "it('fails', () => { throw new Error('no'); });",
      "it('is pending');",
      "it('skips itself', function () { this.skip(); });",
    ].join('\n'));
    const summaryFile = path.join(dir, 'fixture.json');
    const run = spawnSync(process.execPath, [mochaBin, '--no-config', '--reporter', reporter, spec], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, MOCHA_SUITE_NAME: 'fixture', MOCHA_SUMMARY_FILE: summaryFile },
    });
    assert.equal(run.status, 1, run.stderr);
    assert.equal(run.stdout.trim().split('\n').at(-1), 'fixture: 1 passed, 1 failed, 2 skipped');
    assert.deepEqual(JSON.parse(readFileSync(summaryFile, 'utf8')), { suite: 'fixture', passes: 1, failures: 1, pending: 2 });
  });

  it('adds every suite up as "all suites: N passed, N failed, N skipped"; a started suite without results counts as failed', () => {
    writeFileSync(path.join(dir, 'node.json'), JSON.stringify({ suite: 'node', passes: 10, failures: 0, pending: 0 }));
    writeFileSync(path.join(dir, 'integration.json'), JSON.stringify({ suite: 'integration', passes: 5, failures: 1, pending: 2 }));
    const line = (...started: string[]) => spawnSync(process.execPath, [totalsScript, dir, ...started], { encoding: 'utf8' }).stdout.trim();
    assert.equal(line('node', 'integration'), 'all suites: 15 passed, 1 failed, 2 skipped');
    assert.equal(line('node', 'integration', 'e2e'), 'all suites: 15 passed, 2 failed, 2 skipped (no results from: e2e)');
  });
});
