import * as assert from 'node:assert/strict';
import { ClusterEntry } from '../../../src/sources/cluster-registry';
import type { ClusterSpec } from '../../../src/sources/cluster-spec';
import { ClusterViewModel, type ViewChange } from '../../../src/ui/clusters/core/cluster-view-model';
import { MemoryClusterSource } from './support/memory-cluster-source';

const spec: ClusterSpec = { kind: 'blixard', id: 'blixard:test', label: 'test', endpoints: ['127.0.0.1:1'] };
const silent = { logger: { debug() {}, info() {}, warn() {}, error() {} } };

function setup(source: MemoryClusterSource, options: { deadlineMs?: number; debounceMs?: number } = {}) {
  const changes: ViewChange[][] = [];
  const logs: string[] = [];
  const entry = new ClusterEntry(spec, () => source, silent);
  const model = new ClusterViewModel(entry, {
    loadDeadlineMs: options.deadlineMs ?? 2000,
    changeDebounceMs: options.debounceMs ?? 20,
    onChange: (c) => changes.push(c),
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  return { model, changes, logs };
}

async function until(what: string, probe: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ClusterViewModel', () => {
  it('loads the node list once for concurrent callers, sorted by name', async () => {
    const source = MemoryClusterSource.seeded('c', 3, 2);
    source.nodes.set('10', { id: '10', name: 'node-10', status: 'follower', schedulable: true });
    const { model, changes } = setup(source);
    await Promise.all([model.loadNodes(), model.loadNodes(), model.loadNodes()]);
    assert.equal(source.listCalls, 1);
    assert.equal(model.state.state, 'ready');
    assert.deepEqual(model.nodes()!.map((n) => n.name), ['node-1', 'node-2', 'node-3', 'node-10']);
    assert.deepEqual(changes, [[{ target: 'cluster', clusterId: 'blixard:test' }]]);
  });

  it('turns a failing cluster into an error state with the reason, logged once, and recovers on retry', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 1);
    source.failure = 'connect ECONNREFUSED 127.0.0.1:1';
    const { model, logs } = setup(source);
    await model.loadNodes();
    assert.deepEqual(model.state, { state: 'error', reason: 'connect ECONNREFUSED 127.0.0.1:1' });
    await model.refresh();
    await model.refresh();
    assert.equal(logs.filter((l) => l.startsWith('warn')).length, 1, 'the same reason is not logged again');
    source.failure = undefined;
    await model.retry();
    assert.equal(model.state.state, 'ready');
    assert.equal(model.nodes()!.length, 2);
  });

  it('gives up on a cluster that does not answer within its deadline', async () => {
    const source = MemoryClusterSource.seeded('c', 1, 1);
    source.delayMs = 500;
    const { model } = setup(source, { deadlineMs: 50 });
    await model.loadNodes();
    assert.equal(model.state.state, 'error');
    assert.match((model.state as { reason: string }).reason, /No answer after/);
  });

  it('reports a VM that changed as that VM only', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 3);
    const { model, changes } = setup(source);
    await model.loadNodes();
    await model.loadVms('1');
    changes.length = 0;
    source.update('vm-1-0001', { ipAddress: '10.9.9.9' });
    source.fire({ scope: 'vm', vmId: 'vm-1-0001', nodeId: '1' });
    await until('a change', () => changes.length > 0);
    assert.deepEqual(changes, [[{ target: 'vm', clusterId: 'blixard:test', nodeId: '1', vmId: 'vm-1-0001' }]]);
    assert.equal(model.vm('1', 'vm-1-0001')!.ipAddress, '10.9.9.9');
  });

  it('keeps an unchanged VM\'s object across a refresh (what a row made from it stays valid), and replaces a changed one', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 3);
    const { model, changes } = setup(source);
    await model.loadNodes();
    await model.loadVms('1');
    const [first, second] = model.vms('1')!;
    source.update(second.id, { ipAddress: '10.9.9.8' });
    await model.refresh();
    const [firstAfter, secondAfter] = model.vms('1')!;
    assert.equal(firstAfter, first, 'same object for the unchanged VM');
    assert.equal(model.vm('1', first.id), first);
    assert.notEqual(secondAfter, second);
    assert.equal(secondAfter.ipAddress, '10.9.9.8');
    assert.deepEqual(changes.at(-1), [{ target: 'vm', clusterId: 'blixard:test', nodeId: '1', vmId: second.id }]);
  });

  it('redraws a VM whose reason for failing changed under the same state, and keeps the new reason', async () => {
    const source = MemoryClusterSource.seeded('c', 1, 2);
    source.update('vm-1-0001', { state: 'failed', phase: 'VM_STATE_FAILED', stateMessage: "VM 'vm-1-0001' died: QEMU was killed by SIGKILL" });
    const { model, changes } = setup(source);
    await model.loadNodes();
    await model.loadVms('1');
    changes.length = 0;
    source.update('vm-1-0001', { stateMessage: 'qemu-system-x86_64: could not load kernel' });
    source.fire({ scope: 'vm', vmId: 'vm-1-0001', nodeId: '1' });
    await until('a change', () => changes.length > 0);
    assert.deepEqual(changes, [[{ target: 'vm', clusterId: 'blixard:test', nodeId: '1', vmId: 'vm-1-0001' }]]);
    assert.equal(model.vm('1', 'vm-1-0001')!.stateMessage, 'qemu-system-x86_64: could not load kernel');
  });

  it('reports a VM that moved as a change of both nodes', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 2);
    const { model, changes } = setup(source);
    await model.loadNodes();
    await model.loadVms('1');
    await model.loadVms('2');
    changes.length = 0;
    source.update('vm-1-0001', { nodeId: '2' });
    source.fire({ scope: 'vm', vmId: 'vm-1-0001', nodeId: '2' });
    await until('a change', () => changes.length > 0);
    const targets = changes.flat().map((c) => (c.target === 'node' ? `node ${c.nodeId}` : c.target)).sort();
    assert.deepEqual(targets, ['node 1', 'node 2']);
    assert.equal(model.nodeOfVm('vm-1-0001'), '2');
  });

  it('redraws a node whose figures changed, without a separate redraw per VM', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 2);
    const { model, changes } = setup(source);
    await model.loadNodes();
    await model.loadVms('1');
    changes.length = 0;
    source.nodes.get('1')!.used = { vcpus: 2, memoryMb: 2048 };
    source.update('vm-1-0002', { state: 'running', phase: 'VM_STATE_RUNNING' });
    source.fire({ scope: 'vm', vmId: 'vm-1-0002', nodeId: '1' });
    await until('a change', () => changes.length > 0);
    assert.deepEqual(changes, [[{ target: 'node', clusterId: 'blixard:test', nodeId: '1' }]]);
  });

  it('redraws the cluster when nodes come or go', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 1);
    const { model, changes } = setup(source);
    await model.loadNodes();
    changes.length = 0;
    source.nodes.set('3', { id: '3', name: 'node-3', status: 'follower', schedulable: true });
    source.fire({ scope: 'nodes' });
    await until('a change', () => changes.length > 0);
    assert.deepEqual(changes, [[{ target: 'cluster', clusterId: 'blixard:test' }]]);
    assert.equal(model.nodes()!.length, 3);
  });

  it('fetches once for a burst of change scopes', async () => {
    const source = MemoryClusterSource.seeded('c', 1, 50);
    const { model, changes } = setup(source, { debounceMs: 40 });
    await model.loadNodes();
    await model.loadVms('1');
    const before = source.listCalls;
    changes.length = 0;
    for (let i = 1; i <= 20; i++) {
      source.update(`vm-1-${String(i).padStart(4, '0')}`, { ipAddress: `10.1.1.${i}` });
      source.fire({ scope: 'vm', vmId: `vm-1-${String(i).padStart(4, '0')}`, nodeId: '1' });
    }
    await until('a change', () => changes.length > 0);
    assert.equal(source.listCalls - before, 2, 'one node list and one VM list for the whole burst');
    assert.equal(changes.length, 1);
    assert.equal(changes[0].length, 20);
  });

  it('does not touch a cluster nobody expanded', async () => {
    const source = MemoryClusterSource.seeded('c', 1, 1);
    const { model } = setup(source);
    await model.refresh();
    source.fire({ scope: 'cluster' });
    assert.equal(source.listCalls, 0);
    assert.equal(model.active, false);
  });

  it('follows the connection: unreachable shows the error, reachable again reloads', async () => {
    const source = MemoryClusterSource.seeded('c', 2, 1);
    const { model } = setup(source);
    await model.loadNodes();
    source.setConnection({ state: 'unreachable', reason: 'all endpoints down' });
    assert.deepEqual(model.state, { state: 'error', reason: 'all endpoints down' });
    source.setConnection({ state: 'connected', endpoint: '127.0.0.1:1' });
    await until('ready again', () => model.state.state === 'ready');
    assert.equal(model.nodes()!.length, 2);
  });

  it('stops listening when disposed', async () => {
    const source = MemoryClusterSource.seeded('c', 1, 1);
    const { model } = setup(source);
    await model.loadNodes();
    assert.equal(source.listenerCount, true);
    model.dispose();
    assert.equal(source.listenerCount, false);
  });
});
