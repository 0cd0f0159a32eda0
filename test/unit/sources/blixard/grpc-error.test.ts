import { strict as assert } from 'node:assert';
import { SourceError } from '../../../../src/model/errors';
import { GrpcStatus, toSourceError } from '../../../../src/sources/blixard/grpc-error';

const context = { cluster: 'lab', endpoint: '127.0.0.1:7001', action: 'list VMs', deadlineMs: 5000 };

describe('gRPC error mapping', () => {
  it("keeps the daemon's own sentence for the errors it raises on purpose", () => {
    const cases: [number, string][] = [
      [GrpcStatus.INVALID_ARGUMENT, 'invalid-argument'],
      [GrpcStatus.NOT_FOUND, 'not-found'],
      [GrpcStatus.FAILED_PRECONDITION, 'failed-precondition'],
      [GrpcStatus.ALREADY_EXISTS, 'conflict'],
      [GrpcStatus.RESOURCE_EXHAUSTED, 'failed-precondition'],
    ];
    for (const [code, expected] of cases) {
      const err = toSourceError({ code, details: 'Target node must be different from source node', message: `${code} X: Target…` }, context);
      assert.ok(err instanceof SourceError);
      assert.equal(err.code, expected);
      assert.equal(err.message, 'Target node must be different from source node');
    }
  });

  it('turns transport failures into sentences without internals', () => {
    const refused = toSourceError({ code: GrpcStatus.UNAVAILABLE, details: 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7001 (2025-…)' }, context);
    assert.equal(refused.code, 'unavailable');
    assert.equal(refused.message, 'Cannot reach Blixard cluster "lab" at 127.0.0.1:7001: connection refused.');
    const late = toSourceError({ code: GrpcStatus.DEADLINE_EXCEEDED, details: 'Deadline exceeded after 5.001s,LB pick: 0.001s' }, context);
    assert.equal(late.code, 'timeout');
    assert.equal(late.message, 'Blixard cluster "lab" did not answer within 5 s at 127.0.0.1:7001 (list VMs).');
    assert.equal(toSourceError({ code: GrpcStatus.UNAUTHENTICATED, details: 'bad certificate' }, context).code, 'unauthenticated');
    assert.equal(toSourceError({ code: GrpcStatus.PERMISSION_DENIED, details: 'no' }, context).code, 'forbidden');
    const internal = toSourceError({ code: GrpcStatus.INTERNAL, details: 'boom\n    at stack (file.js:1:1)' }, context);
    assert.equal(internal.message, 'Blixard cluster "lab" failed to list VMs: boom.');
  });

  it('reduces TLS and connection noise to what a person can act on', () => {
    const reason = (details: string) => toSourceError({ code: GrpcStatus.UNAVAILABLE, details }, context).message.replace(/^Cannot reach Blixard cluster "lab" at 127.0.0.1:7001: /, '');
    assert.equal(reason('No connection established. Last error: Failed to connect (2026-11-22T02:30:17.013Z). Resolution note: '), 'the connection failed.');
    assert.equal(reason('No connection established. Last error: Error: certificate has expired (2026-01-01T00:00:00.000Z)'), "TLS handshake failed: the daemon's certificate has expired.");
    assert.equal(
      reason("No connection established. Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: "),
      "TLS handshake failed: the daemon's certificate is not issued for this host name or address.",
    );
    assert.equal(reason('No connection established. Last error: 80:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../x.c:1'), 'TLS handshake failed (sslv3 alert handshake failure).');
    assert.equal(reason('Connection dropped'), 'Connection dropped.');
  });

  it('wraps non-gRPC errors with their first line only', () => {
    const err = toSourceError(new Error('first line\n    at somewhere (x.js:1:2)'), context);
    assert.equal(err.code, 'internal');
    assert.equal(err.message, 'Could not list VMs on Blixard cluster "lab": first line');
    const same = new SourceError('not-found', 'gone');
    assert.equal(toSourceError(same, context), same);
  });
});
