import { strict as assert } from 'node:assert';
import { OutputLineFormatter, formatElapsed } from '../../../src/watch/output-line-formatter';
import { T0, kubevirtObservation } from './scripted-source';

describe('OutputLineFormatter', () => {
  const running = kubevirtObservation('prod-kv', 'kubevirt-migrate-vm-x7k2p', 'PreparingTarget', { sourceNode: 'node-a', targetNode: 'node-b' }).migration;

  it('prints time, cluster, namespace/VM, migration, previous → new phase, nodes and time since start', () => {
    const line = new OutputLineFormatter().formatTransition({
      migration: running,
      transition: { migrationId: running.id, phase: 'PreparingTarget', at: T0 + 3400 },
      previousPhase: 'Scheduled',
    });
    assert.equal(line, '2025-03-01T10:00:03.400Z  prod-kv  default/vm-kubevirt-migrate-vm-x7k2p  kubevirt-migrate-vm-x7k2p  Scheduled → PreparingTarget  node-a → node-b  +3.4s');
  });

  it('marks unknown nodes and a first phase, and names the cluster by its label', () => {
    const m = { ...running, sourceNode: undefined, targetNode: undefined, namespace: undefined, cluster: 'bx1' };
    const line = new OutputLineFormatter({ clusterLabel: (id) => (id === 'bx1' ? 'Local dev cluster' : undefined) }).formatTransition({
      migration: m,
      transition: { migrationId: m.id, phase: 'Pending', at: T0 },
    });
    assert.equal(line, '2025-03-01T10:00:00.000Z  Local dev cluster  vm-kubevirt-migrate-vm-x7k2p  kubevirt-migrate-vm-x7k2p  → Pending  ? → ?  +0.0s');
  });

  it('puts the outcome and the failure reason on the final transition line', () => {
    const failed = { ...running, phase: 'Failed', state: 'failed' as const, failureReason: 'target node unreachable' };
    const f = new OutputLineFormatter();
    const line = f.formatTransition({ migration: failed, transition: { migrationId: failed.id, phase: 'Failed', at: T0 + 125_000 }, previousPhase: 'Running' });
    assert.match(line, /  Running → Failed  node-a → node-b  \+2m05s  failed: target node unreachable$/);
    const ok = { ...running, phase: 'Succeeded', state: 'succeeded' as const };
    assert.match(f.formatTransition({ migration: ok, transition: { migrationId: ok.id, phase: 'Succeeded', at: T0 + 9000 }, previousPhase: 'Running' }), /\+9\.0s  succeeded$/);
    // An earlier phase of a migration that has since failed carries no outcome.
    assert.doesNotMatch(f.formatTransition({ migration: failed, transition: { migrationId: failed.id, phase: 'Running', at: T0 + 5000 } }), /failed/);
  });

  it('prints an end that came without a transition, and nothing for one its transition already reported', () => {
    const cancelled = { ...running, state: 'cancelled' as const, endedAt: T0 + 61_000, failureReason: 'Deleted from the cluster before it finished' };
    const f = new OutputLineFormatter();
    assert.equal(
      f.formatEnd({ migration: cancelled, cause: 'deleted', viaTransition: false }),
      '2025-03-01T10:01:01.000Z  prod-kv  default/vm-kubevirt-migrate-vm-x7k2p  kubevirt-migrate-vm-x7k2p  PreparingTarget → (cancelled)  node-a → node-b  +1m01s  cancelled: Deleted from the cluster before it finished',
    );
    assert.equal(f.formatEnd({ migration: cancelled, cause: 'phase', viaTransition: true }), undefined);
  });

  it('keeps every line one line, whatever a cluster puts in names and reasons', () => {
    const evil = { ...running, vm: 'vm\nFAKE LINE', failureReason: 'bad\r\n\u001b[31mred', phase: 'Failed', state: 'failed' as const };
    const line = new OutputLineFormatter().formatTransition({ migration: evil, transition: { migrationId: evil.id, phase: 'Failed', at: T0 } });
    assert.equal(line.split('\n').length, 1);
    assert.doesNotMatch(line, /[\r\u001b]/);
  });

  it('formats elapsed times short and exact', () => {
    assert.deepEqual([0, 999, 59_949, 60_000, 3_599_000, 3_600_000, 7_380_000, -5, Number.NaN].map(formatElapsed), [
      '0.0s',
      '1.0s',
      '59.9s',
      '1m00s',
      '59m59s',
      '1h00m',
      '2h03m',
      '0.0s',
      '0.0s',
    ]);
  });
});
