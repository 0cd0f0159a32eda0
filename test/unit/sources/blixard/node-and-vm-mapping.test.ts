import { strict as assert } from 'node:assert';
import { toClusterNodes } from '../../../../src/sources/blixard/node-mapping';
import { toVm, toVmState } from '../../../../src/sources/blixard/vm-mapping';

describe('Blixard node and VM mapping', () => {
  it('marks the leader, orders nodes by id and adds capacity from the summary', () => {
    const nodes = toClusterNodes(
      {
        leaderId: '2',
        term: '3',
        nodes: [
          { id: '10', address: '127.0.0.1:3', state: 'NODE_STATE_FOLLOWER' },
          { id: '2', address: '127.0.0.1:2', state: 'NODE_STATE_FOLLOWER' },
          { id: '1', address: '127.0.0.1:1', state: 'NODE_STATE_LEADER' },
        ],
      },
      {
        success: true,
        message: '',
        summary: {
          nodes: [
            { nodeId: '2', capabilities: { cpuCores: 16, memoryMb: '32768', diskGb: '500', features: [] }, usedVcpus: 6, usedMemoryMb: '12288', usedDiskGb: '40', runningVms: 3 },
          ],
        },
      },
    );
    assert.deepEqual(
      nodes.map((n) => [n.id, n.name, n.status]),
      [
        ['1', 'node-1', 'follower'],
        ['2', 'node-2', 'leader'],
        ['10', 'node-10', 'follower'],
      ],
    );
    assert.deepEqual(nodes[1].capacity, { vcpus: 16, memoryMb: 32768, diskGb: 500 });
    assert.deepEqual(nodes[1].used, { vcpus: 6, memoryMb: 12288, diskGb: 40 });
    assert.equal(nodes[1].runningVms, 3);
    assert.equal(nodes[0].capacity, undefined);
    assert.equal(nodes[0].address, '127.0.0.1:1');
  });

  it('keeps node states when no leader is known', () => {
    const nodes = toClusterNodes({ leaderId: '0', term: '0', nodes: [{ id: '1', address: '', state: 'NODE_STATE_CANDIDATE' }] });
    assert.equal(nodes[0].status, 'candidate');
    assert.equal(nodes[0].address, undefined);
  });

  it('maps VMs and their states', () => {
    assert.deepEqual(toVm({ name: 'web-1', state: 'VM_STATE_RUNNING', nodeId: '2', vcpus: 2, memoryMb: 2048, ipAddress: '10.0.0.9', stateMessage: '' }), {
      id: 'web-1',
      name: 'web-1',
      state: 'running',
      phase: 'VM_STATE_RUNNING',
      nodeId: '2',
      vcpus: 2,
      memoryMb: 2048,
      ipAddress: '10.0.0.9',
    });
    assert.deepEqual(toVm({ name: 'x', state: 'VM_STATE_CREATED', nodeId: '0', vcpus: 0, memoryMb: 0, ipAddress: '', stateMessage: '' }), { id: 'x', name: 'x', state: 'created', phase: 'VM_STATE_CREATED' });
    assert.deepEqual(
      ['UNKNOWN', 'CREATED', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED', 'NEW'].map((s) => toVmState(`VM_STATE_${s}`)),
      ['unknown', 'created', 'starting', 'running', 'stopping', 'stopped', 'failed', 'unknown'],
    );
  });

  it("carries the daemon's reason for a VM's state onto the model", () => {
    const vm = toVm({ name: 'web-1', state: 'VM_STATE_FAILED', nodeId: '2', vcpus: 1, memoryMb: 128, ipAddress: '', stateMessage: "VM 'web-1' died: QEMU was killed by SIGKILL" });
    assert.equal(vm.state, 'failed');
    assert.equal(vm.stateMessage, "VM 'web-1' died: QEMU was killed by SIGKILL");
  });
});
