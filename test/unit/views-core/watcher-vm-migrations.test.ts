import { strict as assert } from 'node:assert';
import { Emitter } from '../../../src/base/event';
import type { ConnectionState, Vm } from '../../../src/model/cluster';
import type { Migration } from '../../../src/model/migration';
import { WatcherVmMigrations, type VmName, type WatchedMigrations } from '../../../src/ui/clusters/core/watcher-vm-migrations';
import type { MigrationEndEvent, MigrationUpdateEvent, SourceStatusEvent } from '../../../src/watch/migration-watcher';

function migration(patch: Partial<Migration>): Migration {
  return { id: 'c1/m1', kind: 'lab', cluster: 'c1', vm: 'db', name: 'm1', mode: 'live', origin: 'user', phase: 'Copying', state: 'running', createdAt: 1, labels: {}, ...patch };
}

function fakeWatcher(active: Migration[]) {
  const updates = new Emitter<MigrationUpdateEvent>();
  const ends = new Emitter<MigrationEndEvent>();
  const statuses = new Emitter<SourceStatusEvent>();
  const connected: ConnectionState = { state: 'connected' };
  const watcher: WatchedMigrations = {
    active: () => active,
    status: () => connected,
    onDidUpdate: updates.event,
    onDidEnd: ends.event,
    onDidChangeStatus: statuses.event,
  };
  return { watcher, updates };
}

describe('Clusters tree: which VM row a watched migration belongs to', () => {
  // A source's VM id is its own (here nothing like namespace/name): the row is found by the VM's
  // name and namespace, which a Migration and a Vm both carry.
  const vm = (patch: Partial<Vm>): Vm => ({ id: 'vm#7', name: 'db', state: 'running', phase: 'Up', ...patch });

  it('matches a migration to its VM by name and namespace, whatever the VM id looks like', () => {
    const { watcher, updates } = fakeWatcher([migration({ namespace: 'prod' })]);
    const redrawn: VmName[] = [];
    const rows = new WatcherVmMigrations(watcher, (_cluster, name) => redrawn.push(name));
    assert.deepEqual(rows.inFlight('c1', vm({ namespace: 'prod' })), { id: 'c1/m1', name: 'm1', phase: 'Copying' });
    assert.equal(rows.inFlight('c1', vm({ namespace: 'dev' })), undefined, 'the same name in another namespace is another VM');
    assert.equal(rows.inFlight('c1', vm({})), undefined);

    updates.fire({ migration: migration({ id: 'c1/m2', name: 'm2', vm: 'web', phase: 'Pending', targetNode: 'n2' }) });
    assert.deepEqual(redrawn, [{ name: 'web' }]);
    assert.deepEqual(rows.inFlight('c1', vm({ id: 'opaque-42', name: 'web' })), { id: 'c1/m2', name: 'm2', phase: 'Pending', targetNodeId: 'n2' });
    rows.dispose();
  });

  it('takes a namespace the history left null as no namespace', () => {
    const { watcher } = fakeWatcher([migration({ namespace: null as unknown as undefined })]);
    const rows = new WatcherVmMigrations(watcher, () => {});
    assert.deepEqual(rows.inFlight('c1', vm({})), { id: 'c1/m1', name: 'm1', phase: 'Copying' });
    rows.dispose();
  });
});
