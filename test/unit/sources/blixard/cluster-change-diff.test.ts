import { strict as assert } from 'node:assert';
import type { WireVmInfo } from '../../../../src/sources/blixard/blixard-wire';
import { diffVmLists, nodeStatusChanged } from '../../../../src/sources/blixard/cluster-change-diff';
import { wireNode } from './wire-fixtures';

const vm = (name: string, nodeId: string, state: WireVmInfo['state'] = 'VM_STATE_RUNNING', extra: Partial<WireVmInfo> = {}): WireVmInfo => ({
  name,
  nodeId,
  state,
  vcpus: 2,
  memoryMb: 1024,
  ipAddress: '',
  stateMessage: '',
  metadata: {},
  ...extra,
});
const index = (vms: WireVmInfo[]) => new Map(vms.map((v) => [v.name, v]));

describe('Blixard change diff', () => {
  it('names nothing when nothing changed', () => {
    const vms = [vm('a', '1'), vm('b', '2')];
    assert.deepEqual(diffVmLists(index(vms), vms.map((v) => ({ ...v }))), []);
  });

  it('names the VM for a label change and its node when usage changes', () => {
    assert.deepEqual(diffVmLists(index([vm('a', '1')]), [vm('a', '1', 'VM_STATE_RUNNING', { ipAddress: '10.0.0.2' })]), [{ scope: 'vm', vmId: 'a', nodeId: '1' }]);
    assert.deepEqual(diffVmLists(index([vm('a', '1')]), [vm('a', '1', 'VM_STATE_STOPPED')]), [
      { scope: 'vm', vmId: 'a', nodeId: '1' },
      { scope: 'node', nodeId: '1' },
    ]);
  });

  it('names the VM when only the reason for its state changed, and not its node', () => {
    const failed = (stateMessage: string) => vm('a', '1', 'VM_STATE_FAILED', { stateMessage });
    // Failed again, for another reason: the row's description and tooltip say the new one.
    assert.deepEqual(diffVmLists(index([failed("VM 'a' died: QEMU was killed by SIGKILL")]), [failed("VM 'a' died: QEMU exited with code 1")]), [{ scope: 'vm', vmId: 'a', nodeId: '1' }]);
    // A reason appearing on a VM that was failed without one (a daemon from before the field).
    assert.deepEqual(diffVmLists(index([failed('')]), [failed('boot timed out')]), [{ scope: 'vm', vmId: 'a', nodeId: '1' }]);
    assert.deepEqual(diffVmLists(index([failed('same')]), [failed('same')]), [], 'the same reason again is no change');
  });

  it('names both nodes when a VM moves, and the node of an added or removed VM, once each', () => {
    assert.deepEqual(diffVmLists(index([vm('a', '1'), vm('b', '1')]), [vm('a', '2'), vm('c', '3')]), [
      { scope: 'node', nodeId: '1' },
      { scope: 'node', nodeId: '2' },
      { scope: 'node', nodeId: '3' },
    ]);
  });

  it('sees membership and leader changes', () => {
    const status = { leaderId: '1', term: '1', nodes: [wireNode('1', 'a', 'NODE_STATE_LEADER')] };
    assert.equal(nodeStatusChanged(undefined, status), false);
    assert.equal(nodeStatusChanged(status, { ...status, term: '2' }), false);
    assert.equal(nodeStatusChanged(status, { ...status, leaderId: '2' }), true);
    assert.equal(nodeStatusChanged(status, { ...status, nodes: [...status.nodes, wireNode('2', 'b', 'NODE_STATE_FOLLOWER')] }), true);
  });

  it('sees a node enter or leave maintenance, and a new reason', () => {
    const status = (overrides: Parameters<typeof wireNode>[3] = {}) => ({ leaderId: '1', term: '1', nodes: [wireNode('1', 'a', 'NODE_STATE_LEADER', overrides)] });
    const cordoned = status({ maintenance: true, maintenanceSinceUnixMs: '1000', maintenanceReason: 'patch' });
    assert.equal(nodeStatusChanged(status(), cordoned), true);
    assert.equal(nodeStatusChanged(cordoned, status()), true);
    assert.equal(nodeStatusChanged(cordoned, status({ maintenance: true, maintenanceSinceUnixMs: '1000', maintenanceReason: 'new disk' })), true);
    assert.equal(nodeStatusChanged(cordoned, status({ maintenance: true, maintenanceSinceUnixMs: '1000', maintenanceReason: 'patch' })), false);
  });
});
