// KubevirtSource against the local KubeVirt-compatible API server over loopback (HTTPS, bearer
// tokens, real list/watch): tree data, live updates, start/stop, migrations, readable errors.

import { strict as assert } from 'node:assert';
import https from 'node:https';
import { SourceError } from '../../../../src/model/errors';
import { KubevirtSource } from '../../../../src/sources/kubevirt/kubevirt-source';
import { seedCluster, startKubeApiServer, type KubeApiServer } from '../../../support/kube-api-server';
import { allLogLines, ChangeRecorder, RecordingLogger, MigrationRecorder, migrationIdOf, sourceFor, TempDir, waitFor } from './source-harness';

describe('KubevirtSource against a KubeVirt-compatible API server', function () {
  this.timeout(60_000);
  let server: KubeApiServer;
  let dir: TempDir;
  let source: KubevirtSource;
  let logger: RecordingLogger;
  const tokens: string[] = [];
  const sourceLogger = () => logger;

  /** Writes a VMIM's status as a misbehaving controller would (merge patch on /status). */
  async function patchStatus(name: string, status: Record<string, unknown>): Promise<void> {
    const url = `${server.url}/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations/${name}/status`;
    const body = JSON.stringify({ status });
    await new Promise<void>((resolve, reject) => {
      const req = https.request(
        url,
        { method: 'PATCH', ca: server.caPem, headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/merge-patch+json' }, timeout: 5000 },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`PATCH status answered ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  before(async () => {
    server = await startKubeApiServer({ bookmarkIntervalMs: 500, timing: { perPhaseMs: 40 } });
    tokens.push(server.token, server.viewerToken);
    seedCluster(server, { nodes: 3, vmisPerNode: 3 });
    dir = new TempDir();
    ({ source, logger } = await sourceFor(server, dir));
  });

  after(async () => {
    source?.dispose();
    await server?.stop();
    dir?.dispose();
    // Tokens must never reach a log line, whatever happened in the tests above.
    for (const line of allLogLines) for (const token of tokens) assert.ok(!line.includes(token), `a token leaked into the log: ${line}`);
  });

  async function expectSourceError(promise: Promise<unknown>, code: string, message: RegExp): Promise<SourceError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof SourceError, `expected a SourceError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
      return err;
    }
    assert.fail(`expected a ${code} SourceError`);
  }

  describe('tree data', () => {
    it('identifies itself by its context', () => {
      assert.equal(source.id, 'kubevirt:kubevirt-test');
      assert.equal(source.label, 'kubevirt-test');
      assert.equal(source.kind, 'kubevirt');
    });

    it('lists nodes with readiness, schedulability, capacity and what the VMIs use', async () => {
      const nodes = await source.listNodes();
      assert.deepEqual(
        nodes.map((n) => n.id),
        ['node01', 'node02', 'node03'],
      );
      const vmisOnNode1 = server.objects.list('virtualmachineinstances').filter((v) => v.status?.nodeName === 'node01');
      const node1 = nodes[0];
      assert.equal(node1.status, 'ready');
      assert.equal(node1.schedulable, true);
      assert.ok(node1.capacity && node1.capacity.vcpus > 0 && node1.capacity.memoryMb > 0, JSON.stringify(node1.capacity));
      assert.equal(node1.runningVms, vmisOnNode1.length);
      assert.ok(node1.used && node1.used.vcpus > 0 && node1.used.memoryMb > 0, JSON.stringify(node1.used));
      await waitFor(() => source.connection.state === 'connected', 'the connection reported as connected');
    });

    it('lists each node\'s VMIs with phase, size, controller and LiveMigratable', async () => {
      const vms = await source.listVms('node01');
      const expected = server.objects
        .list('virtualmachineinstances')
        .filter((v) => v.status?.nodeName === 'node01')
        .map((v) => `${v.metadata.namespace}/${v.metadata.name}`)
        .sort();
      assert.deepEqual(
        vms.map((v) => v.id),
        expected,
      );
      const bare = vms.find((v) => v.name === 'bare-vmi');
      assert.ok(bare, 'the seeded VMI without a VirtualMachine is on node01');
      assert.equal(bare.hasController, false);
      for (const vm of vms) {
        assert.equal(vm.nodeId, 'node01');
        assert.equal(vm.state, 'running');
        assert.equal(vm.phase, 'Running');
        assert.ok(vm.vcpus && vm.memoryMb, JSON.stringify(vm));
        assert.ok(vm.ipAddress, 'an IP from status.interfaces');
      }
      const all = await source.listVms();
      assert.equal(all.length, server.objects.list('virtualmachineinstances').length);
      const notMigratable = all.filter((v) => v.liveMigratable && !v.liveMigratable.ok);
      assert.ok(notMigratable.length > 0, 'the seed makes every fifth VM not live-migratable');
      assert.ok(notMigratable.every((v) => v.liveMigratable?.reason), 'with a reason');
      assert.deepEqual(await source.listVms('no-such-node'), []);
    });
  });

  describe('live updates', () => {
    let changes: ChangeRecorder;
    beforeEach(() => (changes = new ChangeRecorder(source)));
    afterEach(() => changes.dispose());

    it('reports a cordoned or NotReady node as a change of that node', async () => {
      server.cordonNode('node03');
      await waitFor(() => changes.saw((c) => c.scope === 'node' && c.nodeId === 'node03'), 'a node03 change');
      assert.equal((await source.listNodes()).find((n) => n.id === 'node03')?.schedulable, false);
      server.setNodeReady('node03', false);
      await waitFor(async () => (await source.listNodes()).find((n) => n.id === 'node03')?.status === 'not-ready', 'node03 NotReady');
      server.setNodeReady('node03', true);
      server.uncordonNode('node03');
      await waitFor(async () => {
        const n = (await source.listNodes()).find((x) => x.id === 'node03');
        return n?.status === 'ready' && n.schedulable;
      }, 'node03 back');
      assert.ok(changes.changes.every((c) => c.scope !== 'cluster'), 'no whole-cluster refresh for a node change');
    });

    it('reports added nodes and VMIs, and a VMI\'s condition change as a change of that VM', async () => {
      server.addNode({ name: 'node04', cpu: 8, memory: '16Gi' });
      await waitFor(() => changes.saw((c) => c.scope === 'nodes'), 'a nodes change');
      assert.ok((await source.listNodes()).some((n) => n.id === 'node04'));

      server.addVm({ name: 'fresh', namespace: 'default', node: 'node04', cpu: 2, memory: '2Gi' });
      await waitFor(() => changes.saw((c) => c.scope === 'node' && c.nodeId === 'node04'), 'a node04 change');
      await waitFor(async () => (await source.listVms('node04')).some((v) => v.id === 'default/fresh'), 'fresh on node04');
      const node4 = (await source.listNodes()).find((n) => n.id === 'node04');
      assert.equal(node4?.runningVms, 1);

      changes.clear();
      server.setVmiLiveMigratable('default', 'fresh', { reason: 'DisksNotLiveMigratable', message: 'PVC disk0 is not shared' });
      await waitFor(() => changes.saw((c) => c.scope === 'vm' && c.vmId === 'default/fresh' && c.nodeId === 'node04'), 'a vm change');
      const fresh = (await source.listVms('node04')).find((v) => v.id === 'default/fresh');
      assert.equal(fresh?.liveMigratable?.ok, false);
      assert.equal(fresh?.liveMigratable?.reason, 'DisksNotLiveMigratable');

      server.deleteVmi('default', 'fresh');
      await waitFor(async () => !(await source.listVms('node04')).some((v) => v.id === 'default/fresh'), 'fresh gone');
    });
  });

  describe('start and stop', () => {
    it('stops and starts a VM through its VirtualMachine subresources', async () => {
      const vm = (await source.listVms('node02')).find((v) => v.hasController && v.state === 'running');
      assert.ok(vm);
      await source.stopVm(vm.id);
      await waitFor(async () => !(await source.listVms()).some((v) => v.id === vm.id && v.state === 'running'), `${vm.id} stopped`);
      assert.equal(server.objects.get('virtualmachines', vm.namespace, vm.name)?.spec?.runStrategy, 'Halted');
      await source.startVm(vm.id);
      await waitFor(async () => (await source.listVms()).some((v) => v.id === vm.id && v.state === 'running'), `${vm.id} running again`);
    });

    it('says why a VMI without a VirtualMachine cannot be stopped or started', async () => {
      await expectSourceError(source.stopVm('default/bare-vmi'), 'failed-precondition', /default\/bare-vmi has no VirtualMachine to stop it/);
      await expectSourceError(source.startVm('default/bare-vmi'), 'failed-precondition', /has no VirtualMachine to start it/);
      await expectSourceError(source.stopVm('default/nonexistent'), 'not-found', /not found/);
      await expectSourceError(source.stopVm('no-slash'), 'invalid-argument', /not a KubeVirt VM id/);
    });

    it('passes on the cluster\'s refusal to start a running VM', async () => {
      const vm = (await source.listVms('node02')).find((v) => v.hasController && v.state === 'running');
      assert.ok(vm);
      await expectSourceError(source.startVm(vm.id), 'failed-precondition', /already running/i);
    });
  });

  describe('migrations', () => {
    let recorder: MigrationRecorder;
    beforeEach(() => (recorder = new MigrationRecorder(source)));
    afterEach(() => recorder.dispose());

    async function migratableVm(node: string) {
      const vms = await source.listVms(node);
      const vm = vms.find((v) => v.hasController && v.liveMigratable?.ok !== false && v.state === 'running' && !v.migration);
      assert.ok(vm, `a migratable VM on ${node}`);
      return vm;
    }

    it('creates a VirtualMachineInstanceMigration to the chosen node and reports every phase', async () => {
      const vm = await migratableVm('node01');
      const handle = await source.migrate({ vmId: vm.id, targetNodeId: 'node02', live: true });
      const [, namespace, name] = handle.migrationId.slice(source.id.length).split('/');
      assert.equal(handle.migrationId, migrationIdOf(source, namespace, name));
      assert.match(name, /^kubevirt-migrate-vm-[a-z0-9]{5}$/);
      const created = server.objects.migration({ namespace, name });
      assert.ok(created, 'the server holds the migration');
      assert.equal(created.lastObject.spec.vmiName, vm.name);
      assert.deepEqual(created.lastObject.spec.addedNodeSelector, { 'kubernetes.io/hostname': 'node02' });

      await handle.completion;
      const final = await waitFor(() => recorder.last(handle.migrationId)?.migration.state === 'succeeded' && recorder.last(handle.migrationId), 'a succeeded observation');
      const truth = server.objects.migration({ namespace, name })!;
      assert.equal(truth.finalPhase, 'Succeeded');
      assert.deepEqual(
        [...recorder.phases(handle.migrationId)].map(([p, at]) => [p, at]),
        truth.phases.map((p) => [p.phase, Date.parse(p.timestamp)]),
        'every phase with the time the cluster gave it',
      );
      const m = final.migration;
      assert.equal(m.kind, 'kubevirt');
      assert.equal(m.cluster, source.id);
      assert.equal(m.namespace, vm.namespace);
      assert.equal(m.vm, vm.name);
      assert.equal(m.name, name);
      assert.equal(m.origin, 'user');
      assert.equal(m.sourceNode, 'node01');
      assert.equal(m.targetNode, 'node02');
      assert.ok(m.mode === 'PreCopy' || m.mode === 'PostCopy', m.mode);
      assert.equal(m.createdAt, Date.parse(truth.creationTimestamp));
      assert.ok(m.endedAt && m.durationMs !== undefined);
      await waitFor(async () => (await source.listVms('node02')).some((v) => v.id === vm.id), 'the VM listed under its new node');
      assert.ok(!(await source.listVms('node01')).some((v) => v.id === vm.id));
    });

    it('says each phase on the migration stream before the tree hears of it, and the tree then shows that phase', async () => {
      const vm = await migratableVm('node01');
      const order: string[] = [];
      // Each refresh of the VM in the tree: where it came in the order, and the phase the tree then showed.
      const shown: Array<Promise<{ at: number; phase: string | undefined }>> = [];
      const stream = source.onMigrationEvent((e) => {
        if (e.type === 'observation' && e.observation.migration.vm === vm.name && !e.observation.deleted) order.push(`stream ${e.observation.migration.phase}`);
      });
      const tree = source.onDidChange((c) => {
        if (c.scope !== 'vm' || c.vmId !== vm.id) return;
        const at = order.push('tree') - 1;
        shown.push(source.listVms().then((vms) => ({ at, phase: vms.find((v) => v.id === vm.id)?.migration?.phase })));
      });
      try {
        const handle = await source.migrate({ vmId: vm.id, targetNodeId: 'node03', live: true });
        await handle.completion;
        await waitFor(() => order.includes('stream Succeeded'), 'the final phase on the stream');
      } finally {
        stream.dispose();
        tree.dispose();
      }
      const refreshes = await Promise.all(shown);
      // The tree refreshes the VM for every phase of its migration, after the stream said it.
      for (const phase of ['Scheduling', 'Scheduled', 'PreparingTarget', 'TargetReady', 'Running']) {
        const said = order.indexOf(`stream ${phase}`);
        assert.ok(said >= 0, `${phase} on the stream: ${order.join(', ')}`);
        const refresh = refreshes.find((r) => r.phase === phase);
        assert.ok(refresh, `the tree showed ${phase}: ${refreshes.map((r) => r.phase).join(', ')}`);
        assert.ok(refresh.at > said, `the stream said ${phase} before the tree: ${order.join(', ')}`);
      }
    });

    it('leaves the target to the scheduler when none is chosen, and shows the migration on the VM while it runs', async () => {
      server.setTiming({ perPhaseMs: 250 });
      try {
        const vm = await migratableVm('node02');
        const handle = await source.migrate({ vmId: vm.id, live: true });
        const [, namespace, name] = handle.migrationId.slice(source.id.length).split('/');
        assert.equal(server.objects.migration({ namespace, name })?.lastObject.spec.addedNodeSelector, undefined);
        const migrating = await waitFor(async () => (await source.listVms()).find((v) => v.id === vm.id && v.migration), 'the VM showing its migration');
        assert.equal(migrating.migration?.id, handle.migrationId);
        assert.ok(migrating.migration?.phase);
        await handle.completion;
        await waitFor(async () => !(await source.listVms()).find((v) => v.id === vm.id)?.migration, 'the migration gone from the VM');
      } finally {
        server.setTiming({ perPhaseMs: 40 });
      }
    });

    it('cancels by deleting the migration, which ends cancelled and deleted', async () => {
      server.setTiming({ perPhaseMs: 400 });
      try {
        const vm = await migratableVm('node03');
        const handle = await source.migrate({ vmId: vm.id, targetNodeId: 'node01', live: true });
        await waitFor(() => recorder.last(handle.migrationId)?.migration.state === 'running', 'the migration running');
        await source.cancel(handle.migrationId);
        await handle.completion;
        const deleted = await waitFor(() => recorder.observations(handle.migrationId).find((o) => o.deleted), 'the deletion observation');
        assert.equal(deleted.migration.state, 'cancelled');
        const states = recorder.observations(handle.migrationId).map((o) => o.migration.state);
        assert.ok(!states.includes('failed') && !states.includes('succeeded'), states.join(','));
        // Cancelling again is harmless: it is already gone.
        await source.cancel(handle.migrationId);
        await expectSourceError(source.cancel('kubevirt:other/default/x'), 'invalid-argument', /does not belong to kubevirt-test/);
      } finally {
        server.setTiming({ perPhaseMs: 40 });
      }
    });

    it('reports a migration cancelled before it was handed off as cancelled', async () => {
      server.setTiming({ perPhaseMs: 1500 });
      try {
        const vm = await migratableVm('node01');
        const handle = await source.migrate({ vmId: vm.id, targetNodeId: 'node03', live: true });
        await waitFor(() => recorder.last(handle.migrationId)?.migration.phase === 'Pending', 'the migration pending');
        await source.cancel(handle.migrationId);
        await handle.completion;
        const deleted = await waitFor(() => recorder.observations(handle.migrationId).find((o) => o.deleted), 'the deletion observation');
        assert.equal(deleted.migration.state, 'cancelled');
        const states = new Set(recorder.observations(handle.migrationId).map((o) => o.migration.state));
        assert.ok(!states.has('failed'), [...states].join(','));
      } finally {
        server.setTiming({ perPhaseMs: 40 });
      }
    });

    it('reports a failed migration with KubeVirt\'s reason', async () => {
      const vm = await migratableVm('node01');
      server.faults.failMigration({ vmiName: vm.name }, { reason: 'target virt-launcher crashed' });
      const handle = await source.migrate({ vmId: vm.id, targetNodeId: 'node03', live: true });
      await handle.completion;
      const last = await waitFor(() => recorder.last(handle.migrationId)?.migration.phase === 'Failed' && recorder.last(handle.migrationId), 'a Failed observation');
      assert.equal(last.migration.state, 'failed');
      assert.match(last.migration.failureReason ?? '', /target virt-launcher crashed/);
    });

    it('records the origin of migrations the platform starts (node drain)', async () => {
      const result = server.drainNode('node03');
      assert.ok(result);
      await waitFor(() => recorder.observations().some((o) => o.migration.origin === 'evacuation'), 'an evacuation migration');
      server.uncordonNode('node03');
    });

    it('refuses what KubeVirt\'s admission refuses, with its reason', async () => {
      server.setTiming({ perPhaseMs: 400 });
      try {
        const vm = await migratableVm('node02');
        const first = await source.migrate({ vmId: vm.id, targetNodeId: 'node01', live: true });
        await expectSourceError(source.migrate({ vmId: vm.id, targetNodeId: 'node03', live: true }), 'failed-precondition', /^In-flight migration detected/);
        await source.cancel(first.migrationId);
        await first.completion;
      } finally {
        server.setTiming({ perPhaseMs: 40 });
      }
      const notMigratable = (await source.listVms()).find((v) => v.liveMigratable?.ok === false && v.state === 'running');
      assert.ok(notMigratable);
      await expectSourceError(source.migrate({ vmId: notMigratable.id, live: true }), 'failed-precondition', /Cannot migrate VMI, Reason: /);
    });

    it('checks the obvious before asking the cluster', async () => {
      const vm = await migratableVm('node01');
      await expectSourceError(source.migrate({ vmId: vm.id, targetNodeId: 'node01', live: true }), 'failed-precondition', /^Target node must be different from source node$/);
      await expectSourceError(source.migrate({ vmId: vm.id, targetNodeId: 'node99', live: true }), 'failed-precondition', /^Node node99 not found in cluster$/);
      await expectSourceError(source.migrate({ vmId: vm.id, live: false }), 'invalid-argument', /live only/);
      await expectSourceError(source.migrate({ vmId: 'default/ghost', live: true }), 'not-found', /ghost not found/);
    });

    it('logs and skips migrations it cannot read, and goes on with the others', async () => {
      server.setTiming({ perPhaseMs: 60_000 });
      server.addVm({ name: 'odd-one', namespace: 'default', node: 'node01', cpu: 1, memory: '1Gi' });
      server.addVm({ name: 'odd-two', namespace: 'default', node: 'node01', cpu: 1, memory: '1Gi' });
      await waitFor(async () => (await source.listVms('node01')).filter((v) => v.name.startsWith('odd-')).length === 2, 'the odd VMs listed');
      const unknownPhase = server.createMigration({ vmiName: 'odd-one', namespace: 'default' });
      const badTime = server.createMigration({ vmiName: 'odd-two', namespace: 'default' });
      const badTimeId = migrationIdOf(source, 'default', badTime.metadata.name!);
      await waitFor(() => recorder.last(badTimeId), 'the second migration observed');
      await patchStatus(unknownPhase.metadata.name!, { phase: 'Exploding' });
      await patchStatus(badTime.metadata.name!, {
        phase: 'Scheduling',
        phaseTransitionTimestamps: [
          { phase: 'Pending', phaseTransitionTimestamp: '2024-05-01T10:00:00Z' },
          { phase: 'Scheduling', phaseTransitionTimestamp: 'not-a-time' },
        ],
      });
      const logger = sourceLogger();
      await waitFor(() => logger.has(new RegExp(`${unknownPhase.metadata.name}.*unknown phase "Exploding"; skipped`), 'warn'), 'the unknown phase logged');
      await waitFor(() => logger.has(/phase Scheduling has a malformed time "not-a-time"; skipped/, 'warn'), 'the malformed time logged');
      const last = await waitFor(() => recorder.last(badTimeId)?.migration.phase === 'Scheduling' && recorder.last(badTimeId), 'the readable part of the second migration');
      assert.deepEqual(last.phases.map((p) => p.phase).slice(0, 1), ['Pending']);
      assert.ok(!recorder.observations().some((o) => o.migration.phase === 'Exploding'), 'nothing emitted for the unreadable one');
      server.setTiming({ perPhaseMs: 40 });
      for (const m of [unknownPhase, badTime]) {
        await patchStatus(m.metadata.name!, { phase: 'Failed' });
        server.deleteMigration('default', m.metadata.name!);
      }
      // The stream is still alive: a normal migration is observed to its end.
      const vm = await migratableVm('node02');
      const handle = await source.migrate({ vmId: vm.id, targetNodeId: 'node03', live: true });
      await handle.completion;
      await waitFor(() => recorder.last(handle.migrationId)?.migration.state === 'succeeded', 'the next migration observed');
    });

    it('gives a late subscriber the current migrations followed by synced', async () => {
      const late = new MigrationRecorder(source);
      try {
        await waitFor(() => late.synced().length > 0, 'a synced event');
        const ids = late.synced()[0];
        const expected = server.objects.list('virtualmachineinstancemigrations').map((o) => migrationIdOf(source, o.metadata.namespace!, o.metadata.name!));
        assert.deepEqual([...ids].sort(), expected.sort());
        const observed = new Set(late.observations().map((o) => o.migration.id));
        for (const id of ids) assert.ok(observed.has(id), `an observation of ${id} before synced`);
        assert.equal(late.events[0].type, 'connection');
      } finally {
        late.dispose();
      }
    });
  });

  describe('access errors', () => {
    it('says what RBAC refused, in which namespace', async () => {
      const denied = await startKubeApiServer({
        users: [{ name: 'alice', token: 'alice-token-123', deny: [{ verb: 'create', resource: 'virtualmachineinstancemigrations', namespace: 'default' }] }],
      });
      tokens.push(denied.token, denied.viewerToken, 'alice-token-123');
      const tmp = new TempDir();
      try {
        seedCluster(denied, { nodes: 2, vmisPerNode: 1 });
        const { source: alice } = await sourceFor(denied, tmp, { kubeconfig: { contexts: [{ name: 'alice', token: 'alice-token-123' }] } });
        try {
          const vm = (await alice.listVms('node01')).find((v) => v.hasController);
          assert.ok(vm);
          await expectSourceError(
            alice.migrate({ vmId: vm.id, targetNodeId: 'node02', live: true }),
            'forbidden',
            /^Not allowed to create virtualmachineinstancemigrations in namespace default/,
          );
        } finally {
          alice.dispose();
        }
        const { source: viewer } = await sourceFor(denied, tmp, { kubeconfig: { contexts: [{ name: 'viewer', role: 'viewer' }] } });
        try {
          const vm = (await viewer.listVms('node01')).find((v) => v.hasController);
          assert.ok(vm);
          await expectSourceError(viewer.stopVm(vm.id), 'forbidden', /^Not allowed to update virtualmachines\/stop in namespace default/);
        } finally {
          viewer.dispose();
        }
      } finally {
        await denied.stop();
        tmp.dispose();
      }
    });

    it('a user who may not watch migrations keeps a working tree; the connection says what is not followed', async () => {
      const denied = await startKubeApiServer({
        users: [{ name: 'dana', token: 'dana-token-456', deny: [{ verb: '*', resource: 'virtualmachineinstancemigrations' }] }],
      });
      tokens.push(denied.token, denied.viewerToken, 'dana-token-456');
      const tmp = new TempDir();
      try {
        seedCluster(denied, { nodes: 2, vmisPerNode: 2 });
        const { source: dana } = await sourceFor(denied, tmp, { kubeconfig: { contexts: [{ name: 'dana', token: 'dana-token-456' }] } });
        const stream = new MigrationRecorder(dana);
        try {
          const nodeCount = denied.objects.list('nodes').length;
          assert.equal((await dana.listNodes()).length, nodeCount);
          const onNode01 = denied.objects.list('virtualmachineinstances').filter((o) => (o as { status?: { nodeName?: string } }).status?.nodeName === 'node01');
          assert.ok(onNode01.length >= 2);
          assert.equal((await dana.listVms('node01')).length, onNode01.length);
          await waitFor(() => dana.connection.state === 'connected' && dana.connection.limitation !== undefined, 'a connection with a limitation');
          const connection = dana.connection as { limitation: string };
          assert.match(connection.limitation, /^migrations are not followed: not allowed to (list|watch) virtualmachineinstancemigrations at cluster scope \(user "dana"\)/);
          // Still connected, and still answering, while the VMIM informer keeps being refused.
          await new Promise((r) => setTimeout(r, 500));
          assert.equal(dana.connection.state, 'connected');
          assert.equal((await dana.listNodes()).length, nodeCount);
          const streamed = stream.events.filter((e) => e.type === 'connection').map((e) => (e as { state: { state: string } }).state.state);
          assert.ok(!streamed.includes('unreachable'), `the stream never called the cluster down: ${streamed.join(', ')}`);
          // Access granted: the limitation goes away once the VMIM informer gets through.
          denied.allowAccess('dana-token-456');
          await waitFor(() => dana.connection.state === 'connected' && dana.connection.limitation === undefined, 'the limitation lifted', 20_000);
        } finally {
          stream.dispose();
          dana.dispose();
        }
      } finally {
        await denied.stop();
        tmp.dispose();
      }
    });

    it('reports rejected credentials as unauthenticated, and the cluster as unreachable', async () => {
      const tmp = new TempDir();
      const { source: stranger, logger } = await sourceFor(server, tmp, { kubeconfig: { contexts: [{ name: 'stranger', token: 'not-a-valid-token-xyz' }] } });
      tokens.push('not-a-valid-token-xyz');
      try {
        await expectSourceError(stranger.listNodes(), 'unauthenticated', /did not accept the credentials/);
        await waitFor(() => stranger.connection.state === 'unreachable', 'an unreachable connection');
        assert.ok(logger.has(/did not accept the credentials/, 'warn'));
      } finally {
        stranger.dispose();
        tmp.dispose();
      }
    });

    it('fails fast with a readable reason when nothing listens', async () => {
      const tmp = new TempDir();
      const gone = await startKubeApiServer();
      tokens.push(gone.token, gone.viewerToken);
      const { source: orphan } = await sourceFor(gone, tmp);
      await gone.stop();
      try {
        await expectSourceError(orphan.listNodes(), 'unavailable', /^Cannot reach kubevirt-test: connection refused/);
      } finally {
        orphan.dispose();
        tmp.dispose();
      }
    });

    it('talks to a plain-HTTP API server (kubectl proxy) as kubectl does', async () => {
      const plain = await startKubeApiServer({ tls: false });
      tokens.push(plain.token, plain.viewerToken);
      const tmp = new TempDir();
      try {
        seedCluster(plain, { nodes: 2, vmisPerNode: 1 });
        const { source: viaHttp } = await sourceFor(plain, tmp);
        try {
          assert.deepEqual(
            (await viaHttp.listNodes()).map((n) => n.id),
            ['node01', 'node02'],
          );
        } finally {
          viaHttp.dispose();
        }
      } finally {
        await plain.stop();
        tmp.dispose();
      }
    });

    it('reports a missing context without touching the network', async () => {
      const tmp = new TempDir();
      const { source: wrong } = await sourceFor(server, tmp, { context: 'nope' });
      try {
        await expectSourceError(wrong.listNodes(), 'not-found', /Kubeconfig context nope not found/);
        assert.equal(wrong.connection.state, 'unreachable');
      } finally {
        wrong.dispose();
        tmp.dispose();
      }
    });
  });
});
