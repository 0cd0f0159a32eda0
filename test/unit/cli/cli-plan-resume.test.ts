// A `run-plan --db` process SIGKILLed mid-plan (two live migrations in flight, their ids in the
// history) and run again: it resumes from the state the history kept under the plan's id (not a
// file beside the plan), follows the migrations that were in flight instead of starting them
// again, starts the rest, and finishes — every VM of the node moved by exactly one migration, as
// the cluster's own migration stream counts them. Real Blixard daemons over gRPC, the shipped CLI
// bundle as a child process.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { sourceFor, startTestCluster, type DevCluster } from '../sources/blixard/support/test-cluster';
import { CLI, ensureBundle, runCliBounded } from './support/cli-bundle';

const LIMITS = { timeoutMs: 90_000, maxRssBytes: 1024 * 1024 * 1024 };

describe('run-plan --db: killed mid-plan, run again', function () {
  this.timeout(180_000);
  let dir: string;
  let cluster: DevCluster;
  let watcher: BlixardSource;

  before(async () => {
    ensureBundle();
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-cli-resume-'));
    // 12 VMs over 3 nodes, 4 on node 1 (half running: live, ~2–3 s each on these links; half stopped: cold).
    cluster = await startTestCluster({ nodes: 3, vms: 12, bandwidthMbps: 1_500 });
    watcher = sourceFor(cluster.endpoints);
  });

  after(async () => {
    watcher?.dispose();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from the history, migrates no VM twice, and finishes', async () => {
    const blixard = `dev=${cluster.endpoints.join(',')}`;
    const file = path.join(dir, 'evacuate-1.blixard-plan.yaml');
    const db = path.join(dir, 'history.db');
    const planned = await runCliBounded(['plan', 'evacuate', '--node', '1', '--blixard', blixard, '--out', file, '--per-cluster', '2', '--per-source-node', '2'], LIMITS);
    assert.equal(planned.code, 0, planned.stderr);
    const onNode1 = (await watcher.listVms()).filter((v) => v.nodeId === '1').map((v) => v.id);
    assert.ok(onNode1.length >= 3, JSON.stringify(onNode1));

    // Every migration the cluster has of each VM, from its own stream.
    const migrationsOf = new Map<string, Set<string>>();
    const sub = watcher.onMigrationEvent((e) => {
      if (e.type !== 'observation') return;
      const m = e.observation.migration;
      if (!migrationsOf.has(m.vm)) migrationsOf.set(m.vm, new Set());
      migrationsOf.get(m.vm)!.add(m.id);
    });
    try {
      await new Promise((r) => setTimeout(r, 300)); // the stream is open before the first migration

      // First run: killed once two live migrations are under way (their ids known, so kept).
      const child = spawn(process.execPath, [CLI, 'run-plan', file, '--blixard', blixard, '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
      const inFlight = new Map<string, string>();
      const killed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`never saw two migrations in flight:\n${stdout}\n${stderr}`)), 60_000);
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          for (const line of stdout.split('\n')) {
            const m = /Z {2}(\S+) {2}.* {2}(running|done|failed|cancelled|blocked)(?: \((\w+)\))?/.exec(line);
            if (!m) continue;
            if (m[2] === 'running' && m[3] && m[3] !== 'Requested') inFlight.set(m[1], m[3]);
            else inFlight.delete(m[1]);
          }
          if (inFlight.size >= 2 && child.exitCode === null && !child.killed) {
            clearTimeout(timer);
            // Long enough for the history's worker to have the state on disk; far shorter than a migration.
            setTimeout(() => {
              child.kill('SIGKILL');
              resolve();
            }, 300);
          }
        });
      });
      await killed;
      assert.equal(await exited, 'SIGKILL');
      const startedBeforeKill = [...migrationsOf.values()].reduce((n, s) => n + s.size, 0);
      assert.ok(startedBeforeKill >= 2, `${startedBeforeKill} migrations before the kill`);
      assert.equal(existsSync(`${file}.state.json`), false, 'the state is in the history, not beside the plan');

      // Second run: from the history's state.
      const again = await runCliBounded(['run-plan', file, '--blixard', blixard, '--db', db], LIMITS);
      assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
      const resumed = /resuming from the history \(.*\): (\d+) done, (\d+) in flight \(followed, not started again\), (\d+) waiting/.exec(again.stderr);
      assert.ok(resumed, again.stderr);
      assert.ok(Number(resumed[2]) >= 1, `a migration still in flight was followed: ${resumed[0]}`);
      assert.match(again.stderr, new RegExp(`dev: ${onNode1.length} done, 0 failed, 0 blocked, 0 cancelled`));

      await new Promise((r) => setTimeout(r, 300)); // the stream's last events
      const vms = await watcher.listVms();
      assert.deepEqual(vms.filter((v) => v.nodeId === '1'), [], 'node 1 is empty');
      for (const vm of onNode1) assert.equal(migrationsOf.get(vm)?.size, 1, `${vm} moved by exactly one migration: ${[...(migrationsOf.get(vm) ?? [])].join(', ')}`);
      assert.equal([...migrationsOf.values()].reduce((n, s) => n + s.size, 0), onNode1.length, 'and nothing else moved');

      // The history has each of them under the plan's id, and the run as finished.
      const planId = /^plan (\S+) \(history --db/m.exec(again.stderr)?.[1];
      assert.ok(planId, again.stderr);
      const listed = await runCliBounded(['history', '--db', db, '--plan', planId, '--json'], LIMITS);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as { vm: string; planId?: string; state: string }[];
      assert.deepEqual(rows.map((r) => r.vm).sort(), [...onNode1].sort(), listed.stdout);
      assert.ok(rows.every((r) => r.planId === planId && r.state === 'succeeded'), listed.stdout);
    } finally {
      sub.dispose();
    }
  });
});
