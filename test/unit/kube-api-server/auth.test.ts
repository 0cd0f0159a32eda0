// Bearer tokens and RBAC-like denials: 401 without or with a wrong token, 403 Status
// naming the user, verb, resource and scope, as RBAC writes it.
import { strict as assert } from 'node:assert';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { kubeRequest } from './kube-request';

describe('kube-api-server: authentication and authorization', function () {
  this.timeout(20_000);
  let server: KubeApiServer;

  before(async () => {
    server = await startKubeApiServer({ users: [{ name: 'no-nodes', token: 'no-nodes-token', deny: [{ verb: 'list', resource: 'nodes' }] }] });
    server.addNode({ name: 'node01' });
    server.addVm({ name: 'vm1', node: 'node01' });
  });
  after(async () => { await server.stop(); });

  it('answers 401 Unauthorized without a token and with a wrong one', async () => {
    for (const token of [null, 'wrong-token']) {
      const res = await kubeRequest(server, 'GET', '/api/v1/nodes', { token });
      assert.equal(res.status, 401);
      assert.deepEqual(res.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const discovery = await kubeRequest(server, 'GET', '/apis', { token: null });
    assert.equal(discovery.status, 401);
  });

  it('lets the viewer read but not create migrations (403 Forbidden)', async () => {
    const list = await kubeRequest(server, 'GET', '/apis/kubevirt.io/v1/virtualmachineinstancemigrations', { token: server.viewerToken });
    assert.equal(list.status, 200);
    const res = await kubeRequest(server, 'POST', '/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations', {
      token: server.viewerToken,
      body: { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstanceMigration', metadata: { generateName: 'kubevirt-migrate-vm-' }, spec: { vmiName: 'vm1' } },
    });
    assert.equal(res.status, 403);
    assert.equal(res.json.reason, 'Forbidden');
    assert.equal(res.json.message, 'virtualmachineinstancemigrations.kubevirt.io is forbidden: User "viewer" cannot create resource "virtualmachineinstancemigrations" in API group "kubevirt.io" in the namespace "default"');
    assert.deepEqual(res.json.details, { group: 'kubevirt.io', kind: 'virtualmachineinstancemigrations' });
    assert.equal(server.objects.migrations().length, 0, 'nothing was created');
  });

  it('forbids the VM start/stop subresources to the viewer and names the subresource', async () => {
    const res = await kubeRequest(server, 'PUT', '/apis/subresources.kubevirt.io/v1/namespaces/default/virtualmachines/vm1/stop', { token: server.viewerToken, body: {} });
    assert.equal(res.status, 403);
    assert.match(res.json.message, /virtualmachines\.subresources\.kubevirt\.io "vm1" is forbidden: User "viewer" cannot update resource "virtualmachines\/stop" in API group "subresources\.kubevirt\.io" in the namespace "default"/);
  });

  it('applies per-user deny rules, including at the cluster scope and ones added at run time', async () => {
    const nodes = await kubeRequest(server, 'GET', '/api/v1/nodes', { token: 'no-nodes-token' });
    assert.equal(nodes.status, 403);
    assert.equal(nodes.json.message, 'nodes is forbidden: User "no-nodes" cannot list resource "nodes" in API group "" at the cluster scope');
    const vmis = await kubeRequest(server, 'GET', '/apis/kubevirt.io/v1/virtualmachineinstances', { token: 'no-nodes-token' });
    assert.equal(vmis.status, 200);
    server.denyAccess('no-nodes-token', { verb: 'delete', resource: 'virtualmachineinstancemigrations', namespace: 'default' });
    const del = await kubeRequest(server, 'DELETE', '/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations/some-name', { token: 'no-nodes-token' });
    assert.equal(del.status, 403);
    assert.match(del.json.message, /^virtualmachineinstancemigrations\.kubevirt\.io "some-name" is forbidden/);
  });
});
