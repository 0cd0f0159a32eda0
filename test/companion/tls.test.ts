// TLS and mutual TLS on the daemon, with a CA and certificates made by openssl for this run.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startNode, type RunningNode } from '../../companion/blixard-node/node-daemon';
import { connect } from './blixard-test-client';
import { exitOf, startCli } from './cli-process';

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('openssl is not installed: run `apt-get install openssl`');
    throw err;
  }
}

/** A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate. */
function makeCertificates(dir: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=blixard-test-ca'], dir);
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ]) {
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=blixard-test-${name}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`], dir);
  }
  const read = (f: string) => readFileSync(path.join(dir, f));
  return { ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'), clientCert: read('client.pem'), clientKey: read('client.key') };
}

describe('blixard-node TLS', function () {
  this.timeout(60_000);
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'blixard-tls-'));
    certs = makeCertificates(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function canCall(endpoint: string, credentials: grpc.ChannelCredentials): Promise<boolean | string> {
    // Name the server as its certificate does (an IP as TLS server name is deprecated in Node).
    const client = connect(endpoint, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
    try {
      return (await client.call('HealthCheck', {}, 5000)).healthy;
    } catch (err) {
      return (err as grpc.ServiceError).details ?? String(err);
    } finally {
      client.close();
    }
  }

  it('serves TLS: a client trusting the CA gets through, a plaintext client does not', async () => {
    const node: RunningNode = await startNode({ id: 1, tls: { cert: certs.serverCert, key: certs.serverKey } });
    try {
      assert.equal(await canCall(node.address, grpc.credentials.createSsl(certs.ca)), true);
      assert.notEqual(await canCall(node.address, grpc.credentials.createInsecure()), true);
    } finally {
      await node.stop();
    }
  });

  it('with a CA given, requires a client certificate signed by it (mutual TLS)', async () => {
    const node = await startNode({ id: 1, tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca } });
    try {
      assert.equal(await canCall(node.address, grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert)), true);
      assert.notEqual(await canCall(node.address, grpc.credentials.createSsl(certs.ca)), true, 'no client certificate: refused');
      // A certificate from another CA is refused too.
      const other = mkdtempSync(path.join(os.tmpdir(), 'blixard-tls-other-'));
      try {
        const stranger = makeCertificates(other);
        assert.notEqual(await canCall(node.address, grpc.credentials.createSsl(certs.ca, stranger.clientKey, stranger.clientCert)), true);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    } finally {
      await node.stop();
    }
  });

  it('the CLI serves mutual TLS from --tls-cert/--tls-key/--tls-ca files', async () => {
    const { child, match } = await startCli(
      ['dev-cluster', '--nodes', '1', '--base-port', '0', '--vms', '1', '--quiet', '--tls-cert', path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'server.key'), '--tls-ca', path.join(dir, 'ca.pem')],
      /^blixard dev-cluster ready: (\S+)\n/m,
    );
    try {
      assert.equal(await canCall(match[1], grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert)), true);
      assert.notEqual(await canCall(match[1], grpc.credentials.createSsl(certs.ca)), true);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exitOf(child), 0);
  });

  it('the CLI on every interface with mutual TLS prints no plaintext warning', async () => {
    const { child, match, stderr } = await startCli(
      ['--id', '1', '--listen', '0.0.0.0:0', '--tls-cert', path.join(dir, 'server.pem'), '--tls-key', path.join(dir, 'server.key'), '--tls-ca', path.join(dir, 'ca.pem')],
      /^blixard-node 1 ready: (\S+)\n/m,
    );
    assert.equal(await canCall(match[1], grpc.credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert)), true);
    child.kill('SIGTERM');
    assert.equal(await exitOf(child), 0);
    assert.match(stderr(), /serving on/, 'the log is there');
    assert.doesNotMatch(stderr(), /WARNING/);
  });
});
