import { strict as assert } from 'node:assert';
import { parseNode } from '../../../../src/sources/kubevirt/node-parsing';

describe('kubevirt node parsing', () => {
  it('maps Ready, unschedulable, address and allocatable resources', () => {
    const node = parseNode({
      metadata: { name: 'worker-1', resourceVersion: '5' },
      spec: { unschedulable: true },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True', reason: 'KubeletReady' },
        ],
        capacity: { cpu: '16', memory: '32Gi' },
        allocatable: { cpu: '15800m', memory: '31Gi', pods: '110' },
        addresses: [
          { type: 'Hostname', address: 'worker-1' },
          { type: 'InternalIP', address: '10.0.0.11' },
        ],
      },
    });
    assert.deepEqual(node, {
      id: 'worker-1',
      name: 'worker-1',
      status: 'ready',
      schedulable: false,
      address: '10.0.0.11',
      capacity: { vcpus: 15.8, memoryMb: 31 * 1024 },
    });
  });

  it('says not-ready for Ready=False or Unknown and unknown without the condition', () => {
    assert.equal(parseNode({ metadata: { name: 'a' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })?.status, 'not-ready');
    assert.equal(parseNode({ metadata: { name: 'a' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } })?.status, 'not-ready');
    const bare = parseNode({ metadata: { name: 'a' } });
    assert.equal(bare?.status, 'unknown');
    assert.equal(bare?.schedulable, true);
    assert.equal(bare?.capacity, undefined);
  });

  it('falls back to capacity and rejects nameless nodes', () => {
    assert.deepEqual(parseNode({ metadata: { name: 'b' }, status: { capacity: { cpu: '4', memory: 'garbage' } } })?.capacity, { vcpus: 4, memoryMb: 0 });
    assert.equal(parseNode({ metadata: {} }), undefined);
    assert.equal(parseNode({}), undefined);
  });
});
