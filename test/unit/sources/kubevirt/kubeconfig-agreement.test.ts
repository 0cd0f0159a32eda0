// Planning (which contexts become clusters, create-sources.ts) and loading (what a context's
// source connects to, kubeconfig-loader.ts) read the same files: one reader and one merge, so a
// context is the same context to both, however oddly the files are written.

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planClusterSpecs } from '../../../../src/sources/create-sources';
import { listKubeContexts, loadKubeConfigForContext } from '../../../../src/sources/kubevirt/kubeconfig-loader';

// Valid YAML a person may well write: anchors and aliases (and a merge key), a context listed
// twice in one file and again in the next, a cluster defined only in the second file, no
// current-context in the first, and a second file in JSON.
const FIRST = `
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: &lab {server: "https://lab.example:6443", insecure-skip-tls-verify: true}
- name: lab-again
  cluster: *lab
- name: edge
  cluster:
    <<: *lab
    server: https://edge.example:6443
users:
- name: me
  user: &me {token: first-token-value}
contexts:
- name: lab
  context: &labctx {cluster: lab, user: me}
- name: twin
  context: {cluster: lab-again, user: me}
- name: lab
  context: {cluster: edge, user: me}
- name: edge
  context:
    <<: *labctx
    cluster: edge
- name: far
  context: {cluster: far, user: me}
`;
const SECOND = JSON.stringify({
  'current-context': 'edge',
  clusters: [
    { name: 'far', cluster: { server: 'https://far.example:6443', 'insecure-skip-tls-verify': true } },
    { name: 'lab', cluster: { server: 'https://shadowed.example:6443' } },
  ],
  users: [{ name: 'me', user: { token: 'second-token-value' } }],
  contexts: [
    { name: 'edge', context: { cluster: 'far', user: 'me' } },
    { name: 'second-only', context: { cluster: 'lab', user: 'me' } },
  ],
});

describe('kubeconfig: planning and loading agree', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'blixard-kubeconfig-agree-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on which contexts there are, which cluster and user each reaches, and which is current', async () => {
    const first = path.join(dir, 'first.yaml');
    const second = path.join(dir, 'second.json');
    writeFileSync(first, FIRST);
    writeFileSync(second, SECOND);
    const paths = [first, second];

    const plan = await planClusterSpecs({ blixardClusters: [], kubeconfigFiles: paths.map((p) => ({ path: p, explicit: true })), kubeContexts: [] });
    assert.deepEqual(plan.problems, []);
    const planned = plan.specs.map((s) => (s.kind === 'kubevirt' ? s : assert.fail(s.kind)));
    const listed = await listKubeContexts(paths);
    const names = ['lab', 'twin', 'edge', 'far', 'second-only'];
    assert.deepEqual(planned.map((s) => s.context), names);
    assert.deepEqual(listed.contexts.map((c) => c.name), names);
    assert.equal(listed.currentContext, 'edge', 'the first file sets none: the second one says');

    const servers: Record<string, string | undefined> = {};
    for (const spec of planned) {
      const kc = await loadKubeConfigForContext(spec.kubeconfigPaths, spec.context);
      const loaded = kc.getCurrentCluster()?.server;
      servers[spec.context] = loaded;
      assert.equal(loaded, listed.contexts.find((c) => c.name === spec.context)?.server, spec.context);
      assert.equal(kc.getCurrentUser()?.token, 'first-token-value', `${spec.context}: the first file's user`);
    }
    // The first entry of a context listed twice, the first file's cluster of a name defined twice.
    assert.deepEqual(servers, {
      lab: 'https://lab.example:6443',
      twin: 'https://lab.example:6443',
      edge: 'https://edge.example:6443',
      far: 'https://far.example:6443',
      'second-only': 'https://lab.example:6443',
    });
    // Planning counts two contexts as one cluster exactly when they load the same server.
    const identity = Object.fromEntries(planned.map((s) => [s.context, s.clusterIdentity]));
    assert.equal(identity.lab, identity.twin);
    assert.equal(identity.lab, identity['second-only']);
    assert.notEqual(identity.lab, identity.edge);
    assert.notEqual(identity.edge, identity.far);
  });
});
