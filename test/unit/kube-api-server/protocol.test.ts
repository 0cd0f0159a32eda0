// The Kubernetes API protocol as plain HTTP sees it: discovery, lists with resourceVersion
// and chunking, selectors, tables, create/update/patch/delete, and watch streams (events,
// selector transitions, bookmarks, 410 Expired, timeouts).
import { strict as assert } from 'node:assert';
import { startKubeApiServer, type KubeApiServer } from '../../support/kube-api-server';
import { kubeRequest, openWatch } from './kube-request';
import { waitFor } from './wait-for';

const VMIMS = '/apis/kubevirt.io/v1/virtualmachineinstancemigrations';
const NS_VMIMS = '/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstancemigrations';
const NS_VMIS = '/apis/kubevirt.io/v1/namespaces/default/virtualmachineinstances';

describe('kube-api-server: protocol', function () {
  this.timeout(30_000);
  let server: KubeApiServer;

  beforeEach(async () => {
    server = await startKubeApiServer({ bookmarkIntervalMs: 100, timing: { perPhaseMs: 5 } });
    server.addNode({ name: 'node01' });
    server.addNode({ name: 'node02' });
  });
  afterEach(async () => { await server.stop(); });

  describe('discovery', () => {
    it('serves /version without a token and the API documents kubectl reads', async () => {
      const version = await kubeRequest(server, 'GET', '/version', { token: null });
      assert.equal(version.status, 200);
      assert.equal(version.json.major, '1');
      const api = await kubeRequest(server, 'GET', '/api');
      assert.equal(api.json.kind, 'APIVersions');
      assert.deepEqual(api.json.versions, ['v1']);
      const groups = await kubeRequest(server, 'GET', '/apis');
      assert.equal(groups.json.kind, 'APIGroupList');
      assert.ok(groups.json.groups.some((g: { name: string }) => g.name === 'kubevirt.io'));
      const group = await kubeRequest(server, 'GET', '/apis/kubevirt.io');
      assert.equal(group.json.preferredVersion.groupVersion, 'kubevirt.io/v1');
    });

    it('lists KubeVirt resources with verbs, short names and kinds', async () => {
      const list = await kubeRequest(server, 'GET', '/apis/kubevirt.io/v1');
      assert.equal(list.json.kind, 'APIResourceList');
      assert.equal(list.json.groupVersion, 'kubevirt.io/v1');
      const byName = new Map(list.json.resources.map((r: { name: string }) => [r.name, r]));
      const vmim = byName.get('virtualmachineinstancemigrations') as Record<string, unknown>;
      assert.deepEqual(vmim.shortNames, ['vmim', 'vmims']);
      assert.equal(vmim.kind, 'VirtualMachineInstanceMigration');
      assert.equal(vmim.namespaced, true);
      for (const verb of ['create', 'delete', 'get', 'list', 'watch']) assert.ok((vmim.verbs as string[]).includes(verb), verb);
      assert.deepEqual((byName.get('virtualmachineinstances') as Record<string, unknown>).shortNames, ['vmi', 'vmis']);
      const core = await kubeRequest(server, 'GET', '/api/v1');
      assert.ok(core.json.resources.some((r: { name: string; namespaced: boolean }) => r.name === 'nodes' && !r.namespaced));
      const actions = await kubeRequest(server, 'GET', '/apis/subresources.kubevirt.io/v1');
      assert.deepEqual(actions.json.resources.map((r: { name: string }) => r.name).sort(), ['virtualmachines/restart', 'virtualmachines/start', 'virtualmachines/stop']);
    });

    it('serves OpenAPI: a v3 index with fieldValidation, and a schema-less v2 (protobuf for older kubectl)', async () => {
      const v3 = await kubeRequest(server, 'GET', '/openapi/v3');
      const url = v3.json.paths['apis/kubevirt.io/v1'].serverRelativeURL;
      const doc = await kubeRequest(server, 'GET', url);
      const post = doc.json.paths['/apis/kubevirt.io/v1/namespaces/{namespace}/virtualmachineinstancemigrations'].post;
      assert.ok(post.parameters.some((p: { name: string }) => p.name === 'fieldValidation'));
      const v2 = await kubeRequest(server, 'GET', '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
      assert.equal(v2.status, 200);
      assert.equal(v2.headers['content-type'], 'application/octet-stream');
      assert.ok(v2.text.startsWith('\n\u00032.0'), 'a protobuf Document with swagger "2.0"');
      assert.equal((await kubeRequest(server, 'GET', '/openapi/v2')).json.swagger, '2.0');
    });

    it('answers unknown paths with a 404 Status', async () => {
      const res = await kubeRequest(server, 'GET', '/apis/kubevirt.io/v1/namespaces/default/widgets');
      assert.equal(res.status, 404);
      assert.equal(res.json.kind, 'Status');
      assert.equal(res.json.reason, 'NotFound');
    });
  });

  describe('lists', () => {
    it('carries metadata.resourceVersion, orders by namespace/name and filters by labels and fields', async () => {
      server.addNamespace('other');
      server.addVmi({ name: 'b', node: 'node01', labels: { tier: 'web' } });
      server.addVmi({ name: 'a', node: 'node02', labels: { tier: 'db' } });
      server.addVmi({ name: 'c', namespace: 'other', node: 'node01', labels: { tier: 'web' } });
      const all = await kubeRequest(server, 'GET', '/apis/kubevirt.io/v1/virtualmachineinstances');
      assert.equal(all.json.kind, 'VirtualMachineInstanceList');
      assert.equal(all.json.metadata.resourceVersion, String(server.resourceVersion()));
      assert.deepEqual(all.json.items.map((i: { metadata: { namespace: string; name: string } }) => `${i.metadata.namespace}/${i.metadata.name}`), ['default/a', 'default/b', 'other/c']);
      const web = await kubeRequest(server, 'GET', `/apis/kubevirt.io/v1/virtualmachineinstances?labelSelector=${encodeURIComponent('tier in (web),kubevirt.io/nodeName=node01')}`);
      assert.deepEqual(web.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['b', 'c']);
      const notWeb = await kubeRequest(server, 'GET', `${NS_VMIS}?labelSelector=${encodeURIComponent('tier!=web')}`);
      assert.deepEqual(notWeb.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['a']);
      const byName = await kubeRequest(server, 'GET', `${NS_VMIS}?fieldSelector=metadata.name%3Db`);
      assert.deepEqual(byName.json.items.map((i: { metadata: { name: string } }) => i.metadata.name), ['b']);
      const unsupported = await kubeRequest(server, 'GET', `${NS_VMIS}?fieldSelector=status.nodeName%3Dnode01`);
      assert.equal(unsupported.status, 400);
      assert.match(unsupported.json.message, /field label not supported: status.nodeName/);
      const nodes = await kubeRequest(server, 'GET', '/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse');
      assert.equal(nodes.json.items.length, 2);
    });

    it('pages with limit/continue and reports the remaining count', async () => {
      for (let i = 0; i < 7; i++) server.addVmi({ name: `vmi-${i}`, node: 'node01' });
      const seen: string[] = [];
      let next = '';
      let pages = 0;
      let firstRv = '';
      do {
        const res = await kubeRequest(server, 'GET', `${NS_VMIS}?limit=3${next ? `&continue=${encodeURIComponent(next)}` : ''}`);
        assert.equal(res.status, 200, res.text);
        if (!pages) { firstRv = res.json.metadata.resourceVersion; assert.equal(res.json.metadata.remainingItemCount, 4); }
        assert.equal(res.json.metadata.resourceVersion, firstRv);
        seen.push(...res.json.items.map((i: { metadata: { name: string } }) => i.metadata.name));
        next = res.json.metadata.continue ?? '';
        pages++;
      } while (next);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ['vmi-0', 'vmi-1', 'vmi-2', 'vmi-3', 'vmi-4', 'vmi-5', 'vmi-6']);
      const bad = await kubeRequest(server, 'GET', `${NS_VMIS}?limit=3&continue=garbage`);
      assert.equal(bad.status, 400);
    });

    it('serves Tables to kubectl-style Accept headers and refuses a resourceVersion from the future', async () => {
      server.addVmi({ name: 'vmi-t', node: 'node02' });
      const res = await kubeRequest(server, 'GET', NS_VMIS, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json' });
      assert.equal(res.json.kind, 'Table');
      const columns = res.json.columnDefinitions.map((c: { name: string }) => c.name);
      assert.deepEqual(columns.slice(0, 6), ['Name', 'Age', 'Phase', 'IP', 'NodeName', 'Ready']);
      assert.equal(res.json.rows[0].cells[0], 'vmi-t');
      assert.equal(res.json.rows[0].cells[4], 'node02');
      assert.equal(res.json.rows[0].object.kind, 'PartialObjectMetadata');
      const future = await kubeRequest(server, 'GET', `${NS_VMIS}?resourceVersion=${server.resourceVersion() + 100}`);
      assert.equal(future.status, 504);
    });
  });

  describe('writes', () => {
    it('creates with generateName, refuses duplicates, bad names and unknown namespaces', async () => {
      const vmi = server.addVmi({ name: 'target', node: 'node01' });
      assert.ok(vmi.metadata.uid);
      const body = { apiVersion: 'kubevirt.io/v1', kind: 'VirtualMachineInstanceMigration', metadata: { generateName: 'kubevirt-migrate-vm-' }, spec: { vmiName: 'target' } };
      const created = await kubeRequest(server, 'POST', NS_VMIMS, { body });
      assert.equal(created.status, 201, created.text);
      assert.match(created.json.metadata.name, /^kubevirt-migrate-vm-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.ok(Number(created.json.metadata.resourceVersion) > 0);
      assert.ok(created.json.metadata.uid);
      assert.match(created.json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node01' } };
      const dup = await kubeRequest(server, 'POST', '/api/v1/nodes', { body: node });
      assert.equal(dup.status, 409);
      assert.equal(dup.json.reason, 'AlreadyExists');
      assert.equal(dup.json.message, 'nodes "node01" already exists');
      const badName = await kubeRequest(server, 'POST', '/api/v1/nodes', { body: { ...node, metadata: { name: 'Not_Valid' } } });
      assert.equal(badName.status, 422);
      assert.equal(badName.json.reason, 'Invalid');
      const noNs = await kubeRequest(server, 'POST', '/apis/kubevirt.io/v1/namespaces/nowhere/virtualmachineinstancemigrations', { body });
      assert.equal(noNs.status, 404);
      assert.equal(noNs.json.message, 'namespaces "nowhere" not found');
      const badJson = await kubeRequest(server, 'POST', NS_VMIMS, { body: '{not json' });
      assert.equal(badJson.status, 400);
      assert.equal(badJson.json.kind, 'Status');
    });

    it('updates with resourceVersion preconditions and applies merge and JSON patches', async () => {
      server.addVmi({ name: 'p', node: 'node01' });
      const current = (await kubeRequest(server, 'GET', `${NS_VMIS}/p`)).json;
      const stale = { ...current, metadata: { ...current.metadata, resourceVersion: '1' } };
      const conflict = await kubeRequest(server, 'PUT', `${NS_VMIS}/p`, { body: stale });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.json.reason, 'Conflict');
      const merge = await kubeRequest(server, 'PATCH', `${NS_VMIS}/p`, { body: { metadata: { labels: { team: 'a' } } }, contentType: 'application/merge-patch+json' });
      assert.equal(merge.status, 200, merge.text);
      assert.equal(merge.json.metadata.labels.team, 'a');
      assert.ok(Number(merge.json.metadata.resourceVersion) > Number(current.metadata.resourceVersion));
      const json = await kubeRequest(server, 'PATCH', `${NS_VMIS}/p`, { body: [{ op: 'replace', path: '/metadata/labels/team', value: 'b' }], contentType: 'application/json-patch+json' });
      assert.equal(json.json.metadata.labels.team, 'b');
      const smp = await kubeRequest(server, 'PATCH', `${NS_VMIS}/p`, { body: {}, contentType: 'application/strategic-merge-patch+json' });
      assert.equal(smp.status, 415);
    });

    it('deletes: Status Success when gone at once, the marked object when a finalizer holds it', async () => {
      const gone = await kubeRequest(server, 'DELETE', '/api/v1/nodes/node02');
      assert.equal(gone.status, 200);
      assert.equal(gone.json.kind, 'Status');
      assert.equal(gone.json.status, 'Success');
      assert.equal(gone.json.details.name, 'node02');
      server.addVmi({ name: 'held', node: 'node01' });
      const held = await kubeRequest(server, 'DELETE', `${NS_VMIS}/held`);
      assert.equal(held.status, 200);
      assert.equal(held.json.kind, 'VirtualMachineInstance');
      assert.ok(held.json.metadata.deletionTimestamp);
      await waitFor(() => !server.objects.get('vmi', 'default', 'held'), 'the VMI to shut down and go');
      const missing = await kubeRequest(server, 'DELETE', `${NS_VMIS}/held`);
      assert.equal(missing.status, 404);
    });
  });

  describe('watch', () => {
    it('streams ADDED, MODIFIED and DELETED from a list resourceVersion, one JSON object per line', async () => {
      const list = await kubeRequest(server, 'GET', NS_VMIS);
      const watch = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`);
      assert.equal(await watch.status(), 200);
      server.addVmi({ name: 'w', node: 'node01' });
      await kubeRequest(server, 'PATCH', `${NS_VMIS}/w`, { body: { metadata: { labels: { x: '1' } } }, contentType: 'application/merge-patch+json' });
      await kubeRequest(server, 'DELETE', `${NS_VMIS}/w`);
      await watch.waitFor((ev) => ev.some((e) => e.type === 'DELETED'), 5000, 'DELETED');
      const types = watch.events.map((e) => e.type);
      assert.deepEqual([types[0], types[1]], ['ADDED', 'MODIFIED']);
      assert.equal(types[types.length - 1], 'DELETED');
      const rvs = watch.events.map((e) => Number(e.object.metadata.resourceVersion));
      assert.deepEqual(rvs, [...rvs].sort((a, b) => a - b), 'resourceVersions increase');
      for (const line of watch.lines) assert.doesNotThrow(() => JSON.parse(line));
      watch.close();
    });

    it('starts with the current state when no resourceVersion is given, and resumes without repeats', async () => {
      server.addVmi({ name: 'one', node: 'node01' });
      const initial = openWatch(server, `${NS_VMIS}?watch=1`);
      await initial.waitFor((ev) => ev.length >= 1, 5000, 'initial ADDED');
      assert.equal(initial.events[0].type, 'ADDED');
      const rv = initial.events[0].object.metadata.resourceVersion;
      initial.close();
      server.addVmi({ name: 'two', node: 'node01' });
      const resumed = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${rv}`);
      await resumed.waitFor((ev) => ev.length >= 1, 5000, 'resumed event');
      assert.deepEqual(resumed.events.map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:two']);
      resumed.close();
    });

    it('turns label changes into ADDED/DELETED for a selector watch', async () => {
      server.addVmi({ name: 's', node: 'node01' });
      const rv = server.resourceVersion();
      const watch = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${rv}&labelSelector=pick%3Dyes`);
      await kubeRequest(server, 'PATCH', `${NS_VMIS}/s`, { body: { metadata: { labels: { pick: 'yes' } } }, contentType: 'application/merge-patch+json' });
      await kubeRequest(server, 'PATCH', `${NS_VMIS}/s`, { body: { metadata: { labels: { pick: 'no' } } }, contentType: 'application/merge-patch+json' });
      await watch.waitFor((ev) => ev.length >= 2, 5000, 'two events');
      assert.deepEqual(watch.events.map((e) => e.type), ['ADDED', 'DELETED']);
      watch.close();
    });

    it('sends BOOKMARKs only when allowed, and honours sendInitialEvents', async () => {
      const rv = server.resourceVersion();
      const plain = openWatch(server, `${VMIMS}?watch=true&resourceVersion=${rv}`);
      const marked = openWatch(server, `${VMIMS}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`);
      await marked.waitFor((ev) => ev.filter((e) => e.type === 'BOOKMARK').length >= 2, 5000, 'two bookmarks');
      const bookmark = marked.events[0].object;
      assert.equal(bookmark.kind, 'VirtualMachineInstanceMigration');
      assert.equal(bookmark.apiVersion, 'kubevirt.io/v1');
      assert.ok(Number(bookmark.metadata.resourceVersion) >= rv);
      assert.equal(plain.events.length, 0);
      plain.close();
      marked.close();
      server.addVmi({ name: 'init', node: 'node01' });
      const streaming = openWatch(server, `${NS_VMIS}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=`);
      await streaming.waitFor((ev) => ev.some((e) => e.type === 'BOOKMARK'), 5000, 'initial-events-end bookmark');
      assert.equal(streaming.events[0].type, 'ADDED');
      const end = streaming.events.find((e) => e.type === 'BOOKMARK')!;
      assert.equal(end.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
      streaming.close();
    });

    it('answers a resourceVersion older than the retained window with ERROR 410 Expired and closes', async () => {
      const oldRv = server.resourceVersion();
      server.addVmi({ name: 'x', node: 'node01' });
      server.faults.compactHistory();
      const watch = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${oldRv}`);
      assert.equal(await watch.status(), 200);
      assert.equal(await watch.ended, true);
      assert.equal(watch.events.length, 1);
      assert.equal(watch.events[0].type, 'ERROR');
      const status = watch.events[0].object;
      assert.equal(status.kind, 'Status');
      assert.equal(status.code, 410);
      assert.equal(status.reason, 'Expired');
      assert.match(status.message, /^too old resource version: \d+ \(\d+\)$/);
    });

    it('makes a compaction expire every watch behind it: open ones get ERROR 410, resuming ones 410, a relist recovers', async () => {
      server.addVmi({ name: 'x', node: 'node01' });
      const listed = await kubeRequest(server, 'GET', NS_VMIS);
      const listedRv = Number(listed.json.metadata.resourceVersion);
      const open = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${listedRv}&allowWatchBookmarks=true`);
      await open.waitFor((ev) => ev.some((e) => e.type === 'BOOKMARK'), 5000, 'the open watch to be live');
      server.faults.compactHistory();
      assert.equal(await open.ended, true, 'the open watch closes properly');
      const error = open.events.at(-1)!;
      assert.equal(error.type, 'ERROR');
      assert.equal(error.object.code, 410);
      assert.equal(error.object.reason, 'Expired');
      assert.equal(error.object.message, 'The resourceVersion for the provided watch is too old.');
      // Even the resourceVersion the client has just been handed is behind the compaction.
      const resumed = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${listedRv}`);
      assert.equal(await resumed.ended, true);
      assert.equal(resumed.events[0].object.code, 410);
      const relisted = await kubeRequest(server, 'GET', NS_VMIS);
      const fresh = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${relisted.json.metadata.resourceVersion}`);
      server.addVmi({ name: 'y', node: 'node01' });
      await fresh.waitFor((ev) => ev.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'y'), 5000, 'the next event on the relisted watch');
      fresh.close();
    });

    it('keeps a small event window: falling too far behind expires', async () => {
      const small = await startKubeApiServer({ tls: false, eventWindow: 10 });
      try {
        small.addNode({ name: 'n1' });
        const rv = small.resourceVersion();
        for (let i = 0; i < 30; i++) small.addVmi({ name: `v${i}`, node: 'n1' });
        const stale = openWatch(small, `${NS_VMIS}?watch=true&resourceVersion=${rv}`);
        assert.equal(await stale.ended, true);
        assert.equal(stale.events[0].object.code, 410);
        const fresh = openWatch(small, `${NS_VMIS}?watch=true&resourceVersion=${small.resourceVersion() - 2}`);
        await fresh.waitFor((ev) => ev.length === 2, 5000, 'two recent events');
        fresh.close();
      } finally {
        await small.stop();
      }
    });

    it('closes the stream after timeoutSeconds', async () => {
      const started = Date.now();
      const watch = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${server.resourceVersion()}&timeoutSeconds=1`);
      assert.equal(await watch.ended, true);
      assert.ok(Date.now() - started >= 900, 'not before the timeout');
    });

    it('streams Tables to kubectl, with column definitions only in the first event', async () => {
      const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
      const watch = openWatch(server, `${NS_VMIS}?watch=true&resourceVersion=${server.resourceVersion()}`, { accept });
      server.addVmi({ name: 't1', node: 'node01' });
      server.addVmi({ name: 't2', node: 'node02' });
      await watch.waitFor((ev) => ev.length >= 2, 5000, 'two table events');
      assert.equal(watch.events[0].object.kind, 'Table');
      assert.ok(watch.events[0].object.columnDefinitions.length > 0);
      assert.equal(watch.events[1].object.columnDefinitions, undefined);
      assert.equal(watch.events[1].object.rows[0].cells[0], 't2');
      watch.close();
    });
  });

  it('speaks plain HTTP too', async () => {
    const plain = await startKubeApiServer({ tls: false });
    try {
      assert.match(plain.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(plain.caData, undefined);
      const res = await kubeRequest(plain, 'GET', '/api/v1/nodes');
      assert.equal(res.status, 200);
      assert.equal(res.json.kind, 'NodeList');
    } finally {
      await plain.stop();
    }
  });
});
