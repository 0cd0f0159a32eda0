// KubeVirt's admission for new migrations: labels and finalizer added, and the refusals
// virt-api's validator gives (missing vmiName, no such VMI, not live-migratable, in flight).
import { strict as assert } from 'node:assert';
import { startKubeApiServer, KubeApiError, type KubeApiServer } from '../../support/kube-api-server';
import { kubeRequest } from './kube-request';

const PATH = '/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations';
const migration = (spec: Record<string, unknown>) => ({ apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstanceMigration', metadata: { generateName: 'kubevirt-migrate-vm-' }, spec });

describe('kube-api-server: migration admission', function () {
  this.timeout(20_000);
  let server: KubeApiServer;

  beforeEach(async () => {
    // Slow phases, so a migration stays in flight during the test.
    server = await startKubeApiServer({ tls: false, timing: { perPhaseMs: 60_000 } });
    server.addNode({ name: 'node01' });
    server.addNode({ name: 'node02' });
    server.addVm({ name: 'movable', node: 'node01' });
    server.addVm({ name: 'pinned', node: 'node01', liveMigratable: false });
  });
  afterEach(async () => { await server.stop(); });

  it('adds the kubevirt.io/vmi-name label and the migrationJobFinalize finalizer', async () => {
    const res = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'movable' }) });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.metadata.labels['kubevirt.io/vmi-name'], 'movable');
    assert.deepEqual(res.json.metadata.finalizers, ['kubevirt.io/migrationJobFinalize']);
  });

  it('refuses a missing spec.vmiName with 422 Invalid', async () => {
    const res = await kubeRequest(server, 'POST', PATH, { body: migration({}) });
    assert.equal(res.status, 422);
    assert.equal(res.json.reason, 'Invalid');
    assert.equal(res.json.message, 'admission webhook "migration-create-validator.kubevirt.io" denied the request: vmiName is missing');
    assert.equal(res.json.details.causes[0].field, 'spec.vmiName');
  });

  it('refuses a VMI that does not exist', async () => {
    const res = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'ghost' }) });
    assert.equal(res.status, 400);
    assert.equal(res.json.kind, 'Status');
    assert.equal(res.json.status, 'Failure');
    assert.equal(res.json.message, 'admission webhook "migration-create-validator.kubevirt.io" denied the request: the VMI "default/ghost" does not exist');
  });

  it('refuses a VMI whose LiveMigratable condition is False, with its reason and message', async () => {
    const res = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'pinned' }) });
    assert.equal(res.status, 400);
    assert.match(res.json.message, /denied the request: Cannot migrate VMI, Reason: DisksNotLiveMigratable, Message: cannot migrate VMI: PVC rootdisk is not shared/);
    server.setVmiLiveMigratable('default', 'movable', { reason: 'HostDeviceNotLiveMigratable', message: 'VMI uses a PCI host devices' });
    const custom = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'movable' }) });
    assert.match(custom.json.message, /Reason: HostDeviceNotLiveMigratable, Message: VMI uses a PCI host devices$/);
  });

  it('refuses a second migration while one is in flight, naming the active one', async () => {
    const first = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'movable' }) });
    const second = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'movable' }) });
    assert.equal(second.status, 400);
    assert.equal(second.json.message, `admission webhook "migration-create-validator.kubevirt.io" denied the request: in-flight migration detected. Active migration job (${first.json.metadata.uid}) is currently already in progress for VMI movable.`);
  });

  it('refuses the same way when created through the programmatic API', () => {
    assert.throws(() => server.createMigration({ vmiName: 'pinned' }), (error: unknown) => error instanceof KubeApiError && error.code === 400 && /Cannot migrate VMI/.test(error.message));
  });

  it('refuses malformed specs the way the CRD schema does (422), before any webhook', async () => {
    const res = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'movable', addedNodeSelector: 'node02' }) });
    assert.equal(res.status, 422);
    assert.equal(res.json.reason, 'Invalid');
    assert.equal(res.json.details.causes[0].field, 'spec.addedNodeSelector');
    const numeric = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 42 }) });
    assert.equal(numeric.status, 422);
    assert.equal(server.objects.migrations().length, 0);
  });

  it('refuses a VMI in a final phase', async () => {
    server.addVmi({ name: 'done', phase: 'Succeeded' });
    const res = await kubeRequest(server, 'POST', PATH, { body: migration({ vmiName: 'done' }) });
    assert.equal(res.status, 400);
    assert.match(res.json.message, /Cannot migrate VMI in finalized state\.$/);
  });
});
