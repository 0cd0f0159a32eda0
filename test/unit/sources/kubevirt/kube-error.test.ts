import { strict as assert } from 'node:assert';
import { SourceError } from '../../../../src/model/errors';
import { KubeHttpError, KubeTimeoutError, toSourceError, type RequestIntent } from '../../../../src/sources/kubevirt/kube-error';
import { scrubSecrets } from '../../../../src/base/secret-registry';

const CREATE_VMIM: RequestIntent = { verb: 'create', resource: 'virtualmachineinstancemigrations', namespace: 'prod' };

function http(code: number, message: string, reason = ''): KubeHttpError {
  return new KubeHttpError(code, { kind: 'Status', status: 'Failure', message, reason, code }, message);
}

describe('kubevirt error mapping', () => {
  it('says plainly what RBAC did not allow, and where', () => {
    const err = toSourceError(
      http(403, 'virtualmachineinstancemigrations.kubevirt.io is forbidden: User "alice" cannot create resource "virtualmachineinstancemigrations" in API group "kubevirt.io" in the namespace "prod"', 'Forbidden'),
      CREATE_VMIM,
      'lab',
    );
    assert.equal(err.code, 'forbidden');
    assert.equal(err.message, 'Not allowed to create virtualmachineinstancemigrations in namespace prod (user "alice")');
    const clusterWide = toSourceError(http(403, 'nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope'), { verb: 'list', resource: 'nodes' }, 'lab');
    assert.equal(clusterWide.message, 'Not allowed to list nodes at cluster scope (user "bob")');
    const bare = toSourceError(new KubeHttpError(403, undefined, 'Forbidden'), CREATE_VMIM, 'lab');
    assert.equal(bare.message, 'Not allowed to create virtualmachineinstancemigrations in namespace prod');
  });

  it('passes on admission rejections as preconditions with KubeVirt\'s own reason, whatever the code', () => {
    const inFlight =
      'admission webhook "migration-create-validator.kubevirt.io" denied the request: in-flight migration detected. Active migration job (abc) is currently already in progress for VMI db-0.';
    for (const code of [400, 403, 422]) {
      const err = toSourceError(http(code, inFlight), CREATE_VMIM, 'lab');
      assert.equal(err.code, 'failed-precondition', String(code));
      assert.equal(err.message, 'In-flight migration detected. Active migration job (abc) is currently already in progress for VMI db-0.');
    }
    const notMigratable = toSourceError(http(422, 'Cannot migrate VMI, Reason: DisksNotLiveMigratable, Message: cannot migrate VMI: PVC disk0 is not shared'), CREATE_VMIM, 'lab');
    assert.equal(notMigratable.code, 'failed-precondition');
    assert.match(notMigratable.message, /DisksNotLiveMigratable/);
    assert.equal(toSourceError(http(409, 'VM is already running'), { verb: 'update', resource: 'virtualmachines/start' }, 'lab').code, 'failed-precondition');
  });

  it('maps 401, 404, 5xx, timeouts and network failures', () => {
    const unauth = toSourceError(http(401, 'Unauthorized'), CREATE_VMIM, 'lab');
    assert.equal(unauth.code, 'unauthenticated');
    assert.match(unauth.message, /lab did not accept the credentials/);
    const missing = toSourceError(http(404, 'virtualmachines.kubevirt.io "db-0" not found'), { verb: 'update', resource: 'virtualmachines/stop', namespace: 'prod', name: 'db-0' }, 'lab');
    assert.equal(missing.code, 'not-found');
    assert.match(missing.message, /^Update virtualmachines\/stop prod\/db-0: not found/);
    assert.equal(toSourceError(http(503, 'etcd is down'), CREATE_VMIM, 'lab').code, 'unavailable');
    const timeout = toSourceError(new KubeTimeoutError(15000), CREATE_VMIM, 'lab');
    assert.equal(timeout.code, 'timeout');
    assert.equal(timeout.message, 'lab: create virtualmachineinstancemigrations in namespace prod got no answer within 15 s');
    const refused = toSourceError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }), CREATE_VMIM, 'lab');
    assert.equal(refused.code, 'unavailable');
    assert.equal(refused.message, 'Cannot reach lab: connection refused');
    assert.ok(toSourceError(new SourceError('timeout', 'x'), CREATE_VMIM, 'lab') instanceof SourceError);
  });

  it('never lets a credential through an error message', () => {
    const leaky = new Error('request failed: Authorization: Bearer abc.def-123 token=s3cr3t');
    const err = toSourceError(leaky, CREATE_VMIM, 'lab');
    assert.doesNotMatch(err.message, /abc\.def-123|s3cr3t/);
    const fromServer = toSourceError(http(500, 'upstream said {"token":"sekret-value"} and Basic dXNlcjpwYXNz'), CREATE_VMIM, 'lab');
    assert.doesNotMatch(fromServer.message, /sekret-value|dXNlcjpwYXNz/);
  });
});

describe('secret scrubbing', () => {
  it('removes headers, tokens, keys, passwords and URL credentials', () => {
    const samples: Array<[string, string]> = [
      ['Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', 'eyJ'],
      ['headers: {"authorization":"Bearer tok-123456"}', 'tok-123456'],
      ['client-key-data: LS0tLS1CRUdJTi', 'LS0tLS1CRUdJTi'],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'MIIEow'],
      ['token: abcdef0123456789', 'abcdef0123456789'],
      ['password=hunter2&x=1', 'hunter2'],
      ['https://admin:pa55@10.0.0.1:6443/api', 'pa55'],
      ['id-token=opaque.value', 'opaque.value'],
    ];
    for (const [text, secret] of samples) {
      const scrubbed = scrubSecrets(text);
      assert.ok(!scrubbed.includes(secret), `${text} → ${scrubbed}`);
      assert.match(scrubbed, /\[redacted\]/);
    }
    assert.equal(scrubSecrets('Not allowed to create virtualmachineinstancemigrations in namespace prod'), 'Not allowed to create virtualmachineinstancemigrations in namespace prod');
  });
});
