// The plans' vscode-free UI parts: the plan file's name, the request Recompute plans again, the VMs
// an evacuation moved (for "move back"), the checklist rows and progress words, the snapshot cache
// (deadline, reuse, one fetch at a time), and the run state file beside the plan.

import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initialRunState, type PlanRunState } from '../../../src/plans/plan-run-state';
import { readRunStateFile, runStateFileOf, writeRunStateFile } from '../../../src/plans/plan-state-file';
import { planMigrations } from '../../../src/plans/planner';
import { moveBackRequest, vmsMovedOff } from '../../../src/ui/plans/core/move-back';
import { checklistRow, endedShare, progressText } from '../../../src/ui/plans/core/plan-checklist-rows';
import { isPlanFile, planFileName } from '../../../src/ui/plans/core/plan-file-name';
import { requestOf } from '../../../src/ui/plans/core/plan-request';
import { readConcurrencySetting } from '../../../src/ui/plans/core/plan-concurrency-setting';
import { SnapshotCache } from '../../../src/ui/plans/core/snapshot-cache';
import { node, snapshot, vm } from '../plans/snapshot-builder';

const cluster = () => snapshot([node('1'), node('2'), node('3')], [vm('a', '1'), vm('b', '1', 4, 4096), vm('c', '2')]);

