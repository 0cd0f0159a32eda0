// The server through @kubernetes/client-node 1.4, the client the extension uses: a kubeconfig
// with certificate-authority-data and a token, CoreV1Api and CustomObjectsApi, and informers
// that see ADDED/MODIFIED/DELETED and relist after a 410.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { waitFor } from './wait-for';

const GROUP = { group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstancemigrations' };
const PATH = '/apis/kubevirt.io/v1/virtualmachineinstancemigrations';

interface Vmim { metadata?: { name?: string; uid?: string }; status?: { phase?: string } }

describe('kube-api-server: @kubernetes/client-node', function () {
  this.timeout(30_000);
  let server: KubeApiServer;
  let dir: string;
  let kc: k8s.KubeConfig;

  beforeEach(async () => {
    server = await startKubeApiServer({ timing: { perPhaseMs: 10 } });
    for (const name of ['node01', 'node02']) server.addNode({ name });
    server.addVm({ name: 'vm1', node: 'node01' });
    server.addVm({ name: 'pinned', node: 'node01', liveMigratable: false });
    dir = mkdtempSync(join(tmpdir(), 'kas-client-node-'));
    await server.writeKubeconfig(join(dir, 'config'), { contexts: [{ name: 'admin' }, { name: 'viewer', role: 'viewer' }], currentContext: 'admin' });
    kc = new k8s.KubeConfig();
    kc.loadFromFile(join(dir, 'config'));
  });
  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists nodes and VMIs over TLS with the kubeconfig token and CA', async () => {
    assert.ok(kc.getCurrentCluster()!.caData, 'kubeconfig carries certificate-authority-data');
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode();
    assert.deepEqual(nodes.items.map((n) => n.metadata!.name), ['node01', 'node02']);
    const ready = nodes.items[0].status!.conditions!.find((c) => c.type === 'Ready');
    assert.equal(ready!.status, 'True');
    assert.equal(nodes.items[0].metadata!.labels!['kubernetes.io/hostname'], 'node01');
    assert.equal(nodes.items[0].status!.allocatable!.cpu, '15');
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const vmis = await custom.listClusterCustomObject({ group: 'kubevirt.io', version: 'v1', plural: 'virtualmachineinstances' }) as { items: Array<{ metadata: { name: string; ownerReferences: Array<{ kind: string }> }; status: { nodeName: string } }> };
    assert.deepEqual(vmis.items.map((v) => v.metadata.name), ['pinned', 'vm1']);
    assert.equal(vmis.items[1].status.nodeName, 'node01');
    assert.equal(vmis.items[1].metadata.ownerReferences[0].kind, 'VirtualMachine');
  });

  it('creates a migration with CustomObjectsApi and surfaces admission and RBAC refusals as ApiException', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const body = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstanceMigration', metadata: { generateName: 'kubevirt-migrate-vm-' }, spec: { vmiName: 'vm1', addedNodeSelector: { 'kubernetes.io/hostname': 'node02' } } };
    const created = await custom.createNamespacedCustomObject({ ...GROUP, namespace: 'default', body }) as Vmim;
    assert.match(created.metadata!.name!, /^kubevirt-migrate-vm-/);
    await assert.rejects(custom.createNamespacedCustomObject({ ...GROUP, namespace: 'default', body: { ...body, spec: { vmiName: 'pinned' } } }), (error: unknown) => {
      assert.ok(error instanceof k8s.ApiException, String(error));
      assert.equal(error.code, 400);
      const status = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
      assert.match(status.message, /Cannot migrate VMI, Reason: DisksNotLiveMigratable/);
      return true;
    });
    const viewer = new k8s.KubeConfig();
    viewer.loadFromFile(join(dir, 'config'));
    viewer.setCurrentContext('viewer');
    await assert.rejects(viewer.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({ ...GROUP, namespace: 'default', body }), (error: unknown) => {
      assert.ok(error instanceof k8s.ApiException);
      assert.equal(error.code, 403);
      return true;
    });
  });

  it('feeds an informer ADDED, MODIFIED and DELETED events for migrations', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const listFn = () => custom.listClusterCustomObject(GROUP) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;
    const informer = k8s.makeInformer(kc, PATH, listFn);
    const seen: string[] = [];
    informer.on('add', (o: Vmim) => seen.push(`add:${o.metadata!.name}`));
    informer.on('update', (o: Vmim) => seen.push(`update:${o.metadata!.name}:${o.status?.phase ?? ''}`));
    informer.on('delete', (o: Vmim) => seen.push(`delete:${o.metadata!.name}`));
    await informer.start();
    try {
      await waitFor(() => server.openWatchCount() === 1, 'the informer to watch');
      server.setTiming({ phaseMs: { Running: 60_000 } });
      const m = server.createMigration({ vmiName: 'vm1' });
      await waitFor(() => seen.includes(`update:${m.metadata.name}:Running`), 'Running update');
      server.deleteMigration('default', m.metadata.name!);
      await waitFor(() => seen.includes(`delete:${m.metadata.name}`), 'delete after cancel', 10_000);
      assert.equal(seen[0], `add:${m.metadata.name}`);
      assert.ok(seen.includes(`update:${m.metadata.name}:Failed`), seen.join(' '));
    } finally {
      await informer.stop();
    }
  });

  it('relists after a 410 Expired and keeps going; an abrupt drop surfaces as an informer error', async () => {
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    let lists = 0;
    const listFn = () => { lists++; return custom.listClusterCustomObject(GROUP) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>; };
    const informer = k8s.makeInformer(kc, PATH, listFn);
    const names = new Set<string>();
    const errors: unknown[] = [];
    informer.on('add', (o: Vmim) => names.add(o.metadata!.name!));
    informer.on('error', (e: unknown) => errors.push(e));
    await informer.start();
    try {
      await waitFor(() => server.openWatchCount() === 1, 'the informer to watch');
      assert.equal(lists, 1);
      server.faults.expireNextWatch();
      server.faults.dropWatches({ graceful: true });
      const m = server.createMigration({ vmiName: 'vm1' });
      await waitFor(() => lists === 2 && names.has(m.metadata.name!), 'relist after 410');
      await waitFor(() => server.openWatchCount() === 1, 'watching again');
      const later = await waitFor(() => { try { return server.createMigration({ vmiName: 'vm1' }); } catch { return undefined; } }, 'another migration');
      await waitFor(() => names.has(later.metadata.name!), 'events after the relist');
      assert.equal(errors.length, 0);
      server.faults.dropWatches();
      await waitFor(() => errors.length > 0, 'an error from the abrupt drop');
    } finally {
      await informer.stop();
    }
  });
});
