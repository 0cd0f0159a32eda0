// BlixardSource over TLS and mutual TLS, against real daemons serving certificates made by openssl.

import { strict as assert } from 'node:assert';
import { readFileSync, rmSync } from 'node:fs';
import { SourceError } from '../../../../src/model/errors';
import { scrubSecrets } from '../../../../src/base/secret-registry';
import { makeTestCertificates, type TestCertificates } from './support/test-certificates';
import { sourceFor, startTestCluster, StreamRecorder, type DevCluster } from './support/test-cluster';

async function failure(work: Promise<unknown>): Promise<SourceError> {
  const err = await work.then(
    () => assert.fail('should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SourceError, String(err));
  return err;
}

describe('BlixardSource: TLS (real daemons)', function () {
  this.timeout(40_000);
  let certs: TestCertificates;
  let tlsCluster: DevCluster;
  let mtlsCluster: DevCluster;

  before(async () => {
    certs = makeTestCertificates();
    const server = { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) };
    tlsCluster = await startTestCluster({ nodes: 2, vms: 2, tls: server });
    mtlsCluster = await startTestCluster({ nodes: 2, vms: 2, tls: { ...server, ca: readFileSync(certs.caFile) } });
  });
  after(async () => {
    await tlsCluster?.stop();
    await mtlsCluster?.stop();
    if (certs) rmSync(certs.dir, { recursive: true, force: true });
  });

  it('talks TLS when tls.caFile is set: calls and the migration stream', async () => {
    const source = sourceFor(tlsCluster.endpoints, {}, { tls: { caFile: certs.caFile } });
    const recorder = new StreamRecorder(source);
    try {
      assert.equal((await source.listNodes()).length, 2);
      assert.deepEqual(source.warnings, []);
      await recorder.waitForSynced();
    } finally {
      recorder.dispose();
      source.dispose();
    }
  });

  it('refuses a server whose certificate the configured CA did not sign', async () => {
    const source = sourceFor([tlsCluster.endpoints[0]], { callDeadlineMs: 2000 }, { tls: { caFile: certs.otherCaFile } });
    try {
      const err = await failure(source.listNodes());
      assert.equal(err.code, 'unavailable');
      assert.equal(
        err.message,
        `Cannot reach Blixard cluster "${source.label}" at ${tlsCluster.endpoints[0]}: TLS handshake failed: the daemon's certificate is not signed by the CA in tls.caFile.`,
      );
    } finally {
      source.dispose();
    }
  });

  it('fails plainly when plain text meets a TLS daemon', async () => {
    const source = sourceFor([tlsCluster.endpoints[0]], { callDeadlineMs: 2000 });
    try {
      const err = await failure(source.listNodes());
      assert.ok(['unavailable', 'timeout'].includes(err.code), err.code);
      assert.match(err.message, /Blixard cluster/);
    } finally {
      source.dispose();
    }
  });

  it('presents a client certificate for mutual TLS, and is refused without one', async () => {
    const withCert = sourceFor(mtlsCluster.endpoints, {}, { tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile } });
    const withoutCert = sourceFor([mtlsCluster.endpoints[0]], { callDeadlineMs: 2000 }, { tls: { caFile: certs.caFile } });
    try {
      assert.equal((await withCert.listVms()).length, 2);
      const err = await failure(withoutCert.listVms());
      assert.equal(err.code, 'unavailable');
      assert.match(err.message, /TLS handshake failed: the daemon requires a client certificate \(set tls.certFile and tls.keyFile\)\.$/);
    } finally {
      withCert.dispose();
      withoutCert.dispose();
    }
  });

  it('knows its client key by value once it has used it: an echo of the key is scrubbed wherever it goes', async () => {
    const body = readFileSync(certs.clientKeyFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('-----'));
    const echo = `handshake refused for key ${body.join('')} (first line ${body[0]})`;
    const source = sourceFor(mtlsCluster.endpoints, {}, { tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile } });
    try {
      assert.equal((await source.listVms()).length, 2);
      const scrubbed = scrubSecrets(echo);
      assert.equal(scrubbed, 'handshake refused for key [redacted] (first line [redacted])');
      assert.ok(!new SourceError('unavailable', echo).message.includes(body[0]), 'a SourceError quoting it is scrubbed as it is made');
    } finally {
      source.dispose();
    }
  });

  it('names an unreadable or unusable TLS file instead of connecting', async () => {
    const garbled = sourceFor(tlsCluster.endpoints, {}, { tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.caFile } });
    try {
      const err = await failure(garbled.listNodes());
      assert.equal(err.code, 'invalid-argument');
      assert.match(err.message, /are not usable: check that tls.caFile, tls.certFile and tls.keyFile hold PEM certificates and a matching PEM key/);
    } finally {
      garbled.dispose();
    }

    const missing = `${certs.dir}/nope.pem`;
    const source = sourceFor(tlsCluster.endpoints, {}, { tls: { caFile: missing } });
    try {
      const err = await failure(source.listNodes());
      assert.equal(err.code, 'invalid-argument');
      assert.equal(err.message, `Cannot read the CA certificate (tls.caFile) of Blixard cluster "${source.label}" at ${missing}: the file does not exist.`);
      assert.equal(source.connection.state, 'unreachable');
    } finally {
      source.dispose();
    }
  });

  it('warns when plain text leaves the machine, and reports a broken configuration on use', async () => {
    const exposed = sourceFor(['192.0.2.10:7001']);
    const broken = sourceFor(['not an endpoint']);
    try {
      assert.equal(exposed.warnings.length, 1);
      assert.match(exposed.warnings[0], /Unencrypted connection to 192\.0\.2\.10:7001/);
      assert.deepEqual(broken.connection, { state: 'unreachable', reason: `Blixard cluster "${broken.label}": endpoint "not an endpoint" is not "host:port".` });
      const err = await failure(broken.listVms());
      assert.equal(err.code, 'invalid-argument');
    } finally {
      exposed.dispose();
      broken.dispose();
    }
  });
});
