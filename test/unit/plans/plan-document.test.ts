// The plan document: written and read back to the same plan; every malformed field and every
// cluster problem reported at its own line and column; staleness after the cluster changed.

import * as assert from 'node:assert/strict';
import { parsePlanDocument } from '../../../src/plans/plan-document-parser';
import { writePlanDocument } from '../../../src/plans/plan-document-writer';
import { formatDiagnostic } from '../../../src/plans/plan-diagnostics';
import { planMigrations } from '../../../src/plans/planner';
import { validatePlan } from '../../../src/plans/plan-validation';
import { node, snapshot, vm } from './snapshot-builder';

const cluster = () =>
  snapshot(
    [node('1', 16, 16384), node('2', 16, 16384), node('3', 3, 3072), node('4', 16, 16384, { schedulable: false, maintenance: { reason: 'disk swap' } })],
    [vm('web-1', '1', 2, 2048), vm('db-1', '1', 2, 2048, { placement: { before: ['web-1'] } }), vm('pin', '1', 1, 512, { placement: { pinned: 'licence' } }), vm('other', '2', 4, 4096)],
  );

/** Line (1-based) of the first line holding `text`, and the column (1-based) where it starts. */
function where(doc: string, text: string, from = 0): { line: number; col: number } {
  const offset = doc.indexOf(text, from);
  assert.ok(offset >= 0, `${text} not in the document`);
  const before = doc.slice(0, offset).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

describe('plan document', () => {
  it('round-trips: write → parse gives the same plan', () => {
    const plan = planMigrations(cluster(), { kind: 'evacuate', nodeId: '1' }, { createdAt: '2026-12-04T01:00:00.000Z', window: { notBefore: '2026-12-05T22:00:00Z', notAfter: '2026-12-06T04:00:00Z' }, concurrency: { perSourceNode: 1 }, stopOnFailure: true });
    assert.ok(plan.entries.length === 2 && plan.blockers.length === 1);
    const text = writePlanDocument(plan);
    const parsed = parsePlanDocument(text);
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(parsed.plan, plan);
    assert.equal(writePlanDocument(parsed.plan!), text, 'and writes the same text again');
    assert.match(text, /^# Blixard migration plan for dev: evacuate node 1\.\n# 2 moves \(4 vCPU, 4 GiB\), 1 blocked\./);
    assert.match(text, /\n {2}- vm: db-1\n {4}from: "1"\n {4}to: "2"\n {4}mode: live\n {4}order: 1\n/);
    assert.match(text, /\n {4}after: \[ db-1 \]\n/);
    assert.match(text, /blockers:\n {2}- vm: pin\n {4}node: "1"\n {4}kind: pinned\n {4}reason: "pin is pinned to its node: licence"\n/);
  });

  it('round-trips a plan whose target the cluster picks', () => {
    const s = { ...cluster(), traits: { anyNode: true, live: 'always' as const } };
    const plan = planMigrations(s, { kind: 'migrate', vmIds: ['web-1'], to: 'any' });
    const text = writePlanDocument(plan);
    assert.match(text, /to: null/);
    assert.deepEqual(parsePlanDocument(text).plan, plan);
  });

  it('reports malformed fields where they are, never throwing', () => {
    const text = ['version: 1', 'cluster: dev', 'kind: shuffle', 'concurrency: { perCluster: 0, perSourceNode: 2 }', 'stopOnFailure: maybe', 'colour: blue', 'entries:', '  - vm: web-1', '    from: "1"', '    to: "2"', '    mode: warp', '    order: 1.5', '  - from: "1"', '    to: "2"', '    mode: live', ''].join('\n');
    const parsed = parsePlanDocument(text);
    assert.equal(parsed.ok, false);
    const lines = parsed.diagnostics.map((d) => formatDiagnostic('p.blixard-plan.yaml', d));
    assert.deepEqual(lines, [
      'p.blixard-plan.yaml:6:1: warning: unknown field "colour" (known: version, cluster, kind, node, alsoNodes, threshold, createdAt, window, concurrency, stopOnFailure, entries, blockers, nodes)',
      'p.blixard-plan.yaml:3:7: error: kind must be one of evacuate, migrate, rebalance, not "shuffle"',
      'p.blixard-plan.yaml:4:28: error: concurrency.perCluster must be a whole number from 1 to 1000',
      'p.blixard-plan.yaml:5:16: error: stopOnFailure must be true or false',
      'p.blixard-plan.yaml:11:11: error: mode must be live or cold, not "warp"',
      'p.blixard-plan.yaml:12:12: error: entries.order must be a whole number of at least 1',
      'p.blixard-plan.yaml:13:5: error: entries.vm is missing',
    ]);
    for (const bad of ['', ':', '[1, 2', 'entries: {', '\u0000', '- a\n- b', 'a: &x\n  b: *x\n'.repeat(3)]) {
      const p = parsePlanDocument(bad);
      assert.equal(p.ok, false, JSON.stringify(bad));
      assert.ok(p.diagnostics.length > 0);
    }
  });

  it('checks the plan against the cluster, with figures and positions', () => {
    const s = cluster();
    const text = [
      'version: 1',
      'cluster: dev',
      'kind: migrate',
      'entries:',
      '  - { vm: web-1, from: "1", to: "3", mode: live, order: 1 }',
      '  - { vm: db-1, from: "1", to: "3", mode: live, order: 2 }',
      '  - { vm: ghost, from: "1", to: "2", mode: live, order: 3 }',
      '  - { vm: other, from: "2", to: "4", mode: live, order: 4 }',
      '  - { vm: web-1, from: "1", to: "2", mode: live, order: 5 }',
      '  - { vm: pin, from: "1", to: "9", mode: live, order: 6 }',
      '',
    ].join('\n');
    const v = validatePlan(parsePlanDocument(text), s);
    assert.equal(v.ok, false);
    const lines = v.diagnostics.map((d) => formatDiagnostic('f', d));
    assert.deepEqual(lines, [
      'f:6:32: error: node-3 is over capacity with db-1: needs 2 vCPU, 2 GiB; node-3 has 1 vCPU, 1 GiB free of 3 vCPU, 3 GiB (counting migrations in flight and planned towards it)',
      'f:7:11: error: ghost is not a VM of dev (deleted or renamed since the plan was made?)',
      'f:8:33: error: node-4 is in maintenance (disk swap): it takes no VMs',
      'f:9:11: error: web-1 is in the plan twice (also entry 1): a VM moves once',
      'f:10:31: error: node 9 is not in the cluster (nodes: 1, 2, 3, 4)',
      'f:10:42: error: pin is pinned to its node: licence',
    ]);
  });

  it('finds a dependency cycle among the entries', () => {
    const text = ['version: 1', 'cluster: dev', 'kind: migrate', 'entries:', '  - { vm: web-1, from: "1", to: "2", mode: live, order: 1, after: [db-1] }', '  - { vm: db-1, from: "1", to: "2", mode: live, order: 2, after: [web-1] }', ''].join('\n');
    const v = validatePlan(parsePlanDocument(text), cluster());
    assert.deepEqual(
      v.diagnostics.map((d) => [d.code, d.range.start.line + 1, d.message]),
      [
        ['cycle', 5, 'dependency cycle: db-1 → web-1 → db-1; none of them can start'],
        ['cycle', 6, 'dependency cycle: db-1 → web-1 → db-1; none of them can start'],
      ],
    );
  });

  it('says when the plan has gone stale: VMs moved, nodes gone', () => {
    const s = cluster();
    const text = writePlanDocument(planMigrations(s, { kind: 'evacuate', nodeId: '1' }));
    assert.equal(validatePlan(parsePlanDocument(text), s).stale, false);
    // web-1 moved to node 2 (its target) meanwhile, db-1 to node 3; node 1 is still there.
    const moved = { ...s, vms: s.vms.map((v) => (v.id === 'web-1' ? { ...v, nodeId: '2' } : v.id === 'db-1' ? { ...v, nodeId: '3' } : v)) };
    const v = validatePlan(parsePlanDocument(text), moved);
    assert.equal(v.stale, true);
    assert.deepEqual(v.alreadyThere, ['web-1']);
    const stale = v.diagnostics.filter((d) => d.code === 'stale');
    assert.equal(stale.length, 2);
    assert.equal(stale[0].range.start.line + 1, where(text, 'from: "1"').line);
    assert.match(stale[0].message, /db-1 has moved since the plan was made: it is on node-3 now, not node-1/);
    assert.match(stale[1].message, /web-1 is on node-2 already: this entry is done/);
    // Node 1 gone.
    const gone = { ...s, nodes: s.nodes.filter((n) => n.id !== '1') };
    const g = validatePlan(parsePlanDocument(text), gone);
    assert.equal(g.ok, false);
    assert.ok(g.diagnostics.some((d) => d.code === 'unknown-node' && /node 1 is not in the cluster any more/.test(d.message)));
  });

  it('warns about a window that has passed', () => {
    const plan = planMigrations(cluster(), { kind: 'evacuate', nodeId: '1' }, { window: { notAfter: '2020-01-01T00:00:00Z' } });
    const v = validatePlan(parsePlanDocument(writePlanDocument(plan)), cluster());
    assert.ok(v.diagnostics.some((d) => d.code === 'window' && d.severity === 'warning'));
  });
});
