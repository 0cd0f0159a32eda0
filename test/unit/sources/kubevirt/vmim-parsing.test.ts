import { strict as assert } from 'node:assert';
import type { KubeVmi, KubeVmim } from '../../../../src/sources/kubevirt/kube-objects';
import { migrationOrigin, parseVmim } from '../../../../src/sources/kubevirt/vmim-parsing';

const SOURCE = 'kubevirt:lab';
const T0 = Date.parse('2024-05-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString().replace('.000Z', 'Z');

function vmim(phase: string | undefined, extra: { name?: string; status?: Partial<NonNullable<KubeVmim['status']>>; spec?: KubeVmim['spec']; labels?: Record<string, string> } = {}): KubeVmim {
  const phases = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];
  const upTo = phase ? phases.indexOf(phase) : -1;
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstanceMigration',
    metadata: {
      name: extra.name ?? 'kubevirt-migrate-vm-x7k2p',
      namespace: 'prod',
      uid: 'uid-1',
      resourceVersion: '42',
      creationTimestamp: at(0),
      ...(extra.labels ? { labels: extra.labels } : {}),
    },
    spec: extra.spec ?? { vmiName: 'db-0', addedNodeSelector: { 'kubernetes.io/hostname': 'worker-2' } },
    status: {
      ...(phase ? { phase } : {}),
      phaseTransitionTimestamps: phases.slice(0, upTo + 1).map((p, i) => ({ phase: p, phaseTransitionTimestamp: at(i) })),
      ...extra.status,
    },
  };
}

function runningVmi(migrationState: NonNullable<KubeVmi['status']>['migrationState']): KubeVmi {
  return { metadata: { name: 'db-0', namespace: 'prod' }, status: { phase: 'Running', nodeName: 'worker-1', migrationState } };
}

function parse(obj: KubeVmim, context: Partial<Parameters<typeof parseVmim>[1]> = {}) {
  const result = parseVmim(obj, { sourceId: SOURCE, fallbackPhaseTime: () => T0 + 999_000, ...context });
  if (!result.ok) assert.fail(`expected a parse, got: ${result.problem}`);
  return result;
}

