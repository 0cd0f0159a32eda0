// Two sources that reach one cluster (two kubeconfig contexts of one API server, declared by a
// shared clusterIdentity): each migration is one migration — one set of transitions, one active
// entry, one id — whichever of them streams, and across a failover from one to the other.

import { strict as assert } from 'node:assert';
import { MigrationWatcher, type MigrationTransitionEvent, type SourceStatusEvent } from '../../../src/watch/migration-watcher';
import { ScriptedSource, T0, kubevirtObservation } from './scripted-source';

class SharedClusterSource extends ScriptedSource {
  constructor(
    id: string,
    readonly clusterIdentity: string | undefined,
  ) {
    super(id);
  }
}

function harness() {
  const watcher = new MigrationWatcher({ now: () => T0 + 3_600_000 });
  const transitions: MigrationTransitionEvent[] = [];
  const statuses: SourceStatusEvent[] = [];
  watcher.onTransition((e) => transitions.push(e));
  watcher.onDidChangeStatus((e) => statuses.push(e));
  return { watcher, transitions, statuses };
}

describe('MigrationWatcher: one cluster reached through several sources', () => {
  it('streams from the first source only and holds its migrations under that source\'s cluster id', () => {
    const h = harness();
    const admin = new SharedClusterSource('kubevirt:admin', 'server-1');
    const viewer = new SharedClusterSource('kubevirt:viewer', 'server-1');
    h.watcher.addSource(admin);
    h.watcher.addSource(viewer);
    admin.connect({ state: 'connected' });

    assert.equal(admin.subscribed, true);
    assert.equal(viewer.subscribed, false, 'the second context does not open a second migration stream');
    assert.deepEqual(h.watcher.clusterIds(), ['kubevirt:admin']);
    assert.equal(h.watcher.clusterOf('kubevirt:viewer'), 'kubevirt:admin');

    admin.observe(kubevirtObservation('kubevirt:admin', 'm1', 'Scheduling'));
    // Whatever the second would say of it (it is not listened to while the first streams) changes nothing.
    viewer.observe(kubevirtObservation('kubevirt:viewer', 'm1', 'Scheduling'));
    assert.equal(h.watcher.active().length, 1);
    assert.deepEqual(h.transitions.map((t) => t.transition.phase), ['Pending', 'Scheduling']);
    assert.equal(h.watcher.status('kubevirt:viewer')?.state, 'connected', 'either id reads the cluster\'s stream state');
  });

  it('fails over to another source of the cluster when the streaming one goes down, without repeating a phase or changing ids', () => {
    const h = harness();
    const admin = new SharedClusterSource('kubevirt:admin', 'server-1');
    const second = new SharedClusterSource('kubevirt:second', 'server-1');
    h.watcher.addSource(admin);
    h.watcher.addSource(second);
    admin.connect({ state: 'connected' });
    admin.observe(kubevirtObservation('kubevirt:admin', 'm1', 'Scheduling'));

    admin.connect({ state: 'unreachable', reason: 'token expired' });
    assert.equal(second.subscribed, true, 'the other context is tried while the streaming one is down');
    second.connect({ state: 'connected' });
    // Its full picture (as a fresh subscriber gets it), under its own ids: the same migration, one phase further.
    second.observe(kubevirtObservation('kubevirt:second', 'm1', 'Scheduled'));
    second.synced(['kubevirt:second/default/m1']);

    assert.deepEqual(h.transitions.map((t) => t.transition.phase), ['Pending', 'Scheduling', 'Scheduled']);
    assert.deepEqual(new Set(h.transitions.map((t) => t.migration.id)), new Set(['kubevirt:admin/default/m1']));
    assert.deepEqual(h.watcher.active().map((m) => [m.id, m.cluster, m.phase]), [['kubevirt:admin/default/m1', 'kubevirt:admin', 'Scheduled']]);
    assert.equal(h.watcher.status('kubevirt:admin')?.state, 'connected', 'the cluster streams again, through the other context');
    assert.deepEqual(
      h.statuses.map((s) => `${s.sourceId}:${s.state?.state}`),
      ['kubevirt:admin:connecting', 'kubevirt:admin:connected', 'kubevirt:admin:unreachable', 'kubevirt:admin:connected'],
      'one cluster, one status line per change',
    );

    // Cancel and look-ups find a source, with the id in that source's own terms, the streaming one first.
    assert.deepEqual(
      h.watcher.sourcesFor('kubevirt:admin/default/m1').map((s) => [s.source.id, s.migrationId]),
      [
        ['kubevirt:second', 'kubevirt:second/default/m1'],
        ['kubevirt:admin', 'kubevirt:admin/default/m1'],
      ],
    );
    assert.equal(h.watcher.heldMigrationId('kubevirt:second/default/m1'), 'kubevirt:admin/default/m1');
  });

  it('takes the stream from a source that may watch migrations when the first one may not (RBAC)', () => {
    const h = harness();
    const viewer = new SharedClusterSource('kubevirt:viewer', 'server-1');
    const admin = new SharedClusterSource('kubevirt:admin', 'server-1');
    h.watcher.addSource(viewer);
    h.watcher.addSource(admin);
    viewer.connect({ state: 'connected', limitation: 'migrations are not followed: not allowed to watch virtualmachineinstancemigrations' });
    assert.equal(admin.subscribed, true);
    admin.connect({ state: 'connected' });
    admin.observe(kubevirtObservation('kubevirt:admin', 'm1', 'Running'));
    assert.equal(viewer.subscribed, false, 'the limited one is let go once the other streams');
    assert.deepEqual(h.watcher.active().map((m) => m.id), ['kubevirt:viewer/default/m1'], 'held under the cluster\'s first id, whichever member streams');
    assert.deepEqual(h.watcher.status('kubevirt:viewer'), { state: 'connected' });
  });

  it('keeps clusters apart when their identities differ, and the cluster\'s migrations while any source of it stays', () => {
    const h = harness();
    const a = new SharedClusterSource('kubevirt:a', 'server-1');
    const b = new SharedClusterSource('kubevirt:b', 'server-2');
    const a2 = new SharedClusterSource('kubevirt:a2', 'server-1');
    h.watcher.setSources([a, b, a2]);
    assert.deepEqual(h.watcher.clusterIds(), ['kubevirt:a', 'kubevirt:b']);
    assert.equal(b.subscribed, true);
    a.connect({ state: 'connected' });
    a.observe(kubevirtObservation('kubevirt:a', 'm1', 'Running'));

    h.watcher.setSources([b, a2]);
    assert.equal(a2.subscribed, true, 'the remaining source of the cluster streams now');
    assert.deepEqual(h.watcher.active().map((m) => m.id), ['kubevirt:a/default/m1'], 'its migration is not forgotten, and keeps its id');
    a2.connect({ state: 'connected' });
    a2.observe(kubevirtObservation('kubevirt:a2', 'm1', 'Succeeded'));
    assert.deepEqual(h.watcher.recent(5).map((m) => [m.id, m.state]), [['kubevirt:a/default/m1', 'succeeded']]);
    assert.equal(h.transitions.filter((t) => t.transition.phase === 'Running').length, 1);
  });
});
