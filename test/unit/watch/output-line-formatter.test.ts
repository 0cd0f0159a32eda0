import { strict as assert } from 'node:assert';
import { formatClockTime } from '../../../src/model/vocabulary';
import { migrationReference, OutputLineFormatter } from '../../../src/watch/output-line-formatter';
import { T0, kubevirtObservation } from './scripted-source';

describe('OutputLineFormatter', () => {
  const running = kubevirtObservation('prod-kv', 'kubevirt-migrate-vm-x7k2p', 'PreparingTarget', { sourceNode: 'node-a', targetNode: 'node-b' }).migration;
  const web1 = { ...running, vm: 'web-1' };
  /** A formatter whose clock reads `now` (the output channel adds its own time, so lines carry none). */
  const at = (now: number, options: ConstructorParameters<typeof OutputLineFormatter>[0] = {}) => new OutputLineFormatter({ now: () => now, ...options });

  it('prints cluster, namespace/VM, migration, previous → new phase, nodes and time since start — no timestamp of its own', () => {
    const line = at(T0 + 3400).formatTransition({ migration: web1, transition: { migrationId: web1.id, phase: 'PreparingTarget', at: T0 + 3400 }, previousPhase: 'Scheduled' });
    assert.equal(line, 'prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  Scheduled → PreparingTarget  node-a → node-b  +3.4s');
  });

  it('reads at 100 columns: a Blixard live-migration line', () => {
    const bx = { ...web1, kind: 'blixard' as const, cluster: 'dev', namespace: undefined, vm: 'vm-3', id: 'dev/3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', name: '3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', sourceNode: 'node-3', targetNode: 'node-1' };
    const line = at(T0 + 4200, { clusterLabel: () => 'local-dev' }).formatTransition({ migration: bx, transition: { migrationId: bx.id, phase: 'Switching', at: T0 + 4200 }, previousPhase: 'Transferring' });
    assert.equal(line, 'local-dev  vm-3  3f2a9c1e  Transferring → Switching  node-3 → node-1  +4.2s');
    assert.ok(line.length <= 100, `${line.length} columns`);
  });

  it('marks unknown nodes and a first phase, and names the cluster by its label', () => {
    const m = { ...web1, sourceNode: undefined, targetNode: undefined, namespace: undefined, cluster: 'bx1' };
    const line = at(T0, { clusterLabel: (id) => (id === 'bx1' ? 'Local dev cluster' : undefined) }).formatTransition({ migration: m, transition: { migrationId: m.id, phase: 'Pending', at: T0 } });
    assert.equal(line, 'Local dev cluster  web-1  kubevirt-migrate-vm-x7k2p  → Pending  ? → ?  +0ms');
  });

  it('names a Blixard migration by the first eight characters of its UUID; a VMIM by its name', () => {
    assert.equal(migrationReference({ id: 'dev/3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b', name: '3f2a9c1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b' }), '3f2a9c1e');
    assert.equal(migrationReference({ id: 'kubevirt:prod/default/kubevirt-migrate-vm-x7k2p', name: 'kubevirt-migrate-vm-x7k2p' }), 'kubevirt-migrate-vm-x7k2p');
    assert.equal(migrationReference({ id: 'dev/abc', name: '' }), 'abc');
  });

  it('puts the outcome (when the phase does not already say it) and the failure reason last', () => {
    const f = at(T0 + 125_000);
    const failed = { ...web1, phase: 'Failed', state: 'failed' as const, failureReason: 'target node unreachable' };
    assert.equal(
      f.formatTransition({ migration: failed, transition: { migrationId: failed.id, phase: 'Failed', at: T0 + 125_000 }, previousPhase: 'Running' }),
      'prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  Running → Failed  node-a → node-b  +2m 05s  target node unreachable',
    );
    const ok = { ...web1, phase: 'Succeeded', state: 'succeeded' as const };
    assert.match(at(T0 + 9000).formatTransition({ migration: ok, transition: { migrationId: ok.id, phase: 'Succeeded', at: T0 + 9000 }, previousPhase: 'Running' }), /Running → Succeeded {2}node-a → node-b {2}\+9\.0s$/);
    // A live migration that measured its pause says it last, in the dialog's words.
    const paused = { ...ok, downtimeMs: 149 };
    assert.match(at(T0 + 9000).formatTransition({ migration: paused, transition: { migrationId: ok.id, phase: 'Succeeded', at: T0 + 9000 }, previousPhase: 'Running' }), /Running → Succeeded {2}node-a → node-b {2}\+9\.0s {2}downtime 149ms$/);
    // A KubeVirt cancel ends in phase Failed: the outcome word says what happened.
    const cancelled = { ...web1, phase: 'Failed', state: 'cancelled' as const, failureReason: 'deleted by the user' };
    assert.match(f.formatTransition({ migration: cancelled, transition: { migrationId: cancelled.id, phase: 'Failed', at: T0 + 125_000 }, previousPhase: 'Running' }), /Running → Cancelled {2}node-a → node-b {2}\+2m 05s {2}deleted by the user$/);
    // An earlier phase of a migration that has since failed carries no outcome.
    assert.doesNotMatch(f.formatTransition({ migration: failed, transition: { migrationId: failed.id, phase: 'Running', at: T0 + 122_000 } }), /failed|unreachable/);
  });

  it('prints an end that came without a transition with the outcome word, not "(failed)"; nothing for one its transition reported', () => {
    const cancelled = { ...web1, state: 'cancelled' as const, endedAt: T0 + 61_000, failureReason: 'Deleted from the cluster before it finished' };
    const f = at(T0 + 61_000);
    assert.equal(
      f.formatEnd({ migration: cancelled, cause: 'deleted', viaTransition: false }),
      'prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  PreparingTarget → Cancelled  node-a → node-b  +1m 01s  Deleted from the cluster before it finished',
    );
    const failed = { ...web1, phase: 'Transferring', state: 'failed' as const, endedAt: T0 + 2000, failureReason: undefined };
    assert.match(at(T0 + 2000).formatEnd({ migration: failed, cause: 'vanished', viaTransition: false })!, / {2}Transferring → Failed {2}node-a → node-b {2}\+2\.0s$/);
    assert.doesNotMatch(at(T0 + 2000).formatEnd({ migration: failed, cause: 'vanished', viaTransition: false })!, /\(failed\)/);
    assert.equal(f.formatEnd({ migration: cancelled, cause: 'phase', viaTransition: true }), undefined);
  });

  it("adds the cluster's own time only when it lies more than a few seconds from now (a replay), and says so", () => {
    const t = { migrationId: web1.id, phase: 'Running', at: T0 + 12_000 };
    assert.doesNotMatch(at(T0 + 15_000).formatTransition({ migration: web1, transition: t }), /on the cluster/);
    assert.equal(
      at(T0 + 600_000).formatTransition({ migration: web1, transition: t }),
      `prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  → Running  node-a → node-b  +12s  (at ${formatClockTime(T0 + 12_000)} on the cluster)`,
    );
  });

  it('stamps each line with the ISO time it is printed at when asked (the CLI), once', () => {
    const line = at(T0 + 3400, { stamp: true }).formatTransition({ migration: web1, transition: { migrationId: web1.id, phase: 'PreparingTarget', at: T0 + 3400 }, previousPhase: 'Scheduled' });
    assert.equal(line, '2025-03-01T10:00:03.400Z  prod-kv  default/web-1  kubevirt-migrate-vm-x7k2p  Scheduled → PreparingTarget  node-a → node-b  +3.4s');
    assert.equal(line.match(/\d\d:\d\d:\d\d/g)?.length, 1, 'one time per line');
  });

  it('says a stream outage in one line when it begins, one when the reason changes, one when it is back', () => {
    const f = at(T0, { clusterLabel: () => 'local-dev' });
    const outage = { sourceId: 'dev', since: T0, lastFailureAt: T0, reason: 'Cannot reach Blixard cluster "local-dev" at 127.0.0.1:7001: connection refused.', repeats: 0 };
    assert.equal(f.formatOutage({ type: 'down', outage }), 'local-dev  migration stream down  Cannot reach Blixard cluster "local-dev" at 127.0.0.1:7001: connection refused.');
    assert.equal(f.formatOutage({ type: 'reason', outage: { ...outage, reason: 'no answer in time' }, previousReason: outage.reason, repeats: 3 }), 'local-dev  migration stream still down (failed 3 more times)  now: no answer in time');
    assert.equal(f.formatOutage({ type: 'back', sourceId: 'dev', downForMs: 42_000, repeats: 12, reason: outage.reason }), 'local-dev  migration stream back after 42s (failed 12 more times)');
    assert.equal(f.formatOutage({ type: 'back', sourceId: 'dev', downForMs: 1_500, repeats: 0, reason: outage.reason }), 'local-dev  migration stream back after 1.5s');
    assert.equal(f.formatOutage({ type: 'gone', sourceId: 'dev' }), undefined);
  });

  it('keeps every line one line, whatever a cluster puts in names and reasons', () => {
    const evil = { ...web1, vm: 'vm\nFAKE LINE', failureReason: 'bad\r\n\u001b[31mred', phase: 'Failed', state: 'failed' as const };
    const line = at(T0).formatTransition({ migration: evil, transition: { migrationId: evil.id, phase: 'Failed', at: T0 } });
    assert.equal(line.split('\n').length, 1);
    // eslint-disable-next-line no-control-regex -- an escape character in the line is the defect
    assert.doesNotMatch(line, /[\r\u001b]/);
    const down = at(T0).formatOutage({ type: 'down', outage: { sourceId: 'x\ny', since: T0, lastFailureAt: T0, reason: 'a\nb', repeats: 0 } })!;
    assert.equal(down.split('\n').length, 1);
  });
});
