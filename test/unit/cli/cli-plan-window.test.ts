// `run-plan` and a plan's window, with the shipped CLI bundle as child processes against a real
// Blixard dev cluster over gRPC: a run killed (SIGKILL) inside its window and started again after
// the window ended — while no CLI was running — follows what was in flight, starts none of the
// waiting entries and says so in its last line ("the window ended at 02:00; N entries not started"),
// exit 1.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { windowTimeText } from '../../../src/plans/plan-window';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { sourceFor, startTestCluster, type DevCluster } from '../sources/blixard/support/test-cluster';
import { CLI, ensureBundle, runCliBounded } from './support/cli-bundle';

const LIMITS = { timeoutMs: 60_000, maxRssBytes: 1024 * 1024 * 1024 };

describe('blixard-migrations run-plan: a window that ended while no CLI ran', function () {
  this.timeout(120_000);
  let dir: string;
  let cluster: DevCluster;
  let watcher: BlixardSource;

  before(async () => {
    ensureBundle();
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-cli-window-'));
    // 18 VMs over 3 nodes, 6 on node 1; slow links: a live move takes about a second.
    cluster = await startTestCluster({ nodes: 3, vms: 18, bandwidthMbps: 4_000 });
    watcher = sourceFor(cluster.endpoints);
  });

  after(async () => {
    watcher?.dispose();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports the ended window on the next run and starts nothing that waited', async () => {
    const blixard = `dev=${cluster.endpoints.join(',')}`;
    const file = path.join(dir, 'evacuate-1.blixard-plan.yaml');
    const notAfter = Date.now() + 20_000; // room for a slow start on a loaded machine
    const planned = await runCliBounded(
      ['plan', 'evacuate', '--node', '1', '--blixard', blixard, '--out', file, '--per-cluster', '1', '--per-source-node', '1', '--not-after', new Date(notAfter).toISOString()],
      LIMITS,
    );
    assert.equal(planned.code, 0, planned.stderr);

    // Run it, and kill the CLI (no chance to say anything) once the first entry is done.
    const first = spawn(process.execPath, [CLI, 'run-plan', file, '--blixard', blixard], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no entry done within 30 s: ${out}`)), 30_000);
      first.stdout.on('data', (d) => {
        out += d;
        if (/ {2}done$/m.test(out)) {
          clearTimeout(timer);
          first.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => first.once('exit', r));
    const kept = JSON.parse(readFileSync(`${file}.state.json`, 'utf8')) as { entries: { vm: string; status: { state: string } }[] };
    const waiting = kept.entries.filter((e) => e.status.state === 'waiting').length;
    assert.ok(waiting >= 3, `entries still waiting when the CLI died: ${JSON.stringify(kept.entries)}`);
    const waitingVms = kept.entries.filter((e) => e.status.state === 'waiting').map((e) => e.vm);

    // The window ends while nothing runs.
    await new Promise((r) => setTimeout(r, Math.max(0, notAfter - Date.now() + 200)));
    const again = await runCliBounded(['run-plan', file, '--blixard', blixard], LIMITS);
    assert.equal(again.code, 1, `${again.stdout}\n${again.stderr}`);
    assert.match(again.stderr, /resuming from /);
    const lastLine = again.stderr.trim().split('\n').pop()!;
    const at = windowTimeText(notAfter, Date.now());
    assert.match(lastLine, new RegExp(`^dev: \\d+ done, 0 failed, ${waiting} blocked, 0 cancelled — the window ended at ${at}; ${waiting} entries not started$`), again.stderr);
    for (const vm of waitingVms) assert.match(again.stdout, new RegExp(`  ${vm}  node-1 → node-\\d  \\w+  blocked: not started: the window ended at `));
    const vms = await watcher.listVms();
    for (const vm of waitingVms) assert.equal(vms.find((v) => v.id === vm)?.nodeId, '1', `${vm} was not moved`);
    assert.ok(existsSync(`${file}.state.json`));
  });
});
