// Fault injection: dropped and stalled watches, forced 410, failing requests, and restarts
// on the same port with and without the state.
import { strict as assert } from 'node:assert';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { kubeRequest, openWatch } from './kube-request';
import { waitFor } from './wait-for';

const VMIS = '/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances';

describe('kube-api-server: faults', function () {
  this.timeout(30_000);
  let server: KubeApiServer;

  beforeEach(async () => {
    server = await startKubeApiServer({ bookmarkIntervalMs: 50, timing: { perPhaseMs: 5 } });
    server.addNode({ name: 'node01' });
    server.addNode({ name: 'node02' });
  });
  afterEach(async () => { await server.stop(); });

  it('drops watches abruptly or with a clean end of stream', async () => {
    const abrupt = openWatch(server, `${VMIS}?watch=true&resourceVersion=${server.resourceVersion()}`);
    const clean = openWatch(server, `/api/v1/nodes?watch=true&resourceVersion=${server.resourceVersion()}`);
    await abrupt.status();
    await clean.status();
    assert.equal(server.openWatchCount(), 2);
    assert.equal(server.faults.dropWatches(), 2);
    assert.equal(await abrupt.ended, false, 'an abrupt drop is not a clean end');
    const again = openWatch(server, `${VMIS}?watch=true&resourceVersion=${server.resourceVersion()}`);
    await again.status();
    server.faults.dropWatches({ graceful: true });
    assert.equal(await again.ended, true);
    assert.equal(server.openWatchCount(), 0);
    clean.close();
  });

  it('stalls watches: connected, but no events and no bookmarks', async () => {
    const stalled = openWatch(server, `${VMIS}?watch=true&resourceVersion=${server.resourceVersion()}&allowWatchBookmarks=true`);
    await stalled.waitFor((ev) => ev.some((e) => e.type === 'BOOKMARK'), 5000, 'a bookmark before the stall');
    const before = stalled.events.length;
    assert.equal(server.faults.stallWatches(), 1);
    server.addVmi({ name: 'unseen', node: 'node01' });
    const healthy = openWatch(server, `${VMIS}?watch=true&allowWatchBookmarks=true`);
    await healthy.waitFor((ev) => ev.some((e) => e.object?.metadata?.name === 'unseen') && ev.some((e) => e.type === 'BOOKMARK'), 5000, 'a healthy watch still works');
    await new Promise((r) => setTimeout(r, 300)); // several bookmark intervals: a stall must stay silent
    assert.equal(stalled.events.length, before);
    assert.equal(server.openWatchCount(), 2, 'the stalled connection stays open');
    server.faults.stallNewWatches(true);
    const born = openWatch(server, `${VMIS}?watch=true&allowWatchBookmarks=true`);
    assert.equal(await born.status(), 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(born.events.length, 0, 'a watch born stalled sends not even its initial events');
    server.faults.stallNewWatches(false);
    for (const w of [stalled, healthy, born]) w.close();
  });

  it('forces a 410 on the next watch that resumes from a resourceVersion', async () => {
    server.faults.expireNextWatch();
    const first = openWatch(server, `${VMIS}?watch=true&resourceVersion=${server.resourceVersion()}`);
    assert.equal(await first.ended, true);
    assert.equal(first.events[0].object.code, 410);
    const second = openWatch(server, `${VMIS}?watch=true&resourceVersion=${server.resourceVersion()}`);
    server.addVmi({ name: 'fine', node: 'node01' });
    await second.waitFor((ev) => ev.some((e) => e.type === 'ADDED'), 5000, 'normal service after one 410');
    second.close();
  });

  it('fails the next N requests with 500 Status, then serves again', async () => {
    server.faults.failRequests(2);
    for (let i = 0; i < 2; i++) {
      const res = await kubeRequest(server, 'GET', '/api/v1/nodes');
      assert.equal(res.status, 500);
      assert.equal(res.json.reason, 'InternalError');
    }
    assert.equal((await kubeRequest(server, 'GET', '/api/v1/nodes')).status, 200);
    server.faults.failRequests(1, { status: 503, match: (method) => method === 'POST' });
    assert.equal((await kubeRequest(server, 'GET', '/api/v1/nodes')).status, 200);
    const post = await kubeRequest(server, 'POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node03' } } });
    assert.equal(post.status, 503);
  });

  it('restarts on the same port keeping state; resuming an old watch gets 410', async () => {
    server.addVmi({ name: 'kept', node: 'node01' });
    const port = server.port;
    const rv = server.resourceVersion();
    const watch = openWatch(server, `${VMIS}?watch=true&resourceVersion=${rv}`);
    await watch.status();
    await server.restart({ downMs: 50 });
    assert.equal(await watch.ended, false, 'the watch was cut');
    assert.equal(server.port, port);
    const list = await kubeRequest(server, 'GET', VMIS);
    assert.deepEqual(list.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['kept']);
    assert.ok(Number(list.json.metadata.resourceVersion) >= rv);
    const resumed = openWatch(server, `${VMIS}?watch=true&resourceVersion=${rv}`);
    assert.equal(await resumed.ended, true);
    assert.equal(resumed.events[0].object.code, 410);
    const m = server.createMigration({ vmiName: 'kept' });
    await waitFor(() => server.objects.migration({ uid: m.metadata.uid })?.finalPhase === 'Succeeded', 'controllers run after the restart');
  });

  it('restarts without state: objects gone, resourceVersions keep rising, the ground truth remembers', async () => {
    server.addVmi({ name: 'lost', node: 'node01' });
    server.setTiming({ phaseMs: { Running: 60_000 } });
    const m = server.createMigration({ vmiName: 'lost' });
    await waitFor(() => server.objects.get('vmim', 'default', m.metadata.name!)?.status?.phase === 'Running', 'Running');
    const rv = server.resourceVersion();
    await server.restart({ keepState: false });
    const nodes = await kubeRequest(server, 'GET', '/api/v1/nodes');
    assert.equal(nodes.json.items.length, 0);
    assert.ok(Number(nodes.json.metadata.resourceVersion) >= rv);
    const truth = server.objects.migration({ uid: m.metadata.uid })!;
    assert.equal(truth.deletionCause, 'state-reset');
    assert.equal(truth.phases[truth.phases.length - 1].phase, 'Running');
    const ns = await kubeRequest(server, 'GET', '/api/v1/namespaces/default');
    assert.equal(ns.status, 200, 'base namespaces come back');
  });

  it('makes a chosen migration fail', async () => {
    server.addVmi({ name: 'a', node: 'node01' });
    server.addVmi({ name: 'b', node: 'node01' });
    server.faults.failMigration({ vmiName: 'b' }, { atPhase: 'TargetReady', reason: 'boom' });
    const ma = server.createMigration({ vmiName: 'a' });
    const mb = server.createMigration({ vmiName: 'b' });
    await waitFor(() => server.objects.migration({ uid: ma.metadata.uid })?.finalPhase && server.objects.migration({ uid: mb.metadata.uid })?.finalPhase, 'both to end');
    assert.equal(server.objects.migration({ uid: ma.metadata.uid })!.finalPhase, 'Succeeded');
    const b = server.objects.migration({ uid: mb.metadata.uid })!;
    assert.equal(b.finalPhase, 'Failed');
    await waitFor(() => server.objects.migration({ uid: mb.metadata.uid })!.failureReason === 'boom', 'reason recorded');
  });
});
