// PlanRunKeeper against a real history file: a burst of states written one at a time, the last
// one kept; read back by the plan's id; a state of another version of the plan refused; a history
// that will not keep plans (read-only, as a follower's is for plan runs) said once and the file
// beside the plan used instead; without a history, the file; a file's state found when the history
// has none (a run begun without one).

import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HistoryStore } from '../../../src/history/history-store';
import { initialRunState, type PlanRunState } from '../../../src/plans/plan-run-state';
import { PlanRunKeeper } from '../../../src/plans/plan-run-keeper';
import { planIdOf } from '../../../src/plans/plan-identity';
import { writeRunStateFile } from '../../../src/plans/plan-state-file';
import { DEFAULT_CONCURRENCY, type MigrationPlan } from '../../../src/plans/plan-types';

const PLAN: MigrationPlan = {
  cluster: 'dev',
  kind: 'evacuate',
  node: '1',
  concurrency: DEFAULT_CONCURRENCY,
  stopOnFailure: false,
  entries: [
    { vm: 'vm-1', from: '1', to: '2', mode: 'live', order: 1, modeReason: 'running', reason: 'evacuating', size: { vcpus: 1, memoryMb: 512 } },
    { vm: 'vm-2', from: '1', to: '3', mode: 'cold', order: 2, modeReason: 'stopped', reason: 'evacuating', size: { vcpus: 1, memoryMb: 512 } },
  ],
  blockers: [],
  nodes: [],
};

function stateWith(done: number): PlanRunState {
  const s = initialRunState(PLAN);
  s.status = 'running';
  s.startedAt = 1000;
  s.entries.slice(0, done).forEach((e, i) => (e.status = { state: 'done', migrationId: `dev/m${i}`, endedAt: 2000 + i }));
  return s;
}

describe('PlanRunKeeper', () => {
  let dir: string;
  let db: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'blixard-keeper-'));
    db = path.join(dir, 'history.db');
    file = path.join(dir, 'p.blixard-plan.yaml.state.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the newest state in the history under the plan id, and reads it back', async () => {
    const history = await HistoryStore.open({ path: db });
    try {
      const planId = planIdOf(PLAN);
      const keeper = new PlanRunKeeper({ planId, plan: PLAN, document: '/x/p.blixard-plan.yaml', fallbackFile: file, history });
      assert.deepEqual(await keeper.load(), {});
      for (let i = 0; i <= 2; i++) keeper.save(stateWith(i));
      await keeper.settled();
      const row = history.planRun(planId)!;
      assert.deepEqual([row.cluster, row.kind, row.document, row.status, row.startedAt], ['dev', 'evacuate', '/x/p.blixard-plan.yaml', 'running', 1000]);
      assert.equal((row.state as PlanRunState).entries.filter((e) => e.status.state === 'done').length, 2);
      assert.equal(existsSync(file), false, 'no file beside the plan while the history keeps it');
      const again = await new PlanRunKeeper({ planId, plan: PLAN, fallbackFile: file, history }).load();
      assert.equal(again.from, 'history');
      assert.deepEqual(again.state!.entries.map((e) => e.status.state), ['done', 'done']);
      // Another version of the plan (a target changed) does not take this state.
      const edited: MigrationPlan = { ...PLAN, entries: [PLAN.entries[0], { ...PLAN.entries[1], to: '2' }] };
      const other = await new PlanRunKeeper({ planId, plan: edited, history }).load();
      assert.equal(other.state, undefined);
      assert.match(other.problem!, /another version of this plan/);
    } finally {
      await history.close();
    }
  });

  it('falls back to the file when the history will not keep plans, and without a history', async () => {
    await (await HistoryStore.open({ path: db })).close();
    const readOnly = await HistoryStore.open({ path: db, mode: 'read-only', follow: false });
    try {
      const warnings: string[] = [];
      const keeper = new PlanRunKeeper({ planId: planIdOf(PLAN), plan: PLAN, fallbackFile: file, history: readOnly, warn: (m) => warnings.push(m) });
      keeper.save(stateWith(1));
      keeper.save(stateWith(2));
      await keeper.settled();
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.match(warnings[0], /cannot keep this plan's state .*read-only.*; keeping it in .*state\.json/);
      const kept = await new PlanRunKeeper({ planId: planIdOf(PLAN), plan: PLAN, fallbackFile: file, history: readOnly }).load();
      assert.equal(kept.from, file, 'the history has none: the file is found');
      assert.deepEqual(kept.state!.entries.map((e) => e.status.state), ['done', 'done']);
    } finally {
      await readOnly.close();
    }
    rmSync(file);
    writeRunStateFile(file, stateWith(1));
    const none = await new PlanRunKeeper({ planId: planIdOf(PLAN), plan: PLAN, fallbackFile: file }).load();
    assert.deepEqual([none.from, none.state!.entries[0].status.state, none.state!.entries[1].status.state], [file, 'done', 'waiting']);
  });
});
