// The built-in virt-controller: phases and their timestamps, the VMI's migrationState while
// running and the copy on the migration at the end, target choice, failures, cancel with
// the finalizer, garbage collection beyond five per VMI, node drains, workload updates,
// VM start/stop — and the ground truth that outlives the objects.
import { strict as assert } from 'node:assert';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { kubeRequest, openWatch, type WatchReader } from './kube-request';
import { waitFor } from './wait-for';

const PHASES = ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Succeeded'];
const VMIMS = '/apis/kubevirt.io/v1/virtualmachineinstancemigrations';

function phasesSeen(watch: WatchReader, name: string): string[] {
  const out: string[] = [];
  for (const e of watch.events) {
    if (e.object?.metadata?.name !== name) continue;
    const p = e.object.status?.phase;
    if (p && out[out.length - 1] !== p) out.push(p);
  }
  return out;
}

describe('kube-api-server: migration controller', function () {
  this.timeout(30_000);
  let server: KubeApiServer;

  beforeEach(async () => {
    server = await startKubeApiServer({ tls: false, timing: { perPhaseMs: 10 } });
    for (const name of ['node01', 'node02', 'node03']) server.addNode({ name });
    server.addVm({ name: 'vm1', node: 'node01' });
  });
  afterEach(async () => { await server.stop(); });

  it('walks every phase once, with RFC3339 phaseTransitionTimestamps, and moves the VMI', async () => {
    const watch = openWatch(server, `${VMIMS}?watch=true&resourceVersion=${server.resourceVersion()}`);
    const created = server.createMigration({ vmiName: 'vm1' });
    assert.match(created.metadata.name!, /^kubevirt-migrate-vm-/);
    await watch.waitFor(() => server.objects.migration({ uid: created.metadata.uid })?.finalPhase === 'Succeeded', 10_000, 'Succeeded');
    await waitFor(() => !server.objects.get('vmim', 'default', created.metadata.name!)?.metadata.finalizers, 'finalizer removal');
    assert.deepEqual(phasesSeen(watch, created.metadata.name!), PHASES);
    const final = server.objects.get('vmim', 'default', created.metadata.name!)!;
    const stamps = final.status.phaseTransitionTimestamps as Array<{ phase: string; phaseTransitionTimestamp: string }>;
    assert.deepEqual(stamps.map((s) => s.phase), PHASES);
    for (const s of stamps) assert.match(s.phaseTransitionTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const times = stamps.map((s) => Date.parse(s.phaseTransitionTimestamp));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    const state = final.status.migrationState;
    assert.equal(state.sourceNode, 'node01');
    assert.ok(['node02', 'node03'].includes(state.targetNode));
    assert.equal(state.completed, true);
    assert.equal(state.mode, 'PreCopy');
    assert.equal(state.migrationUid, created.metadata.uid);
    assert.ok(state.startTimestamp && state.endTimestamp);
    const vmi = server.objects.get('vmi', 'default', 'vm1')!;
    assert.equal(vmi.status.nodeName, state.targetNode);
    assert.equal(vmi.metadata.labels!['kubevirt.io/nodeName'], state.targetNode);
    const truth = server.objects.migration({ uid: created.metadata.uid })!;
    assert.deepEqual(truth.phases.map((p) => p.phase), PHASES);
    assert.equal(truth.origin, 'user');
    assert.equal(truth.targetNode, state.targetNode);
    watch.close();
  });

  it('shows migrationState on the VMI while running and copies it to the migration only at the end', async () => {
    server.setTiming({ phaseMs: { Running: 60_000 } });
    const m = server.createMigration({ vmiName: 'vm1', addedNodeSelector: { 'kubernetes.io/hostname': 'node03' } });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.phase === 'Running', 'Running');
    const running = server.objects.get('vmim', 'default', m.metadata.name!)!;
    assert.equal(running.status.migrationState, undefined, 'not on the migration while it runs');
    const vmi = server.objects.get('vmi', 'default', 'vm1')!;
    assert.equal(vmi.status.migrationState.targetNode, 'node03', 'addedNodeSelector honoured');
    assert.equal(vmi.status.migrationState.sourceNode, 'node01');
    assert.equal(vmi.status.migrationState.mode, 'PreCopy');
    assert.ok(vmi.status.migrationState.startTimestamp);
    assert.equal(vmi.status.migrationState.completed, undefined);
    assert.equal(vmi.status.nodeName, 'node01');
    await waitFor(() => server.objects.get('vm', 'default', 'vm1')!.status.printableStatus === 'Migrating', 'VM Migrating');
    server.setTiming({ phaseMs: { Running: 10 } }); // let it finish now
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.migrationState?.completed, 'copied migrationState');
    assert.equal(server.objects.get('vmi', 'default', 'vm1')!.status.nodeName, 'node03');
    await waitFor(() => server.objects.get('vm', 'default', 'vm1')!.status.printableStatus === 'Running', 'VM back to Running');
  });

  it('switches to PostCopy when configured', async () => {
    server.setTiming({ phaseMs: { Running: 300 }, postCopyAfterMs: 50 });
    const m = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmi', 'default', 'vm1')!.status.migrationState?.mode === 'PostCopy', 'PostCopy');
    await waitFor(() => server.objects.migration({ uid: m.metadata.uid })?.finalPhase, 'end');
    assert.equal(server.objects.migration({ uid: m.metadata.uid })!.mode, 'PostCopy');
  });

  it('fails a migration on request, with the failure reason, leaving the VMI where it was', async () => {
    server.faults.failMigration({ vmiName: 'vm1' }, { reason: 'migration out job: unexpectedly failed' });
    const m = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.migrationState?.failed, 'failed state copied');
    const final = server.objects.get('vmim', 'default', m.metadata.name!)!;
    assert.equal(final.status.phase, 'Failed');
    assert.equal(final.status.migrationState.failureReason, 'migration out job: unexpectedly failed');
    assert.deepEqual(final.status.phaseTransitionTimestamps.map((s: { phase: string }) => s.phase), ['Pending', 'Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running', 'Failed']);
    assert.equal(server.objects.get('vmi', 'default', 'vm1')!.status.nodeName, 'node01');
    const early = server.faults.failMigration({ vmiName: 'vm1' }, { atPhase: 'Scheduling' });
    void early;
    const m2 = await waitFor(() => { try { return server.createMigration({ vmiName: 'vm1' }); } catch { return undefined; } }, 'a second migration to be admitted');
    await waitFor(() => server.objects.migration({ uid: m2.metadata.uid })?.finalPhase === 'Failed', 'early failure');
    assert.deepEqual(server.objects.migration({ uid: m2.metadata.uid })!.phases.map((p) => p.phase), ['Pending', 'Scheduling', 'Failed']);
  });

  it('stays in Scheduling while no node fits and fails after the unschedulable timeout', async () => {
    server.setTiming({ unschedulableTimeoutMs: 200 });
    const m = server.createMigration({ vmiName: 'vm1', addedNodeSelector: { 'kubernetes.io/hostname': 'nowhere' } });
    await waitFor(() => server.objects.migration({ uid: m.metadata.uid })?.finalPhase, 'the end');
    assert.deepEqual(server.objects.migration({ uid: m.metadata.uid })!.phases.map((p) => p.phase), ['Pending', 'Scheduling', 'Failed']);
  });

  it('cancels a running migration on DELETE: finalizer holds it, Failed with abortStatus Succeeded, then DELETED', async () => {
    server.setTiming({ phaseMs: { Running: 60_000 } });
    const watch = openWatch(server, `${VMIMS}?watch=true&resourceVersion=${server.resourceVersion()}`);
    const m = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.phase === 'Running', 'Running');
    const del = await kubeRequest(server, 'DELETE', `/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations/${m.metadata.name}`);
    assert.equal(del.status, 200);
    assert.ok(del.json.metadata.deletionTimestamp, 'the finalizer keeps it for now');
    await watch.waitFor((ev) => ev.some((e) => e.type === 'DELETED'), 10_000, 'DELETED');
    const forThis = watch.events.filter((e) => e.object.metadata.name === m.metadata.name);
    const deleted = forThis[forThis.length - 1];
    assert.equal(deleted.type, 'DELETED');
    assert.equal(deleted.object.status.phase, 'Failed');
    assert.equal(deleted.object.status.migrationState.abortRequested, true);
    assert.equal(deleted.object.status.migrationState.abortStatus, 'Succeeded');
    assert.ok(deleted.object.status.conditions.some((c: { type: string }) => c.type === 'migrationAbortRequested'));
    const failedBeforeDelete = forThis.find((e) => e.type === 'MODIFIED' && e.object.status.phase === 'Failed');
    assert.ok(failedBeforeDelete, 'a MODIFIED with phase Failed comes before DELETED');
    const truth = server.objects.migration({ uid: m.metadata.uid })!;
    assert.equal(truth.cancelRequested, true);
    assert.equal(truth.abortStatus, 'Succeeded');
    assert.equal(truth.finalPhase, 'Failed');
    assert.equal(truth.deletionCause, 'user');
    assert.equal(server.objects.get('vmi', 'default', 'vm1')!.status.nodeName, 'node01');
    watch.close();
  });

  it('cancels a migration that was not handed off yet straight to Failed', async () => {
    server.setTiming({ phaseMs: { Pending: 60_000 } });
    const m = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.phase === 'Pending', 'Pending');
    server.deleteMigration('default', m.metadata.name!);
    await waitFor(() => server.objects.migration({ uid: m.metadata.uid })?.deletedAtMs, 'gone');
    const truth = server.objects.migration({ uid: m.metadata.uid })!;
    assert.deepEqual(truth.phases.map((p) => p.phase), ['Pending', 'Failed']);
    assert.equal(truth.abortRequested, true);
    assert.equal(truth.cancelRequested, true);
  });

  it('garbage-collects finished migrations beyond five per VMI, oldest first, and remembers them', async () => {
    const names: string[] = [];
    for (let i = 0; i < 7; i++) {
      const m = server.createMigration({ vmiName: 'vm1' });
      names.push(m.metadata.name!);
      await waitFor(() => { const o = server.objects.get('vmim', 'default', m.metadata.name!); return !o || (!o.metadata.finalizers && o.status?.phase === 'Succeeded'); }, `migration ${i} to finish`);
    }
    await waitFor(() => server.objects.list('vmim').length === 5, 'five left');
    const left = server.objects.list('vmim').map((o) => o.metadata.name);
    assert.deepEqual(left.sort(), names.slice(2).sort());
    for (const gone of names.slice(0, 2)) {
      const record = server.objects.migration({ namespace: 'default', name: gone })!;
      assert.equal(record.deletionCause, 'garbage-collected');
      assert.deepEqual(record.phases.map((p) => p.phase), PHASES);
    }
    assert.equal(server.objects.migrations().length, 7);
  });

  it('drains a node: cordons it and evacuates its VMIs with kubevirt-evacuation- migrations', async () => {
    server.addVm({ name: 'vm2', node: 'node01' });
    server.addVm({ name: 'stuck', node: 'node01', liveMigratable: false });
    server.addVm({ name: 'elsewhere', node: 'node02' });
    const result = server.drainNode('node01');
    assert.equal(result.created.length, 2, JSON.stringify(result));
    for (const name of result.created) assert.match(name, /^kubevirt-evacuation-[a-z0-9]{5}$/);
    assert.equal(result.skipped.length, 1);
    assert.match(result.skipped[0].reason, /Cannot migrate VMI/);
    const node = server.objects.get('node', undefined, 'node01')!;
    assert.equal(node.spec.unschedulable, true);
    assert.ok(node.spec.taints.some((t: { key: string }) => t.key === 'node.kubernetes.io/unschedulable'));
    await waitFor(() => result.created.every((n) => server.objects.migration({ namespace: 'default', name: n })?.finalPhase === 'Succeeded'), 'evacuations to finish');
    for (const n of result.created) {
      const truth = server.objects.migration({ namespace: 'default', name: n })!;
      assert.equal(truth.origin, 'evacuation');
      assert.notEqual(truth.targetNode, 'node01');
      assert.equal(truth.lastObject.metadata.annotations!['kubevirt.io/evacuationMigration'], 'node01');
    }
    const onNode01 = server.objects.list('vmi').filter((v) => v.status.nodeName === 'node01').map((v) => v.metadata.name);
    assert.deepEqual(onNode01, ['stuck']);
  });

  it('starts workload-update migrations named kubevirt-workload-update-', async () => {
    server.addVm({ name: 'vm2', node: 'node02' });
    const result = server.startWorkloadUpdate();
    assert.equal(result.created.length, 2);
    for (const name of result.created) assert.match(name, /^kubevirt-workload-update-/);
    await waitFor(() => result.created.every((n) => server.objects.migration({ namespace: 'default', name: n })?.finalPhase), 'updates to finish');
    assert.ok(result.created.every((n) => server.objects.migration({ namespace: 'default', name: n })!.origin === 'workload-update'));
  });

  it('keeps migrations Pending beyond the parallel limits', async () => {
    server.setTiming({ maxParallelMigrations: 1, phaseMs: { Running: 60_000 } });
    server.addVm({ name: 'vm2', node: 'node02' });
    const a = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmim', 'default', a.metadata.name!)?.status?.phase === 'Running', 'first running');
    const b = server.createMigration({ vmiName: 'vm2' });
    await waitFor(() => server.objects.get('vmim', 'default', b.metadata.name!)?.status?.phase === 'Pending', 'second pending');
    await new Promise((r) => setTimeout(r, 100)); // a while with the first one still running
    assert.equal(server.objects.get('vmim', 'default', b.metadata.name!)!.status.phase, 'Pending');
    server.setTiming({ phaseMs: { Running: 10 } });
    await waitFor(() => server.objects.migration({ uid: b.metadata.uid })?.finalPhase === 'Succeeded', 'second done after first');
    const aEnd = server.objects.migration({ uid: a.metadata.uid })!.phases.find((p) => p.phase === 'Succeeded')!.atMs;
    const bScheduling = server.objects.migration({ uid: b.metadata.uid })!.phases.find((p) => p.phase === 'Scheduling')!.atMs;
    assert.ok(bScheduling >= aEnd, 'the second left Pending only after the first ended');
  });

  it('deletes the migrations of a VMI that goes away', async () => {
    server.setTiming({ phaseMs: { Running: 60_000 } });
    const m = server.createMigration({ vmiName: 'vm1' });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.phase === 'Running', 'Running');
    server.deleteVmi('default', 'vm1');
    await waitFor(() => server.objects.migration({ uid: m.metadata.uid })?.deletedAtMs, 'migration removed');
    assert.equal(server.objects.migration({ uid: m.metadata.uid })!.deletionCause, 'vmi-deleted');
  });

  it('starts and stops VMs through the subresources.kubevirt.io actions', async () => {
    const base = '/apis/subresources.kubevirt.io/v1/namespaces/default/virtualmachines';
    const stop = await kubeRequest(server, 'PUT', `${base}/vm1/stop`, { body: {} });
    assert.equal(stop.status, 202);
    await waitFor(() => !server.objects.get('vmi', 'default', 'vm1'), 'VMI gone');
    const vm = server.objects.get('vm', 'default', 'vm1')!;
    assert.equal(vm.spec.runStrategy, 'Halted');
    await waitFor(() => server.objects.get('vm', 'default', 'vm1')!.status.printableStatus === 'Stopped', 'Stopped');
    const again = await kubeRequest(server, 'PUT', `${base}/vm1/stop`, { body: {} });
    assert.equal(again.status, 409);
    assert.match(again.json.message, /VM is not running/);
    const start = await kubeRequest(server, 'PUT', `${base}/vm1/start`, { body: {} });
    assert.equal(start.status, 202);
    await waitFor(() => server.objects.get('vmi', 'default', 'vm1')?.status?.phase === 'Running', 'VMI running again');
    const vmi = server.objects.get('vmi', 'default', 'vm1')!;
    assert.ok(vmi.status.nodeName);
    assert.equal(vmi.metadata.ownerReferences![0].kind, 'VirtualMachine');
    assert.deepEqual(vmi.status.phaseTransitionTimestamps.map((p: { phase: string }) => p.phase), ['Pending', 'Scheduling', 'Scheduled', 'Running']);
    await waitFor(() => server.objects.get('vm', 'default', 'vm1')!.status.printableStatus === 'Running', 'VM Running');
    const twice = await kubeRequest(server, 'PUT', `${base}/vm1/start`, { body: {} });
    assert.equal(twice.status, 409);
    assert.match(twice.json.message, /VM is already running/);
    const missing = await kubeRequest(server, 'PUT', `${base}/nope/start`, { body: {} });
    assert.equal(missing.status, 404);
  });
});
