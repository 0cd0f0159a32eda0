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
});
