import { strict as assert } from 'node:assert';
import { vmReferenceFrom } from '../../../src/ui/dialog/core/vm-reference';

describe('dialog: which VM a command invocation names', () => {
  it('reads the Clusters tree VM element and plain references', () => {
    assert.deepEqual(vmReferenceFrom({ type: 'vm', id: 'vm:dev|1|web-1', clusterId: 'dev', nodeId: '1', vmId: 'web-1' }), { clusterId: 'dev', vmId: 'web-1' });
    assert.deepEqual(vmReferenceFrom({ source: { id: 'kube/ctx' }, vm: { id: 'prod/web' } }), { clusterId: 'kube/ctx', vmId: 'prod/web' });
  });

  it('ignores anything else (the palette then asks)', () => {
    for (const arg of [undefined, null, 'web-1', {}, { clusterId: 'dev' }, { clusterId: 1, vmId: 'x' }, { clusterId: 'dev', vmId: '' }]) {
      assert.equal(vmReferenceFrom(arg), undefined, JSON.stringify(arg));
    }
  });
});
