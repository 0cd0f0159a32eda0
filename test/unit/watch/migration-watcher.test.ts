import { strict as assert } from 'node:assert';
import type { PhaseTransition } from '../../../src/model/migration';
import { MigrationWatcher, type MigrationEndEvent, type MigrationTransitionEvent, type MigrationUpdateEvent } from '../../../src/watch/migration-watcher';
import type { RecordedMigrations } from '../../../src/watch/recorded-migrations';
import type { Logger } from '../../../src/base/logger';
import { KUBEVIRT_PHASES, ScriptedSource, T0, kubevirtObservation } from './scripted-source';

class CapturingLog implements Pick<Logger, 'info' | 'warn'> {
  readonly warnings: string[] = [];
  readonly infos: string[] = [];
  info(message: string): void {
    this.infos.push(message);
  }
  warn(message: string): void {
    this.warnings.push(message);
  }
}

function harness(options: ConstructorParameters<typeof MigrationWatcher>[0] = {}) {
  const log = new CapturingLog();
  const watcher = new MigrationWatcher({ log, now: () => T0 + 3_600_000, ...options });
  const transitions: MigrationTransitionEvent[] = [];
  const updates: MigrationUpdateEvent[] = [];
  const ends: MigrationEndEvent[] = [];
  watcher.onTransition((e) => transitions.push(e));
  watcher.onDidUpdate((e) => updates.push(e));
  watcher.onDidEnd((e) => ends.push(e));
  const phasesOf = (id?: string) => transitions.filter((t) => !id || t.transition.migrationId === id).map((t) => t.transition.phase);
  return { watcher, log, transitions, updates, ends, phasesOf };
}

