import { strict as assert } from 'node:assert';
import type { KubeVmi } from '../../../../src/sources/kubevirt/kube-objects';
import { parseVmi, vmiControllerName, vmiRequests } from '../../../../src/sources/kubevirt/vmi-parsing';

function vmi(overrides: Partial<KubeVmi> & { phase?: string } = {}): KubeVmi {
  return {
    apiVersion: 'kubevirt.io/v1',
    kind: 'VirtualMachineInstance',
    metadata: {
      name: 'db-0',
      namespace: 'prod',
      resourceVersion: '10',
      ownerReferences: [{ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachine', name: 'db-0', controller: true }],
      ...overrides.metadata,
    },
    spec: overrides.spec ?? {
      domain: { cpu: { cores: 2, sockets: 2, threads: 1 }, memory: { guest: '4Gi' }, resources: { requests: { cpu: '500m', memory: '4352Mi' } } },
    },
    status: {
      phase: overrides.phase ?? 'Running',
      nodeName: 'worker-1',
      interfaces: [{ name: 'default', ipAddress: '10.244.1.7' }],
      conditions: [{ type: 'LiveMigratable', status: 'True' }],
      ...overrides.status,
    },
  };
}

describe('kubevirt VMI parsing', () => {
  it('maps a running VMI to a Vm', () => {
    assert.deepEqual(parseVmi(vmi()), {
      id: 'prod/db-0',
      name: 'db-0',
      namespace: 'prod',
      nodeId: 'worker-1',
      state: 'running',
      phase: 'Running',
      hasController: true,
      vcpus: 4,
      memoryMb: 4096,
      ipAddress: '10.244.1.7',
      liveMigratable: { ok: true },
      coldMove: {
        ok: false,
        reason:
          'no evictionStrategy on the VM: the cluster-wide default applies and is not known here; set spec.template.spec.evictionStrategy to None or LiveMigrateIfPossible to allow a restart on another node',
      },
    });
  });

  it('maps phases to states', () => {
    const cases: Array<[string, string]> = [
      ['Pending', 'pending'],
      ['Scheduling', 'pending'],
      ['Scheduled', 'pending'],
      ['Running', 'running'],
      ['Succeeded', 'stopped'],
      ['Failed', 'failed'],
      ['Unknown', 'unknown'],
      ['SomethingNew', 'unknown'],
    ];
    for (const [phase, state] of cases) assert.equal(parseVmi(vmi({ phase }))?.state, state, phase);
    const deleting = vmi({ metadata: { name: 'db-0', namespace: 'prod', deletionTimestamp: '2024-05-01T10:00:00Z' } });
    assert.equal(parseVmi(deleting)?.state, 'stopping');
  });

  it('reports LiveMigratable=False with its reason and message', () => {
    const notMigratable = vmi({
      status: { conditions: [{ type: 'LiveMigratable', status: 'False', reason: 'DisksNotLiveMigratable', message: 'cannot migrate VMI: PVC disk0 is not shared' }] },
    });
    assert.deepEqual(parseVmi(notMigratable)?.liveMigratable, {
      ok: false,
      reason: 'DisksNotLiveMigratable',
      message: 'cannot migrate VMI: PVC disk0 is not shared',
    });
  });

  it('knows a standalone VMI has no controller', () => {
    const standalone = vmi({ metadata: { name: 'lone', namespace: 'dev', ownerReferences: [] } });
    assert.equal(parseVmi(standalone)?.hasController, false);
    assert.equal(vmiControllerName(standalone), undefined);
    assert.equal(vmiControllerName(vmi()), 'db-0');
  });

  it('takes vCPU and memory from requests when there is no topology or guest size', () => {
    const v = parseVmi(vmi({ spec: { domain: { resources: { requests: { cpu: '1500m', memory: '2Gi' } } } } }));
    assert.equal(v?.vcpus, 2);
    assert.equal(v?.memoryMb, 2048);
    const none = parseVmi(vmi({ spec: {} }));
    assert.equal(none?.vcpus, undefined);
    assert.equal(none?.memoryMb, undefined);
  });

  it('counts requests against the node, guest size when nothing is requested, nothing once finished', () => {
    assert.deepEqual(vmiRequests(vmi()), { vcpus: 0.5, memoryBytes: 4352 * 2 ** 20 });
    assert.deepEqual(vmiRequests(vmi({ spec: { domain: { cpu: { cores: 3 }, memory: { guest: '1Gi' } } } })), { vcpus: 3, memoryBytes: 2 ** 30 });
    assert.equal(vmiRequests(vmi({ phase: 'Succeeded' })), undefined);
  });

  it('tolerates malformed objects', () => {
    assert.equal(parseVmi({}), undefined);
    assert.equal(parseVmi({ metadata: { name: 'x' } }), undefined, 'a VMI is always namespaced');
    const noStatus = parseVmi({ metadata: { name: 'x', namespace: 'y' } });
    assert.equal(noStatus?.phase, 'Pending');
    assert.equal(noStatus?.nodeId, undefined);
    const garbage = parseVmi({
      metadata: { name: 'x', namespace: 'y' },
      spec: { domain: { cpu: { cores: -1 }, memory: { guest: 'lots' } } },
      status: { interfaces: 'nope', conditions: [] } as never,
    });
    assert.equal(garbage?.vcpus, undefined);
    assert.equal(garbage?.memoryMb, undefined);
    assert.equal(garbage?.ipAddress, undefined);
  });

  it("reads the planner's hints from labels and annotations (annotations win), and nothing else of them", () => {
    const parsed = parseVmi(
      vmi({
        metadata: {
          name: 'db-0',
          namespace: 'prod',
          labels: { 'blixard.io/migration-priority': '3', 'blixard.io/pinned': 'true', app: 'db' },
          annotations: { 'blixard.io/migration-priority': '7', 'blixard.io/migrate-before': 'prod/web-0,prod/web-1', 'blixard.io/migrate-after': 'not an id!' },
        },
      }),
    );
    assert.deepEqual(parsed?.placement, { priority: 7, before: ['prod/web-0', 'prod/web-1'], pinned: 'pinned' });
    assert.equal(parseVmi(vmi())?.placement, undefined);
  });

  it('reads pinning from a required hostname affinity with one host, not from one that allows several', () => {
    const term = (values: string[]) => ({ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values }] });
    const withTerms = (terms: object[]) => vmi({ spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
    assert.deepEqual(parseVmi(withTerms([term(['worker-1'])]))?.placement, { pinned: 'scheduled only on worker-1 (required node affinity kubernetes.io/hostname)' });
    assert.deepEqual(parseVmi(withTerms([term(['worker-1']), term(['worker-1'])]))?.placement?.pinned, 'scheduled only on worker-1 (required node affinity kubernetes.io/hostname)');
    assert.equal(parseVmi(withTerms([term(['worker-1', 'worker-2'])]))?.placement, undefined);
    assert.equal(parseVmi(withTerms([term(['worker-1']), term(['worker-2'])]))?.placement, undefined);
    assert.equal(parseVmi(withTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }]))?.placement, undefined);
    assert.deepEqual(parseVmi(vmi({ spec: { nodeSelector: { 'kubernetes.io/hostname': 'worker-1' } } }))?.placement, { pinned: 'scheduled only on worker-1 (nodeSelector kubernetes.io/hostname)' });
    // An operator's own words win over the derived reason.
    const both = vmi({ metadata: { name: 'db-0', namespace: 'prod', annotations: { 'blixard.io/pinned': 'GPU passthrough' } }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'worker-1' } } });
    assert.equal(parseVmi(both)?.placement?.pinned, 'GPU passthrough');
  });

  it('allows a cold move by eviction strategy, and only for a VMI that a VirtualMachine owns', () => {
    const strategy = (evictionStrategy: string, migratable = 'True') => parseVmi(vmi({ spec: { evictionStrategy }, status: { conditions: [{ type: 'LiveMigratable', status: migratable }] } }))?.coldMove;
    assert.equal(strategy('None')?.ok, true);
    assert.equal(strategy('LiveMigrateIfPossible')?.ok, true);
    assert.match(strategy('LiveMigrateIfPossible', 'False')?.reason ?? '', /cannot move live: it may be shut down/);
    assert.equal(strategy('LiveMigrate')?.ok, false);
    assert.equal(strategy('External')?.ok, false);
    assert.deepEqual(strategy('Sometimes'), { ok: false, reason: 'evictionStrategy "Sometimes" is not one KubeVirt documents' });
    const bare = parseVmi(vmi({ metadata: { name: 'x', namespace: 'prod', ownerReferences: [] }, spec: { evictionStrategy: 'None' } }));
    assert.deepEqual(bare?.coldMove, { ok: false, reason: 'no VirtualMachine owns this instance: stopped, it would be gone, not started elsewhere' });
  });
});
