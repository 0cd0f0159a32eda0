// Evacuating several nodes in one plan (the Clusters view's multi-selection → Evacuate Nodes…):
// every VM of every selected node moves, none to any of the selected nodes — not even to one that
// is still schedulable — the targets' room counts every move of the plan, and the plan document
// keeps the nodes so Recompute plans the same request again.

import * as assert from 'node:assert/strict';
import { parsePlanDocument } from '../../../src/plans/plan-document-parser';
import { writePlanDocument } from '../../../src/plans/plan-document-writer';
import { planMigrations } from '../../../src/plans/planner';
import { validatePlan } from '../../../src/plans/plan-validation';
import { planFileName } from '../../../src/ui/plans/core/plan-file-name';
import { requestOf } from '../../../src/ui/plans/core/plan-request';
import { node, snapshot, vm } from './snapshot-builder';

describe('planner: evacuate several nodes', () => {
  // Four nodes; 1 and 2 are emptied together; 3 and 4 take their VMs.
  const s = snapshot(
    [node('1', 8, 16384), node('2', 8, 16384), node('3', 8, 16384), node('4', 8, 16384)],
    [vm('a', '1', 2, 4096), vm('b', '1', 2, 4096), vm('c', '2', 2, 4096), vm('d', '2', 2, 4096), vm('e', '2', 1, 1024), vm('x', '3', 2, 4096), vm('y', '4', 1, 1024)],
  );

  it('empties every selected node and targets none of them', () => {
    const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1', alsoNodeIds: ['2'] });
    assert.deepEqual(plan.entries.map((e) => e.vm).sort(), ['a', 'b', 'c', 'd', 'e']);
    assert.ok(plan.entries.every((e) => e.to === '3' || e.to === '4'), JSON.stringify(plan.entries.map((e) => [e.vm, e.to])));
    assert.deepEqual(plan.blockers, []);
    assert.equal(plan.node, '1');
    assert.deepEqual(plan.alsoNodes, ['2']);
    assert.match(plan.entries[0].reason, /^evacuating node-1, node-2: /);
    // Room: node 3 and 4 never hold more than they have, with every planned move booked.
    for (const n of plan.nodes.filter((u) => u.id === '3' || u.id === '4')) {
      assert.ok(n.after.vcpus <= 8 && n.after.memoryMb <= 16384, JSON.stringify(n));
    }
    const after = new Map(plan.nodes.map((n) => [n.id, n.after]));
    assert.deepEqual([after.get('1'), after.get('2')], [{ vcpus: 0, memoryMb: 0 }, { vcpus: 0, memoryMb: 0 }]);
  });

  it('does not move a VM to another emptied node even when that one still takes VMs and the rest are full', () => {
    const full = snapshot([node('1', 8, 8192), node('2', 8, 8192), node('3', 2, 2048)], [vm('a', '1', 2, 2048), vm('b', '1', 2, 2048), vm('c', '2', 1, 1024), vm('z', '3', 1, 1024)]);
    const plan = planMigrations(full, { kind: 'evacuate', nodeId: '1', alsoNodeIds: ['2'] });
    assert.ok(plan.entries.every((e) => e.to === '3'));
    assert.deepEqual(plan.entries.map((e) => e.vm), ['c']);
    assert.deepEqual(plan.blockers.map((b) => [b.vm, b.kind]).sort(), [['a', 'no-room'], ['b', 'no-room']]);
  });

  it('says when the selection is every node, and names a node that is not there', () => {
    const all = planMigrations(s, { kind: 'evacuate', nodeId: '1', alsoNodeIds: ['2', '3', '4', '9'] });
    assert.equal(all.entries.length, 0);
    assert.ok(all.blockers.some((b) => b.node === '9' && b.kind === 'no-target' && b.reason === 'node 9 is not in the cluster'));
    assert.ok(all.blockers.filter((b) => b.vm).every((b) => b.kind === 'only-node' && b.reason === 'node-1, node-2, node-3, node-4 are all the nodes of the cluster'));
  });

  it('keeps the nodes in the plan document, so Recompute plans the same request', () => {
    const plan = planMigrations(s, { kind: 'evacuate', nodeId: '1', alsoNodeIds: ['2'] });
    const text = writePlanDocument(plan);
    assert.match(text, /^alsoNodes:\n {2}- "2"$/m);
    assert.match(text, /evacuate nodes 1, 2\./);
    const parsed = parsePlanDocument(text);
    assert.ok(parsed.ok, JSON.stringify(parsed.diagnostics));
    assert.deepEqual(requestOf(parsed.plan!), { kind: 'evacuate', nodeId: '1', alsoNodeIds: ['2'] });
    assert.deepEqual(planMigrations(s, requestOf(parsed.plan!)).entries, plan.entries);
    // An edit that sends a VM to another emptied node is an error where the target is.
    const edited = text.replace(/^(\s+to: )"(3|4)"$/m, '$1"2"');
    assert.notEqual(edited, text);
    const checked = validatePlan(parsePlanDocument(edited), s);
    assert.ok(checked.diagnostics.some((d) => d.severity === 'error' && d.message === 'node-2 is emptied by this plan: it takes none of its VMs'), JSON.stringify(checked.diagnostics));
    assert.match(planFileName({ kind: 'evacuate', nodeId: '1', alsoNodeIds: ['2', '3'] }, { cluster: 'dev', node: 'node-1' }, new Date(2026, 11, 4, 1, 2, 3)), /^evacuate-node-1-and-2-more-20261204-010203\.blixard-plan\.yaml$/);
  });
});