describe('kubevirt VMIM parsing', () => {
  it('normalises a running migration, reading migrationState from its VMI', () => {
    const vmi = runningVmi({ migrationUid: 'uid-1', sourceNode: 'worker-1', targetNode: 'worker-2', startTimestamp: at(5), mode: 'PreCopy' });
    const { observation, warnings } = parse(vmim('Running'), { vmi });
    assert.deepEqual(warnings, []);
    assert.deepEqual(observation.migration, {
      id: 'kubevirt:lab/prod/kubevirt-migrate-vm-x7k2p',
      kind: 'kubevirt',
      cluster: SOURCE,
      namespace: 'prod',
      vm: 'db-0',
      name: 'kubevirt-migrate-vm-x7k2p',
      sourceNode: 'worker-1',
      targetNode: 'worker-2',
      mode: 'PreCopy',
      origin: 'user',
      phase: 'Running',
      state: 'running',
      createdAt: T0,
      uid: 'uid-1',
      startedAt: T0 + 5000,
      labels: {},
    });
    assert.deepEqual(
      observation.phases.map((p) => [p.phase, p.at - T0]),
      [
        ['Pending', 0],
        ['Scheduling', 1000],
        ['Scheduled', 2000],
        ['PreparingTarget', 3000],
        ['TargetReady', 4000],
        ['Running', 5000],
      ],
    );
    assert.ok(observation.phases.every((p) => p.migrationId === observation.migration.id));
    assert.equal(observation.deleted, undefined);
  });

  it('maps each phase to pending or running', () => {
    const expected: Record<string, string> = {
      Pending: 'pending',
      Scheduling: 'pending',
      Scheduled: 'pending',
      WaitingForSync: 'pending',
      PreparingTarget: 'running',
      TargetReady: 'running',
      Running: 'running',
      Synchronizing: 'running',
    };
    for (const [phase, state] of Object.entries(expected)) assert.equal(parse(vmim(phase)).observation.migration.state, state, phase);
  });

  it('takes an ended migration\'s state from the VMIM itself', () => {
    const ended = vmim('Succeeded', {
      status: { migrationState: { migrationUid: 'uid-1', sourceNode: 'worker-1', targetNode: 'worker-3', startTimestamp: at(5), endTimestamp: at(9), mode: 'PostCopy', completed: true } },
    });
    // The VMI's state belongs to a later migration: it must not be used.
    const vmi = runningVmi({ migrationUid: 'uid-2', sourceNode: 'worker-3', targetNode: 'worker-1' });
    const m = parse(ended, { vmi }).observation.migration;
    assert.equal(m.state, 'succeeded');
    assert.equal(m.sourceNode, 'worker-1');
    assert.equal(m.targetNode, 'worker-3');
    assert.equal(m.mode, 'PostCopy');
    assert.equal(m.startedAt, T0 + 5000);
    assert.equal(m.endedAt, T0 + 9000);
    assert.equal(m.durationMs, 9000);
  });

  it('tells failed from cancelled', () => {
    const failed = vmim('Failed', { status: { migrationState: { failed: true, failureReason: 'target pod failed to start', endTimestamp: at(7) } } });
    const f = parse(failed).observation.migration;
    assert.equal(f.state, 'failed');
    assert.equal(f.failureReason, 'target pod failed to start');
    assert.equal(f.endedAt, T0 + 7000);

    const aborted = vmim('Failed', { status: { migrationState: { failed: true, abortRequested: true, abortStatus: 'Succeeded' } } });
    assert.equal(parse(aborted).observation.migration.state, 'cancelled');
    const abortStatusOnly = vmim('Failed', { status: { migrationState: { abortStatus: 'Succeeded' } } });
    assert.equal(parse(abortStatusOnly).observation.migration.state, 'cancelled');
    // Cancelled before the hand-off: KubeVirt fails it at once, with a condition and no migrationState.
    const early = vmim('Failed', { status: { conditions: [{ type: 'migrationAbortRequested', status: 'True' }] } });
    assert.equal(parse(early).observation.migration.state, 'cancelled');
  });

  it('tells a deletion that caused the failure from a later cleanup', () => {
    const failed = (deletionSeconds: number) => {
      const obj = vmim('Failed', {
        status: {
          phaseTransitionTimestamps: [
            { phase: 'Pending', phaseTransitionTimestamp: at(0) },
            { phase: 'Failed', phaseTransitionTimestamp: at(5) },
          ],
        },
      });
      obj.metadata!.deletionTimestamp = at(deletionSeconds);
      return parse(obj).observation.migration.state;
    };
    assert.equal(failed(4), 'cancelled');
    assert.equal(failed(5), 'cancelled');
    assert.equal(failed(60), 'failed', 'deleting a failed migration later does not rewrite how it ended');
  });

  it('reports a deletion: cancelled when it had not ended, its final state otherwise', () => {
    const running = parse(vmim('Running'), { deleted: true }).observation;
    assert.equal(running.deleted, true);
    assert.equal(running.migration.state, 'cancelled');
    assert.equal(running.migration.phase, 'Running');
    const done = parse(vmim('Succeeded'), { deleted: true }).observation;
    assert.equal(done.deleted, true);
    assert.equal(done.migration.state, 'succeeded');
  });

  it('finds the origin in the name, then in KubeVirt\'s labels', () => {
    assert.equal(migrationOrigin('kubevirt-migrate-vm-abcde', {}), 'user');
    assert.equal(migrationOrigin('kubevirt-evacuation-abcde', {}), 'evacuation');
    assert.equal(migrationOrigin('kubevirt-workload-update-abcde', {}), 'workload-update');
    assert.equal(migrationOrigin('my-migration', {}), 'unknown');
    assert.equal(migrationOrigin('custom', { 'kubevirt.io/evacuationMigration': 'node-1' }), 'evacuation');
    const labelled = parse(vmim('Pending', { name: 'kubevirt-evacuation-q9', labels: { team: 'db', 'kubevirt.io/evacuationMigration': 'worker-1' } })).observation.migration;
    assert.equal(labelled.origin, 'evacuation');
    assert.deepEqual(labelled.labels, { team: 'db', 'kubevirt.io/evacuationMigration': 'worker-1' });
  });

  it('uses the VMI\'s node as the source and the node selector as the target before KubeVirt says more', () => {
    const m = parse(vmim('Scheduling'), { vmi: runningVmi(undefined) }).observation.migration;
    assert.equal(m.sourceNode, 'worker-1');
    assert.equal(m.targetNode, 'worker-2');
    assert.equal(m.mode, 'live');
    const anyNode = parse(vmim('Pending', { spec: { vmiName: 'db-0' } })).observation.migration;
    assert.equal(anyNode.targetNode, undefined);
  });

  it('ignores a finished migrationState on the VMI that cannot be tied to this migration', () => {
    const old = runningVmi({ sourceNode: 'worker-9', targetNode: 'worker-8', completed: true, endTimestamp: at(-100) });
    const m = parse(vmim('Pending', { spec: { vmiName: 'db-0' } }), { vmi: old }).observation.migration;
    assert.equal(m.targetNode, undefined);
    assert.equal(m.sourceNode, 'worker-1', 'the VMI\'s current node');
  });

  it('records each phase once with its earliest time, sorted by time', () => {
    const obj = vmim('Running', {
      status: {
        phaseTransitionTimestamps: [
          { phase: 'Running', phaseTransitionTimestamp: at(5) },
          { phase: 'Pending', phaseTransitionTimestamp: at(0) },
          { phase: 'Running', phaseTransitionTimestamp: at(6) },
          { phase: 'Scheduling', phaseTransitionTimestamp: at(1) },
        ],
      },
    });
    assert.deepEqual(
      parse(obj).observation.phases.map((p) => [p.phase, p.at - T0]),
      [
        ['Pending', 0],
        ['Scheduling', 1000],
        ['Running', 5000],
      ],
    );
  });

  it('skips malformed transition times with a warning and keeps the rest', () => {
    const obj = vmim('Scheduled', {
      status: {
        phaseTransitionTimestamps: [
          { phase: 'Pending', phaseTransitionTimestamp: at(0) },
          { phase: 'Scheduling', phaseTransitionTimestamp: 'yesterday' },
          { phase: 'Scheduled', phaseTransitionTimestamp: at(2) },
          { phase: 'Bogus', phaseTransitionTimestamp: at(3) },
          { phaseTransitionTimestamp: at(3) },
        ],
      },
    });
    const { observation, warnings } = parse(obj);
    assert.deepEqual(observation.phases.map((p) => p.phase), ['Pending', 'Scheduled']);
    assert.equal(warnings.length, 3);
    assert.match(warnings[0], /prod\/kubevirt-migrate-vm-x7k2p: phase Scheduling has a malformed time "yesterday"; skipped/);
    assert.equal(parse(vmim('Pending', { status: { phaseTransitionTimestamps: 'nope' as never } })).warnings.length, 1);
  });

  it('does not lose the current phase when the server gave it no time', () => {
    const obj = vmim('Pending', { status: { phaseTransitionTimestamps: [] } });
    assert.deepEqual(parse(obj).observation.phases.map((p) => [p.phase, p.at]), [['Pending', T0]]);
    const running = vmim('Running', { status: { phaseTransitionTimestamps: [{ phase: 'Pending', phaseTransitionTimestamp: at(0) }] } });
    assert.deepEqual(parse(running).observation.phases.map((p) => [p.phase, p.at]), [
      ['Pending', T0],
      ['Running', T0 + 999_000],
    ]);
  });

  it('rejects bad objects with a reason instead of throwing', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /no metadata.name/],
      [{ metadata: { name: 'm' } }, /m has no namespace/],
      [{ ...vmim('Running'), spec: {} }, /has no spec.vmiName/],
      [{ ...vmim('Running'), status: undefined }, /has no status yet/],
      [{ ...vmim(undefined) }, /has no status.phase yet/],
      [vmim('Exploding'), /unknown phase "Exploding"/],
      [{ ...vmim('Running'), metadata: { ...vmim('Running').metadata, creationTimestamp: '2024-13-45' } }, /malformed metadata.creationTimestamp/],
      [{ ...vmim('Running'), status: 'weird' }, /has no status yet/],
    ];
    for (const [obj, problem] of cases) {
      const result = parseVmim(obj as KubeVmim, { sourceId: SOURCE });
      assert.equal(result.ok, false, JSON.stringify(obj).slice(0, 80));
      if (!result.ok) assert.match(result.problem, problem);
    }
  });
});
