// `plan` and `run-plan` of the shipped CLI bundle as child processes against a real Blixard dev
// cluster over gRPC: an evacuation planned, checked (dry run), run with two migrations at a time
// from the node, and every VM found on another node afterwards. The concurrency is sampled from
// the cluster's own migration stream at every phase change, not from the CLI's word.

import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isFinal } from '../../../src/model/migration';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { sourceFor, startTestCluster, type DevCluster } from '../sources/blixard/support/test-cluster';
import { ensureBundle, runCliBounded } from './support/cli-bundle';

const LIMITS = { timeoutMs: 60_000, maxRssBytes: 1024 * 1024 * 1024 };

describe('blixard-migrations plan / run-plan end to end', function () {
  this.timeout(180_000);
  let dir: string;
  let cluster: DevCluster;
  let watcher: BlixardSource;

  before(async () => {
    ensureBundle();
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-cli-plan-'));
    // 18 VMs over 3 nodes: 6 on node 1, half of them running (live, ~0.1–0.8 s each), half stopped (cold).
    cluster = await startTestCluster({ nodes: 3, vms: 18, bandwidthMbps: 40_000 });
    watcher = sourceFor(cluster.endpoints);
  });

  after(async () => {
    watcher?.dispose();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('plans an evacuation, runs it two at a time, and empties the node', async () => {
    const blixard = `dev=${cluster.endpoints.join(',')}`;
    const file = path.join(dir, 'evacuate-1.blixard-plan.yaml');
    const planned = await runCliBounded(['plan', 'evacuate', '--node', '1', '--blixard', blixard, '--out', file, '--per-source-node', '2'], LIMITS);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(planned.stderr, /dev: 6 moves, 0 blocked; spread of use \d+ points → \d+ points; written to /);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^cluster: dev$/m);
    assert.match(text, /^ {2}perSourceNode: 2$/m);
    assert.equal(text.match(/^ {2}- vm: /gm)?.length, 6);

    const dry = await runCliBounded(['run-plan', file, '--dry-run', '--blixard', blixard], LIMITS);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.trim().split('\n').length, 6);
    assert.match(dry.stderr, /nothing was started/);

    // The cluster's own view: migrations active per source node, at every observation.
    const active = new Map<string, string | undefined>();
    let peakFromNode1 = 0;
    let observations = 0;
    const sub = watcher.onMigrationEvent((e) => {
      if (e.type !== 'observation') return;
      observations++;
      const m = e.observation.migration;
      if (isFinal(m.state)) active.delete(m.id);
      else active.set(m.id, m.sourceNode);
      peakFromNode1 = Math.max(peakFromNode1, [...active.values()].filter((n) => n === '1').length);
    });
    try {
      await new Promise((r) => setTimeout(r, 300)); // the stream is open before the first migration
      const db = path.join(dir, 'history.db');
      const run = await runCliBounded(['run-plan', file, '--blixard', blixard, '--db', db], LIMITS);
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.filter((l) => / {2}done$/.test(l)).length, 6, run.stdout);
      assert.ok(lines.every((l) => /^\d{4}-\d\d-\d\dT\S+Z {2}vm-\d+ {2}node-1 → node-[23] {2}(live|cold) {2}(running|done)/.test(l)), run.stdout);
      assert.match(run.stderr, /dev: 6 done, 0 failed, 0 blocked, 0 cancelled/);
      const vms = await watcher.listVms();
      assert.equal(vms.filter((v) => v.nodeId === '1').length, 0, 'node 1 is empty');
      assert.equal(vms.length, 18);
      assert.ok(observations > 12, `${observations} observations`);
      assert.ok(peakFromNode1 <= 2, `at most 2 from node 1 at once, saw ${peakFromNode1}`);
      assert.equal(peakFromNode1, 2, 'and two did run at once');

      // The plan's id, said by run-plan, is on each of its migrations in the history.
      const planId = /^plan (\S+) \(history --db/m.exec(run.stderr)?.[1];
      assert.ok(planId, run.stderr);
      const listed = await runCliBounded(['history', '--db', db, '--plan', planId, '--json'], LIMITS);
      assert.equal(listed.code, 0, listed.stderr);
      const migrations = JSON.parse(listed.stdout) as { planId?: string; state: string }[];
      assert.equal(migrations.length, 6, listed.stdout);
      assert.ok(migrations.every((m) => m.planId === planId && m.state === 'succeeded'));

      // Run again: the history says it is done; nothing moves twice. It kept the state, not a file beside the plan.
      const again = await runCliBounded(['run-plan', file, '--blixard', blixard, '--db', db], LIMITS);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, '');
      assert.match(again.stderr, /resuming from the history \(.*\): 6 done, 0 in flight/);
      assert.equal(existsSync(`${file}.state.json`), false);

      // Without a history the file beside the plan keeps it (VMs already there count as done).
      const noDb = await runCliBounded(['run-plan', file, '--blixard', blixard], LIMITS);
      assert.equal(noDb.code, 0, noDb.stderr);
      const state = JSON.parse(readFileSync(`${file}.state.json`, 'utf8')) as { status: string; entries: { status: { state: string } }[] };
      assert.equal(state.status, 'finished');
      assert.ok(state.entries.every((e) => e.status.state === 'done'));
    } finally {
      sub.dispose();
    }
  });

  it('refuses an invalid plan with FILE:line:col and exit 2', async () => {
    const blixard = `dev=${cluster.endpoints.join(',')}`;
    const file = path.join(dir, 'bad.blixard-plan.yaml');
    writeFileSync(file, ['version: 1', 'cluster: dev', 'kind: migrate', 'entries:', '  - { vm: vm-2, from: "2", to: "7", mode: live, order: 1 }', ''].join('\n'));
    const run = await runCliBounded(['run-plan', file, '--blixard', blixard], LIMITS);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:5:32: error: node 7 is not in the cluster \\(nodes: 1, 2, 3\\)`));
    assert.match(run.stderr, /:5:43: error: vm-2 cannot move live \(it is stopped\): use mode: cold/);
    const syntax = path.join(dir, 'syntax.blixard-plan.yaml');
    writeFileSync(syntax, 'entries: [\n');
    const bad = await runCliBounded(['run-plan', syntax, '--blixard', blixard], LIMITS);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /syntax\.blixard-plan\.yaml:\d+:\d+: error: /);
  });
});
