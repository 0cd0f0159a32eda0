// How long a KubeVirt source waits for an informer's first list, and what it says when the wait
// ends: the list's answer, the list's failure, or the source's own timeout error.

import { strict as assert } from 'node:assert';
import { SourceError } from '../../../../src/model/errors';
import type { KubeClient } from '../../../../src/sources/kubevirt/kube-client';
import type { KubeObject } from '../../../../src/sources/kubevirt/kube-objects';
import { ResilientInformer } from '../../../../src/sources/kubevirt/resilient-informer';
import { silentLogger } from '../../../../src/base/logger';

type Answer = () => Promise<unknown>;

function informer(answer: Answer): ResilientInformer<KubeObject> {
  const client = { request: () => answer() } as unknown as KubeClient;
  return new ResilientInformer<KubeObject>({
    resource: 'nodes',
    path: '/api/v1/nodes',
    client,
    clusterLabel: 'lab',
    logger: silentLogger,
    listTimeoutMs: 60_000,
    connectTimeoutMs: 60_000,
    stallTimeoutMs: 60_000,
    watchTimeoutSeconds: 300,
    backoff: { initialMs: 60_000, maxMs: 60_000 },
    pageSize: 500,
  });
}

describe('KubeVirt informer: waiting for the first list', () => {
  it('gives up after the wait with a timeout SourceError naming the cluster and resource', async () => {
    const nodes = informer(() => new Promise(() => {}));
    nodes.start();
    const started = Date.now();
    await assert.rejects(nodes.waitUntilSynced(50), (err: unknown) => err instanceof SourceError && err.code === 'timeout' && /^lab: listing nodes took longer than/.test(err.message));
    assert.ok(Date.now() - started < 5_000);
    nodes.stop();
  });

  it("says the list's own failure when it fails first", async () => {
    const nodes = informer(() => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' })));
    nodes.start();
    await assert.rejects(nodes.waitUntilSynced(5_000), (err: unknown) => err instanceof SourceError && err.code !== 'timeout');
    nodes.stop();
  });

  it('resolves once the list is in', async () => {
    const nodes = informer(() => Promise.resolve({ items: [{ metadata: { name: 'n1', resourceVersion: '1' } }], metadata: { resourceVersion: '1' } }));
    nodes.start();
    await nodes.waitUntilSynced(5_000);
    assert.equal(nodes.items.size, 1);
    nodes.stop();
  });
});