describe('plans UI core', () => {
  it('names a plan file after what it does and when, with the plan suffix', () => {
    const name = planFileName({ kind: 'evacuate', nodeId: '2' }, { cluster: 'Dev cluster', node: 'node 2/a' }, new Date(2026, 11, 4, 1, 5, 9));
    assert.equal(name, 'evacuate-node-2-a-20261204-010509.blixard-plan.yaml');
    assert.ok(isPlanFile(`/w/.vscode/blixard-plans/${name}`));
    assert.ok(!isPlanFile('/w/plan.yaml'));
    assert.match(planFileName({ kind: 'rebalance' }, { cluster: 'Dev cluster' }, new Date()), /^rebalance-Dev-cluster-\d{8}-\d{6}\.blixard-plan\.yaml$/);
  });

  it('reads back the request a plan was made from', () => {
    const s = cluster();
    assert.deepEqual(requestOf(planMigrations(s, { kind: 'evacuate', nodeId: '1' })), { kind: 'evacuate', nodeId: '1' });
    assert.deepEqual(requestOf(planMigrations(s, { kind: 'rebalance', threshold: 0.2 })), { kind: 'rebalance', threshold: 0.2 });
    const fixed = requestOf(planMigrations(s, { kind: 'migrate', vmIds: ['a', 'b'], to: { node: '3' } }));
    assert.deepEqual({ ...fixed, vmIds: fixed.kind === 'migrate' ? [...fixed.vmIds].sort() : [] }, { kind: 'migrate', vmIds: ['a', 'b'], to: { node: '3' } });
    const spread = planMigrations(snapshot([node('1'), node('2', 4, 4096), node('3', 4, 4096)], [vm('a', '1', 3, 3072), vm('b', '1', 3, 3072)]), { kind: 'migrate', vmIds: ['a', 'b'], to: 'spread' });
    assert.equal(new Set(spread.entries.map((e) => e.to)).size, 2, 'the planner spread them over two nodes');
    const again = requestOf(spread);
    assert.deepEqual({ ...again, vmIds: again.kind === 'migrate' ? [...again.vmIds].sort() : [] }, { kind: 'migrate', vmIds: ['a', 'b'], to: 'spread' });
  });

  it('knows which VMs an evacuation moved off a node, and plans them back', () => {
    const plan = planMigrations(cluster(), { kind: 'evacuate', nodeId: '1' });
    const state: PlanRunState = initialRunState(plan);
    state.entries[0].status = { state: 'done', endedAt: 1 };
    state.entries[1].status = { state: 'failed', endedAt: 1, reason: 'refused' };
    assert.deepEqual(vmsMovedOff(state, '1'), [state.entries[0].vm]);
    state.entries[1].status = { state: 'done', endedAt: 1, note: 'on its target already' };
    assert.deepEqual(vmsMovedOff(state, '1'), [state.entries[0].vm], 'a VM found on its target was not moved by the plan');
    assert.deepEqual(moveBackRequest(['a'], '1'), { kind: 'migrate', vmIds: ['a'], to: { node: '1' } });
  });

  it('words each entry state for the checklist and sums the plan up', () => {
    const state = initialRunState(planMigrations(cluster(), { kind: 'evacuate', nodeId: '1' }));
    const names = (id: string) => `node-${id}`;
    const [first, second] = state.entries;
    assert.equal(checklistRow(first, names).icon, 'clock');
    assert.match(checklistRow(first, names).description, /^waiting · node-1 → node-\d · live$/);
    first.status = { state: 'running', startedAt: 1, migrationId: 'm', phase: 'Transferring', progress: 0.4 };
    assert.match(checklistRow(first, names).description, /^running · Transferring 40 % · /);
    second.status = { state: 'failed', endedAt: 2, reason: 'Node 3 is in maintenance' };
    const failed = checklistRow(second, names);
    assert.equal(failed.icon, 'error');
    assert.match(failed.description, /failed · Node 3 is in maintenance/);
    assert.equal(progressText(state), '0/2 done · 1 running · 1 failed');
    assert.equal(endedShare(state), 0.5);
    first.status = { state: 'done', endedAt: 3 };
    assert.equal(progressText(state), '1/2 done · 1 failed');
  });

  it('caches a snapshot briefly, shares a fetch under way, and gives up at the deadline', async () => {
    let now = 0;
    let fetches = 0;
    const cache = new SnapshotCache<number>({ ttlMs: 1000, deadlineMs: 50, now: () => now });
    const fetch = async () => ++fetches;
    const [a, b] = await Promise.all([cache.get('k', fetch), cache.get('k', fetch)]);
    assert.deepEqual([a.ok && a.snapshot, b.ok && b.snapshot, fetches], [1, 1, 1]);
    now = 500;
    assert.equal(((await cache.get('k', fetch)) as { snapshot: number }).snapshot, 1, 'still fresh');
    now = 1500;
    assert.equal(((await cache.get('k', fetch)) as { snapshot: number }).snapshot, 2, 'fetched again once stale');
    const started = Date.now();
    const dead = await cache.get('dead', () => new Promise<number>(() => undefined));
    assert.equal(dead.ok, false);
    assert.match((dead as { reason: string }).reason, /no answer within 50ms/);
    assert.ok(Date.now() - started < 1000);
    const refused = await cache.get('refused', () => Promise.reject(new Error('connection refused')));
    assert.deepEqual(refused.ok ? undefined : refused.reason, 'connection refused');
  });

  it('keeps the run state beside the plan and reads back only a state of this plan', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-plan-state-'));
    const planFile = path.join(dir, 'x.blixard-plan.yaml');
    const file = runStateFileOf(planFile);
    assert.equal(file, `${planFile}.state.json`);
    const plan = planMigrations(cluster(), { kind: 'evacuate', nodeId: '1' });
    assert.deepEqual(readRunStateFile(file, plan), {});
    const state = initialRunState(plan);
    state.entries[0].status = { state: 'running', startedAt: 5, migrationId: 'mig-1' };
    assert.ok(writeRunStateFile(file, state));
    assert.deepEqual(readRunStateFile(file, plan).state?.entries[0].status, { state: 'running', startedAt: 5, migrationId: 'mig-1' });
    const other = planMigrations(cluster(), { kind: 'evacuate', nodeId: '2' });
    assert.match(readRunStateFile(file, other).problem ?? '', /another version of this plan/);
    writeFileSync(file, '{');
    assert.equal(readRunStateFile(file, plan).problem, 'not JSON');
  });
});

describe('blixard.plans.maxParallel', () => {
  it('takes whole numbers from 1 to 1000 and leaves anything else to the default, saying so', () => {
    assert.deepEqual(readConcurrencySetting(undefined), { concurrency: {}, problems: [] });
    assert.deepEqual(readConcurrencySetting({ perCluster: 4, perSourceNode: 1 }), { concurrency: { perCluster: 4, perSourceNode: 1 }, problems: [] });
    const bad = readConcurrencySetting({ perCluster: 0, perSourceNode: 2.5 });
    assert.deepEqual(bad.concurrency, {});
    assert.equal(bad.problems.length, 2);
    assert.match(bad.problems[0], /perCluster must be a whole number from 1 to 1000, not 0/);
    assert.equal(readConcurrencySetting('5').problems.length, 1);
  });
});
