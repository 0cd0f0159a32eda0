// A list answered with something that is not a list — a body that is not JSON, one past the size
// limit, an empty one, JSON of another shape — is reported as what it is, through the real
// KubeClient and ResilientInformer against a local HTTP server, never as "has no items".

import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../../src/sources/kubevirt/kube-client';
import { ResilientInformer } from '../../../../src/sources/kubevirt/resilient-informer';
import { silentLogger } from '../../../../src/base/logger';
import type { KubeObject } from '../../../../src/sources/kubevirt/kube-objects';

const LIMIT = 1024 * 1024;

/** Serves `body` (200, application/json) to every request. */
async function serve(body: string | Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The message the informer reports for its first failed list. */
async function listFailure(body: string | Buffer): Promise<string> {
  const server = await serve(body);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: server.url }],
    users: [{ name: 'u', token: 'not-used' }],
    contexts: [{ name: 'hostile', cluster: 'c', user: 'u' }],
    currentContext: 'hostile',
  });
  const informer = new ResilientInformer<KubeObject>({
    resource: 'virtualmachineinstances',
    path: '/apis/kubevirt.io/v1/virtualmachineinstances',
    client: new KubeClient(kubeConfig, LIMIT),
    clusterLabel: 'hostile',
    logger: silentLogger,
    listTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    stallTimeoutMs: 5000,
    watchTimeoutSeconds: 60,
    backoff: { initialMs: 10_000, maxMs: 10_000 },
    pageSize: 500,
  });
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no list failure within 5 s')), 5000);
      informer.listen({
        onStatus: (status) => {
          if (status.state !== 'retrying') return;
          clearTimeout(timer);
          resolve(status.error.message);
        },
      });
      informer.start();
    });
  } finally {
    informer.stop();
    await server.close();
  }
}

describe('ResilientInformer: a list answer that is not a list', () => {
  it('says a body that is not JSON could not be decoded', async () => {
    assert.equal(await listFailure('{"kind":"VirtualMachineInstanceList","items":[{'), "hostile: list virtualmachineinstances failed: the server's answer (200) could not be decoded: it is not JSON");
  });

  it('says an answer past the size limit is larger than the limit', async () => {
    const huge = Buffer.alloc(LIMIT + 64 * 1024, ' ');
    assert.equal(await listFailure(huge), "hostile: list virtualmachineinstances failed: the server's answer is larger than the 1 MiB limit");
  });

  it('says an empty body was empty', async () => {
    assert.equal(await listFailure(''), "hostile: list virtualmachineinstances failed: the server's answer is not a list of virtualmachineinstances: the body was empty");
  });

  it('names the fields of JSON of another shape, without quoting their values', async () => {
    const message = await listFailure('{"kind":"Status","message":"token SECRET-abc","items":"no"}');
    assert.equal(message, "hostile: list virtualmachineinstances failed: the server's answer is not a list of virtualmachineinstances: it has no items array (fields: kind, message, items)");
    assert.equal(await listFailure('[1,2]'), "hostile: list virtualmachineinstances failed: the server's answer is not a list of virtualmachineinstances: it is a JSON array, not an object with items");
  });
});
