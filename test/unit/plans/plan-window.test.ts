// A plan's window with the runner's injectable clock, against real Blixard daemons (an in-process
// dev cluster over gRPC): a run resumed after its window passed while nothing was running says so
// ("the window ended at 02:00; 7 entries not started") and starts none of them; a window not yet
// open on resume waits (waiting-window, its time in the plan's note) and then runs; and the
// window's words and next occurrence as the CLI and the extension's re-plan use them.

import * as assert from 'node:assert/strict';
import { readClusterSnapshot } from '../../../src/plans/cluster-snapshot';
import { PlanRunner, type PlanClock } from '../../../src/plans/plan-runner';
import { countStates, initialRunState } from '../../../src/plans/plan-run-state';
import { nextWindow, windowEndedText, windowStanding, windowTimeText } from '../../../src/plans/plan-window';
import { planMigrations } from '../../../src/plans/planner';
import type { MigrationPlan } from '../../../src/plans/plan-types';
import type { BlixardSource } from '../../../src/sources/blixard/blixard-source';
import { sourceFor, startTestCluster, type DevCluster } from '../sources/blixard/support/test-cluster';

/** Today at hh:mm, local time (what an operator writes a window in). */
function today(hours: number, minutes = 0): number {
  const d = new Date();
  d.setHours(hours, minutes, 0, 0);
  return d.getTime();
}

/**
 * A clock that stands still; its first sleep (the wait for the window) jumps it forward at once, later
 * ones (the window's end) last until the run aborts them: no test waits for real time.
 */
class JumpingClock implements PlanClock {
  readonly sleeps: number[] = [];
  constructor(public at: number) {}
  now(): number {
    return this.at;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (this.sleeps.length === 1) {
      this.at += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  }
}

describe('plan windows (injectable clock, real Blixard daemons)', function () {
  this.timeout(60_000);
  let cluster: DevCluster;
  let source: BlixardSource;

  before(async () => {
    // 27 VMs over 3 nodes: 9 on node 1.
    cluster = await startTestCluster({ nodes: 3, vms: 27, bandwidthMbps: 40_000, capacity: { vcpus: 64, memoryMb: 131072 } });
    source = sourceFor(cluster.endpoints);
  });

  after(async () => {
    source?.dispose();
    await cluster?.stop();
  });

  function counting() {
    const migrated: string[] = [];
    return {
      migrated,
      source: {
        migrate: (r: Parameters<BlixardSource['migrate']>[0]) => (migrated.push(r.vmId), source.migrate(r)),
        cancel: source.cancel.bind(source),
        onMigrationEvent: source.onMigrationEvent,
        getMigration: source.getMigration.bind(source),
        listNodes: source.listNodes.bind(source),
      },
    };
  }

  async function evacuation(window: MigrationPlan['window']): Promise<MigrationPlan> {
    return planMigrations(await readClusterSnapshot(source), { kind: 'evacuate', nodeId: '1' }, { window, concurrency: { perCluster: 3, perSourceNode: 3 } });
  }

  it('resumed after its window passed while nothing ran: says so and starts none of the waiting entries', async () => {
    const notAfter = today(2);
    const plan = await evacuation({ notBefore: new Date(notAfter - 3_600_000).toISOString(), notAfter: new Date(notAfter).toISOString() });
    assert.equal(plan.entries.length, 9);
    // The run was interrupted inside the window with two entries done (VS Code closed at 01:20).
    const kept = initialRunState(plan);
    kept.status = 'running';
    kept.startedAt = notAfter - 3_000_000;
    kept.entries[0].status = { state: 'done', endedAt: notAfter - 2_900_000 };
    kept.entries[1].status = { state: 'done', endedAt: notAfter - 2_800_000 };
    const clock = new JumpingClock(notAfter + 3 * 3_600_000); // reopened at 05:00
    assert.deepEqual(windowStanding(plan.window, kept, clock.now()), { state: 'ended', endedAt: notAfter, notStarted: 7, text: 'the window ended at 02:00; 7 entries not started' });
    const { source: s, migrated } = counting();
    const final = await new PlanRunner(s, plan, { resume: kept, clock }).run();
    assert.deepEqual(migrated, [], 'nothing was started');
    assert.equal(final.status, 'finished');
    assert.equal(final.note, 'the window ended at 02:00; 7 entries not started');
    assert.deepEqual(countStates(final), { waiting: 0, running: 0, done: 2, failed: 0, blocked: 7, cancelled: 0 });
    for (const e of final.entries.slice(2)) assert.deepEqual(e.status, { state: 'blocked', reason: 'not started: the window ended at 02:00' });
    assert.deepEqual(clock.sleeps, [], 'no wait for a window that is over');
  });

  it('a window not yet open on resume waits for it, with its time shown, then runs', async () => {
    const notBefore = today(22);
    const plan = await evacuation({ notBefore: new Date(notBefore).toISOString(), notAfter: new Date(notBefore + 2 * 3_600_000).toISOString() });
    const clock = new JumpingClock(notBefore - 5 * 3_600_000); // 17:00
    const { source: s, migrated } = counting();
    const runner = new PlanRunner(s, plan, { resume: initialRunState(plan), clock });
    const seen: { status: string; note?: string }[] = [];
    runner.onEvent((e) => e.type === 'plan' && seen.push({ status: e.status, ...(runner.state.note ? { note: runner.state.note } : {}) }));
    const final = await runner.run();
    assert.deepEqual(seen[0], { status: 'waiting-window', note: 'the window opens at 22:00' });
    assert.equal(clock.sleeps[0], 5 * 3_600_000, 'slept until the window opened');
    assert.deepEqual(
      seen.map((x) => x.status),
      ['waiting-window', 'running', 'finished'],
    );
    assert.equal(final.note, undefined, 'the waiting note is gone once it runs');
    assert.equal(migrated.length, 9);
    assert.equal(countStates(final).done, 9, JSON.stringify(final.entries));
  });

  it('says window times in local wall-clock time, with the date when not today', () => {
    const now = today(12);
    assert.equal(windowTimeText(today(2), now), '02:00');
    assert.equal(windowTimeText(today(2, 30) + 15_000, now), '02:30:15');
    assert.match(windowTimeText(today(2) - 86_400_000, now), /^\d{4}-\d\d-\d\d 02:00$/);
    assert.equal(windowEndedText(today(2), 1, now), 'the window ended at 02:00; 1 entry not started');
    assert.deepEqual(windowStanding({ notAfter: new Date(today(2)).toISOString() }, { entries: [] }, now), { state: 'open' }, 'nothing waiting: nothing to report');
  });

  it('moves a passed window to its next occurrence, same times of day and length', () => {
    const window = { notBefore: '2026-12-01T01:00:00Z', notAfter: '2026-12-01T02:00:00Z' };
    assert.deepEqual(nextWindow(window, Date.parse('2026-12-04T05:00:00Z')), { notBefore: '2026-12-05T01:00:00Z', notAfter: '2026-12-05T02:00:00Z' });
    assert.deepEqual(nextWindow(window, Date.parse('2026-12-01T01:30:00Z')), window, 'still open: kept');
    assert.deepEqual(nextWindow({ notAfter: '2026-12-01T02:00:00Z' }, Date.parse('2026-12-01T02:00:00Z')), { notAfter: '2026-12-02T02:00:00Z' });
  });
});