describe('MigrationWatcher', () => {
  it('subscribes to a source when it is added and emits each phase once, in time order, with its own time', () => {
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    assert.equal(source.subscribed, true);

    source.observe(kubevirtObservation('kv1', 'm1', 'Pending'));
    source.observe(kubevirtObservation('kv1', 'm1', 'Pending'));
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduling'));
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduling'));
    source.observe(kubevirtObservation('kv1', 'm1', 'Succeeded', { state: 'succeeded', sourceNode: 'a', targetNode: 'b' }));

    assert.deepEqual(h.phasesOf(), KUBEVIRT_PHASES);
    assert.deepEqual(
      h.transitions.map((t) => t.transition.at),
      KUBEVIRT_PHASES.map((_, i) => T0 + i * 1000),
    );
    assert.deepEqual(
      h.transitions.map((t) => t.previousPhase),
      [undefined, ...KUBEVIRT_PHASES.slice(0, -1)],
    );
    assert.equal(h.ends.length, 1);
    assert.equal(h.ends[0].cause, 'phase');
    assert.equal(h.ends[0].viaTransition, true);
    assert.equal(h.ends[0].migration.endedAt, T0 + 6000, 'endedAt defaults to the final phase time');
    assert.equal(h.ends[0].migration.durationMs, 6000);
    assert.deepEqual(h.watcher.active(), []);
    assert.equal(h.watcher.recent(5)[0].id, 'kv1/default/m1');
  });

  it('recovers phases from the phase list when intermediate updates were missed', () => {
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    source.observe(kubevirtObservation('kv1', 'm1', 'Pending'));
    source.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    assert.deepEqual(h.phasesOf(), KUBEVIRT_PHASES.slice(0, 6));
    assert.equal(h.transitions[3].transition.phase, 'PreparingTarget');
    assert.equal(h.transitions[3].transition.at, T0 + 3000);
    assert.equal(h.transitions[3].previousPhase, 'Scheduled');
    assert.equal(h.watcher.active().length, 1);
    assert.equal(h.watcher.get('kv1/default/m1')?.phase, 'Running');
  });

  it('sorts an unordered phase list and keeps the earliest time of a phase listed twice', () => {
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    const obs = kubevirtObservation('kv1', 'm1', 'Scheduled');
    obs.phases.reverse();
    obs.phases.push({ migrationId: obs.migration.id, phase: 'Pending', at: T0 - 500 });
    source.observe(obs);
    assert.deepEqual(h.phasesOf(), ['Pending', 'Scheduling', 'Scheduled']);
    assert.equal(h.transitions[0].transition.at, T0 - 500);
  });

  it('orders phases that share one second by the lifecycle, also when the history returns them alphabetically', () => {
    const sameSecond = (upTo: string) => {
      const obs = kubevirtObservation('kv1', 'm1', upTo);
      obs.phases = obs.phases.map((p) => ({ ...p, at: T0 + (p.phase === 'Pending' ? 0 : 1000) }));
      return obs;
    };
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    const shuffled = sameSecond('TargetReady');
    shuffled.phases.sort((a, b) => (a.phase < b.phase ? -1 : 1));
    source.observe(shuffled);
    assert.deepEqual(h.phasesOf(), ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady']);
    assert.deepEqual(h.transitions.map((t) => t.previousPhase), [undefined, 'Pending', 'Scheduling', 'Scheduled', 'PreparingTarget']);

    // After a restart the history lists same-time phases by name; the timeline stays right.
    const recorded = h.watcher.phasesOf('kv1/default/m1').sort((a, b) => a.at - b.at || (a.phase < b.phase ? -1 : 1));
    const again = harness({ recorded: { transitionsOf: () => recorded } });
    const source2 = new ScriptedSource('kv1');
    again.watcher.addSource(source2);
    const running = sameSecond('Running');
    source2.observe(running);
    assert.deepEqual(again.transitions.map((t) => [t.previousPhase, t.transition.phase]), [['TargetReady', 'Running']]);
    assert.deepEqual(again.watcher.phasesOf('kv1/default/m1').map((p) => p.phase), KUBEVIRT_PHASES.slice(0, 6));
  });

  it('ignores an older observation arriving after a newer one but keeps any phase only it knows', () => {
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    const running = kubevirtObservation('kv1', 'm1', 'Running');
    running.phases = running.phases.filter((p) => p.phase !== 'Scheduled');
    source.observe(running);
    assert.deepEqual(h.phasesOf(), ['Pending', 'Scheduling', 'PreparingTarget', 'TargetReady', 'Running']);

    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduled'));
    // The late Scheduled phase is not lost; it follows Scheduling in time.
    assert.equal(h.transitions.at(-1)?.transition.phase, 'Scheduled');
    assert.equal(h.transitions.at(-1)?.previousPhase, 'Scheduling');
    assert.equal(h.watcher.get('kv1/default/m1')?.phase, 'Running', 'the snapshot does not go back');

    // A final migration never becomes active again through a replayed update.
    source.observe(kubevirtObservation('kv1', 'm1', 'Succeeded'));
    source.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    assert.equal(h.watcher.get('kv1/default/m1')?.state, 'succeeded');
    assert.equal(h.ends.length, 1);
  });

  it('stamps the current phase with the watcher clock when a source gives no phase times', () => {
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    const obs = kubevirtObservation('kv1', 'm1', 'Scheduling');
    obs.phases = [];
    source.observe(obs);
    source.observe(obs);
    assert.deepEqual(h.transitions.map((t) => [t.transition.phase, t.transition.at]), [['Scheduling', T0 + 3_600_000]]);
  });

  it('keeps node and start details a later observation no longer carries, and reports progress as updates', () => {
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    source.observe(kubevirtObservation('kv1', 'm1', 'Running', { sourceNode: 'node-a', targetNode: 'node-b', startedAt: T0 + 4000 }));
    const progress = { totalBytes: 100, transferredBytes: 40, remainingBytes: 60, dirtyRateBytesPerSec: 1, precopyRound: 1 };
    source.observe(kubevirtObservation('kv1', 'm1', 'Running', { progress }));
    const held = h.watcher.get('kv1/default/m1')!;
    assert.equal(held.sourceNode, 'node-a');
    assert.equal(held.targetNode, 'node-b');
    assert.equal(held.startedAt, T0 + 4000);
    assert.deepEqual(held.progress, progress);
    assert.equal(h.updates.length, 2);
    assert.equal(h.updates[1].previous?.progress, undefined);
    // The same observation again changes nothing.
    source.observe(kubevirtObservation('kv1', 'm1', 'Running', { progress: { ...progress } }));
    assert.equal(h.updates.length, 2);
  });

  it('records a delete of an unfinished migration as cancelled, and a delete of a finished one as nothing new', () => {
    const h = harness();
    const source = new ScriptedSource('kv1');
    h.watcher.addSource(source);
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduled'));
    source.observe({ ...kubevirtObservation('kv1', 'm1', 'Scheduled'), deleted: true });
    assert.equal(h.ends.length, 1);
    assert.equal(h.ends[0].cause, 'deleted');
    assert.equal(h.ends[0].viaTransition, false);
    assert.equal(h.ends[0].migration.state, 'cancelled');
    assert.match(h.ends[0].migration.failureReason ?? '', /deleted/i);
    assert.equal(h.watcher.active().length, 0);

    // KubeVirt cancel with the finalizer: Failed (abort) first, then the delete event.
    source.observe(kubevirtObservation('kv1', 'm2', 'Running'));
    const aborted = kubevirtObservation('kv1', 'm2', 'Running', { state: 'cancelled', phase: 'Failed', failureReason: 'Aborted by user' });
    aborted.phases.push({ migrationId: aborted.migration.id, phase: 'Failed', at: T0 + 9000 });
    source.observe(aborted);
    source.observe({ ...aborted, deleted: true });
    const m2Ends = h.ends.filter((e) => e.migration.id === 'kv1/default/m2');
    assert.equal(m2Ends.length, 1);
    assert.equal(m2Ends[0].migration.state, 'cancelled');
    assert.equal(m2Ends[0].viaTransition, true);
    assert.equal(h.phasesOf('kv1/default/m2').at(-1), 'Failed');
  });

  it('after a restart, emits only the phases the history does not hold yet', () => {
    const recordedPhases = new Map<string, PhaseTransition[]>();
    const recorded: RecordedMigrations = { transitionsOf: (id) => recordedPhases.get(id) };
    const first = harness({ recorded });
    const source = new ScriptedSource('kv1');
    first.watcher.addSource(source);
    first.watcher.onTransition((e) => {
      const list = recordedPhases.get(e.transition.migrationId) ?? [];
      list.push(e.transition);
      recordedPhases.set(e.transition.migrationId, list);
    });
    source.observe(kubevirtObservation('kv1', 'm1', 'Scheduled'));
    source.observe(kubevirtObservation('kv1', 'm2', 'Succeeded'));
    first.watcher.dispose();

    const second = harness({ recorded });
    const again = new ScriptedSource('kv1');
    second.watcher.addSource(again);
    // The relist shows both again, m1 further along.
    again.observe(kubevirtObservation('kv1', 'm2', 'Succeeded'));
    again.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    again.synced(['kv1/default/m1', 'kv1/default/m2']);
    assert.deepEqual(second.phasesOf(), ['PreparingTarget', 'TargetReady', 'Running']);
    assert.equal(second.transitions[0].previousPhase, 'Scheduled', 'the previous phase comes from the history');
    assert.equal(second.ends.length, 0, 'an old finished migration is not news');
    assert.equal(second.watcher.recent(10).length, 1);
  });

  it('after a restart, a name the history holds for a finished migration is a new migration when created later', () => {
    const old = kubevirtObservation('kv1', 'job', 'Succeeded');
    const recorded: RecordedMigrations = {
      transitionsOf: (id) => (id === old.migration.id ? old.phases : undefined),
      recordOf: (id) => (id === old.migration.id ? { migration: old.migration, transitions: old.phases } : undefined),
    };
    const h = harness({ recorded });
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    // The same, old VMIM relisted: nothing new.
    kv.observe(kubevirtObservation('kv1', 'job', 'Succeeded'));
    assert.deepEqual(h.phasesOf(), []);
    h.watcher.dispose();

    const again = harness({ recorded });
    const source = new ScriptedSource('kv1');
    again.watcher.addSource(source);
    const fresh = kubevirtObservation('kv1', 'job', 'Scheduling');
    source.observe({ ...fresh, migration: { ...fresh.migration, createdAt: T0 + 600_000 }, phases: fresh.phases.map((p) => ({ ...p, at: p.at + 600_000 })) });
    assert.deepEqual(again.phasesOf(), ['Pending', 'Scheduling'], 'the new migration\'s phases, not skipped as the old one\'s');
    assert.equal(again.watcher.get('kv1/default/job')?.state, 'running');
    assert.equal(again.log.warnings.filter((w) => /created again under a name used before/.test(w)).length, 1);
  });

  it('holds the history\'s active migrations and ends the ones missing from the first sync', () => {
    const h = harness({
      recorded: {
        transitionsOf: () => undefined,
        activeOf: (cluster) =>
          cluster === 'kv1'
            ? [
                { migration: kubevirtObservation('kv1', 'gone', 'Running').migration, transitions: kubevirtObservation('kv1', 'gone', 'Running').phases },
                { migration: kubevirtObservation('kv1', 'still', 'Scheduled').migration, transitions: kubevirtObservation('kv1', 'still', 'Scheduled').phases },
              ]
            : [],
      },
    });
    const kv = new ScriptedSource('kv1');
    const bx = new ScriptedSource('bx1', 'blixard');
    h.watcher.addSource(kv);
    h.watcher.addSource(bx);
    assert.deepEqual(h.watcher.active().map((m) => m.name).sort(), ['gone', 'still']);

    bx.synced([]); // another cluster's sync touches nothing of kv1
    assert.equal(h.watcher.active().length, 2);

    kv.observe(kubevirtObservation('kv1', 'still', 'Running'));
    kv.synced(['kv1/default/still']);
    assert.deepEqual(h.phasesOf(), ['PreparingTarget', 'TargetReady', 'Running'], 'the held phases are not emitted again');
    assert.deepEqual(h.watcher.active().map((m) => m.name), ['still']);
    assert.equal(h.ends.length, 1);
    assert.equal(h.ends[0].cause, 'vanished');
    assert.equal(h.ends[0].migration.state, 'failed', 'an end nobody saw reads the same on every kind');
    assert.match(h.ends[0].migration.failureReason ?? '', /reconnected/);
  });

  it('fetches the final state of a migration missing after a reconnect when the source can', async () => {
    const h = harness({ fetchTimeoutMs: 50 });
    const bx = new ScriptedSource('bx1', 'blixard');
    const phases = ['MIGRATION_STATUS_PREPARING', 'MIGRATION_STATUS_TRANSFERRING', 'MIGRATION_STATUS_SWITCHING', 'MIGRATION_STATUS_COMPLETED'];
    const obs = (name: string, upTo: string) => {
      const o = kubevirtObservation('bx1', name, upTo, { kind: 'blixard', namespace: undefined, mode: 'live' }, phases);
      o.migration.state = upTo === 'MIGRATION_STATUS_COMPLETED' ? 'succeeded' : 'running';
      return o;
    };
    const fetched: string[] = [];
    bx.getMigration = async (id) => {
      fetched.push(id);
      if (id.endsWith('/done')) return obs('done', 'MIGRATION_STATUS_COMPLETED');
      if (id.endsWith('/lost')) return undefined;
      if (id.endsWith('/broken')) throw new Error('connection reset');
      return new Promise(() => {}); // never answers: the deadline must end it
    };
    h.watcher.addSource(bx);
    for (const name of ['done', 'lost', 'broken', 'hangs', 'kept']) bx.observe(obs(name, 'MIGRATION_STATUS_PREPARING'));
    bx.connect({ state: 'unreachable', reason: 'down' });
    bx.connect({ state: 'connected' });
    bx.synced([`bx1/default/kept`]);
    await h.watcher.whenIdle();

    assert.deepEqual(fetched.sort(), ['bx1/default/broken', 'bx1/default/done', 'bx1/default/hangs', 'bx1/default/lost']);
    assert.deepEqual(h.phasesOf('bx1/default/done'), phases);
    const byName = new Map(h.ends.map((e) => [e.migration.name, e]));
    assert.equal(byName.get('done')?.migration.state, 'succeeded');
    assert.equal(byName.get('done')?.cause, 'phase');
    assert.equal(byName.get('lost')?.migration.state, 'failed');
    assert.equal(byName.get('lost')?.cause, 'vanished');
    assert.match(byName.get('broken')?.migration.failureReason ?? '', /connection reset/);
    assert.match(byName.get('hangs')?.migration.failureReason ?? '', /no answer within 50 ms/);
    assert.deepEqual(h.watcher.active().map((m) => m.name), ['kept']);
    assert.ok(h.log.warnings.some((w) => w.includes('connection reset')));
  }).timeout(10_000);

  it('revives a migration it ended as vanished when the cluster shows it again, and records its real end', () => {
    const h = harness();
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    kv.observe(kubevirtObservation('kv1', 'm1', 'Running'));
    kv.synced([]);
    assert.equal(h.watcher.get('kv1/default/m1')?.state, 'failed');
    kv.observe(kubevirtObservation('kv1', 'm1', 'Succeeded'));
    assert.equal(h.watcher.get('kv1/default/m1')?.state, 'succeeded');
    assert.deepEqual(h.ends.map((e) => e.cause), ['vanished', 'phase']);
    assert.deepEqual(h.phasesOf(), KUBEVIRT_PHASES);
  });

  it('takes a finished migration\'s name used again for a new migration, not for a replay of the old one', () => {
    const h = harness();
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    kv.observe(kubevirtObservation('kv1', 'job', 'Succeeded'));
    kv.observe({ ...kubevirtObservation('kv1', 'job', 'Succeeded'), deleted: true });
    const later = (o: ReturnType<typeof kubevirtObservation>) => ({
      ...o,
      migration: { ...o.migration, createdAt: T0 + 600_000 },
      phases: o.phases.map((p) => ({ ...p, at: p.at + 600_000 })),
    });
    kv.observe(later(kubevirtObservation('kv1', 'job', 'Scheduling')));
    assert.deepEqual(h.phasesOf(), [...KUBEVIRT_PHASES, 'Pending', 'Scheduling']);
    assert.equal(h.transitions.at(-2)?.previousPhase, undefined);
    assert.equal(h.watcher.get('kv1/default/job')?.state, 'running');
    assert.equal(h.watcher.active().length, 1);
    assert.equal(h.log.warnings.filter((w) => /created again under a name used before/.test(w)).length, 1);
    // A relist of the new one changes nothing.
    kv.observe(later(kubevirtObservation('kv1', 'job', 'Scheduling')));
    assert.equal(h.transitions.length, KUBEVIRT_PHASES.length + 2);
  });

  it('tells a name reused within the same second apart by the VMIM uid', () => {
    const h = harness();
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    const withUid = (o: ReturnType<typeof kubevirtObservation>, uid: string) => ({ ...o, migration: { ...o.migration, uid } });
    kv.observe(withUid(kubevirtObservation('kv1', 'job', 'Succeeded'), 'u-1'));
    kv.observe({ ...withUid(kubevirtObservation('kv1', 'job', 'Succeeded'), 'u-1'), deleted: true });
    // Same creation second, same phase times (KubeVirt's resolution is one second): another uid.
    kv.observe(withUid(kubevirtObservation('kv1', 'job', 'Scheduling'), 'u-2'));
    assert.deepEqual(h.phasesOf(), [...KUBEVIRT_PHASES, 'Pending', 'Scheduling']);
    assert.equal(h.watcher.get('kv1/default/job')?.uid, 'u-2');
    // A late view of the first one is not taken for a third, nor for news of the second.
    kv.observe(withUid(kubevirtObservation('kv1', 'job', 'Succeeded'), 'u-1'));
    assert.equal(h.transitions.length, KUBEVIRT_PHASES.length + 2);
    assert.equal(h.watcher.get('kv1/default/job')?.state, 'running');
    // A relist of the second changes nothing either.
    kv.observe(withUid(kubevirtObservation('kv1', 'job', 'Scheduling'), 'u-2'));
    assert.equal(h.transitions.length, KUBEVIRT_PHASES.length + 2);
  });

  it('logs and skips malformed observations and goes on with the next', () => {
    const h = harness();
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    const good = kubevirtObservation('kv1', 'ok', 'Scheduling');
    const bad: unknown[] = [
      null,
      { migration: null, phases: [] },
      { ...good, migration: { ...good.migration, id: '' } },
      { ...good, migration: { ...good.migration, vm: undefined } },
      { ...good, migration: { ...good.migration, phase: '' } },
      { ...good, migration: { ...good.migration, state: 'exploded' } },
      { ...good, migration: { ...good.migration, createdAt: Number.NaN } },
      { ...good, migration: { ...good.migration, endedAt: Infinity } },
      { ...good, phases: 'Pending' },
    ];
    for (const b of bad) kv.migrationEvents.fire({ type: 'observation', observation: b as never });
    kv.migrationEvents.fire({ type: 'mystery' } as never);
    assert.equal(h.transitions.length, 0);
    assert.equal(h.log.warnings.length, bad.length + 1);
    assert.ok(h.log.warnings.some((w) => w.includes('missing VM name')));
    assert.ok(h.log.warnings.some((w) => w.includes('creation time')));

    // A malformed phase entry is dropped on its own; the rest of the observation counts.
    const partly = kubevirtObservation('kv1', 'ok', 'Scheduled');
    partly.phases[1] = { ...partly.phases[1], at: Number.NaN };
    kv.observe(partly);
    kv.observe(partly);
    assert.deepEqual(h.phasesOf(), ['Pending', 'Scheduled']);
    assert.equal(h.log.warnings.filter((w) => w.includes('malformed phase')).length, 1, 'a repeated problem is logged once');
    kv.observe(good);
    assert.deepEqual(h.phasesOf(), ['Pending', 'Scheduled', 'Scheduling']);
  });

  it('tracks the connection of each source, so one cluster shows down while others keep flowing', () => {
    const h = harness();
    const statuses: string[] = [];
    h.watcher.onDidChangeStatus((e) => statuses.push(`${e.sourceId}:${e.state?.state ?? 'removed'}`));
    const a = new ScriptedSource('a');
    const b = new ScriptedSource('b');
    h.watcher.addSource(a);
    h.watcher.addSource(b);
    a.connect({ state: 'connected' });
    b.connect({ state: 'connected' });
    b.connect({ state: 'unreachable', reason: 'connection refused', retryInMs: 1000 });
    b.connectionEvents.fire({ state: 'unreachable', reason: 'connection refused', retryInMs: 1000 });
    a.observe(kubevirtObservation('a', 'm1', 'Scheduling'));
    assert.equal(h.watcher.status('a')?.state, 'connected');
    assert.deepEqual(h.watcher.status('b'), { state: 'unreachable', reason: 'connection refused', retryInMs: 1000 });
    assert.deepEqual(statuses, ['a:connecting', 'b:connecting', 'a:connected', 'b:connected', 'b:unreachable']);
    assert.equal(h.transitions.length, 2);

    h.watcher.setSources([a]);
    assert.deepEqual(h.watcher.sourceIds(), ['a']);
    assert.equal(h.watcher.status('b'), undefined);
    assert.equal(b.subscribed, false, 'a removed source is unsubscribed');
    assert.equal(statuses.at(-1), 'b:removed');
    b.observe(kubevirtObservation('b', 'late', 'Pending'));
    assert.equal(h.watcher.get('b/default/late'), undefined);

    h.watcher.removeSource('a');
    assert.deepEqual(h.watcher.active(), [], 'a removed cluster\'s migrations are forgotten');
  });

  it('replacing a source with a new instance of the same cluster keeps what is held', () => {
    const h = harness();
    const first = new ScriptedSource('kv1');
    h.watcher.addSource(first);
    first.observe(kubevirtObservation('kv1', 'm1', 'Scheduling'));
    const second = new ScriptedSource('kv1');
    h.watcher.setSources([second]);
    assert.equal(first.subscribed, false);
    second.observe(kubevirtObservation('kv1', 'm1', 'Scheduled'));
    assert.deepEqual(h.phasesOf(), ['Pending', 'Scheduling', 'Scheduled']);
  });

  it('uses the source id as the cluster when a source names it differently, warning once', () => {
    const h = harness();
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    kv.observe(kubevirtObservation('kv1', 'm1', 'Pending', { cluster: 'other' }));
    kv.observe(kubevirtObservation('kv1', 'm2', 'Pending', { cluster: 'other' }));
    assert.equal(h.watcher.get('kv1/default/m1')?.cluster, 'kv1');
    assert.equal(h.log.warnings.length, 1);
  });

  it('bounds the ended migrations it holds and lists the most recent first', () => {
    const h = harness({ maxEndedHeld: 3 });
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    for (let i = 0; i < 5; i++) kv.observe(kubevirtObservation('kv1', `m${i}`, 'Succeeded', { endedAt: T0 + i }));
    assert.deepEqual(h.watcher.recent(10).map((m) => m.name), ['m4', 'm3', 'm2']);
    assert.deepEqual(h.watcher.recent(1).map((m) => m.name), ['m4']);
    assert.equal(h.watcher.get('kv1/default/m0'), undefined);
  });

  it('forgets the oldest ended migrations first however many have ended, and keeps the active ones', () => {
    const h = harness({ maxEndedHeld: 100 });
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    kv.observe(kubevirtObservation('kv1', 'still-running', 'Running'));
    for (let i = 0; i < 30_000; i++) kv.observe(kubevirtObservation('kv1', `m${i}`, 'Succeeded', { endedAt: T0 + i }));
    assert.deepEqual(h.watcher.recent(2).map((m) => m.name), ['m29999', 'm29998']);
    assert.equal(h.watcher.recent(1000).length, 100);
    assert.equal(h.watcher.get('kv1/default/m29899'), undefined);
    assert.ok(h.watcher.get('kv1/default/m29900'));
    assert.equal(h.watcher.get('kv1/default/still-running')?.state, 'running');
  });

  it('keeps delivering to other subscribers when one throws, and stops after dispose', () => {
    const h = harness();
    const kv = new ScriptedSource('kv1');
    h.watcher.addSource(kv);
    const errors: unknown[] = [];
    const onUncaught = (e: unknown) => errors.push(e);
    const mocha = process.listeners('uncaughtException');
    mocha.forEach((l) => process.removeListener('uncaughtException', l));
    process.on('uncaughtException', onUncaught);
    return new Promise<void>((resolve, reject) => {
      h.watcher.onTransition(() => {
        throw new Error('subscriber bug');
      });
      kv.observe(kubevirtObservation('kv1', 'm1', 'Scheduling'));
      setImmediate(() => {
        process.removeListener('uncaughtException', onUncaught);
        mocha.forEach((l) => process.on('uncaughtException', l));
        try {
          assert.equal(h.transitions.length, 2);
          assert.equal(errors.length, 2);
          h.watcher.dispose();
          assert.equal(kv.subscribed, false);
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
  });
});
