import { strict as assert } from 'node:assert';
import { toClusterNodes } from '../../../../src/sources/blixard/node-mapping';
import { toVm, toVmState } from '../../../../src/sources/blixard/vm-mapping';
import { wireNode } from './wire-fixtures';

describe('Blixard node and VM mapping', () => {
  it('marks the leader, orders nodes by id and adds capacity from the summary', () => {
    const nodes = toClusterNodes(
      {
        leaderId: '2',
        term: '3',
        nodes: [
          wireNode('10', '127.0.0.1:3', 'NODE_STATE_FOLLOWER'),
          wireNode('2', '127.0.0.1:2', 'NODE_STATE_FOLLOWER'),
          wireNode('1', '127.0.0.1:1', 'NODE_STATE_LEADER'),
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
    const nodes = toClusterNodes({ leaderId: '0', term: '0', nodes: [wireNode('1', '', 'NODE_STATE_CANDIDATE')] });
    assert.equal(nodes[0].status, 'candidate');
    assert.equal(nodes[0].address, undefined);
  });

  it('maps VMs and their states', () => {
    assert.deepEqual(toVm({ name: 'web-1', state: 'VM_STATE_RUNNING', nodeId: '2', vcpus: 2, memoryMb: 2048, ipAddress: '10.0.0.9', stateMessage: '', metadata: {} }), {
      id: 'web-1',
      name: 'web-1',
      state: 'running',
      phase: 'VM_STATE_RUNNING',
      nodeId: '2',
      vcpus: 2,
      memoryMb: 2048,
      ipAddress: '10.0.0.9',
      coldMove: { ok: true },
    });
    assert.deepEqual(toVm({ name: 'x', state: 'VM_STATE_CREATED', nodeId: '0', vcpus: 0, memoryMb: 0, ipAddress: '', stateMessage: '', metadata: {} }), { id: 'x', name: 'x', state: 'created', phase: 'VM_STATE_CREATED', coldMove: { ok: true } });
    assert.deepEqual(
      ['UNKNOWN', 'CREATED', 'STARTING', 'RUNNING', 'STOPPING', 'STOPPED', 'FAILED', 'NEW'].map((s) => toVmState(`VM_STATE_${s}`)),
      ['unknown', 'created', 'starting', 'running', 'stopping', 'stopped', 'failed', 'unknown'],
    );
  });

  it("carries the daemon's reason for a VM's state onto the model", () => {
    const vm = toVm({ name: 'web-1', state: 'VM_STATE_FAILED', nodeId: '2', vcpus: 1, memoryMb: 128, ipAddress: '', stateMessage: "VM 'web-1' died: QEMU was killed by SIGKILL", metadata: {} });
    assert.equal(vm.state, 'failed');
    assert.equal(vm.stateMessage, "VM 'web-1' died: QEMU was killed by SIGKILL");
  });

  it('marks a node in maintenance unschedulable, with since and reason', () => {
    const nodes = toClusterNodes({
      leaderId: '1',
      term: '1',
      nodes: [
        wireNode('1', 'a', 'NODE_STATE_LEADER'),
        wireNode('2', 'b', 'NODE_STATE_FOLLOWER', { maintenance: true, maintenanceSinceUnixMs: '1764842520000', maintenanceReason: 'kernel patch' }),
        wireNode('3', 'c', 'NODE_STATE_FOLLOWER', { maintenance: true, maintenanceSinceUnixMs: '0', maintenanceReason: '' }),
      ],
    });
    assert.deepEqual(nodes.map((n) => [n.id, n.schedulable, n.maintenance]), [
      ['1', true, undefined],
      ['2', false, { since: '2025-12-04T10:02:00.000Z', reason: 'kernel patch' }],
      ['3', false, {}],
    ]);
  });

  it("reads the planner's hints from a VM's metadata", () => {
    const vm = toVm({
      name: 'db-1',
      state: 'VM_STATE_RUNNING',
      nodeId: '2',
      vcpus: 1,
      memoryMb: 128,
      ipAddress: '',
      stateMessage: '',
      metadata: { 'blixard.io/migration-priority': '10', 'blixard.io/migrate-after': 'web-1, web-2', 'blixard.io/pinned': 'licence bound to host', team: 'db' },
    });
    assert.deepEqual(vm.placement, { priority: 10, after: ['web-1', 'web-2'], pinned: 'licence bound to host' });
    assert.deepEqual(vm.coldMove, { ok: true });
    assert.equal(toVm({ name: 'x', state: 'VM_STATE_STOPPED', nodeId: '1', vcpus: 1, memoryMb: 1, ipAddress: '', stateMessage: '', metadata: { team: 'db' } }).placement, undefined);
  });
});
