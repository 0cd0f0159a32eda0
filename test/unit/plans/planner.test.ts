// The planner on small clusters: capacity counting migrations in flight and planned (never
// overcommitted, also not transiently), dependencies and cycles, blockers listed with their
// reasons, the quality of a spread and a rebalance, and the same plan for the same input.

import * as assert from 'node:assert/strict';
import { planMigrations, useSpread } from '../../../src/plans/planner';
import type { MigrationPlan } from '../../../src/plans/plan-types';
import { node, snapshot, vm } from './snapshot-builder';

/** The most each node holds at once if every entry ran at the same time (sources free nothing until the end). */
function peakUse(plan: MigrationPlan, base: Map<string, number>): Map<string, number> {
  const peak = new Map(base);
  for (const e of plan.entries) if (e.to) peak.set(e.to, (peak.get(e.to) ?? 0) + e.size.memoryMb);
  return peak;
}

describe('planner', () => {
  describe('capacity', () => {
    it('counts a migration in flight against its target', () => {
      // node-3 has 8 GiB; 4 GiB used, 4 GiB reserved by vm-f moving there: nothing more fits.
      const s = snapshot(
        [node('1', 16, 32768), node('2', 16, 32768), node('3', 16, 8192)],
        [vm('a', '1', 2, 4096), vm('f', '2', 2, 4096, { migration: { id: 'dev/m1', name: 'm1', targetNodeId: '3', phase: 'Transferring' } }), vm('x', '3', 2, 4096)],
      );
      const plan = planMigrations(s, { kind: 'migrate', vmIds: ['a'], to: { node: '3' } });
      assert.equal(plan.entries.length, 0);
      assert.equal(plan.blockers[0].kind, 'no-room');
      assert.match(plan.blockers[0].reason, /needs 2 vCPU, 4 GiB; node-3 has 12 vCPU, 0 B free of 16 vCPU, 8 GiB/);
    });

    it('never credits a source before its migration ended: no transient overcommit', () => {
      // Evacuating node-1: node-2 is full of its own VMs unless it gives away — which the plan
      // cannot count on, so everything goes to node-3 up to its room, the rest is blocked.
      const s = snapshot(
        [node('1', 8, 8192), node('2', 8, 8192), node('3', 8, 8192)],
        [vm('a', '1', 2, 2048), vm('b', '1', 2, 2048), vm('c', '1', 2, 2048), vm('d', '1', 2, 2048), vm('y', '2', 8, 8192), vm('z', '3', 2, 2048)],
      );
      const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1' });
      assert.deepEqual(plan.entries.map((e) => e.to), ['3', '3', '3']);
      assert.deepEqual(plan.blockers.map((b) => [b.vm, b.kind]), [['d', 'no-room']]);
      const peak = peakUse(plan, new Map([['1', 8192], ['2', 8192], ['3', 2048]]));
      for (const [id, memory] of peak) assert.ok(memory <= 8192, `node ${id} at ${memory} MiB`);
      assert.deepEqual(plan.nodes.find((n) => n.id === '3')!.after, { vcpus: 8, memoryMb: 8192 });
      assert.deepEqual(plan.nodes.find((n) => n.id === '1')!.after, { vcpus: 2, memoryMb: 2048 });
    });

    it('frees no room on the source for a stopped VM: an evacuated node ends at zero, not below', () => {
      // As Blixard reports it: node.used counts the running VM only; the stopped one is booked on its target (to start there later).
      const s = snapshot(
        [node('1', 4, 8192, { used: { vcpus: 2, memoryMb: 2048 } }), node('2', 4, 8192, { used: { vcpus: 0, memoryMb: 0 } })],
        [vm('a', '1', 2, 2048), vm('b', '1', 2, 1024, { state: 'stopped', phase: 'VM_STATE_STOPPED' })],
      );
      const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1' });
      assert.deepEqual(plan.entries.map((e) => [e.vm, e.to]).sort(), [['a', '2'], ['b', '2']]);
      assert.deepEqual(plan.nodes.find((n) => n.id === '1')!.after, { vcpus: 0, memoryMb: 0 });
      assert.deepEqual(plan.nodes.find((n) => n.id === '2')!.after, { vcpus: 4, memoryMb: 3072 });
    });

    it('uses node.used when the cluster reports it', () => {
      const s = snapshot([node('1'), node('2', 4, 4096, { used: { vcpus: 4, memoryMb: 1024 } })], [vm('a', '1', 1, 512)]);
      const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1' });
      assert.equal(plan.blockers[0].kind, 'no-room');
    });
  });

  describe('blockers', () => {
    it('lists what cannot move, with the reason, instead of guessing', () => {
      const s = snapshot(
        [node('1'), node('2'), node('3', 16, 32768, { schedulable: false, maintenance: { reason: 'firmware' } })],
        [
          vm('live', '1'),
          vm('pinned', '1', 2, 2048, { placement: { pinned: 'licence bound to host' } }),
          vm('nolive', '1', 2, 2048, { liveMigratable: { ok: false, reason: 'DisksNotLiveMigratable' }, coldMove: { ok: false, reason: 'eviction strategy None' } }),
          vm('coldok', '1', 2, 2048, { liveMigratable: { ok: false, reason: 'HostDevice' }, coldMove: { ok: true } }),
          vm('stopped', '1', 2, 2048, { state: 'stopped', phase: 'VM_STATE_STOPPED' }),
          vm('moving', '1', 2, 2048, { migration: { id: 'dev/m', name: 'm', targetNodeId: '2', phase: 'Preparing' } }),
        ],
      );
      const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1' });
      assert.deepEqual(
        plan.entries.map((e) => [e.vm, e.to, e.mode]),
        [
          ['coldok', '2', 'cold'],
          ['live', '2', 'live'],
          ['stopped', '2', 'cold'],
        ],
      );
      assert.match(plan.entries[0].modeReason, /not live-migratable \(HostDevice\); moves cold/);
      assert.deepEqual(
        plan.blockers.map((b) => [b.vm, b.kind]),
        [
          ['moving', 'in-flight'],
          ['nolive', 'not-migratable'],
          ['pinned', 'pinned'],
        ],
      );
      assert.match(plan.blockers[1].reason, /not live-migratable \(DisksNotLiveMigratable\) and may not be moved cold \(eviction strategy None\)/);
      assert.match(plan.blockers[2].reason, /licence bound to host/);
    });

    it('says a node is the only one, and a target in maintenance', () => {
      const only = planMigrations(snapshot([node('1')], [vm('a', '1')]), { kind: 'evacuate', nodeId: '1' });
      assert.deepEqual(only.blockers.map((b) => [b.kind, b.reason]), [['only-node', 'node-1 is the only node of the cluster']]);
      const s = snapshot([node('1'), node('2', 16, 32768, { schedulable: false, maintenance: { reason: 'patching' } })], [vm('a', '1')]);
      const plan = planMigrations(s, { kind: 'migrate', vmIds: ['a', 'ghost'], to: { node: '2' } });
      assert.deepEqual(plan.blockers.map((b) => [b.vm, b.kind, b.reason]), [
        ['a', 'target-unschedulable', 'node-2 is in maintenance (patching)'],
        ['ghost', 'unknown-vm', 'ghost is not a VM of dev'],
      ]);
    });

    it('moves a VM that cannot move live only where the kind or the VM allows a cold move', () => {
      const s = snapshot([node('1'), node('2')], [vm('a', '1', 2, 2048, { state: 'stopped', phase: 'Stopped' })], { live: 'always' });
      assert.equal(planMigrations(s, { kind: 'evacuate', nodeId: '1' }).blockers[0].kind, 'not-migratable');
    });

    it('lets the scheduler pick only where the kind can', () => {
      const s = snapshot([node('1'), node('2')], [vm('a', '1')]);
      assert.equal(planMigrations(s, { kind: 'migrate', vmIds: ['a'], to: 'any' }).blockers[0].kind, 'no-target');
      const any = planMigrations({ ...s, traits: { anyNode: true, live: 'always' } }, { kind: 'migrate', vmIds: ['a'], to: 'any' });
      assert.equal(any.entries[0].to, undefined);
    });
  });

  describe('order', () => {
    it('goes by priority, then dependencies, then largest first', () => {
      const s = snapshot(
        [node('1', 64, 65536), node('2', 64, 65536)],
        [
          vm('small', '1', 1, 512),
          vm('big', '1', 8, 8192),
          vm('db', '1', 2, 2048, { placement: { priority: 10 } }),
          vm('app', '1', 4, 4096, { placement: { after: ['db'], priority: 10 } }),
          vm('web', '1', 1, 1024, { placement: { before: ['big'] } }),
        ],
      );
      const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1' });
      assert.deepEqual(plan.entries.map((e) => e.vm), ['db', 'app', 'web', 'big', 'small']);
      assert.deepEqual(plan.entries.map((e) => e.order), [1, 2, 3, 4, 5]);
      assert.deepEqual(plan.entries[1].after, ['db']);
      assert.deepEqual(plan.entries[3].after, ['web']);
    });

    it('blocks a dependency cycle and whatever waits on it, naming the cycle', () => {
      const s = snapshot(
        [node('1', 64, 65536), node('2', 64, 65536)],
        [vm('a', '1', 1, 512, { placement: { after: ['b'] } }), vm('b', '1', 1, 512, { placement: { after: ['a'] } }), vm('c', '1', 1, 512, { placement: { after: ['a'] } }), vm('d', '1')],
      );
      const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1' });
      assert.deepEqual(plan.entries.map((e) => e.vm), ['d']);
      assert.deepEqual(plan.blockers.map((b) => [b.vm, b.kind]), [
        ['a', 'cycle'],
        ['b', 'cycle'],
        ['c', 'dependency'],
      ]);
      assert.match(plan.blockers[0].reason, /a → b → a/);
      assert.deepEqual(plan.nodes.find((n) => n.id === '2')!.after, { vcpus: 2, memoryMb: 2048 }, 'blocked VMs book no room');
    });

    it('blocks a VM that waits for one that cannot move', () => {
      const s = snapshot([node('1'), node('2')], [vm('a', '1', 2, 2048, { placement: { pinned: 'pinned' } }), vm('b', '1', 2, 2048, { placement: { after: ['a'] } })]);
      const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1' });
      assert.deepEqual(plan.blockers.map((b) => [b.vm, b.kind, b.reason]), [
        ['a', 'pinned', 'a is pinned to its node: pinned'],
        ['b', 'dependency', 'moves after a, which cannot move'],
      ]);
    });
  });

  describe('spread and rebalance', () => {
    it('spreads an evacuation over the other nodes evenly', () => {
      const nodes = [node('1', 64, 65536), node('2', 16, 16384), node('3', 16, 16384), node('4', 16, 16384)];
      const vms = Array.from({ length: 12 }, (_, i) => vm(`v${String(i).padStart(2, '0')}`, '1', 1, 1024));
      const plan = planMigrations(snapshot(nodes, vms), { kind: 'evacuate', nodeId: '1' });
      const counts = new Map<string, number>();
      for (const e of plan.entries) counts.set(e.to!, (counts.get(e.to!) ?? 0) + 1);
      assert.deepEqual([...counts.values()], [4, 4, 4]);
    });

    it('rebalances to within the threshold with few moves', () => {
      const nodes = [node('1', 16, 16384), node('2', 16, 16384), node('3', 16, 16384)];
      const vms = [...Array.from({ length: 9 }, (_, i) => vm(`h${i}`, '1', 1, 1024)), vm('m0', '2', 1, 1024), vm('m1', '2', 1, 1024), vm('m2', '2', 1, 1024)];
      const plan = planMigrations(snapshot(nodes, vms), { kind: 'rebalance', threshold: 0.1 });
      const before = useSpread(plan.nodes, 'before');
      const after = useSpread(plan.nodes, 'after');
      assert.equal(before.memory, 9 / 16);
      assert.ok(after.memory <= 0.1 && after.cpu <= 0.1, JSON.stringify(after));
      // 9/3/0 → 4/4/4 needs five moves at least, and that is what it takes.
      assert.equal(plan.entries.length, 5);
      assert.ok(plan.entries.every((e) => e.from === '1' && e.mode === 'live'));
    });

    it('keeps narrowing when several nodes share the highest use', () => {
      // Three equally full nodes and three empty ones: no single move lowers max − min, yet the
      // cluster can be evened out completely (2 VMs each).
      const nodes = Array.from({ length: 6 }, (_, i) => node(String(i + 1), 8, 8192));
      const vms = [1, 2, 3].flatMap((n) => Array.from({ length: 4 }, (_, i) => vm(`n${n}-${i}`, String(n), 1, 1024)));
      const plan = planMigrations(snapshot(nodes, vms), { kind: 'rebalance', threshold: 0.05 });
      assert.equal(plan.entries.length, 6);
      assert.deepEqual(useSpread(plan.nodes, 'after'), { cpu: 0, memory: 0 });
    });

    it('never rebalances onto a node without room, nor moves a VM that cannot move live', () => {
      const nodes = [node('1', 4, 4096), node('2', 4, 4096, { used: { vcpus: 4, memoryMb: 1024 } })];
      const vms = [vm('a', '1', 1, 1024), vm('b', '1', 1, 1024), vm('c', '1', 1, 1024, { state: 'stopped', phase: 'Stopped' })];
      assert.deepEqual(planMigrations(snapshot(nodes, vms), { kind: 'rebalance' }).entries, []);
    });

    it('does nothing when the cluster is within the threshold', () => {
      const plan = planMigrations(snapshot([node('1'), node('2')], [vm('a', '1'), vm('b', '2')]), { kind: 'rebalance' });
      assert.deepEqual(plan.entries, []);
    });
  });

  it('gives the same plan for the same input, whatever order the snapshot lists things in', () => {
    const nodes = Array.from({ length: 6 }, (_, i) => node(String(i + 1), 16, 16384 + i * 1024));
    const vms = Array.from({ length: 40 }, (_, i) => vm(`vm-${i}`, String((i % 3) + 1), 1 + (i % 4), 512 * (1 + (i % 5)), i % 7 === 0 ? { placement: { after: [`vm-${i + 1}`] } } : {}));
    for (const request of [{ kind: 'evacuate', nodeId: '1' }, { kind: 'rebalance', threshold: 0.05 }] as const) {
      const a = planMigrations(snapshot(nodes, vms), request);
      const b = planMigrations(snapshot([...nodes].reverse(), [...vms].reverse()), request);
      assert.deepEqual(a, b);
      assert.ok(a.entries.length > 0);
    }
  });
});
